//! The w3f codec vectors: each `NAME.json` / `NAME.bin` pair is checked both ways through the
//! codec that codegen derives from the Lean types: JSON → value → bytes must equal the `.bin`,
//! and bytes → value → JSON must equal the `.json` (compared as JSON values, not text).
//!
//! `tiny/` runs with `gp072_tiny` and `full/` with `gp072_full`: the lengths of `SeqN` fields
//! (validators, epoch length, cores) come from the variant.

use std::path::Path;

use jarkit_spec::codec::Codec;
use jarkit_spec::jar::{self, Variant};
use serde::{de::DeserializeOwned, Serialize};

use super::{json_files, read_json, CaseResult, Report};

/// The spec type of each vector file, by file stem. Stems not listed are reported, never
/// counted as passing.
fn check_case<V: Variant>(stem: &str, json: &serde_json::Value, bin: &[u8]) -> Option<CaseResult> {
    let ty = stem.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end_matches('_');
    Some(match ty {
        "block" => both_ways::<V, jar::Block>(json, bin),
        "header" => both_ways::<V, jar::Header>(json, bin),
        "extrinsic" => both_ways::<V, jar::Extrinsic>(json, bin),
        "tickets_extrinsic" => both_ways::<V, Vec<jar::TicketEnvelope>>(json, bin),
        "preimages_extrinsic" => both_ways::<V, Vec<jar::Preimage>>(json, bin),
        "guarantees_extrinsic" => both_ways::<V, Vec<jar::ReportGuarantee>>(json, bin),
        "assurances_extrinsic" => both_ways::<V, Vec<jar::AvailAssurance>>(json, bin),
        "disputes_extrinsic" => both_ways::<V, jar::DisputesExtrinsic>(json, bin),
        "refine_context" => both_ways::<V, jar::RefineContext>(json, bin),
        "work_item" => both_ways::<V, jar::WorkItem>(json, bin),
        "work_package" => both_ways::<V, jar::WorkPackage>(json, bin),
        "work_report" => both_ways::<V, jar::WorkReport>(json, bin),
        "work_result" => both_ways::<V, jar::WorkResult>(json, bin),
        _ => return None,
    })
}

fn both_ways<V: Variant, T: Codec + Serialize + DeserializeOwned>(json: &serde_json::Value, bin: &[u8]) -> CaseResult {
    let value: T = match super::from_json(json.clone()) {
        Ok(v) => v,
        Err(e) => return CaseResult::Failed(format!("JSON does not fit the spec type: {e}")),
    };
    let encoded = value.encode::<V>();
    if encoded != bin {
        let at = encoded.iter().zip(bin).position(|(a, b)| a != b).unwrap_or(encoded.len().min(bin.len()));
        return CaseResult::Failed(format!("JSON → bytes differs from the .bin at byte {at} ({} bytes vs {})", encoded.len(), bin.len()));
    }
    let decoded = match T::decode::<V>(bin) {
        Ok(v) => v,
        Err(e) => return CaseResult::Failed(format!("bytes → value: {e}")),
    };
    match serde_json::to_value(&decoded) {
        Ok(back) if back == *json => CaseResult::Passed,
        Ok(back) => CaseResult::Failed(format!("bytes → JSON differs: {}", super::json_diff(json, &back))),
        Err(e) => CaseResult::Failed(format!("value → JSON: {e}")),
    }
}

/// Runs `DIR/tiny` and `DIR/full` (or `DIR` itself when it holds the pairs; its name decides
/// the variant, tiny unless it is called `full`).
pub fn run(dir: &Path) -> Result<Report, String> {
    let mut report = Report::default();
    for (d, dir_name, full) in super::tiny_and_full(dir) {
        for json_path in json_files(&d)? {
            let stem = json_path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            let name = format!("{dir_name}/{stem}");
            let bin_path = json_path.with_extension("bin");
            let result = match (read_json(&json_path), std::fs::read(&bin_path)) {
                (Err(e), _) => Some(CaseResult::Failed(e)),
                (_, Err(e)) => Some(CaseResult::Failed(format!("{}: {e}", bin_path.display()))),
                (Ok(json), Ok(bin)) => {
                    if full {
                        check_case::<jar::Gp072Full>(&stem, &json, &bin)
                    } else {
                        check_case::<jar::Gp072Tiny>(&stem, &json, &bin)
                    }
                }
            };
            match result {
                Some(r) => report.cases.push((name, r)),
                None => report.not_run.push((name, "no spec type is mapped to this file yet".into())),
            }
        }
    }
    Ok(report)
}
