//! The reference executor (generated from the Lean JAVM spec, no hand-written semantics) alone
//! passes the same PVM vector suites as the interpreter.

use jarkit::vectors::pvm::{parse_known, run_dir_on, Executor};
use jarkit::vectors::vectors_root;

#[test]
fn the_reference_executor_passes_the_polkavm_spectool_vectors() {
    let Some(root) = vectors_root() else {
        eprintln!("SKIPPED: no vectors (set JARKIT_VECTORS)");
        return;
    };
    let report = run_dir_on(&root.join("polkavm-spectool/programs"), &Default::default(), Executor::Reference).unwrap();
    print!("{}", report.render());
    assert_eq!(report.failed(), 0);
    assert_eq!(report.passed() + report.not_run.len(), 363);
    // Only cases with several runs (resumption) are left out, and they are listed.
    assert!(report.not_run.iter().all(|(n, _)| n.starts_with("multistep")), "{:?}", report.not_run);
    assert!(report.passed() >= 359);
}

#[test]
fn the_reference_executor_passes_the_w3f_pvm_vectors() {
    let Some(root) = vectors_root() else { return };
    let known = parse_known(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/known-differences/w3f-pvm.txt")).unwrap());
    let report = run_dir_on(&root.join("w3f/pvm/programs"), &known, Executor::Reference).unwrap();
    print!("{}", report.render());
    assert_eq!(report.failed(), 0);
    assert_eq!(report.passed(), 298);
}
