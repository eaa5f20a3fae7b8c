//! State-trie vectors: every raw state of the block traces (each trace's genesis and every step's
//! `pre_state` and `post_state`) is a keyvals → root case for `merkleRoot`, generated from
//! `spec/Jar/Merkle.lean`. The traces follow GP 0.7.2's bit order; the old `trie.json` files
//! (least significant bit first) are stale and not read.

use std::path::{Path, PathBuf};

use jarkit_spec::codec::Codec;
use jarkit_spec::jar::{Genesis, Gp072Tiny, RawState, TraceStep};

use super::{CaseResult, Report};

/// The trace folders under `path`: `path` itself if it holds a `genesis.bin`, else its
/// subdirectories that do (sorted).
pub fn trace_dirs(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.join("genesis.bin").is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("genesis.bin").is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(format!("{}: no trace folders (a folder with genesis.bin and numbered steps)", path.display()));
    }
    Ok(dirs)
}

/// The numbered step files (`00000001.bin`, …) of a trace folder, sorted.
pub fn step_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bin") && p.file_stem().and_then(|s| s.to_str()).is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads a JAM-codec file as `T` (the traces are tiny-chain data), with the path in the error.
pub fn read_codec<T: Codec>(path: &Path) -> Result<T, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    T::decode::<Gp072Tiny>(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs the trie cases of every trace folder under `path`.
pub fn run(path: &Path) -> Result<Report, String> {
    let mut report = Report::default();
    for dir in trace_dirs(path)? {
        let trace = dir.file_name().and_then(|s| s.to_str()).unwrap_or(".").to_string();
        let genesis: Genesis = read_codec(&dir.join("genesis.bin"))?;
        report.cases.push((format!("{trace}/genesis"), check(&genesis.state)));
        for file in step_files(&dir)? {
            let name = format!("{trace}/{}", file.file_stem().and_then(|s| s.to_str()).unwrap_or("?"));
            match read_codec::<TraceStep>(&file) {
                Ok(step) => {
                    report.cases.push((format!("{name} pre_state"), check(&step.pre_state)));
                    report.cases.push((format!("{name} post_state"), check(&step.post_state)));
                }
                Err(e) => report.cases.push((name, CaseResult::Failed(e))),
            }
        }
    }
    Ok(report)
}

fn check(state: &RawState) -> CaseResult {
    match crate::node::state::state_root(&state.keyvals) {
        Ok(root) if root == state.state_root => CaseResult::Passed,
        Ok(root) => CaseResult::Failed(format!("root {root:?}, expected {:?} ({} entries)", state.state_root, state.keyvals.len())),
        Err(e) => CaseResult::Failed(e),
    }
}
