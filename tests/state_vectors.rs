//! The typed state of `spec/Jar/State.lean` against the GP 0.7.2 block traces: every raw state
//! (each genesis, each step's pre and post state) decodes into `ChainState` and encodes back to
//! the same trie entries and root.

use jarkit::node::state::{decode_state, describe_key, encode_state, state_root};
use jarkit::vectors::trie::{read_codec, step_files, trace_dirs};
use jarkit::vectors::vectors_for_test;
use jarkit_spec::jar::{Genesis, Gp072Tiny, KeyValue, RawState, TraceStep};

fn round_trip(name: &str, raw: &RawState) {
    let state = decode_state::<Gp072Tiny>(&raw.keyvals).unwrap_or_else(|e| panic!("{name}: {e}"));
    let back = encode_state::<Gp072Tiny>(&state);
    let mut want: Vec<KeyValue> = raw.keyvals.clone();
    want.sort_by(|a, b| a.key.0.cmp(&b.key.0));
    assert_eq!(back.len(), want.len(), "{name}: entry count");
    for (g, w) in back.iter().zip(&want) {
        assert_eq!(g.key, w.key, "{name}: keys");
        assert!(g.value == w.value, "{name}: {} re-encodes differently", describe_key(&g.key));
    }
    assert_eq!(state_root(&back).unwrap(), raw.state_root, "{name}: root");
}

#[test]
fn every_trace_state_decodes_and_encodes_back_to_the_same_entries() {
    let Some(root) = vectors_for_test() else { return };
    let mut states = 0;
    for dir in trace_dirs(&root.join("gp072/traces")).unwrap() {
        let genesis: Genesis = read_codec(&dir.join("genesis.bin")).unwrap();
        round_trip(&format!("{}/genesis", dir.display()), &genesis.state);
        states += 1;
        for file in step_files(&dir).unwrap() {
            let step: TraceStep = read_codec(&file).unwrap();
            round_trip(&format!("{} pre", file.display()), &step.pre_state);
            round_trip(&format!("{} post", file.display()), &step.post_state);
            states += 2;
        }
    }
    assert_eq!(states, 804);
}

#[test]
fn a_state_without_a_component_or_with_a_corrupt_one_is_an_error() {
    let Some(root) = vectors_for_test() else { return };
    let genesis: Genesis = read_codec(&root.join("gp072/traces/fallback/genesis.bin")).unwrap();
    let key = jarkit::node::state::component_key(11);
    let missing: Vec<KeyValue> = genesis.state.keyvals.iter().filter(|kv| kv.key != key).cloned().collect();
    assert!(decode_state::<Gp072Tiny>(&missing).unwrap_err().contains("tau"));
    let mut corrupt = genesis.state.keyvals.clone();
    corrupt.iter_mut().find(|kv| kv.key == key).unwrap().value.bytes_mut().push(0);
    assert!(decode_state::<Gp072Tiny>(&corrupt).unwrap_err().contains("component 11"));
    let mut twice = genesis.state.keyvals.clone();
    twice.push(twice[0].clone());
    assert!(decode_state::<Gp072Tiny>(&twice).unwrap_err().contains("twice"));
}
