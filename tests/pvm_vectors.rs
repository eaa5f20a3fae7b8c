//! The PVM conformance suites. Skipped (with a message) when the vectors are absent; CI sets
//! `JARKIT_VECTORS` so they always run there.

use jarkit::vectors::{pvm, vectors_for_test, CaseResult};

fn run(sub: &str, known_file: Option<&str>) {
    run_with(sub, known_file, pvm::Executor::Interpreter, pvm::GasSource::Listed);
}

fn run_with(sub: &str, known_file: Option<&str>, executor: pvm::Executor, gas: pvm::GasSource) {
    let Some(root) = vectors_for_test() else { return };
    let known = known_file.map(|f| pvm::parse_known(&std::fs::read_to_string(f).unwrap())).unwrap_or_default();
    let report = pvm::run_dir_on(&root.join(sub), &known, executor, gas).unwrap();
    print!("{}", report.render());
    assert!(report.cases.len() > 300, "suspiciously few cases in {sub}");
    assert_eq!(report.failed(), 0, "{}", report.render());
    // A known difference that now passes must be removed from the list.
    for (name, _) in known {
        let r = report.cases.iter().find(|(n, _)| *n == name).map(|(_, r)| r.clone());
        assert!(matches!(r, Some(CaseResult::KnownDifference(_))), "{name} is listed as a known difference but {r:?}");
    }
}

#[test]
fn polkavm_spectool_vectors_all_pass() {
    run("polkavm-spectool/programs", None);
}

#[test]
fn w3f_v04_vectors_pass_or_are_known_differences() {
    run("w3f/pvm/programs", Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/known-differences/w3f-pvm.txt")));
}

/// The spec's full pipeline model computes every block cost the spectool vectors list (the case
/// fails on any block whose cost differs), and the vectors pass when run with those costs.
#[test]
fn polkavm_spectool_vectors_pass_with_computed_gas() {
    run_with("polkavm-spectool/programs", None, pvm::Executor::Interpreter, pvm::GasSource::Computed);
}

/// The recompiler passes both suites as the interpreter does (resuming between steps, memory
/// mapped between runs, the same known differences).
#[test]
fn the_recompiler_passes_the_spectool_vectors() {
    run_with("polkavm-spectool/programs", None, pvm::Executor::Compiler, pvm::GasSource::Listed);
}

#[test]
fn the_recompiler_passes_the_w3f_vectors_or_known_differences() {
    let known = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/known-differences/w3f-pvm.txt");
    run_with("w3f/pvm/programs", Some(known), pvm::Executor::Compiler, pvm::GasSource::Listed);
}
