//! The w3f codec vectors through the codec that codegen derives from the Lean types, and the
//! decoder's behaviour on damaged input.

use jarkit::vectors::{codec, vectors_for_test};
use jarkit_spec::codec::Codec;
use jarkit_spec::jar::{Block, Gp072Full, Gp072Tiny, Header, Jar1, Variant, WorkReport};
use jarkit_spec::prelude::{ByteArray, Nat};
use proptest::prelude::*;

fn root() -> Option<std::path::PathBuf> {
    vectors_for_test()
}

#[test]
fn w3f_codec_vectors_pass_both_ways() {
    let Some(root) = root() else { return };
    let report = codec::run(&root.join("gp072/codec")).unwrap();
    print!("{}", report.render());
    assert_eq!(report.cases.len(), 30, "15 tiny and 15 full cases");
    assert_eq!(report.failed(), 0);
    assert!(report.not_run.is_empty());
}

#[test]
fn full_blocks_do_not_decode_with_tiny_lengths() {
    let Some(root) = root() else { return };
    let bytes = std::fs::read(root.join("gp072/codec/full/header_0.bin")).unwrap();
    assert!(Header::decode::<Gp072Full>(&bytes).is_ok());
    // The epoch marker holds V validators; tiny's V is smaller, so bytes are left over.
    let e = Header::decode::<Gp072Tiny>(&bytes).unwrap_err();
    assert!(e.message.contains("trailing") || e.offset > 0, "{e}");
}

#[test]
fn every_truncation_of_a_block_is_an_error_with_an_offset() {
    let Some(root) = root() else { return };
    let bytes = std::fs::read(root.join("gp072/codec/tiny/block.bin")).unwrap();
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
        let Some(root) = vectors_for_test() else { return Ok(()) };
        let mut bytes = std::fs::read(root.join("gp072/codec/tiny/work_report.bin")).unwrap();
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        let keep = bytes.len() - cut.index(bytes.len() / 4 + 1);
        bytes.truncate(keep);
        if let Ok(v) = WorkReport::decode::<Gp072Tiny>(&bytes) {
            prop_assert_eq!(v.encode::<Gp072Tiny>(), bytes);
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
    // Both codecs: the GP's and JAR's fixed-width one.
    round_trips_in::<T, Gp072Tiny>(seed_bytes, flips, extra)?;
    round_trips_in::<T, Jar1>(seed_bytes, flips, extra)
}

fn round_trips_in<T, V: Variant>(seed_bytes: &[u8], flips: &[(prop::sample::Index, u8)], extra: &[u8]) -> Result<(), TestCaseError>
where
    T: Codec + Default + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    let mut bytes = T::default().encode::<V>();
    for (i, b) in flips {
        if !bytes.is_empty() {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
    }
    bytes.extend_from_slice(extra);
    for input in [&bytes[..], seed_bytes] {
        if let Ok(v) = T::decode::<V>(input) {
            prop_assert_eq!(v.encode::<V>(), input.to_vec());
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
    let bytes = std::fs::read(root.join("gp072/codec/tiny/block.bin")).unwrap();
    let path = std::env::temp_dir().join(format!("jarkit-trunc-{}.bin", std::process::id()));
    std::fs::write(&path, &bytes[..100]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["decode", "Block"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at byte 100"), "{err}");
    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit"))
        .args(["decode", "Block"])
        .arg(root.join("gp072/codec/tiny/block.bin"))
        .output()
        .unwrap();
    assert!(ok.status.success());
    let json: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    let want: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("gp072/codec/tiny/block.json")).unwrap()).unwrap();
    assert_eq!(json, want);
}

/// jar1's fixed-width codec, at the places where it differs from the GP's: `CompactNat` fields
/// take their fixed width, lengths are u32, and variant-sized sequences carry a count.
#[test]
fn jar1_uses_the_fixed_width_codec() {
    let report = WorkReport { core_index: Nat(0x0102), auth_gas_used: Nat(0x0a0b), auth_output: ByteArray::new(vec![7; 3]), ..Default::default() };
    let bytes = report.encode::<Jar1>();
    // Availability spec: 32 + 4 + 32 + 32 + 2 bytes. Context: 4 hashes, a u32 slot, a u32 count.
    let core = 102 + 4 * 32 + 4 + 4;
    assert_eq!(bytes[102 + 4 * 32 + 4..core], [0, 0, 0, 0], "no prerequisites: a u32 zero count");
    assert_eq!(bytes[core..core + 2], [0x02, 0x01], "core index: u16");
    let gas = core + 2 + 32;
    assert_eq!(bytes[gas..gas + 8], 0x0a0bu64.to_le_bytes(), "authorizer gas: u64");
    assert_eq!(bytes[gas + 8..gas + 12 + 3], [3, 0, 0, 0, 7, 7, 7], "output: u32 length");
    assert_eq!(bytes[gas + 15..], [0; 8], "two empty sequences: u32 counts");
    assert_eq!(WorkReport::decode::<Jar1>(&bytes), Ok(report.clone()));
    // The GP codec of the same value is shorter (compact numbers and lengths).
    assert!(report.encode::<Gp072Full>().len() < bytes.len());
    assert!(WorkReport::decode::<Gp072Full>(&bytes).is_err());
}

/// Every w3f codec vector (GP codec, full parameters) re-encodes under jar1 and decodes back to
/// the same value; the header's validator list (a variant-sized sequence) carries its count.
#[test]
fn w3f_values_round_trip_through_the_jar1_codec() {
    let Some(root) = root() else { return };
    macro_rules! each {
        ($($t:ident),*) => {$(
            for entry in std::fs::read_dir(root.join("gp072/codec/full")).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "bin") {
                    let bin = std::fs::read(&path).unwrap();
                    if let Ok(v) = jarkit_spec::jar::$t::decode::<Gp072Full>(&bin) {
                        let jar = v.encode::<Jar1>();
                        assert_eq!(jarkit_spec::jar::$t::decode::<Jar1>(&jar).as_ref(), Ok(&v), "{} {}", stringify!($t), path.display());
                    }
                }
            }
        )*};
    }
    jarkit_spec::for_each_spec_type!(each);
    let header = Header::decode::<Gp072Full>(&std::fs::read(root.join("gp072/codec/full/header_0.bin")).unwrap()).unwrap();
    let mark = header.epoch_mark.as_ref().expect("header_0 has an epoch mark");
    let jar = header.encode::<Jar1>();
    // parent, state root, extrinsic hash, slot, the option tag, two entropies, then the count.
    let at = 3 * 32 + 4 + 1 + 2 * 32;
    assert_eq!(jar[at..at + 4], (mark.validators.len() as u32).to_le_bytes());
}

/// `jarkit encode` checks its output by decoding it: a number too wide for its jar1 field is an
/// error, not a truncated encoding.
#[test]
fn encode_refuses_values_that_do_not_fit() {
    let report = serde_json::to_value(jarkit_spec::jar::WorkReport { core_index: Nat(70_000), ..Default::default() }).unwrap();
    let jar1: jarkit_spec::jar::VariantId = "jar1".parse().unwrap();
    let tiny: jarkit_spec::jar::VariantId = "gp072_tiny".parse().unwrap();
    assert!(jarkit::codec_cli::encode("WorkReport", jar1, &report).unwrap_err().contains("does not fit"));
    assert!(jarkit::codec_cli::encode("WorkReport", tiny, &report).is_ok());
}
