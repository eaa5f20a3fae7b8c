//! The spec ⇄ runtime cross-check: random programs and states run on the reference executor
//! (generated from the Lean spec) and on the hand-tuned interpreter; the exit, pc, every
//! register, gas and every page must agree. A divergence is shrunk by proptest and printed as the
//! minimal program's disassembly with both final states side by side.

pub mod asm;
pub mod polkavm_oracle;
pub mod gen;

use jarkit_spec::jar::{Variant, VariantId};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::reference::{self, Final, Setup};
pub use gen::Rules;

/// The execution rules of a variant, as far as the cross-check exercises them. Every variant uses
/// the GP numbering; gp072_* run segmented memory with one gas per instruction; the JAR variants
/// run linear memory with block gas from the spec's single-pass pipeline model.
pub fn rules(id: VariantId) -> Rules {
    jarkit_spec::with_variant!(id, V => Rules {
        ecalli_ends_block: V::ECALLI_ENDS_BLOCK,
        linear_memory: V::MEMORY_MODEL != jarkit_spec::jar::MemoryModel::Segmented,
        per_block_gas: V::GAS_MODEL != jarkit_spec::jar::GasModel::PerInstruction,
        numbering: javm::Numbering::Gp,
        valid_only: false,
    })
}

/// PolkaVM's rules, as `.polkavm` programs and the spectool vectors run: its JamV1 numbering,
/// paged memory above a guard zone, `ecalli` inside blocks, and block gas from the full pipeline
/// model.
pub fn polkavm_rules() -> Rules {
    Rules { ecalli_ends_block: false, linear_memory: false, per_block_gas: true, numbering: javm::Numbering::PolkaVm, valid_only: false }
}

/// The rules `name` selects: a variant, or `polkavm` for [`polkavm_rules`].
pub fn rules_named(name: &str) -> Result<Rules, String> {
    if name == "polkavm" {
        return Ok(polkavm_rules());
    }
    Ok(rules(name.parse::<VariantId>()?))
}

/// Fuel for the reference executor: enough for any run the gas allows.
fn fuel(setup: &Setup) -> u64 {
    setup.gas.saturating_mul(64).saturating_add(64)
}

/// Runs one setup on the reference executor, the interpreter and (where there is one) the
/// recompiler, and returns the agreed final state and whether the recompiler ran; `Err`
/// describes the divergence.
pub fn compare(setup: &Setup) -> Result<(Final, bool), String> {
    let want = reference::run(setup, fuel(setup))?;
    let got = reference::run_interpreter(setup)?;
    if want != got {
        return Err(describe(setup, &want, &got, "interpreter"));
    }
    let compiled = reference::run_compiled(setup)?;
    if let Some(c) = &compiled {
        if want != *c {
            return Err(describe(setup, &want, c, "recompiler"));
        }
        // The same program where no guest space can be reserved: the page-table walk.
        if let Some(t) = reference::run_compiled_on_page_table(setup)? {
            if want != t {
                return Err(describe(setup, &want, &t, "recompiler, page table"));
            }
        }
    }
    // A linear layout (jar080, jar1) also runs on the linear memory model, natively.
    if let Some((interpreted, compiled)) = reference::run_linear(setup)? {
        if want != interpreted {
            return Err(describe(setup, &want, &interpreted, "interpreter, linear memory"));
        }
        if let Some(c) = compiled {
            if want != c {
                return Err(describe(setup, &want, &c, "recompiler, linear memory"));
            }
        }
    }
    Ok((want, compiled.is_some()))
}

/// Under PolkaVM's numbering the block costs come from javm's simulation of the full pipeline
/// model; the spec's own model must give the same cost for every block.
pub fn pipeline_models_agree(setup: &Setup) -> Result<(), String> {
    if setup.numbering != javm::Numbering::PolkaVm || setup.block_costs.is_none() {
        return Ok(());
    }
    let rules = javm::BlockRules { ecalli_ends_block: setup.ecalli_ends_block, strict: false };
    let code = javm::Code::parse(&setup.program, javm::LengthEncoding::Compact, setup.numbering, rules).map_err(|e| e.to_string())?;
    let (fast, spec) = (javm::GasCosts::pipeline(&code).block_list(), javm::GasCosts::pipeline_spec(&code).block_list());
    if fast != spec {
        let listing = javm::disasm::listing(&code);
        return Err(format!("block costs differ: javm's pipeline model {fast:?}, the spec's {spec:?}\nprogram:\n{listing}"));
    }
    Ok(())
}

/// The program's disassembly and both final states side by side.
pub fn describe(setup: &Setup, reference: &Final, interpreter: &Final, backend: &str) -> String {
    let mut out = String::from("program:\n");
    let rules = javm::BlockRules { ecalli_ends_block: setup.ecalli_ends_block, strict: false };
    if let Ok(code) = javm::Code::parse(&setup.program, javm::LengthEncoding::Compact, setup.numbering, rules) {
        for line in javm::disasm::listing(&code).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push_str(&format!("initial: regs {:x?}, gas {}\n", setup.regs, setup.gas));
    out.push_str(&format!("{:<14} {:<40} {:<40}\n", "", "reference (spec)", backend));
    let row = |out: &mut String, k: &str, a: String, b: String| {
        let mark = if a == b { " " } else { "≠" };
        out.push_str(&format!("{mark} {k:<12} {a:<40} {b:<40}\n"));
    };
    row(&mut out, "exit", format!("{:?}", reference.exit), format!("{:?}", interpreter.exit));
    row(&mut out, "pc", reference.pc.to_string(), interpreter.pc.to_string());
    row(&mut out, "gas", reference.gas.to_string(), interpreter.gas.to_string());
    for r in 0..13 {
        row(&mut out, &format!("r{r}"), format!("{:#x}", reference.regs[r]), format!("{:#x}", interpreter.regs[r]));
    }
    // Pages by number: a page with data on one side only shows as "no data" on the other.
    let mut numbers: Vec<u32> = reference.pages.iter().chain(&interpreter.pages).map(|(p, _)| *p).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let find = |f: &Final, p: u32| f.pages.iter().find(|(q, _)| *q == p).map(|(_, d)| d.clone());
    for p in numbers {
        match (find(reference, p), find(interpreter, p)) {
            (Some(a), Some(b)) if a != b => {
                let first = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(0);
                let byte = |d: &[u8]| d.get(first).map_or("none".to_string(), |x| format!("{x:#04x}"));
                row(&mut out, &format!("page {p:#x}"), format!("byte {first}: {}", byte(&a)), format!("byte {first}: {}", byte(&b)));
            }
            (Some(_), None) => row(&mut out, &format!("page {p:#x}"), "data".into(), "no data".into()),
            (None, Some(_)) => row(&mut out, &format!("page {p:#x}"), "no data".into(), "data".into()),
            _ => {}
        }
    }
    out
}

/// The result of a cross-check run.
pub struct Summary {
    pub cases: u64,
    pub divergence: Option<String>,
    /// How the agreeing runs ended (exit kind → count), and the gas they used in total: evidence
    /// that the generated programs do get somewhere.
    pub exits: std::collections::BTreeMap<&'static str, u64>,
    pub gas_used: u64,
    /// How many cases also ran on the recompiler (0 where there is none).
    pub compiled: u64,
}

/// A proptest runner of `cases` cases from `seed` (the same cases for the same seed on every
/// machine), shrinking a failure with at most `max_shrink_iters` steps: the cross-checks' and
/// the fuzzer's.
pub fn seeded_runner(cases: u32, seed: u64, max_shrink_iters: u32) -> TestRunner {
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, max_shrink_iters, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes))
}

/// A runner's verdict as the report of its (shrunk) failure, if any.
pub fn failure_of<T: std::fmt::Debug>(result: Result<(), TestError<T>>) -> Option<String> {
    match result {
        Ok(()) => None,
        Err(TestError::Fail(why, _)) => Some(why.to_string()),
        Err(TestError::Abort(why)) => Some(format!("aborted: {why}")),
    }
}

/// Runs `cases` random cases for `variant` from `seed`, stopping at the first divergence (shrunk
/// to a minimal program).
pub fn run(variant: VariantId, cases: u32, seed: u64) -> Summary {
    run_rules(&rules(variant), cases, seed)
}

/// [`run`] under explicit rules.
pub fn run_rules(rules: &Rules, cases: u32, seed: u64) -> Summary {
    let mut runner = crate::crosscheck::seeded_runner(cases, seed, 4096);
    let exits = std::cell::RefCell::new(std::collections::BTreeMap::new());
    let gas_used = std::cell::Cell::new(0u64);
    let compiled = std::cell::Cell::new(0u64);
    let result = runner.run(&gen::case(), |case| {
        let setup = gen::setup(&case, rules);
        pipeline_models_agree(&setup).map_err(TestCaseError::fail)?;
        let (fin, was_compiled) = compare(&setup).map_err(TestCaseError::fail)?;
        compiled.set(compiled.get() + u64::from(was_compiled));
        let kind = match fin.exit {
            javm::Exit::Halt => "halt",
            javm::Exit::Trap => "trap",
            javm::Exit::Panic => "panic",
            javm::Exit::OutOfGas => "out-of-gas",
            javm::Exit::PageFault(_) => "page-fault",
            javm::Exit::HostCall(_) => "host-call",
            javm::Exit::Ecall => "ecall",
        };
        *exits.borrow_mut().entry(kind).or_insert(0) += 1;
        gas_used.set(gas_used.get() + setup.gas - fin.gas);
        Ok(())
    });
    let divergence = failure_of(result);
    Summary { cases: u64::from(cases), divergence, exits: exits.into_inner(), gas_used: gas_used.get(), compiled: compiled.get() }
}
