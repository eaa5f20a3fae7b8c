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
        .prop_map(|m| m.into_iter().map(|(k, v)| (ByteArray::new(k.to_vec()), ByteArray::new(v))).collect())
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
            changed[i].1.bytes_mut().push(1);
            prop_assert_ne!(merkle_root(&changed).unwrap(), root);
        }
    }
}

#[test]
fn keys_the_trie_cannot_hold_are_errors() {
    let key = |b: u8, n: usize| ByteArray::new(vec![b; n]);
    // Two keys that differ only after byte 31 are the same state key.
    let mut long = key(7, 32);
    let dup = vec![(long.clone(), ByteArray::new(vec![1])), ({ long.bytes_mut()[31] = 8; long }, ByteArray::new(vec![2]))];
    assert!(merkle_root(&dup).unwrap_err().contains("first 31 bytes"));
    assert!(merkle_root(&vec![(key(1, 30), ByteArray::new(vec![]))]).unwrap_err().contains("shorter"));
    // The empty map has the zero root.
    assert_eq!(merkle_root(&vec![]).unwrap().0, [0; 32]);
}

/// The node layer's incremental trie gives the spec's root on every trace state, carried from
/// state to state as import carries it (only changed leaves rehashed).
#[test]
fn the_incremental_trie_agrees_with_the_spec_on_every_trace_state() {
    use jarkit::node::trie::IncrementalTrie;
    use jarkit::vectors::trie::{read_codec, step_files, trace_dirs};
    use jarkit_spec::jar::{Genesis, TraceStep};
    let Some(root) = vectors_for_test() else { return };
    for dir in trace_dirs(&root.join("gp072/traces")).unwrap() {
        let mut trie = IncrementalTrie::default();
        let genesis: Genesis = read_codec(&dir.join("genesis.bin")).unwrap();
        assert_eq!(trie.update(&genesis.state.keyvals).unwrap(), genesis.state.state_root);
        for file in step_files(&dir).unwrap() {
            let step: TraceStep = read_codec(&file).unwrap();
            for state in [&step.pre_state, &step.post_state] {
                assert_eq!(trie.update(&state.keyvals).unwrap(), state.state_root, "{}", file.display());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Random maps, then random changes to them (values changed, entries added and removed):
    /// after every change the incremental root is the spec's `merkleRoot`.
    #[test]
    fn incremental_roots_equal_the_spec_roots(first in entries(), second in entries(), keep in any::<prop::sample::Index>()) {
        use jarkit::node::trie::IncrementalTrie;
        use jarkit_spec::jar::KeyValue;
        let as_kv = |kvs: &Vec<(ByteArray, ByteArray)>| kvs.iter().map(|(k, v)| KeyValue { key: k.clone(), value: v.clone() }).collect::<Vec<_>>();
        let mut trie = IncrementalTrie::default();
        prop_assert_eq!(trie.update(&as_kv(&first)).unwrap(), merkle_root(&first).unwrap());
        // Keep a prefix of the first map, change every kept value, add the second map's entries.
        let mut next: std::collections::BTreeMap<Vec<u8>, Vec<u8>> = first.iter().take(keep.index(first.len() + 1)).map(|(k, v)| (k.0.to_vec(), [v.0.to_vec(), vec![7]].concat())).collect();
        for (k, v) in &second {
            next.insert(k.0.to_vec(), v.0.to_vec());
        }
        let next: Vec<(ByteArray, ByteArray)> = next.into_iter().map(|(k, v)| (ByteArray::new(k), ByteArray::new(v))).collect();
        prop_assert_eq!(trie.update(&as_kv(&next)).unwrap(), merkle_root(&next).unwrap());
        prop_assert_eq!(trie.update(&as_kv(&first)).unwrap(), merkle_root(&first).unwrap());
    }
}
