//! Invariants of accumulation (GP §12, B.7) on cases built from the accumulate vectors: a
//! service never spends more gas than it is given, a service whose code panics changes nothing
//! (and the others accumulate as if it were not there), and the answer does not depend on
//! the engine behind the seam.

use jarkit::seam::{with_engine, SeamEngine};
use jarkit::stf;
use jarkit::vectors::{read_json, vectors_for_test};
use jarkit_spec::jar::VariantId;
use jarkit_spec::prelude::{to_hex as hex, ByteArray};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

/// The vector in which one report for service 1729 is accumulated at once (its code writes the
/// digest's result to storage).
fn base() -> Option<Value> {
    Some(read_json(&vectors_for_test()?.join("gp072/stf/accumulate/tiny/process_one_immediate_report-1.json")).unwrap())
}

fn accumulate(case: &Value) -> Value {
    with_engine(SeamEngine::Interpreter, || stf::run(VariantId::Gp072Tiny, "accumulate", case)).unwrap()
}

fn account<'a>(state: &'a Value, id: u64) -> &'a Value {
    state["accounts"].as_array().unwrap().iter().find(|a| a["id"] == id).map(|a| &a["data"]).unwrap_or(&Value::Null)
}

fn stats(state: &Value, id: u64) -> Option<(u64, u64)> {
    let e = state["statistics"].as_array()?.iter().find(|e| e["id"] == id)?;
    Some((e["record"]["accumulate_count"].as_u64()?, e["record"]["accumulate_gas_used"].as_u64()?))
}

/// An account as it must look after its accumulation changed nothing: as before, except the
/// slot of its last accumulation.
fn untouched(pre: &Value, slot: u64) -> Value {
    let mut a = pre.clone();
    a["service"]["last_accumulation_slot"] = json!(slot);
    a
}

#[test]
fn a_service_never_spends_more_gas_than_its_digest_gives_it() {
    let Some(base) = base() else { return };
    let pre = account(&base["pre_state"], 1729).clone();
    let slot = base["input"]["slot"].as_u64().unwrap();
    let mut runner = TestRunner::new(Config { cases: 48, failure_persistence: None, ..Config::default() });
    runner
        .run(&(0u64..12_000), |gas| {
            let mut case = base.clone();
            case["input"]["reports"][0]["results"][0]["accumulate_gas"] = json!(gas);
            let out = accumulate(&case);
            let post = &out["post_state"];
            let (count, used) = stats(post, 1729).unwrap_or((0, 0));
            prop_assert!(used <= gas, "used {} of {}", used, gas);
            prop_assert_eq!(count, 1);
            // With too little gas the run ends out of gas and its writes are dropped.
            if used == gas {
                prop_assert_eq!(account(post, 1729), &untouched(&pre, slot));
            }
            Ok(())
        })
        .unwrap();
}

/// A service whose code is a standard program that traps at once: empty metadata, no data,
/// code of six `trap` instructions (opcode 0) with every byte an instruction start.
fn trapping_code() -> Vec<u8> {
    let code_blob = [0x00, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0x3F];
    let mut v = vec![0x00]; // E(↕m): empty metadata
    v.extend_from_slice(&[0; 11]); // |o|, |w|, z, s
    v.extend_from_slice(&(code_blob.len() as u32).to_le_bytes());
    v.extend_from_slice(&code_blob);
    v
}

/// `base` with a second service, 4242, whose code traps, and a report for it beside the
/// first one.
fn with_panicking_service(base: &Value) -> Value {
    let code = trapping_code();
    let hash = jarkit_spec::prims::blake2b256(ByteArray::new(code.clone())).0;
    let mut case = base.clone();
    let mut report = case["input"]["reports"][0].clone();
    report["package_spec"]["hash"] = json!(hex(&[0x42; 32]));
    report["core_index"] = json!(0);
    report["results"][0]["service_id"] = json!(4242);
    report["results"][0]["code_hash"] = json!(hex(&hash));
    case["input"]["reports"].as_array_mut().unwrap().push(report);
    let account = json!({ "id": 4242, "data": {
        "service": { "version": 0, "code_hash": hex(&hash), "balance": 1_000_000, "min_item_gas": 10, "min_memo_gas": 10,
            "bytes": 81 + code.len(), "deposit_offset": 0, "items": 2, "creation_slot": 0, "last_accumulation_slot": 0, "parent_service": 0 },
        "storage": [],
        "preimage_blobs": [{ "hash": hex(&hash), "blob": hex(&code) }],
        "preimage_requests": [{ "key": { "hash": hex(&hash), "length": code.len() }, "value": [0] }] } });
    case["pre_state"]["accounts"].as_array_mut().unwrap().push(account);
    case
}

#[test]
fn a_panicking_service_changes_nothing_and_the_others_accumulate_as_without_it() {
    let Some(base) = base() else { return };
    let slot = base["input"]["slot"].as_u64().unwrap();
    let alone = accumulate(&base);
    let case = with_panicking_service(&base);
    let both = accumulate(&case);
    // Service 1729 ends exactly as it does alone.
    assert_eq!(account(&both["post_state"], 1729), account(&alone["post_state"], 1729));
    assert_eq!(stats(&both["post_state"], 1729), stats(&alone["post_state"], 1729));
    // Service 4242 ran (one digest, the trap's gas) and changed nothing.
    let pre = account(&case["pre_state"], 4242);
    assert_eq!(account(&both["post_state"], 4242), &untouched(pre, slot));
    let (count, used) = stats(&both["post_state"], 4242).expect("the trapping service is in the statistics");
    assert_eq!(count, 1);
    assert!(used >= 1 && used <= 100_000, "{used}");
    // Both reports were accumulated; the trap is not a failure of the block.
    assert_eq!(both["post_state"]["accumulated"].as_array().unwrap().last().unwrap().as_array().unwrap().len(), 2);
    // Every engine behind the seam agrees.
    for engine in SeamEngine::ALL {
        let out = with_engine(engine, || stf::run(VariantId::Gp072Tiny, "accumulate", &case)).unwrap();
        assert_eq!(out, both, "{engine:?}");
    }
}
