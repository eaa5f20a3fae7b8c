//! The PVM conformance suites. Skipped (with a message) when the vectors are absent; CI sets
//! `JARKIT_VECTORS` so they always run there.

use jarkit::vectors::{pvm, vectors_root, CaseResult};

fn run(sub: &str, known_file: Option<&str>) {
    let Some(root) = vectors_root() else {
        eprintln!("SKIPPED: no vectors (set JARKIT_VECTORS)");
        return;
    };
    let known = known_file.map(|f| pvm::parse_known(&std::fs::read_to_string(f).unwrap())).unwrap_or_default();
    let report = pvm::run_dir(&root.join(sub), &known).unwrap();
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
