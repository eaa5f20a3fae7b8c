//! The seam of `spec/Jar/JAVM/Seam.lean`: the spec's `pvmRun` / `pvmResume` give the same
//! outcome whichever engine runs behind them (the generated reference, the interpreter, the
//! recompiler), on random programs and states, including resumption after host calls, page
//! faults and running out of gas.

use jarkit::crosscheck::{gen, rules};
use jarkit::reference::ReferenceVm;
use jarkit::seam::{with_engine, SeamEngine};
use jarkit_spec::jar::{self, VariantId};
use jarkit_spec::prelude::Nat;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// An outcome in a canonical form: exit, pc, registers, gas, the mapped pages with their access,
/// and every page's contents (all-zero pages dropped, as unwritten pages read as zeros).
fn canonical(o: &jar::Outcome) -> (String, u64, Vec<u64>, u64, Vec<(u64, bool)>, Vec<(u64, Vec<u8>)>) {
    let m = &o.machine;
    let mut mapped = Vec::new();
    for r in &m.memory.regions {
        for k in 0..r.count.0 {
            mapped.push((r.first.0 + k, r.writable));
        }
    }
    mapped.sort();
    mapped.dedup_by_key(|p| p.0);
    let mut pages: Vec<(u64, Vec<u8>)> = m.memory.pages.iter().filter(|p| p.data.0.iter().any(|&b| b != 0)).map(|p| (p.index.0, p.data.0.to_vec())).collect();
    pages.sort();
    (format!("{:?}", o.exit), m.pc.0, m.regs.clone(), m.gas.0, mapped, pages)
}

/// Runs the spec's program to its first exit and then resumes up to three times, on `engine`.
fn session(engine: SeamEngine, p: &jar::Program, g: &jar::GasCharge, m: &jar::Machine) -> Vec<String> {
    with_engine(engine, || {
        let mut out = Vec::new();
        let mut o = jar::pvm_run(p.clone(), g.clone(), m.clone());
        for round in 0..4 {
            let Some(cur) = o else {
                out.push("final".into());
                break;
            };
            out.push(format!("{:?}", canonical(&cur)));
            let resumable = matches!(cur.exit, jar::Exit::HostCall(_) | jar::Exit::PageFault(_) | jar::Exit::OutOfGas | jar::Exit::Ecall);
            if !resumable || round == 3 {
                break;
            }
            // The host's answer: a register changed, and more gas after running out.
            let mut next = cur.clone();
            next.machine.regs[7] = next.machine.regs[7].wrapping_add(round as u64 + 1);
            if matches!(cur.exit, jar::Exit::OutOfGas) {
                next.machine.gas = Nat(next.machine.gas.0 + 50);
            }
            o = jar::pvm_resume(p.clone(), g.clone(), next);
        }
        out
    })
}

/// The interpreter's and the recompiler's sessions are the reference's.
fn engines_agree(p: &jar::Program, g: &jar::GasCharge, m: &jar::Machine, what: &str) -> Result<(), TestCaseError> {
    let reference = session(SeamEngine::Reference, p, g, m);
    for engine in [SeamEngine::Interpreter, SeamEngine::Compiler] {
        let got = session(engine, p, g, m);
        prop_assert_eq!(&got, &reference, "{:?} on {}", engine, what);
    }
    Ok(())
}

#[test]
fn every_engine_behind_the_seam_gives_the_spec_outcome() {
    for id in [VariantId::Gp072Tiny, VariantId::Jar080Tiny] {
        let rules = rules(id);
        let mut runner = TestRunner::new(Config { cases: 300, failure_persistence: None, ..Config::default() });
        runner
            .run(&gen::case(), |case| {
                let setup = gen::setup(&case, &rules);
                let Ok((p, g, m)) = ReferenceVm::spec_parts(&setup) else { return Ok(()) };
                engines_agree(&p, &g, &m, &format!("{id:?}"))
            })
            .unwrap();
    }
}

/// A run that starts at a pc which is not an instruction (a service whose code bitmask does not
/// mark its entry, found by the `accumulate` fuzz target) panics there on every engine, paying
/// what the spec's first step charges (one gas under GP 0.7.2's per-instruction model; javm's
/// engines charged nothing before).
#[test]
fn a_start_that_is_not_an_instruction_costs_what_the_spec_charges() {
    for id in [VariantId::Gp072Tiny, VariantId::Jar080Tiny] {
        let rules = rules(id);
        let mut runner = TestRunner::new(Config { cases: 200, failure_persistence: None, ..Config::default() });
        runner
            .run(&(gen::case(), 0u64..48), |(case, pc)| {
                let setup = gen::setup(&case, &rules);
                let Ok((p, g, mut m)) = ReferenceVm::spec_parts(&setup) else { return Ok(()) };
                m.pc = Nat(pc);
                engines_agree(&p, &g, &m, &format!("{id:?} from pc {pc}"))
            })
            .unwrap();
    }
}
