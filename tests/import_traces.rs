//! Block import (`spec/Jar/Import.lean`) on the GP 0.7.2 block traces, and blocks the spec must
//! reject.

use jarkit::node::import::{run_trace, ImportStats};
use jarkit::node::state::{decode_state, state_root};
use jarkit::seam::{with_engine, SeamEngine};
use jarkit::vectors::trie::read_codec;
use jarkit::vectors::vectors_for_test;
use jarkit_spec::jar::{self, Gp072Tiny, ImportError, TraceStep, VariantId};

fn run(trace: &str, engine: SeamEngine) -> Option<jarkit::vectors::Report> {
    let root = vectors_for_test()?;
    let mut stats = ImportStats::default();
    let report = with_engine(engine, || run_trace(&root.join("gp072/traces").join(trace), VariantId::Gp072Tiny, &mut stats, &mut |_, _| {}).unwrap());
    print!("{trace} ({engine:?}): {}", report.render());
    Some(report)
}

/// All four GP 0.7.2 traces, byte-exact state roots at every step: `fallback` and `safrole`
/// (no work reports), `storage_light` and `preimages_light` (service code runs in accumulation:
/// storage, preimages, host calls), with the service code on the interpreter and on the
/// recompiler.
#[test]
fn every_trace_imports_with_byte_exact_state_roots_on_both_engines() {
    for engine in [SeamEngine::Interpreter, SeamEngine::Compiler] {
        for trace in ["fallback", "safrole", "storage_light", "preimages_light"] {
            let Some(report) = run(trace, engine) else { return };
            assert_eq!(report.cases.len(), 100, "{trace}");
            assert_eq!(report.failed(), 0, "{trace} on {engine:?}");
        }
    }
}

/// The reference executor generated from the JAVM spec behind the same seam imports a trace
/// whose blocks run service code to the same roots (the slowest engine; one trace).
#[test]
fn the_reference_executor_imports_an_accumulating_trace() {
    let Some(report) = run("preimages_light", SeamEngine::Reference) else { return };
    assert_eq!(report.cases.len(), 100);
    assert_eq!(report.failed(), 0);
}

fn first_step() -> Option<(jar::ChainState, jar::Block, jar::Hash)> {
    let root = vectors_for_test()?;
    let step: TraceStep = read_codec(&root.join("gp072/traces/fallback/00000001.bin")).unwrap();
    let state = decode_state::<Gp072Tiny>(&step.pre_state.keyvals).unwrap();
    let prior = state_root(&step.pre_state.keyvals).unwrap();
    Some((state, step.block, prior))
}

#[test]
fn blocks_with_a_bad_header_are_rejected_with_the_reason() {
    let Some((state, block, prior)) = first_step() else { return };
    assert!(jar::import_block::<Gp072Tiny>(&state, &block, prior).is_ok());
    let reject = |edit: &dyn Fn(&mut jar::Block)| {
        let mut b = block.clone();
        edit(&mut b);
        jar::import_block::<Gp072Tiny>(&state, &b, prior).unwrap_err()
    };
    assert_eq!(reject(&|b| b.header.seal.0[5] ^= 1), ImportError::BadSeal);
    // The entropy source is part of what the seal signs, so changing it breaks the seal first.
    assert_eq!(reject(&|b| b.header.entropy_source.0[40] ^= 1), ImportError::BadSeal);
    assert_eq!(reject(&|b| b.header.parent.0[0] ^= 1), ImportError::BadParent);
    assert_eq!(reject(&|b| b.header.extrinsic_hash.0[31] ^= 1), ImportError::BadExtrinsicHash);
    assert_eq!(reject(&|b| b.header.parent_state_root.0[0] ^= 1), ImportError::BadParentStateRoot);
    assert_eq!(reject(&|b| b.header.slot = state.tau), ImportError::SlotNotAfterParent);
    assert_eq!(reject(&|b| b.header.author_index = 6), ImportError::BadAuthorIndex);
    // A later slot than the one the block was sealed for: the seal does not sign it.
    assert!(matches!(reject(&|b| b.header.slot += 1), ImportError::BadSeal | ImportError::BadSealKey));
    // An extrinsic the header does not commit to.
    assert_eq!(reject(&|b| b.extrinsic.preimages.push(jar::Preimage { requester: 0, blob: jarkit_spec::prelude::ByteArray::new(vec![1]) })), ImportError::BadExtrinsicHash);
    // A wrong epoch marker (the block does not open an epoch).
    let marks = reject(&|b| b.header.epoch_mark = Some(jar::EpochMark::default()));
    assert!(matches!(marks, ImportError::BadSeal | ImportError::BadEpochMark), "{marks:?}");
}

/// The spec's transition is a function: a rejected block returns an error and the caller keeps
/// the state it had, so the trace runner counts a rejected block as passing only when the
/// trace's post-state is its pre-state.
#[test]
fn a_rejected_block_changes_nothing_in_the_trace_runner() {
    let Some(root) = vectors_for_test() else { return };
    let dir = std::env::temp_dir().join(format!("jarkit-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = root.join("gp072/traces/fallback");
    std::fs::copy(src.join("genesis.bin"), dir.join("genesis.bin")).unwrap();
    let mut step: TraceStep = read_codec(&src.join("00000001.bin")).unwrap();
    step.block.header.seal.0[0] ^= 1;
    use jarkit_spec::codec::Codec;
    std::fs::write(dir.join("00000001.bin"), step.encode::<Gp072Tiny>()).unwrap();
    let mut stats = ImportStats::default();
    let report = run_trace(&dir, VariantId::Gp072Tiny, &mut stats, &mut |_, _| {}).unwrap();
    assert_eq!(report.failed(), 1);
    assert!(report.render().contains("bad_seal"), "{}", report.render());
    // The same step with its post-state replaced by its pre-state: rejecting it is right.
    step.post_state = step.pre_state.clone();
    std::fs::write(dir.join("00000001.bin"), step.encode::<Gp072Tiny>()).unwrap();
    let report = run_trace(&dir, VariantId::Gp072Tiny, &mut stats, &mut |_, _| {}).unwrap();
    assert_eq!(report.failed(), 0, "{}", report.render());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `jarkit decode TraceStep` and `jarkit decode Genesis` read the trace files (the containers
/// are spec types).
#[test]
fn trace_files_decode_through_the_command_line() {
    let Some(root) = vectors_for_test() else { return };
    let dir = root.join("gp072/traces/fallback");
    for (ty, file) in [("TraceStep", "00000001.bin"), ("Genesis", "genesis.bin")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["decode", ty]).arg(dir.join(file)).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let want: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(file.replace(".bin", ".json"))).unwrap()).unwrap();
        assert_eq!(json, want, "{ty}");
    }
}

/// `--stats` splits the transition by the spec functions `importBlock` calls: every block calls
/// Safrole and accumulation once.
#[test]
fn the_stats_split_the_transition_by_the_spec_functions_it_calls() {
    let Some(root) = vectors_for_test() else { return };
    let mut stats = ImportStats::default();
    run_trace(&root.join("gp072/traces/fallback"), VariantId::Gp072Tiny, &mut stats, &mut |_, _| {}).unwrap();
    for phase in ["applySafrole", "accumulateBlock", "checkSeal"] {
        let p = stats.phases.iter().find(|p| p.0 == phase).unwrap_or_else(|| panic!("{phase} is not timed: {:?}", stats.phases));
        assert_eq!(p.2, 100, "{phase}");
    }
    assert!(stats.render().contains("in the transition: "), "{}", stats.render());
}
