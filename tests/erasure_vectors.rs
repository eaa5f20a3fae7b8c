//! The w3f erasure-coding vectors through `erasureCode` generated from `spec/Jar/Erasure.lean`.

use jarkit::vectors::{erasure, vectors_for_test};
use jarkit_spec::jar::{erasure_code, Gp072Full, Gp072Tiny};
use jarkit_spec::prelude::ByteArray;

#[test]
fn w3f_erasure_vectors_pass() {
    let Some(root) = vectors_for_test() else { return };
    let report = erasure::run(&root.join("gp072/erasure")).unwrap();
    print!("{}", report.render());
    assert_eq!(report.cases.len(), 12);
    assert_eq!(report.failed(), 0);
}

#[test]
fn the_code_is_systematic_and_shards_have_one_length() {
    for n in [0usize, 1, 3, 683, 684, 685, 5000] {
        let data: Vec<u8> = (0..n).map(|i| (i * 7 + 3) as u8).collect();
        for (shards, k) in [(erasure_code::<Gp072Tiny>(&ByteArray::new(data.clone())), 2), (erasure_code::<Gp072Full>(&ByteArray::new(data.clone())), 342)] {
            assert!(shards.len() == 6 || shards.len() == 1023);
            let len = shards[0].0.len();
            assert!(shards.iter().all(|s| s.0.len() == len), "n = {n}");
            assert_eq!(len * k, n.div_ceil(2 * k) * 2 * k, "n = {n}: the blob padded to whole words of every data shard");
            let joined: Vec<u8> = shards[..k].iter().flat_map(|s| s.0.iter().copied()).collect();
            assert_eq!(&joined[..n], &data[..], "n = {n}: the data shards are the blob");
            assert!(joined[n..].iter().all(|&b| b == 0));
        }
    }
}
