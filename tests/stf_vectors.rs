//! The w3f tiny state-transition vectors through the sub-transitions generated from the Lean
//! spec, the `jarkit stf` command's contract, and variant switching.

use std::process::Command;

use jarkit::seam::{with_engine, SeamEngine};
use jarkit::stf;
use jarkit::vectors::{self, vectors_for_test};
use jarkit_spec::jar::VariantId;
use serde_json::{json, Value};

fn root() -> Option<std::path::PathBuf> {
    vectors_for_test()
}

#[test]
fn every_tiny_vector_of_the_sub_transitions_passes() {
    let Some(root) = root() else { return };
    let subs = [("assurances", 10), ("authorizations", 3), ("disputes", 28), ("history", 4), ("preimages", 8), ("reports", 42), ("safrole", 21), ("statistics", 3)];
    for (sub, count) in subs {
        let report = vectors::stf::run(sub, &root.join(format!("gp072/stf/{sub}/tiny")), VariantId::Gp072Tiny).unwrap();
        print!("{sub}: {}", report.render());
        assert_eq!(report.cases.len(), count, "{sub}");
        assert_eq!(report.failed(), 0, "{sub}");
    }
}

/// The full-chain folders that the 0.7.2 set gives (the other families' full files are not
/// copied), with the full variant.
#[test]
fn every_full_vector_given_passes_with_gp072_full() {
    let Some(root) = root() else { return };
    for (sub, count) in [("history", 4), ("preimages", 8), ("statistics", 3)] {
        let report = vectors::stf::run(sub, &root.join(format!("gp072/stf/{sub}/full")), VariantId::Gp072Full).unwrap();
        print!("{sub} (full): {}", report.render());
        assert_eq!(report.cases.len(), count, "{sub}");
        assert_eq!(report.failed(), 0, "{sub}");
    }
}

/// Accumulate, tiny and full: every case passes with the service code on each engine behind the
/// seam (the reference executor generated from the spec, javm's interpreter, its recompiler),
/// and the three give identical outputs and post-states case by case.
#[test]
fn accumulate_vectors_pass_with_identical_post_states_on_every_engine() {
    let Some(root) = root() else { return };
    for (dir, variant) in [("tiny", VariantId::Gp072Tiny), ("full", VariantId::Gp072Full)] {
        let folder = root.join(format!("gp072/stf/accumulate/{dir}"));
        for engine in SeamEngine::ALL {
            let report = with_engine(engine, || vectors::stf::run("accumulate", &folder, variant)).unwrap();
            print!("accumulate ({dir}, {engine:?}): {}", report.render());
            assert_eq!(report.cases.len(), 30, "{dir}");
            assert_eq!(report.failed(), 0, "{dir} on {engine:?}");
        }
        for path in vectors::json_files(&folder).unwrap() {
            let case = vectors::read_json(&path).unwrap();
            let outs: Vec<Value> = SeamEngine::ALL.iter().map(|&e| with_engine(e, || stf::run(variant, "accumulate", &case)).unwrap()).collect();
            assert!(outs.windows(2).all(|w| w[0] == w[1]), "{}: the engines disagree", path.display());
        }
    }
}

#[test]
fn a_wrong_expected_post_state_is_reported_as_a_failure() {
    let Some(root) = root() else { return };
    let dir = tempdir("stf-wrong");
    let src = root.join("gp072/stf/history/tiny/progress_blocks_history-2.json");
    let mut case: Value = serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    case["post_state"]["beta"]["history"][1]["beefy_root"] = json!(format!("0x{}", "11".repeat(32)));
    std::fs::write(dir.join("case.json"), case.to_string()).unwrap();
    let report = vectors::stf::run("history", &dir, VariantId::Gp072Tiny).unwrap();
    assert_eq!(report.failed(), 1);
    assert!(report.render().contains("beefy_root"), "{}", report.render());
}

/// Statistics reset at an epoch boundary, and the epoch length is a variant parameter: the block
/// at slot 12 after slot 11 opens an epoch with E = 12 (the tiny variants) but not with E = 600.
#[test]
fn the_epoch_length_of_the_variant_decides_the_statistics_rotation() {
    for id in [VariantId::Gp072Tiny, VariantId::Jar080Tiny, VariantId::Gp072Full] {
        let v = id.describe().into_iter().find(|(k, _)| *k == "V").unwrap().1.parse::<usize>().unwrap();
        let e = id.describe().into_iter().find(|(k, _)| *k == "E").unwrap().1.parse::<u64>().unwrap();
        let record = |n: u32| json!({"blocks": n, "tickets": 0, "pre_images": 0, "pre_images_size": 0, "guarantees": 0, "assurances": 0});
        let keys = json!({"bandersnatch": format!("0x{}", "00".repeat(32)), "ed25519": format!("0x{}", "00".repeat(32)),
                          "bls": format!("0x{}", "00".repeat(144)), "metadata": format!("0x{}", "00".repeat(128))});
        let case = json!({
            "input": {"slot": 12, "author_index": 0,
                      "extrinsic": {"tickets": [], "preimages": [], "guarantees": [], "assurances": [],
                                    "disputes": {"verdicts": [], "culprits": [], "faults": []}}},
            "pre_state": {"vals_curr_stats": vec![record(5); v], "vals_last_stats": vec![record(9); v], "slot": 11,
                          "curr_validators": vec![keys; v]},
        });
        let out = stf::run(id, "statistics", &case).unwrap();
        let post = &out["post_state"];
        // The spec's rule (GP 13.3–13.4): a new epoch when ⌊12/E⌋ ≠ ⌊11/E⌋.
        let new_epoch = 12 / e != 11 / e;
        let (curr0, last0) = (post["vals_curr_stats"][0]["blocks"].as_u64().unwrap(), post["vals_last_stats"][0]["blocks"].as_u64().unwrap());
        if new_epoch {
            assert_eq!((curr0, last0), (1, 5), "{id}: counts restart and the old epoch moves to last");
        } else {
            assert_eq!((curr0, last0), (6, 9), "{id}: counts continue within the epoch");
        }
        assert_eq!(new_epoch, e == 12, "{id}");
    }
}

#[test]
fn shapes_that_do_not_fit_the_variant_are_errors_naming_the_path() {
    let case = json!({"input": {"slot": 1, "auths": []}, "pre_state": {"auth_pools": [[]], "auth_queues": [[]]}});
    let e = stf::run(VariantId::Gp072Tiny, "authorizations", &case).unwrap_err();
    assert!(e.0.contains("pre_state.auth_pools") && e.0.contains("cores"), "{e}");
    let e = stf::run(VariantId::Gp072Tiny, "history", &json!({"input": {}, "pre_state": {"beta": {"history": [], "mmr": {"peaks": []}}}})).unwrap_err();
    assert!(e.0.contains("input.header_hash"), "{e}");
    let e = stf::run(VariantId::Gp072Tiny, "preimages", &json!({"input": {"preimages": [{"requester": 1, "blob": "0xzz"}], "slot": 1},
        "pre_state": {"accounts": [], "statistics": []}})).unwrap_err();
    assert!(e.0.contains("input.preimages"), "{e}");
    assert!(stf::run(VariantId::Gp072Tiny, "refine", &json!({})).unwrap_err().0.contains("unknown sub-transition"));
    assert!(stf::run(VariantId::Gp072Tiny, "history", &json!([1, 2])).is_err());
}

/// Safrole's shapes: the key sets, the entropy and the sealing keys must have the variant's
/// lengths; a hostile signature is a rejected ticket, never a crash.
#[test]
fn safrole_checks_its_shapes_and_rejects_forged_tickets() {
    let Some(root) = root() else { return };
    let text = std::fs::read_to_string(root.join("gp072/stf/safrole/tiny/publish-tickets-no-mark-2.json")).unwrap();
    let case: Value = serde_json::from_str(&text).unwrap();
    let mut short = case.clone();
    short["pre_state"]["kappa"].as_array_mut().unwrap().pop();
    let e = stf::run(VariantId::Gp072Tiny, "safrole", &short).unwrap_err();
    assert!(e.0.contains("pre_state.kappa") && e.0.contains("validators"), "{e}");
    let mut keys = case.clone();
    keys["pre_state"]["gamma_s"]["keys"].as_array_mut().unwrap().pop();
    assert!(stf::run(VariantId::Gp072Tiny, "safrole", &keys).unwrap_err().0.contains("gamma_s.keys"));
    let mut eta = case.clone();
    eta["pre_state"]["eta"].as_array_mut().unwrap().pop();
    assert!(stf::run(VariantId::Gp072Tiny, "safrole", &eta).unwrap_err().0.contains("pre_state.eta"));
    // Forged proofs: every byte pattern of the signature is rejected as a bad proof, and the
    // state is left as it was.
    for fill in ["00", "ff", "5a"] {
        let mut forged = case.clone();
        forged["input"]["extrinsic"][0]["signature"] = json!(format!("0x{}", fill.repeat(784)));
        let out = stf::run(VariantId::Gp072Tiny, "safrole", &forged).unwrap();
        assert_eq!(out["output"], json!({"err": "bad_ticket_proof"}));
        assert_eq!(out["post_state"], forged["pre_state"]);
    }
    // One flipped bit in a valid proof is rejected too.
    let mut flipped = case.clone();
    let sig = flipped["input"]["extrinsic"][1]["signature"].as_str().unwrap().to_string();
    let mut bytes = jarkit::vectors::parse_hex(&sig).unwrap();
    bytes[100] ^= 1;
    flipped["input"]["extrinsic"][1]["signature"] = json!(format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    assert_eq!(stf::run(VariantId::Gp072Tiny, "safrole", &flipped).unwrap()["output"], json!({"err": "bad_ticket_proof"}));
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("jarkit-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn jarkit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jarkit")).args(args).output().unwrap()
}

#[test]
fn the_stf_command_prints_output_and_post_state_matching_the_vector() {
    let Some(root) = root() else { return };
    let file = root.join("gp072/stf/preimages/tiny/preimage_needed-2.json");
    let out = jarkit(&["stf", "--variant", "gp072_tiny", "preimages", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let want: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(got["output"], want["output"]);
    assert_eq!(got["post_state"], want["post_state"]);
}

#[test]
fn malformed_stf_input_exits_2_with_a_location() {
    let dir = tempdir("stf-bad");
    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, "{\"input\": {\"slot\": 4").unwrap();
    let out = jarkit(&["stf", "history", truncated.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 1 column"), "{err}");

    let wrong = dir.join("wrong.json");
    std::fs::write(&wrong, r#"{"input": {"slot": "soon", "auths": []}, "pre_state": {"auth_pools": [], "auth_queues": []}}"#).unwrap();
    let out = jarkit(&["stf", "authorizations", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("input.slot"));

    let out = jarkit(&["stf", "--variant", "gp999", "history", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bless_rewrites_outputs_and_keeps_inputs() {
    let Some(root) = root() else { return };
    let dir = tempdir("stf-bless");
    let src = root.join("gp072/stf/authorizations/tiny/progress_authorizations-1.json");
    let original: Value = serde_json::from_str(&std::fs::read_to_string(&src).unwrap()).unwrap();
    let mut damaged = original.clone();
    damaged["post_state"] = json!({"auth_pools": [], "auth_queues": []});
    std::fs::write(dir.join("case.json"), damaged.to_string()).unwrap();
    let out = jarkit(&["stf", "--bless", dir.to_str().unwrap(), "authorizations"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let blessed: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).unwrap()).unwrap();
    assert_eq!(blessed, original);
}

/// A directory with no vectors is an error for every runner, never `0 passed, 0 failed`.
#[test]
fn an_empty_vector_directory_is_an_error_everywhere() {
    let dir = tempdir("empty-vectors");
    std::fs::create_dir_all(dir.join("tiny")).unwrap();
    let d = dir.to_str().unwrap();
    let commands: [&[&str]; 9] = [
        &["vectors", "pvm", d],
        &["vectors", "codec", d],
        &["vectors", "erasure", d],
        &["vectors", "shuffle", d],
        &["vectors", "trie", d],
        &["vectors", "stf", "history", d],
        &["import", d],
        &["stf", "--bless", d, "history"],
        &["vectors", "stf", "safrole", d],
    ];
    for args in commands {
        let out = Command::new(env!("CARGO_BIN_EXE_jarkit")).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty(), "{args:?} says why");
    }
}
