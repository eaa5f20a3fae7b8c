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

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    if s.len() % 2 != 0 {
        return Err(format!("odd-length hex `{s}`"));
    }
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| format!("not hex: `{s}`"))).collect()
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
        .map(|(k, v)| Ok((ByteArray(unhex(k)?), ByteArray(unhex(v)?))))
        .collect::<Result<Vec<_>, String>>()?;
    let want = unhex(&case.output)?;
    let got = jar::merkle_root(&kvs)?;
    if got.0[..] == want[..] {
        Ok(())
    } else {
        Err(format!("root {}, expected {}", hex(&got.0), case.output))
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
