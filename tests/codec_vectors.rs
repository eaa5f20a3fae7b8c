//! The w3f codec vectors through the codec that codegen derives from the Lean types, and the
//! decoder's behaviour on damaged input.

use jarkit::vectors::{codec, vectors_root};
use jarkit_spec::codec::Codec;
use jarkit_spec::jar::{Block, Gp072Full, Gp072Tiny, Header, WorkReport};
use proptest::prelude::*;

fn root() -> Option<std::path::PathBuf> {
    let r = vectors_root();
    if r.is_none() {
        eprintln!("SKIPPED: no vectors (set JARKIT_VECTORS)");
    }
    r
}

#[test]
fn w3f_codec_vectors_pass_both_ways() {
    let Some(root) = root() else { return };
    let report = codec::run(&root.join("w3f/codec")).unwrap();
    print!("{}", report.render());
    assert_eq!(report.cases.len(), 30, "15 tiny and 15 full cases");
    assert_eq!(report.failed(), 0);
    assert!(report.not_run.is_empty());
}

#[test]
fn full_blocks_do_not_decode_with_tiny_lengths() {
    let Some(root) = root() else { return };
    let bytes = std::fs::read(root.join("w3f/codec/full/header_0.bin")).unwrap();
    assert!(Header::decode::<Gp072Full>(&bytes).is_ok());
    // The epoch marker holds V validators; tiny's V is smaller, so bytes are left over.
    let e = Header::decode::<Gp072Tiny>(&bytes).unwrap_err();
    assert!(e.message.contains("trailing") || e.offset > 0, "{e}");
}

#[test]
fn every_truncation_of_a_block_is_an_error_with_an_offset() {
    let Some(root) = root() else { return };
    let bytes = std::fs::read(root.join("w3f/codec/tiny/block.bin")).unwrap();
    for cut in 0..bytes.len() {
        let e = Block::decode::<Gp072Tiny>(&bytes[..cut]).expect_err("a truncated block must not decode");
        assert!(e.offset <= cut, "offset {} beyond the {cut} bytes given", e.offset);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Damaged work reports either fail to decode or decode to a value that encodes back to the
    /// same bytes (the decoder accepts canonical encodings only). Never a panic.
    #[test]
    fn damaged_reports_decode_canonically_or_fail(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let Some(root) = vectors_root() else { return Ok(()) };
        let mut bytes = std::fs::read(root.join("w3f/codec/tiny/work_report.bin")).unwrap();
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        let keep = bytes.len() - cut.index(bytes.len() / 4 + 1);
        bytes.truncate(keep);
        if let Ok(v) = WorkReport::decode::<Gp072Tiny>(&bytes) {
            prop_assert_eq!(v.encode(), bytes);
        }
    }
}

/// For every structure and inductive of the spec: bytes that decode re-encode to the same
/// bytes, and the decoded value survives a JSON round trip. The inputs are the encoding of the
/// type's default value with a few bytes changed, and plain random bytes.
fn round_trips<T>(seed_bytes: &[u8], flips: &[(prop::sample::Index, u8)], extra: &[u8]) -> Result<(), TestCaseError>
where
    T: Codec + Default + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    let mut bytes = T::default().encode();
    for (i, b) in flips {
        if !bytes.is_empty() {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
    }
    bytes.extend_from_slice(extra);
    for input in [&bytes[..], seed_bytes] {
        if let Ok(v) = T::decode::<Gp072Tiny>(input) {
            prop_assert_eq!(v.encode(), input.to_vec());
            let json = serde_json::to_value(&v).unwrap();
            let back: T = serde_json::from_value(json).unwrap();
            prop_assert_eq!(back, v);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn every_spec_type_round_trips_through_bytes_and_json(
        random in proptest::collection::vec(any::<u8>(), 0..64),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        extra in proptest::collection::vec(any::<u8>(), 0..3),
    ) {
        macro_rules! check_all {
            ($($t:ident),*) => { $( round_trips::<jarkit_spec::jar::$t>(&random, &flips, &extra)?; )* };
        }
        jarkit_spec::for_each_spec_type!(check_all);
    }
}

#[test]
fn decoding_a_truncated_file_exits_2_with_the_byte_offset() {
    let Some(root) = root() else { return };
    let bytes = std::fs::read(root.join("w3f/codec/tiny/block.bin")).unwrap();
    let path = std::env::temp_dir().join(format!("jarkit-trunc-{}.bin", std::process::id()));
    std::fs::write(&path, &bytes[..100]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["decode", "Block"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at byte 100"), "{err}");
    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit"))
        .args(["decode", "Block"])
        .arg(root.join("w3f/codec/tiny/block.bin"))
        .output()
        .unwrap();
    assert!(ok.status.success());
    let json: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    let want: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("w3f/codec/tiny/block.json")).unwrap()).unwrap();
    assert_eq!(json, want);
}

/// jar1 declares JAR's fixed-width codec, which is not derived yet: decode and encode refuse it
/// (exit 2, saying why) instead of silently using the GP codec.
#[test]
fn the_jar1_codec_is_refused_not_replaced() {
    let Some(root) = root() else { return };
    for args in [
        vec!["decode", "--variant", "jar1", "Header"],
        vec!["encode", "--variant", "jar1", "Header"],
    ] {
        let file = if args[0] == "decode" { "w3f/codec/full/header_0.bin" } else { "w3f/codec/full/header_0.json" };
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(&args).arg(root.join(file)).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("JarFixed codec"), "{err}");
    }
}
