//! `jarkit import`: a block trace (genesis, then numbered steps) through the block transition
//! generated from `spec/Jar/Import.lean`.
//!
//! The state is carried from step to step: each step's pre-state root must be the root of the
//! state the previous step produced (if it is not, the step's own pre-state is loaded, so one
//! failure does not hide the rest), the block is imported, and the result's root must be the
//! step's post-state root. Roots of carried states come from the incremental trie
//! (`trie.rs`); a state loaded from the trace is checked against the spec's `merkleRoot`. A block the spec rejects must leave the state as it was: it passes
//! only if the trace's post-state is its pre-state.

use std::path::Path;
use std::time::{Duration, Instant};

use jarkit_spec::codec::Codec;
use jarkit_spec::jar::{self, ChainState, Genesis, KeyValue, TraceStep, Variant, VariantId};

use super::state::{component_key, decode_state, describe_key, encode_state, state_root, COMPONENTS};
use super::trie::IncrementalTrie;
use crate::vectors::trie::{read_codec, step_files};
use crate::vectors::{CaseResult, Report};

/// Time spent per block, split by phase (`--stats`).
#[derive(Debug, Default, Clone)]
pub struct ImportStats {
    pub blocks: usize,
    pub decode: Duration,
    pub transition: Duration,
    pub encode: Duration,
    pub merkle: Duration,
    /// The part of `transition` spent running service code in javm (zero on the reference
    /// executor, whose time is not separated from the transition's).
    pub guest: Duration,
    /// The time in each spec function the block transition calls (`jarkit_spec::profile`),
    /// with its number of calls, in first-call order.
    pub phases: Vec<(&'static str, Duration, u64)>,
    pub per_block: Vec<Duration>,
}

impl ImportStats {
    pub fn render(&self) -> String {
        let total: Duration = self.per_block.iter().sum();
        let mut sorted = self.per_block.clone();
        sorted.sort();
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
        let max = sorted.last().copied().unwrap_or_default();
        let per_sec = if total.is_zero() { 0.0 } else { self.blocks as f64 / total.as_secs_f64() };
        // The transition's share by the spec functions `importBlock` calls, the costliest first
        // (those under a millisecond in all are left out).
        let mut phases = self.phases.clone();
        phases.sort_by(|a, b| b.1.cmp(&a.1));
        let split: Vec<String> = phases
            .iter()
            .filter(|p| p.1 >= Duration::from_millis(1))
            .map(|(name, spent, calls)| format!("{name} {:.3} s ({calls} calls)", spent.as_secs_f64()))
            .collect();
        let split = if split.is_empty() { String::new() } else { format!("  in the transition: {}\n", split.join(", ")) };
        format!(
            "{} blocks in {:.3} s ({per_sec:.1} blocks/s; median {:.2} ms, slowest {:.2} ms)\n  state decoding {:.3} s, block transition {:.3} s (of which service code in javm {:.3} s), state encoding {:.3} s, Merklization {:.3} s\n{split}",
            self.blocks,
            total.as_secs_f64(),
            median.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
            self.decode.as_secs_f64(),
            self.transition.as_secs_f64(),
            self.guest.as_secs_f64(),
            self.encode.as_secs_f64(),
            self.merkle.as_secs_f64()
        )
    }
}

/// Runs the trace in `dir` under `variant`. `progress` is called after each step with the
/// step's name and result.
pub fn run_trace(dir: &Path, variant: VariantId, stats: &mut ImportStats, progress: &mut dyn FnMut(&str, &CaseResult)) -> Result<Report, String> {
    jarkit_spec::with_variant!(variant, V => run_trace_as::<V>(dir, stats, progress))
}

fn run_trace_as<V: Variant>(dir: &Path, stats: &mut ImportStats, progress: &mut dyn FnMut(&str, &CaseResult)) -> Result<Report, String> {
    let genesis_file = dir.join("genesis.bin");
    let genesis: Genesis = read_codec_as::<Genesis, V>(&genesis_file)?;
    let state = decode_state::<V>(&genesis.state.keyvals).map_err(|e| format!("{}: {e}", genesis_file.display()))?;
    let mut trie = IncrementalTrie::default();
    trie.update(&genesis.state.keyvals).map_err(|e| format!("{}: {e}", genesis_file.display()))?;
    let mut current = Some(Carried { state, trie });
    let files = step_files(dir)?;
    if files.is_empty() {
        return Err(format!("{}: no trace steps (00000001.bin, …)", dir.display()));
    }
    let mut report = Report::default();
    for file in files {
        let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or("?").to_string();
        let result = match read_codec_as::<TraceStep, V>(&file) {
            Ok(step) => import_step::<V>(&step, &mut current, stats),
            Err(e) => CaseResult::Failed(e),
        };
        progress(&name, &result);
        report.cases.push((name, result));
    }
    Ok(report)
}

fn read_codec_as<T: Codec, V: Variant>(path: &Path) -> Result<T, String> {
    if V::NAME == "gp072_tiny" {
        return read_codec(path);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    T::decode::<V>(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn sorted(mut entries: Vec<KeyValue>) -> Vec<KeyValue> {
    entries.sort_by(|a, b| a.key.0.cmp(&b.key.0));
    entries
}

/// The state carried from step to step, with its entries and their incremental trie.
pub struct Carried {
    state: ChainState,
    trie: IncrementalTrie,
}

fn import_step<V: Variant>(step: &TraceStep, current: &mut Option<Carried>, stats: &mut ImportStats) -> CaseResult {
    let started = Instant::now();
    let mut notes = Vec::new();
    // Carry our state on if it is the step's pre-state; else start again from the step's own,
    // whose listed root must then be its root (the spec's `merkleRoot`).
    let carried = current.take().filter(|c| c.trie.root() == step.pre_state.state_root);
    let Carried { state, mut trie } = match carried {
        Some(c) => c,
        None => {
            let t = Instant::now();
            let own = state_root(&step.pre_state.keyvals);
            stats.merkle += t.elapsed();
            match own {
                Ok(r) if r == step.pre_state.state_root => {}
                Ok(r) => return CaseResult::Failed(format!("the trace's pre_state does not have its own root ({r:?}, listed {:?})", step.pre_state.state_root)),
                Err(e) => return CaseResult::Failed(format!("pre_state: {e}")),
            }
            if stats.blocks > 0 {
                notes.push("(the previous step's result was not this step's pre-state; loaded the trace's)".to_string());
            }
            let t = Instant::now();
            let decoded = decode_state::<V>(&step.pre_state.keyvals);
            stats.decode += t.elapsed();
            let state = match decoded {
                Ok(s) => s,
                Err(e) => return CaseResult::Failed(format!("pre_state: {e}")),
            };
            let mut trie = IncrementalTrie::default();
            if let Err(e) = trie.update(&step.pre_state.keyvals) {
                return CaseResult::Failed(format!("pre_state: {e}"));
            }
            Carried { state, trie }
        }
    };
    let pre_root = trie.root();
    let t = Instant::now();
    let guest_before = crate::seam::guest_time();
    let imported = jar::import_block::<V>(&state, &step.block, pre_root);
    stats.transition += t.elapsed();
    stats.guest += crate::seam::guest_time() - guest_before;
    for (name, spent, calls) in jarkit_spec::profile::take() {
        match stats.phases.iter_mut().find(|p| p.0 == name) {
            Some(p) => {
                p.1 += spent;
                p.2 += calls;
            }
            None => stats.phases.push((name, spent, calls)),
        }
    }
    let post_root = step.post_state.state_root;
    let result = match imported {
        Err(e) => {
            let why = serde_json::to_value(&e).map(|v| v.to_string()).unwrap_or_default();
            *current = Some(Carried { state, trie });
            if post_root == pre_root {
                CaseResult::Passed
            } else {
                CaseResult::Failed(format!("the spec rejects the block ({why}); the trace imports it"))
            }
        }
        Ok(next) => {
            let t = Instant::now();
            let entries = encode_state::<V>(&next);
            stats.encode += t.elapsed();
            let t = Instant::now();
            let root = trie.update(&entries);
            stats.merkle += t.elapsed();
            let result = match root {
                Ok(r) if r == post_root => CaseResult::Passed,
                Ok(r) => CaseResult::Failed(format!("post-state root {r:?}, expected {post_root:?}: {}", first_difference::<V>(&entries, &step.post_state.keyvals))),
                Err(e) => CaseResult::Failed(format!("post-state: {e}")),
            };
            *current = Some(Carried { state: next, trie });
            result
        }
    };
    stats.blocks += 1;
    stats.per_block.push(started.elapsed());
    match (result, notes.is_empty()) {
        (CaseResult::Failed(why), false) => CaseResult::Failed(format!("{why} {}", notes.join(" "))),
        (r, _) => r,
    }
}

/// The first entry where two states differ, named by component, with both values (decoded as
/// JSON where the component is typed).
pub fn first_difference<V: Variant>(got: &[KeyValue], want: &[KeyValue]) -> String {
    let want = sorted(want.to_vec());
    let mut g = got.iter().peekable();
    let mut w = want.iter().peekable();
    loop {
        match (g.peek(), w.peek()) {
            (None, None) => return "no entry differs (the roots disagree on equal entries?)".into(),
            (Some(a), Some(b)) if a.key == b.key => {
                if a.value != b.value {
                    return format!("{} differs:\n  got      {}\n  expected {}", describe_key(&a.key), show::<V>(a), show::<V>(b));
                }
                g.next();
                w.next();
            }
            (Some(a), Some(b)) if a.key.0 < b.key.0 => return format!("{} is extra ({})", describe_key(&a.key), show::<V>(a)),
            (Some(a), None) => return format!("{} is extra ({})", describe_key(&a.key), show::<V>(a)),
            (_, Some(b)) => return format!("{} is missing ({})", describe_key(&b.key), show::<V>(b)),
        }
    }
}

/// An entry's value: a component decoded as JSON through its spec type, else its bytes.
fn show<V: Variant>(kv: &KeyValue) -> String {
    let Some(i) = (1..=16).find(|&i| component_key(i) == kv.key) else {
        return format!("{:?}", kv.value);
    };
    let json = component_json::<V>(i, &kv.value.0);
    format!("{} = {}", COMPONENTS[i - 1], json.unwrap_or_else(|| format!("{:?}", kv.value)))
}

fn component_json<V: Variant>(i: usize, bytes: &[u8]) -> Option<String> {
    fn j<T: Codec + serde::Serialize, V: Variant>(bytes: &[u8]) -> Option<String> {
        T::decode::<V>(bytes).ok().and_then(|v| serde_json::to_string(&v).ok())
    }
    match i {
        1 => j::<jar::AuthPoolsComponent, V>(bytes),
        2 => j::<jar::AuthQueuesComponent, V>(bytes),
        3 => j::<jar::RecentBlocks, V>(bytes),
        4 => j::<jar::SafroleGamma, V>(bytes),
        5 => j::<jar::DisputesRecords, V>(bytes),
        6 => j::<jar::EntropyComponent, V>(bytes),
        7..=9 => j::<jar::ValidatorsComponent, V>(bytes),
        10 => j::<jar::PendingComponent, V>(bytes),
        11 => j::<u32, V>(bytes),
        12 => j::<jar::Privileges, V>(bytes),
        13 => j::<jar::Statistics, V>(bytes),
        14 => j::<jar::ReadyComponent, V>(bytes),
        15 => j::<jar::AccumulatedComponent, V>(bytes),
        16 => j::<Vec<jar::AccumulationOutput>, V>(bytes),
        _ => None,
    }
}

/// Progress of one trace: a bar on a terminal (indicatif), plain lines for failures otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    trace: String,
}

impl Progress {
    pub fn new(trace: &str, steps: usize) -> Self {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(steps as u64);
            bar.set_style(indicatif::ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} {msg}").expect("a valid template").progress_chars("=> "));
            bar.set_prefix(trace.to_string());
            bar
        });
        Progress { bar, trace: trace.to_string() }
    }

    /// Records one step: a failure is printed in full, above the bar on a terminal.
    pub fn step(&mut self, step: &str, result: &CaseResult) {
        if let CaseResult::Failed(why) = result {
            let line = format!("FAIL {}/{step}: {why}", self.trace);
            match &self.bar {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
