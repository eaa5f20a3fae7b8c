//! `jarkit fuzz`: every batch of cases runs in a child process (`jarkit fuzz --worker`), so an
//! abort, a stack overflow or a hang is a finding like a panic, not the end of the fuzzer.
//!
//! The worker announces each input before running it and reports when it is done (frames on its
//! stdout). The supervisor gives each case a time limit; a case that runs past it, or a worker
//! that dies in the middle of one, is a finding with that input. Every finding is shrunk (by
//! re-running smaller inputs in fresh children), saved under the corpus directory, and printed
//! with how to replay it. Inputs in the corpus directory are mutated like the built-in seeds.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A frame of the worker's report on its stdout.
enum Frame {
    /// An input is about to run.
    Start(Vec<u8>),
    /// The input announced last has finished.
    Done,
    /// A panic, shrunk in the worker: the input and the message.
    Panic(Vec<u8>, String),
    /// The batch ended after this many cases.
    End(u64),
}

/// Writes frames from the worker (see [`Frame`]).
pub struct FrameWriter {
    out: std::io::StdoutLock<'static>,
}

impl FrameWriter {
    pub fn new() -> FrameWriter {
        FrameWriter { out: std::io::stdout().lock() }
    }

    fn write(&mut self, tag: u8, parts: &[&[u8]]) {
        let mut frame = vec![tag];
        for p in parts {
            frame.extend_from_slice(&(p.len() as u32).to_le_bytes());
            frame.extend_from_slice(p);
        }
        // The supervisor reads every frame; if it has gone there is nobody to report to.
        if self.out.write_all(&frame).and_then(|_| self.out.flush()).is_err() {
            std::process::exit(0);
        }
    }

    pub fn start(&mut self, input: &[u8]) {
        self.write(b'S', &[input]);
    }

    pub fn done(&mut self) {
        self.write(b'D', &[]);
    }

    pub fn panic(&mut self, input: &[u8], message: &str) {
        self.write(b'P', &[input, message.as_bytes()]);
    }

    pub fn end(&mut self, cases: u64) {
        self.write(b'E', &[&cases.to_le_bytes()]);
    }
}

fn read_part(r: &mut impl Read) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len).ok()?;
    let mut bytes = vec![0u8; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

fn read_frame(r: &mut impl Read) -> Option<Frame> {
    let mut tag = [0u8; 1];
    r.read_exact(&mut tag).ok()?;
    Some(match tag[0] {
        b'S' => Frame::Start(read_part(r)?),
        b'D' => Frame::Done,
        b'P' => Frame::Panic(read_part(r)?, String::from_utf8_lossy(&read_part(r)?).into_owned()),
        b'E' => Frame::End(u64::from_le_bytes(read_part(r)?.try_into().ok()?)),
        _ => return None,
    })
}

/// What went wrong on one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Panic(String),
    /// The worker died (an abort, a stack overflow, a signal), as its exit status says.
    Crash(String),
    /// The case ran past the time limit.
    Hang,
}

impl Kind {
    fn label(&self) -> &'static str {
        match self {
            Kind::Panic(_) => "panic",
            Kind::Crash(_) => "crash",
            Kind::Hang => "hang",
        }
    }

    fn describe(&self, limit: Duration) -> String {
        match self {
            Kind::Panic(m) => format!("panic: {m}"),
            Kind::Crash(s) => format!("crash: the worker died ({s})"),
            Kind::Hang => format!("hang: no end within {:.1} s", limit.as_secs_f64()),
        }
    }

    /// The same kind of failure (a panic's message may change as the input shrinks).
    fn same_as(&self, other: &Kind) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// How a supervised batch ended.
struct Batch {
    cases: u64,
    finding: Option<(Vec<u8>, Kind)>,
}

/// The options every worker gets.
pub struct Options<'a> {
    pub target: &'a str,
    pub cases: u32,
    pub case_limit: Duration,
    pub corpus: &'a Path,
}

fn worker(opts: &Options, extra: &[&str]) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the jarkit binary to run workers: {e}"))?;
    Command::new(exe)
        .args(["fuzz", opts.target, "--worker", "--cases", &opts.cases.to_string(), "--corpus"])
        .arg(opts.corpus)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start a fuzz worker: {e}"))
}

/// The exit status of a worker that died, in words.
fn status_text(child: &mut Child) -> String {
    match child.wait() {
        Ok(s) => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = s.signal() {
                    let name = match sig {
                        6 => "SIGABRT: an abort, or a stack overflow",
                        11 => "SIGSEGV",
                        7 => "SIGBUS",
                        9 => "SIGKILL",
                        4 => "SIGILL",
                        _ => "a signal",
                    };
                    return format!("signal {sig}, {name}");
                }
            }
            format!("{s}")
        }
        Err(e) => format!("unknown status: {e}"),
    }
}

/// Runs one worker to its end, watching every case.
fn supervise(mut child: Child, limit: Duration) -> Batch {
    let Some(mut out) = child.stdout.take() else {
        return Batch { cases: 0, finding: Some((vec![], Kind::Crash("no stdout".into()))) };
    };
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        while let Some(f) = read_frame(&mut out) {
            if tx.send(f).is_err() {
                break;
            }
        }
    });
    let mut current: Option<Vec<u8>> = None;
    let mut cases = 0u64;
    let batch = loop {
        // Between cases the worker may be starting or shrinking: only a running case is timed.
        let wait = if current.is_some() { limit } else { limit.max(Duration::from_secs(60)) };
        match rx.recv_timeout(wait) {
            Ok(Frame::Start(input)) => current = Some(input),
            Ok(Frame::Done) => {
                current = None;
                cases += 1;
            }
            Ok(Frame::Panic(input, message)) => break Batch { cases, finding: Some((input, Kind::Panic(message))) },
            Ok(Frame::End(n)) => break Batch { cases: n, finding: None },
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                break Batch { cases, finding: Some((current.take().unwrap_or_default(), Kind::Hang)) };
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = status_text(&mut child);
                break Batch { cases, finding: Some((current.take().unwrap_or_default(), Kind::Crash(status))) };
            }
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    batch
}

/// How `input` fares on its own in a fresh worker: `None` if it passes.
fn replay(opts: &Options, input: &[u8], scratch: &Path) -> Option<Kind> {
    std::fs::write(scratch, input).ok()?;
    let child = worker(opts, &["--replay", &scratch.to_string_lossy()]).ok()?;
    supervise(child, opts.case_limit).finding.map(|(_, k)| k)
}

/// Smaller inputs that fail the same way, tried in fresh workers: halves, then chunks removed,
/// then bytes zeroed, while the budget lasts.
fn shrink(opts: &Options, input: Vec<u8>, kind: &Kind, scratch: &Path) -> Vec<u8> {
    let started = Instant::now();
    let budget = Duration::from_secs(60);
    let mut best = input;
    let mut tries = 0;
    let fails = |candidate: &[u8], tries: &mut u32| {
        *tries += 1;
        replay(opts, candidate, scratch).is_some_and(|k| k.same_as(kind))
    };
    let mut chunk = best.len().div_ceil(2).max(1);
    while chunk >= 1 && started.elapsed() < budget && tries < 200 {
        let mut at = 0;
        let mut shrank = false;
        while at < best.len() && started.elapsed() < budget && tries < 200 {
            let mut candidate = best[..at].to_vec();
            candidate.extend_from_slice(&best[(at + chunk).min(best.len())..]);
            if fails(&candidate, &mut tries) {
                best = candidate;
                shrank = true;
            } else {
                at += chunk;
            }
        }
        if !shrank {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    for i in 0..best.len() {
        if started.elapsed() >= budget || tries >= 200 {
            break;
        }
        if best[i] != 0 {
            let mut candidate = best.clone();
            candidate[i] = 0;
            if fails(&candidate, &mut tries) {
                best = candidate;
            }
        }
    }
    best
}

/// FNV-1a, to name saved findings by their contents.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The corpus directory of a target.
pub fn corpus_dir(corpus: &Path, target: &str) -> PathBuf {
    corpus.join(target)
}

/// The inputs saved in a target's corpus directory (findings and anything a user put there).
pub fn corpus_inputs(corpus: &Path, target: &str) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(corpus_dir(corpus, target)) else { return vec![] };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// A target's run: batches of `opts.cases` from successive seeds until `seconds` pass (or one
/// batch), each in a worker; stops at the first finding, which is shrunk, saved and returned
/// with its file.
pub struct Outcome {
    pub cases: u64,
    pub finding: Option<(Vec<u8>, String, PathBuf)>,
    /// Crashes and hangs that a fresh worker did not repeat on the same input (a worker starved
    /// or stopped by the machine, say): reported, not counted, and fuzzing went on.
    pub unconfirmed: Vec<String>,
}

pub fn run_target(opts: &Options, seed: u64, seconds: Option<f64>) -> Result<Outcome, String> {
    let dir = corpus_dir(opts.corpus, opts.target);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let started = Instant::now();
    let (mut done, mut batch_seed) = (0u64, seed);
    let mut unconfirmed = Vec::new();
    loop {
        let child = worker(opts, &["--seed", &batch_seed.to_string()])?;
        let batch = supervise(child, opts.case_limit);
        done += batch.cases;
        batch_seed = batch_seed.wrapping_add(1);
        if let Some((input, kind)) = batch.finding {
            let scratch = dir.join(format!(".replay-{}", std::process::id()));
            // A crash or a hang counts once a fresh worker repeats it on the same input; a panic
            // is caught in the worker itself and needs no second look.
            let confirmed = matches!(kind, Kind::Panic(_)) || replay(opts, &input, &scratch).is_some_and(|k| k.same_as(&kind));
            if confirmed {
                // A panic arrives shrunk by the worker's own shrinker; the others are shrunk here.
                let input = if matches!(kind, Kind::Panic(_)) { input } else { shrink(opts, input, &kind, &scratch) };
                let _ = std::fs::remove_file(&scratch);
                let path = dir.join(format!("{}-{:016x}.bin", kind.label(), fingerprint(&input)));
                std::fs::write(&path, &input).map_err(|e| format!("{}: {e}", path.display()))?;
                return Ok(Outcome { cases: done, finding: Some((input, kind.describe(opts.case_limit), path)), unconfirmed });
            }
            let _ = std::fs::remove_file(&scratch);
            unconfirmed.push(format!("{} on {} bytes did not happen again in a fresh worker (seed {})", kind.describe(opts.case_limit), input.len(), batch_seed.wrapping_sub(1)));
        }
        // Without a time budget, one batch's worth of cases (more than one batch only when a
        // batch was cut short by a finding that did not repeat).
        let finished = match seconds {
            Some(limit) => started.elapsed().as_secs_f64() >= limit,
            None => done >= u64::from(opts.cases),
        };
        if finished {
            return Ok(Outcome { cases: done, finding: None, unconfirmed });
        }
    }
}
