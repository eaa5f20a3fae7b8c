//! The w3f shuffle vectors through the shuffle generated from `spec/Jar/Shuffle.lean`.

use jarkit::vectors::{shuffle, vectors_for_test};

#[test]
fn w3f_shuffle_vectors_pass() {
    let Some(root) = vectors_for_test() else { return };
    let report = shuffle::run(&root.join("gp072/shuffle")).unwrap();
    print!("{}", report.render());
    assert_eq!(report.cases.len(), 8);
    assert_eq!(report.failed(), 0);
}
