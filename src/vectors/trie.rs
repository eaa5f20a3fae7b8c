//! The w3f state-trie vectors: each case maps keys to values and gives the state root, computed
//! here by `merkleRoot` generated from the Lean spec (`spec/Jar/Merkle.lean`).

use std::collections::BTreeMap;
use std::path::Path;

use jarkit_spec::jar;
use jarkit_spec::prelude::ByteArray;
use serde::Deserialize;

use super::{read_json, CaseResult, Report};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrieCase {
    /// Key → value, both hex without `0x`.
    input: BTreeMap<String, String>,
    output: String,
}

/// Runs the cases in `path` (a `trie.json` file, or a directory holding one).
pub fn run(path: &Path) -> Result<Report, String> {
    let file = if path.is_dir() { path.join("trie.json") } else { path.to_path_buf() };
    let cases: Vec<TrieCase> = serde_json::from_value(read_json(&file)?).map_err(|e| format!("{}: malformed trie vectors: {e}", file.display()))?;
    let mut report = Report::default();
    for (i, case) in cases.iter().enumerate() {
        let name = format!("case {i} ({} entries)", case.input.len());
        let result = match check(case) {
            Ok(()) => CaseResult::Passed,
            Err(e) => CaseResult::Failed(e),
        };
        report.cases.push((name, result));
    }
    Ok(report)
}

fn check(case: &TrieCase) -> Result<(), String> {
    let kvs = case
        .input
        .iter()
        .map(|(k, v)| Ok((ByteArray(super::parse_hex(k)?), ByteArray(super::parse_hex(v)?))))
        .collect::<Result<Vec<_>, String>>()?;
    let want = super::parse_hex(&case.output)?;
    let got = jar::merkle_root(&kvs)?;
    if got.0[..] == want[..] {
        Ok(())
    } else {
        Err(format!("root {got:?}, expected 0x{}", case.output))
    }
}
