//! The state trie of `spec/Jar/Merkle.lean` against every raw state of the GP 0.7.2 block traces
//! (genesis, each step's pre and post state: 201 roots per trace folder), and properties of the
//! root that hold for any map.

use jarkit::vectors::{trie, vectors_for_test};
use jarkit_spec::jar::merkle_root;
use jarkit_spec::prelude::ByteArray;
use proptest::prelude::*;

#[test]
fn every_state_root_of_the_gp072_traces_is_reproduced() {
    let Some(root) = vectors_for_test() else { return };
    let report = trie::run(&root.join("gp072/traces")).unwrap();
    print!("{}", report.render());
    assert_eq!(report.cases.len(), 4 * 201);
    assert_eq!(report.failed(), 0);
}
fn entries() -> impl Strategy<Value = Vec<(ByteArray, ByteArray)>> {
    prop::collection::btree_map(prop::array::uniform31(any::<u8>()), prop::collection::vec(any::<u8>(), 0..70), 0..12)
        .prop_map(|m| m.into_iter().map(|(k, v)| (ByteArray(k.to_vec()), ByteArray(v))).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The root is a function of the map: the order entries are given in does not matter, and
    /// changing any value changes it.
    #[test]
    fn the_root_depends_on_the_map_only(kvs in entries(), pick in any::<prop::sample::Index>()) {
        let root = merkle_root(&kvs).unwrap();
        let mut reversed = kvs.clone();
        reversed.reverse();
        prop_assert_eq!(merkle_root(&reversed).unwrap(), root);
        if !kvs.is_empty() {
            let mut changed = kvs.clone();
            let i = pick.index(kvs.len());
            changed[i].1 .0.push(1);
            prop_assert_ne!(merkle_root(&changed).unwrap(), root);
        }
    }
}

#[test]
fn keys_the_trie_cannot_hold_are_errors() {
    let key = |b: u8, n: usize| ByteArray(vec![b; n]);
    // Two keys that differ only after byte 31 are the same state key.
    let mut long = key(7, 32);
    let dup = vec![(long.clone(), ByteArray(vec![1])), ({ long.0[31] = 8; long }, ByteArray(vec![2]))];
    assert!(merkle_root(&dup).unwrap_err().contains("first 31 bytes"));
    assert!(merkle_root(&vec![(key(1, 30), ByteArray(vec![]))]).unwrap_err().contains("shorter"));
    // The empty map has the zero root.
    assert_eq!(merkle_root(&vec![]).unwrap().0, [0; 32]);
}
