//! The reference executor (generated from the Lean JAVM spec, no hand-written semantics) alone
//! passes the same PVM vector suites as the interpreter.

use jarkit::vectors::pvm::{parse_known, run_dir_on, Executor, GasSource};
use jarkit::vectors::vectors_for_test;

/// With block costs from the spec's full pipeline model too (they must equal the listed ones):
/// the spec alone, instruction semantics and gas, passes the vectors.
#[test]
fn the_reference_executor_passes_the_polkavm_spectool_vectors() {
    let Some(root) = vectors_for_test() else { return };
    let report = run_dir_on(&root.join("polkavm-spectool/programs"), &Default::default(), Executor::Reference, GasSource::Computed).unwrap();
    print!("{}", report.render());
    assert_eq!(report.failed(), 0);
    // Including the four multistep cases, which resume after host calls and page faults.
    assert_eq!(report.passed(), 363);
    assert!(report.not_run.is_empty(), "{:?}", report.not_run);
}

#[test]
fn the_reference_executor_passes_the_w3f_pvm_vectors() {
    let Some(root) = vectors_for_test() else { return };
    let known = parse_known(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/known-differences/w3f-pvm.txt")).unwrap());
    let report = run_dir_on(&root.join("w3f/pvm/programs"), &known, Executor::Reference, GasSource::Listed).unwrap();
    print!("{}", report.render());
    assert_eq!(report.failed(), 0);
    assert_eq!(report.passed(), 298);
}
