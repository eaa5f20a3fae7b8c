//! The spec ⇄ interpreter ⇄ recompiler cross-check: thousands of random programs per variant
//! agree on all three, and bugs planted in the interpreter are found (so the check can fail).

use std::sync::Mutex;

use jarkit::crosscheck;
use jarkit_spec::jar::VariantId;
use javm::planted::{self, Bug};

/// Planted bugs are process-wide: the tests in this file take turns.
static SERIAL: Mutex<()> = Mutex::new(());

fn clean_run(id: VariantId) {
    clean_run_rules(&id.to_string(), &crosscheck::rules(id));
}

/// 5000 cases under `rules` agree, and they reach every kind of ending.
fn clean_run_rules(label: &str, rules: &crosscheck::Rules) {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    planted::set(Bug::None);
    let s = crosscheck::run_rules(rules, 5000, 1);
    assert!(s.divergence.is_none(), "{label}: {}", s.divergence.unwrap_or_default());
    // Every case also ran on the recompiler (this machine is x86-64).
    #[cfg(target_arch = "x86_64")]
    assert_eq!(s.compiled, 5000, "{label}: not every case ran on the recompiler");
    eprintln!("{label}: {:?}, gas {}", s.exits, s.gas_used);
    // The programs do reach every kind of ending, not just an immediate fault.
    for kind in ["out-of-gas", "page-fault", "panic", "trap", "host-call"] {
        assert!(s.exits.get(kind).copied().unwrap_or(0) > 0, "{label}: no run ended with {kind}: {:?}", s.exits);
    }
}

#[test]
fn gp072_tiny_agrees_with_the_spec_on_5000_programs() {
    clean_run(VariantId::Gp072Tiny);
}

#[test]
fn gp072_full_agrees_with_the_spec_on_5000_programs() {
    clean_run(VariantId::Gp072Full);
}

#[test]
fn jar080_tiny_agrees_with_the_spec_on_5000_programs() {
    clean_run(VariantId::Jar080Tiny);
}

#[test]
fn jar1_agrees_with_the_spec_on_5000_programs() {
    clean_run(VariantId::Jar1);
}

/// PolkaVM's rules: its numbering (where `unlikely` is a hint inside a block) and block gas from
/// the full pipeline model.
#[test]
fn polkavm_rules_agree_with_the_spec_on_5000_programs() {
    clean_run_rules("polkavm", &crosscheck::polkavm_rules());
}

#[test]
fn planted_bugs_are_found() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for (bug, variant) in [
        (Bug::ShiftMask, VariantId::Gp072Tiny),
        (Bug::LoadSignExtension, VariantId::Gp072Tiny),
        (Bug::SignedBranch, VariantId::Gp072Tiny),
        (Bug::BlockCostOffByOne, VariantId::Jar080Tiny),
        (Bug::CompiledSubOrder, VariantId::Gp072Tiny),
        (Bug::CompiledLoadSign, VariantId::Gp072Tiny),
        (Bug::ReservedWriteUntracked, VariantId::Gp072Tiny),
        (Bug::RecycledPagesKeepData, VariantId::Gp072Tiny),
        // GP charges every instruction, so no idiom is fused there; jar080 charges per block.
        (Bug::CompiledRotateFaultState, VariantId::Jar080Tiny),
    ] {
        planted::set(bug);
        let s = crosscheck::run(variant, 5000, 7);
        planted::set(Bug::None);
        let d = s.divergence.unwrap_or_else(|| panic!("{bug:?} was not found in 5000 cases"));
        assert!(d.contains("reference (spec)") && d.contains("≠"), "{bug:?}: {d}");
        // A recompiler bug is reported against the recompiler (the interpreter agrees).
        if matches!(bug, Bug::CompiledSubOrder | Bug::CompiledLoadSign | Bug::ReservedWriteUntracked | Bug::RecycledPagesKeepData | Bug::CompiledRotateFaultState) {
            assert!(d.contains("recompiler"), "{bug:?}: {d}");
        }
        eprintln!("{bug:?} found; shrunk report:\n{d}");
    }
}

/// Bugs planted in javm's capability kernel are found by the kernel cross-check against the
/// spec's kernel, and reported against javm's.
#[test]
fn planted_kernel_bugs_are_found() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for bug in [Bug::KernelMoveCopies, Bug::KernelReplyGas] {
        planted::set(bug);
        let s = jarkit::kernel::check::run(3000, 7);
        planted::set(Bug::None);
        let d = s.divergence.unwrap_or_else(|| panic!("{bug:?} was not found in 3000 kernel cases"));
        assert!(d.contains("javm kernel"), "{bug:?}: {d}");
        eprintln!("{bug:?} found; shrunk report:\n{d}");
    }
}

/// PolkaVM 0.37's interpreter as an oracle: random programs under its rules end the same way on
/// it as on jarkit (which first agrees with itself three ways), and PolkaVM's cost of every
/// block equals the spec's full pipeline model's.
#[test]
fn polkavm_agrees_with_jarkit_on_3000_programs_and_every_block_cost() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let s = crosscheck::polkavm_oracle::run_cases(3000, 11).unwrap();
    assert!(s.divergence.is_none(), "{}", s.divergence.unwrap());
    assert_eq!(s.refused, 0, "PolkaVM loads every generated program");
    let agreed: u64 = s.exits.values().sum();
    assert_eq!(s.gas_differences, 0, "{}", s.first_gas_difference.unwrap_or_default());
    assert_eq!(agreed, 3000);
    assert!(s.resumptions > 100, "{} resumptions", s.resumptions);
}
