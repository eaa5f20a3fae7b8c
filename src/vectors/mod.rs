//! Conformance-vector runners. Vectors are data outside the repository: they are found through
//! `JARKIT_VECTORS`, else `../shared/vectors` relative to the working directory or the repository.

pub mod codec;
pub mod erasure;
pub mod pvm;
pub mod shuffle;
pub mod stf;
pub mod trie;

use std::path::{Path, PathBuf};

/// The vectors root: `$JARKIT_VECTORS`, else the first existing `../shared/vectors`.
pub fn vectors_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("JARKIT_VECTORS") {
        return Some(PathBuf::from(dir));
    }
    let candidates = [
        PathBuf::from("../shared/vectors"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"),
    ];
    candidates.into_iter().find(|p| p.is_dir())
}

/// The vectors root for a test. Missing vectors fail the test, with where to get them, unless
/// `JARKIT_SKIP_VECTORS=1` asks for skipping explicitly (then `None`, and the skip is printed):
/// a vector suite must never pass with nothing to check.
pub fn vectors_for_test() -> Option<PathBuf> {
    match vectors_root() {
        Some(root) if root.is_dir() => Some(root),
        found => {
            if std::env::var("JARKIT_SKIP_VECTORS").is_ok_and(|v| v == "1") {
                eprintln!("SKIPPED: no vectors, and JARKIT_SKIP_VECTORS=1 asks for skipping");
                return None;
            }
            let where_ = match found {
                Some(p) => format!("JARKIT_VECTORS={} is not a directory", p.display()),
                None => "no JARKIT_VECTORS and no ../shared/vectors".to_string(),
            };
            panic!("conformance vectors not found ({where_}): set JARKIT_VECTORS to the vectors directory (gp072/, w3f/pvm, polkavm-spectool/), or JARKIT_SKIP_VECTORS=1 to skip vector suites explicitly");
        }
    }
}

/// Deserializes `value` as a `T`; an error names the innermost JSON path that does not fit
/// (`guarantees[0].report.package_spec.hash: expected 32 bytes`), not just the top value.
pub fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            e.into_inner().to_string()
        } else {
            format!("`{path}`: {}", e.into_inner())
        }
    })
}

/// Outcome of one vector case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseResult {
    Passed,
    Failed(String),
    /// A case listed in a known-differences file: it ran and differed for the recorded reason.
    KnownDifference(String),
}

/// Results of a whole run, printed as one line per non-passing case and a summary.
#[derive(Debug, Default)]
pub struct Report {
    pub cases: Vec<(String, CaseResult)>,
    /// Files that were found but not run, with the reason (listed, never counted as passed).
    pub not_run: Vec<(String, String)>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|(_, r)| *r == CaseResult::Passed).count()
    }

    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|(_, r)| matches!(r, CaseResult::Failed(_))).count()
    }

    pub fn known(&self) -> usize {
        self.cases.iter().filter(|(_, r)| matches!(r, CaseResult::KnownDifference(_))).count()
    }

    /// The report as text: failures and known differences by name, then `N passed, M failed`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, r) in &self.cases {
            match r {
                CaseResult::Failed(why) => out.push_str(&format!("FAIL {name}: {why}\n")),
                CaseResult::KnownDifference(why) => out.push_str(&format!("KNOWN {name}: {why}\n")),
                CaseResult::Passed => {}
            }
        }
        for (name, why) in &self.not_run {
            out.push_str(&format!("NOT RUN {name}: {why}\n"));
        }
        if !self.not_run.is_empty() {
            out.push_str(&format!("{} not run\n", self.not_run.len()));
        }
        if self.known() > 0 {
            out.push_str(&format!("{} known differences (not counted as passed)\n", self.known()));
        }
        out.push_str(&format!("{} passed, {} failed\n", self.passed(), self.failed()));
        out
    }

    /// The report as JSON: the counts, then every case with its result (and why, unless it
    /// passed), and every file not run.
    pub fn json(&self) -> serde_json::Value {
        let cases: Vec<serde_json::Value> = self
            .cases
            .iter()
            .map(|(name, r)| match r {
                CaseResult::Passed => serde_json::json!({ "name": name, "result": "passed" }),
                CaseResult::Failed(why) => serde_json::json!({ "name": name, "result": "failed", "why": why }),
                CaseResult::KnownDifference(why) => serde_json::json!({ "name": name, "result": "known_difference", "why": why }),
            })
            .collect();
        let not_run: Vec<serde_json::Value> = self.not_run.iter().map(|(name, why)| serde_json::json!({ "name": name, "why": why })).collect();
        serde_json::json!({
            "passed": self.passed(),
            "failed": self.failed(),
            "known_differences": self.known(),
            "not_run": not_run,
            "cases": cases,
        })
    }
}

/// Reads and parses a JSON file, with the path in the error.
pub fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: line {} column {}: {e}", path.display(), e.line(), e.column()))
}

/// Sorted `*.json` files in `dir`.
pub fn json_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// The bytes of a hex string (with or without `0x`).
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let hex = text.strip_prefix("0x").unwrap_or(text);
    if !hex.len().is_multiple_of(2) {
        return Err(format!("hex `{text}` has an odd number of digits"));
    }
    (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| format!("`{text}` is not hex"))).collect()
}

/// The parameter sets of a vector directory: `DIR/tiny` and `DIR/full` where they exist (else
/// `DIR` itself), each with its name for case labels and whether it holds full-size cases.
pub fn tiny_and_full(dir: &Path) -> Vec<(PathBuf, String, bool)> {
    let subdirs: Vec<PathBuf> = ["tiny", "full"].iter().map(|s| dir.join(s)).filter(|p| p.is_dir()).collect();
    let dirs = if subdirs.is_empty() { vec![dir.to_path_buf()] } else { subdirs };
    dirs.into_iter()
        .map(|d| {
            let name = d.file_name().and_then(|s| s.to_str()).unwrap_or(".").to_string();
            let full = name == "full";
            (d, name, full)
        })
        .collect()
}

/// The first place where two JSON values differ, as a path such as `post_state.pools[1][3]`.
pub fn json_diff(expected: &serde_json::Value, got: &serde_json::Value) -> String {
    use serde_json::Value;
    fn walk(e: &Value, g: &Value, path: &mut String) -> Option<String> {
        match (e, g) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in a {
                    let len = path.len();
                    path.push_str(&format!(".{k}"));
                    match b.get(k) {
                        None => return Some(format!("{path}: missing")),
                        Some(w) => {
                            if let Some(d) = walk(v, w, path) {
                                return Some(d);
                            }
                        }
                    }
                    path.truncate(len);
                }
                b.keys().find(|k| !a.contains_key(*k)).map(|k| format!("{path}.{k}: unexpected"))
            }
            (Value::Array(a), Value::Array(b)) => {
                if a.len() != b.len() {
                    return Some(format!("{path}: {} elements, expected {}", b.len(), a.len()));
                }
                for (i, (v, w)) in a.iter().zip(b).enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    if let Some(d) = walk(v, w, path) {
                        return Some(d);
                    }
                    path.truncate(len);
                }
                None
            }
            _ if e == g => None,
            _ => {
                let short = |v: &Value| {
                    let s = v.to_string();
                    if s.len() > 80 { format!("{}…", &s[..80]) } else { s }
                };
                Some(format!("{}: got {}, expected {}", if path.is_empty() { "(root)" } else { path }, short(g), short(e)))
            }
        }
    }
    walk(expected, got, &mut String::new()).unwrap_or_else(|| "no difference".into())
}
