//! The w3f erasure-coding vectors: each `ec-N.json` gives a blob and its V shards, computed here
//! by `erasureCode` generated from the Lean spec (`spec/Jar/Erasure.lean`). `tiny/` runs with
//! `gp072_tiny` (6 shards), `full/` with `gp072_full` (1023 shards).

use std::path::Path;

use jarkit_spec::jar::{self, Variant};
use jarkit_spec::prelude::ByteArray;
use serde::Deserialize;

use super::{json_files, read_json, CaseResult, Report};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErasureCase {
    data: ByteArray,
    shards: Vec<ByteArray>,
}

fn check<V: Variant>(case: &ErasureCase) -> CaseResult {
    let got = jar::erasure_code::<V>(&case.data);
    if got.len() != case.shards.len() {
        return CaseResult::Failed(format!("{} shards, expected {}", got.len(), case.shards.len()));
    }
    match got.iter().zip(&case.shards).position(|(a, b)| a != b) {
        None => CaseResult::Passed,
        Some(i) => CaseResult::Failed(format!("shard {i} is {:?}, expected {:?}", got[i], case.shards[i])),
    }
}

/// Runs `DIR/tiny` and `DIR/full` (or `DIR` itself; its name decides the variant, tiny unless
/// it is called `full`).
pub fn run(dir: &Path) -> Result<Report, String> {
    let mut report = Report::default();
    for (d, dir_name, full) in super::tiny_and_full(dir) {
        for path in json_files(&d)? {
            let name = format!("{dir_name}/{}", path.file_stem().and_then(|s| s.to_str()).unwrap_or_default());
            let result = match read_json(&path).and_then(|v| super::from_json::<ErasureCase>(v).map_err(|e| format!("malformed erasure case: {e}"))) {
                Err(e) => CaseResult::Failed(e),
                Ok(case) if full => check::<jar::Gp072Full>(&case),
                Ok(case) => check::<jar::Gp072Tiny>(&case),
            };
            report.cases.push((name, result));
        }
    }
    Ok(report)
}
