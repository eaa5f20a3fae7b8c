//! The w3f state-transition vectors (`stf/SUB/tiny/*.json`), each run through [`crate::stf`] and
//! compared with the expected `output` and `post_state` as JSON values (key order is irrelevant).

use std::path::Path;

use jarkit_spec::jar::VariantId;

use super::{json_diff, json_files, read_json, CaseResult, Report};

/// Runs every case of sub-transition `sub` in `dir` under `variant`.
pub fn run(sub: &str, dir: &Path, variant: VariantId) -> Result<Report, String> {
    let mut report = Report::default();
    for path in json_files(dir)? {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let result = match read_json(&path) {
            Err(e) => CaseResult::Failed(e),
            Ok(case) => check(sub, variant, &case),
        };
        report.cases.push((name, result));
    }
    if report.cases.is_empty() {
        return Err(format!("{}: no .json vectors", dir.display()));
    }
    Ok(report)
}

fn check(sub: &str, variant: VariantId, case: &serde_json::Value) -> CaseResult {
    let got = match crate::stf::run(variant, sub, case) {
        Ok(v) => v,
        Err(e) => return CaseResult::Failed(format!("input rejected: {e}")),
    };
    for key in ["output", "post_state"] {
        let Some(want) = case.get(key) else {
            return CaseResult::Failed(format!("the vector has no `{key}`"));
        };
        if got[key] != *want {
            return CaseResult::Failed(format!("{key}: {}", json_diff(want, &got[key])));
        }
    }
    CaseResult::Passed
}
