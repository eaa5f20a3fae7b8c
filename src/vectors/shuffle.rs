//! The w3f shuffle vectors, run through `shuffledIndices` generated from the Lean spec
//! (`spec/Jar/Shuffle.lean`); no hand-written shuffle exists in jarkit.

use std::path::Path;

use jarkit_spec::jar;
use jarkit_spec::prelude::{Nat, OctetSeq};
use serde::Deserialize;

use super::{read_json, CaseResult, Report};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShuffleCase {
    input: u64,
    entropy: OctetSeq<32>,
    output: Vec<u64>,
}

/// Runs the cases in `path` (a `shuffle_tests.json` file, or a directory holding one).
pub fn run(path: &Path) -> Result<Report, String> {
    let file = if path.is_dir() { path.join("shuffle_tests.json") } else { path.to_path_buf() };
    let cases: Vec<ShuffleCase> =
        super::from_json(read_json(&file)?).map_err(|e| format!("{}: malformed shuffle vectors: {e}", file.display()))?;
    let mut report = Report::default();
    for (i, case) in cases.iter().enumerate() {
        if case.input > 1 << 20 {
            report.cases.push((format!("case {i}"), CaseResult::Failed(format!("input length {} is unreasonably large", case.input))));
            continue;
        }
        let got: Vec<u64> = jar::shuffled_indices(Nat(case.input), case.entropy).into_iter().map(|n| n.0).collect();
        let result = if got == case.output {
            CaseResult::Passed
        } else {
            CaseResult::Failed(format!("got {got:?}, expected {:?}", case.output))
        };
        report.cases.push((format!("case {i} (n = {})", case.input), result));
    }
    Ok(report)
}
