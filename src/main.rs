//! The `jarkit` command line. Each subcommand is a thin layer over the library crates.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use jarkit::vectors::{self, vectors_root};

#[derive(Parser)]
#[command(name = "jarkit", version, about = "The JAR Lean spec as Rust, a fast JAVM, and the checks that keep them equal")]
struct Cli {
    /// The engine that runs service code where the spec runs guest code (accumulation in
    /// `stf`, `vectors stf`, `import` and `target`): javm's interpreter, its recompiler, or the
    /// reference executor generated from the spec. The choice never changes a result.
    #[arg(long, global = true, value_enum, default_value = "interpreter")]
    engine: EngineChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, clap::ValueEnum)]
enum EngineChoice {
    Interpreter,
    Compiler,
    Reference,
}

impl EngineChoice {
    fn seam(self) -> jarkit::seam::SeamEngine {
        match self {
            EngineChoice::Interpreter => jarkit::seam::SeamEngine::Interpreter,
            EngineChoice::Compiler => jarkit::seam::SeamEngine::Compiler,
            EngineChoice::Reference => jarkit::seam::SeamEngine::Reference,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run codegen on a spec tree and write the generated Rust (exit 1 with diagnostics on errors).
    Gen {
        #[arg(long)]
        spec: Option<PathBuf>,
        #[arg(long)]
        variants: Option<PathBuf>,
        /// Output directory (default: print to stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List every variant with its parameters and model choices.
    Variants,
    /// Run conformance vectors.
    Vectors {
        #[command(subcommand)]
        family: Family,
    },
    /// Run one sub-transition on a `{pre_state, input}` JSON file (the conformance vectors' shape; a full
    /// vector file also works) and print `{output, post_state}`. Exit 2 on malformed input.
    Stf {
        /// Variant whose parameters apply.
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        /// Rewrite `output` and `post_state` of every vector in this directory from the spec
        /// (inputs and pre-states are kept), instead of running one file.
        #[arg(long, value_name = "DIR")]
        bless: Option<PathBuf>,
        /// The sub-transition: accumulate, assurances, authorizations, disputes, history, preimages, reports,
        /// safrole or statistics.
        sub: String,
        /// The input file (`-` or absent: standard input).
        input: Option<PathBuf>,
    },
    /// Cross-check the interpreter against the reference executor generated from the Lean spec
    /// on random programs; ends with `N cases, M divergences` (a divergence is printed shrunk).
    Crosscheck {
        /// A variant, or `polkavm` for PolkaVM's rules (JamV1 numbering, full pipeline gas).
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        #[arg(long, default_value_t = 10_000)]
        cases: u32,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// jar1 only: random multi-VM invocations of the capability kernel (every kernel call,
        /// nested CALLs, faults and RESUME, pages moved and mapped between VMs), run by the spec's
        /// kernel with the reference, the interpreter and the recompiler under every VM and by
        /// javm's kernel on both of its engines, which must leave identical kernels (registers,
        /// gas, states, capability tables, frames).
        #[arg(long)]
        kernel: bool,
        /// `polkavm`: hold jarkit (its spec, interpreter and recompiler, which must agree first)
        /// to PolkaVM 0.37's interpreter on random programs under PolkaVM's rules (JamV1
        /// numbering, block gas from the full pipeline model): exit, pc, registers, gas and pages.
        #[arg(long, value_parser = ["polkavm"], conflicts_with = "kernel")]
        against: Option<String>,
    },
    /// Fuzz a parser or an engine for as long as you like (one target, or all).
    /// Ends with `N cases, M panics`.
    Fuzz {
        #[arg(default_value = "all", value_parser = clap::builder::PossibleValuesParser::new(std::iter::once("all").chain(jarkit::fuzz::TARGETS)))]
        target: String,
        #[arg(long, default_value_t = 10_000)]
        cases: u32,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Run each target for this long instead: batches of `--cases`, each from the next
        /// seed, until the time is up or a panic is found.
        #[arg(long)]
        seconds: Option<f64>,
    },
    /// Show what a program file holds: its format (code blob, GP standard program, JAR v1, JAR v2
    /// manifest, .polkavm), its parts and a disassembly. Invalid files get the reason and exit 2.
    Inspect { file: PathBuf },
    /// Import block traces: DIR is one trace folder (genesis.bin, 00000001.bin, …) or a folder of
    /// them (default: gp072/traces). Each step's pre-state root is checked, the block imported
    /// with the spec's block transition, and the post-state root compared; a mismatch names the
    /// first differing state component with both values. Ends with `N passed, M failed`.
    Import {
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        /// Report the time per block and its split (state decoding, transition, encoding,
        /// Merklization).
        #[arg(long)]
        stats: bool,
        dir: Option<PathBuf>,
    },
    /// Serve the JAM conformance fuzzer's target protocol (v1: PeerInfo, Initialize, ImportBlock,
    /// GetState; length-prefixed JAM-codec messages) on a Unix socket, one session after another.
    Target {
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        #[arg(long, value_name = "PATH")]
        socket: PathBuf,
    },
    /// Decode a JAM-codec file as a spec type (`WorkReport`, `Header`, …) and print its JSON.
    Decode {
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        type_name: String,
        file: PathBuf,
    },
    /// Encode a JSON file as a spec type and write the bytes (to `--out`, else hex on stdout).
    Encode {
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        type_name: String,
        file: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run every guest program on jarkit and on PolkaVM 0.37 (interpreter and compiler) in this
    /// process, check each result, and print load+execute and execute-only times with ratios.
    Bench {
        /// Only this guest (fib, sort, sieve, blake2b, keccak, hostcall, memcpy, ed25519).
        #[arg(long)]
        guest: Option<String>,
        /// Sampling time per guest, VM and measurement, in seconds.
        #[arg(long, default_value_t = 0.5)]
        seconds: f64,
        /// Also write a bar chart (SVG) of the interpreter ratios here.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Skip PolkaVM's compiler backends.
        #[arg(long)]
        interpreters_only: bool,
        /// Measure jar1's capability kernel instead: CALL + REPLY round trips, and fib(20) with
        /// one VM per call (creation, calls, memory per live VM), on each engine.
        #[arg(long, conflicts_with_all = ["guest", "svg", "interpreters_only"])]
        kernel: bool,
    },
    /// Run a program: a GP code blob file (jump table, code, bitmask), a PolkaVM `.polkavm`
    /// container (JamV1), whose export is called with PolkaVM's memory map and calling convention,
    /// or a jar1 capability manifest (magic `JAR\x02`), run by javm's capability kernel (or the
    /// spec's, `--spec-kernel`) with child VMs.
    Run {
        blob: PathBuf,
        /// Variant whose rules apply (numbering, block rules, gas model).
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        #[arg(long, default_value_t = 1_000_000)]
        gas: i64,
        /// Print each instruction as it runs, with the registers it changed (stepped by the
        /// spec, under the program's numbering and gas model; code blobs and `.polkavm` files).
        #[arg(long)]
        trace: bool,
        /// For a `.polkavm` file: the export to call (default: the first). For a jar1 manifest:
        /// `refine` (φ7 = 0, the default), `accumulate` (φ7 = 1) or a number for φ7.
        #[arg(long)]
        entry: Option<String>,
        /// For a `.polkavm` file: arguments, in a0, a1, ….
        #[arg(long, value_delimiter = ',')]
        args: Vec<u64>,
        /// BLOB is a GP 0.7.2 standard program (RO/RW data, heap, stack, code) laid out in the
        /// segmented memory map. (A JAR v1 blob, magic `JAR\x01`, is recognised by itself and
        /// laid out linearly.) `--input` is the argument data (hex).
        #[arg(long)]
        standard: bool,
        /// Argument data (hex): a standard program's or JAR v1 blob's arguments, or what a jar1
        /// manifest's root VM finds in its IPC DATA capability (slot 0).
        #[arg(long, default_value = "")]
        input: String,
        /// Run on the recompiler (x86-64) instead of the interpreter (not with `--trace`).
        #[arg(long, conflicts_with = "trace")]
        compiler: bool,
        /// jar1 manifests: run the spec's capability kernel (generated from the Lean) instead of
        /// javm's; the VMs still run on the interpreter or, with `--compiler`, the recompiler.
        #[arg(long)]
        spec_kernel: bool,
    },
}

#[derive(Subcommand)]
enum Family {
    /// The GP 0.7.2 Fisher–Yates shuffle vectors, through the generated `shuffle`.
    Shuffle { path: Option<PathBuf> },
    /// PVM vectors (polkavm-spectool or w3f v0.4 format, detected per file).
    Pvm {
        dir: Option<PathBuf>,
        /// Run them on the reference executor generated from the Lean spec instead of the
        /// interpreter.
        #[arg(long, conflicts_with = "compiler")]
        reference: bool,
        /// Run them on the recompiler (x86-64) instead of the interpreter.
        #[arg(long)]
        compiler: bool,
        /// Where block gas costs come from: `listed` (the vector's `block-gas-costs`) or
        /// `computed` (the spec's full pipeline model, which must also equal the listed table).
        #[arg(long, default_value = "listed", value_parser = ["listed", "computed"])]
        gas: String,
    },
    /// The GP 0.7.2 codec vectors, both ways (JSON → bytes, bytes → JSON), tiny and full.
    Codec { dir: Option<PathBuf> },
    /// State-trie cases: every raw state of the block traces (genesis, each step's pre and post
    /// state) through the spec's `merkleRoot` (default directory: gp072/traces).
    Trie { path: Option<PathBuf> },
    /// The GP 0.7.2 erasure-coding vectors: the shards of each blob, tiny and full.
    Erasure { dir: Option<PathBuf> },
    /// The GP 0.7.2 vectors of one sub-transition (default directory: gp072/stf/SUB/tiny).
    Stf {
        sub: String,
        dir: Option<PathBuf>,
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
    },
}

/// Writes to stdout; a closed pipe (`jarkit variants | head`) ends the output quietly instead of
/// panicking like `print!` does.
fn write_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()).is_err() {
        std::process::exit(0);
    }
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match jarkit::seam::with_engine(cli.engine.seam(), || run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn vector_path(given: Option<PathBuf>, default: &str) -> Result<PathBuf, String> {
    match given {
        Some(p) => Ok(p),
        None => vectors_root()
            .map(|r| r.join(default))
            .ok_or_else(|| "no vectors found: pass a path or set JARKIT_VECTORS".to_string()),
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Gen { spec, variants, out } => {
            let root = repo_root();
            let opts = jarkit_codegen::Options {
                spec_dir: spec.unwrap_or_else(|| root.join("spec")),
                variants_dir: variants.unwrap_or_else(|| root.join("variants")),
            };
            let started = std::time::Instant::now();
            match jarkit_codegen::generate(&opts) {
                Ok(output) => {
                    for (name, text) in &output.files {
                        match &out {
                            Some(dir) => {
                                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                                let p = dir.join(name);
                                std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
                                eprintln!("wrote {} ({} lines)", p.display(), text.lines().count());
                            }
                            None => write_stdout(text),
                        }
                    }
                    eprintln!("generated from {} Lean files in {:.1} ms", output.inputs.len(), started.elapsed().as_secs_f64() * 1e3);
                    Ok(ExitCode::SUCCESS)
                }
                Err(d) => {
                    eprintln!("{d}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Variants => {
            let mut text = String::new();
            for id in jarkit_spec::jar::VariantId::ALL {
                text.push_str(&format!("{id}\n"));
                for (k, v) in id.describe() {
                    text.push_str(&format!("  {k:<20} {v}\n"));
                }
            }
            write_stdout(&text);
            Ok(ExitCode::SUCCESS)
        }
        Command::Vectors { family } => {
            let report = match family {
                Family::Shuffle { path } => vectors::shuffle::run(&vector_path(path, "gp072/shuffle")?)?,
                Family::Pvm { dir, reference, compiler, gas } => {
                    let dir = vector_path(dir, "polkavm-spectool/programs")?;
                    let known_file = repo_root().join("tests/known-differences/w3f-pvm.txt");
                    let known = match std::fs::read_to_string(&known_file) {
                        Ok(t) if dir.ends_with("w3f/pvm/programs") => vectors::pvm::parse_known(&t),
                        _ => Default::default(),
                    };
                    let executor = if reference {
                        vectors::pvm::Executor::Reference
                    } else if compiler {
                        vectors::pvm::Executor::Compiler
                    } else {
                        vectors::pvm::Executor::Interpreter
                    };
                    let gas = if gas == "computed" { vectors::pvm::GasSource::Computed } else { vectors::pvm::GasSource::Listed };
                    vectors::pvm::run_dir_on(&dir, &known, executor, gas)?
                }
                Family::Codec { dir } => vectors::codec::run(&vector_path(dir, "gp072/codec")?)?,
                Family::Trie { path } => vectors::trie::run(&vector_path(path, "gp072/traces")?)?,
                Family::Erasure { dir } => vectors::erasure::run(&vector_path(dir, "gp072/erasure")?)?,
                Family::Stf { sub, dir, variant } => {
                    let dir = vector_path(dir, &format!("gp072/stf/{sub}/tiny"))?;
                    vectors::stf::run(&sub, &dir, variant.parse()?)?
                }
            };
            write_stdout(&report.render());
            // A run that found nothing to check has not passed anything.
            if report.cases.is_empty() {
                return Err("no vectors found at that path: nothing was checked".to_string());
            }
            Ok(if report.failed() == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Run { blob, variant, gas, trace, entry, args, standard, input, compiler, spec_kernel } => {
            let bytes = std::fs::read(&blob).map_err(|e| format!("{}: {e}", blob.display()))?;
            if standard {
                run_standard(&blob, &bytes, &variant, &input, gas, compiler)
            } else if bytes.starts_with(b"JAR\x02") {
                run_kernel(&blob, &bytes, entry.as_deref(), &input, gas, compiler, spec_kernel)
            } else if bytes.starts_with(b"JAR\x01") {
                run_jar_v1(&blob, &bytes, &variant, &input, gas, compiler)
            } else if bytes.starts_with(b"PVM\0") {
                run_polkavm(&blob, &bytes, entry.as_deref(), &args, gas, trace, compiler)
            } else {
                run_blob(&blob, &variant, gas, trace, compiler)
            }
        }
        Command::Inspect { file } => {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let text = inspect(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
            write_stdout(&text);
            Ok(ExitCode::SUCCESS)
        }
        Command::Crosscheck { cases, seed, against: Some(_), .. } => {
            let start = std::time::Instant::now();
            let s = jarkit::crosscheck::polkavm_oracle::run_cases(cases, seed)?;
            if let Some(d) = &s.divergence {
                write_stdout(&format!("divergence from PolkaVM (shrunk):\n{d}\n"));
            }
            if let Some(d) = &s.first_gas_difference {
                write_stdout(&format!("first case whose gas differs (block costs; it agrees with gas to spare):\n{d}\n"));
            }
            let found = u64::from(s.divergence.is_some());
            let exits: Vec<String> = s.exits.iter().map(|(k, n)| format!("{k} {n}")).collect();
            eprintln!("exits: {}; resumptions (host calls answered, page faults served): {}; refused by PolkaVM (not counted as agreeing): {}", exits.join(", "), s.resumptions, s.refused);
            write_stdout(&format!(
                "{} cases, {found} divergences, {} gas-model differences (against polkavm, seed {seed}, {:.1} s)\n",
                s.cases,
                s.gas_differences,
                start.elapsed().as_secs_f64()
            ));
            Ok(if found + s.gas_differences == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Crosscheck { variant, cases, seed, kernel: true, .. } => {
            if variant != "jar1" {
                return Err(format!("--kernel checks jar1's capability kernel; `{variant}` has none (use --variant jar1)"));
            }
            let start = std::time::Instant::now();
            let s = jarkit::kernel::check::run(cases, seed);
            if let Some(d) = &s.divergence {
                write_stdout(&format!("divergence (shrunk):\n{d}\n"));
            }
            let found = u64::from(s.divergence.is_some());
            let exits: Vec<String> = s.exits.iter().map(|(k, n)| format!("{k} {n}")).collect();
            eprintln!("exits: {}; VMs: {}; protocol calls answered: {}", exits.join(", "), s.vms, s.protocol_calls);
            write_stdout(&format!("{} cases, {found} divergences (jar1 kernel, seed {seed}, {:.1} s)\n", s.cases, start.elapsed().as_secs_f64()));
            Ok(if found == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Crosscheck { variant, cases, seed, kernel: false, .. } => {
            let rules = jarkit::crosscheck::rules_named(&variant)?;
            let id = variant;
            let start = std::time::Instant::now();
            let summary = jarkit::crosscheck::run_rules(&rules, cases, seed);
            if let Some(d) = &summary.divergence {
                write_stdout(&format!("divergence (shrunk):\n{d}\n"));
            }
            let found = u64::from(summary.divergence.is_some());
            let exits: Vec<String> = summary.exits.iter().map(|(k, n)| format!("{k} {n}")).collect();
            eprintln!("exits: {}; gas used in all: {}; also on the recompiler: {} cases", exits.join(", "), summary.gas_used, summary.compiled);
            write_stdout(&format!("{} cases, {found} divergences ({id}, seed {seed}, {:.1} s)\n", summary.cases, start.elapsed().as_secs_f64()));
            Ok(if found == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Fuzz { target, cases, seed, seconds } => {
            let targets: Vec<&str> = if target == "all" { jarkit::fuzz::TARGETS.to_vec() } else { vec![target.as_str()] };
            let mut panics = 0;
            for t in targets {
                let start = std::time::Instant::now();
                let (mut done, mut batch_seed) = (0u64, seed);
                let finding = loop {
                    let s = jarkit::fuzz::run(t, cases, batch_seed)?;
                    done += u64::from(s.cases);
                    batch_seed = batch_seed.wrapping_add(1);
                    let out_of_time = seconds.is_none_or(|limit| start.elapsed().as_secs_f64() >= limit);
                    if s.finding.is_some() || out_of_time {
                        break s.finding;
                    }
                };
                if let Some((bytes, why)) = &finding {
                    panics += 1;
                    write_stdout(&format!("{t}: PANIC on {} bytes (shrunk) {:02x?}: {why}\n", bytes.len(), bytes));
                }
                write_stdout(&format!("{t}: {done} cases, {} panics ({:.1} s)\n", u32::from(finding.is_some()), start.elapsed().as_secs_f64()));
            }
            Ok(if panics == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Decode { variant, type_name, file } => {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let json = jarkit::codec_cli::decode(&type_name, variant.parse()?, &bytes).map_err(|e| format!("{}: {e}", file.display()))?;
            write_stdout(&format!("{}\n", serde_json::to_string_pretty(&json).expect("JSON values print")));
            Ok(ExitCode::SUCCESS)
        }
        Command::Encode { variant, type_name, file, out } => {
            let json = vectors::read_json(&file)?;
            let bytes = jarkit::codec_cli::encode(&type_name, variant.parse()?, &json).map_err(|e| format!("{}: {e}", file.display()))?;
            match out {
                Some(p) => std::fs::write(&p, &bytes).map_err(|e| format!("{}: {e}", p.display()))?,
                None => write_stdout(&format!("{}\n", jarkit_spec::prelude::to_hex(&bytes))),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { kernel: true, seconds, .. } => {
            write_stdout(&jarkit::kernel::bench::run(seconds)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { guest, seconds, svg, interpreters_only, kernel: false } => run_bench(guest.as_deref(), seconds, svg.as_deref(), interpreters_only),
        Command::Stf { variant, bless, sub, input } => run_stf(&variant, bless.as_deref(), &sub, input.as_deref()),
        Command::Import { variant, stats, dir } => run_import(&variant, stats, dir),
        Command::Target { variant, socket } => {
            jarkit::node::target::serve(&socket, variant.parse()?, None, &mut |line| eprintln!("{line}"))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_bench(only: Option<&str>, seconds: f64, svg: Option<&std::path::Path>, interpreters_only: bool) -> Result<ExitCode, String> {
    use jarkit_bench::harness::{self, Row, Vm};
    use jarkit_bench::polkavm_vm::Backend;
    let guests: Vec<_> = match only {
        Some(name) => vec![jarkit_bench::guests::find(name).ok_or_else(|| format!("unknown guest `{name}`"))?],
        None => jarkit_bench::GUESTS.iter().collect(),
    };
    use jarkit_bench::jarkit_vm::Engine;
    let mut vms = vec![Vm::Jarkit(Engine::Interpreter), Vm::PolkaVm(Backend::Interpreter)];
    if !interpreters_only {
        vms.extend([Vm::Jarkit(Engine::Compiler), Vm::PolkaVm(Backend::CompilerGeneric), Vm::PolkaVm(Backend::CompilerLinux)]);
    }
    let budget = std::time::Duration::from_secs_f64(seconds.max(0.01));
    let mut rows = Vec::new();
    for g in guests {
        eprintln!("{}: {}", g.name, g.what);
        let results = harness::time_all(g, &vms, budget);
        rows.push(Row { guest: g, results });
    }
    write_stdout(&harness::render(&rows, &vms));
    if let Some(path) = svg {
        std::fs::write(path, harness::svg(&rows)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    // A wrong result on any VM is a failure, not a footnote.
    let wrong = rows.iter().flat_map(|r| &r.results).any(|(_, t)| matches!(t, Err(e) if e.contains("expected")));
    Ok(if wrong { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn run_stf(variant: &str, bless: Option<&std::path::Path>, sub: &str, input: Option<&std::path::Path>) -> Result<ExitCode, String> {
    let id: jarkit_spec::jar::VariantId = variant.parse()?;
    if let Some(dir) = bless {
        let n = bless_dir(id, sub, dir)?;
        if n == 0 {
            return Err(format!("{}: no .json vectors to bless", dir.display()));
        }
        eprintln!("blessed {n} vectors in {}", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let text = match input {
        None => std::io::read_to_string(std::io::stdin()).map_err(|e| format!("standard input: {e}"))?,
        Some(p) if p.as_os_str() == "-" => std::io::read_to_string(std::io::stdin()).map_err(|e| format!("standard input: {e}"))?,
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
    };
    let name = input.map(|p| p.display().to_string()).unwrap_or_else(|| "standard input".into());
    let case: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{name}: line {} column {}: {e}", e.line(), e.column()))?;
    let out = jarkit::stf::run(id, sub, &case).map_err(|e| format!("{name}: {e}"))?;
    write_stdout(&format!("{}\n", serde_json::to_string_pretty(&out).expect("JSON values print")));
    Ok(ExitCode::SUCCESS)
}

/// Rewrites `output` and `post_state` of every vector in `dir` from the spec; every other key is
/// written back unchanged.
fn bless_dir(id: jarkit_spec::jar::VariantId, sub: &str, dir: &std::path::Path) -> Result<usize, String> {
    let files = vectors::json_files(dir)?;
    for path in &files {
        let mut case = vectors::read_json(path)?;
        let out = jarkit::stf::run(id, sub, &case).map_err(|e| format!("{}: {e}", path.display()))?;
        case["output"] = out["output"].clone();
        case["post_state"] = out["post_state"].clone();
        let text = serde_json::to_string_pretty(&case).expect("JSON values print");
        std::fs::write(path, format!("{text}\n")).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(files.len())
}

/// The description `jarkit inspect` prints.
fn inspect(bytes: &[u8]) -> Result<String, String> {
    use javm::{disasm, BlockRules, Code, LengthEncoding, Numbering};
    let mut out = String::new();
    let code = if bytes.starts_with(b"JAR\x02") {
        let m = javm::manifest::Manifest::parse(bytes).map_err(|e| e.to_string())?;
        out.push_str(&format!("JAR v2 capability manifest: {} pages, runs slot {} first, init gas {}\n", m.memory_pages, m.invoke, m.init_gas()));
        let mut first = None;
        for c in &m.caps {
            match c {
                javm::manifest::Capability::Code { slot, code } => {
                    out.push_str(&format!("  slot {slot}: CODE, {} bytes of code\n", code.code.len()));
                    if *slot == m.invoke {
                        first = Some(code.clone());
                    }
                }
                javm::manifest::Capability::Data { slot, base_page, page_count, access, init } => {
                    out.push_str(&format!("  slot {slot}: DATA pages {base_page}..{} {access:?}, {} initial bytes\n", base_page + page_count, init.len()));
                }
            }
        }
        out.push_str("(the capability kernel that runs this is not implemented yet)\n");
        first
    } else if bytes.starts_with(b"JAR\x01") {
        let p = javm::JarV1Program::parse(bytes, BlockRules::JAR).map_err(|e| e.to_string())?;
        out.push_str(&format!("JAR v1 program (linear layout): RO {} bytes, RW {} bytes, heap {}/{} pages, stack {} pages\n", p.ro_data.len(), p.rw_data.len(), p.heap_pages, p.max_heap_pages, p.stack_pages));
        Some(p.code)
    } else if bytes.starts_with(b"PVM\0") {
        let p = javm::PolkaVmBlob::parse(bytes).map_err(|e| e.to_string())?;
        out.push_str(&format!("PolkaVM container (JamV1): RO {} of {} bytes, RW {} of {} bytes, stack {} bytes, exports {:?}\n", p.ro_data.len(), p.ro_data_size, p.rw_data.len(), p.rw_data_size, p.stack_size, p.exports));
        Some(Code::parse(&p.code, LengthEncoding::Compact, Numbering::PolkaVm, BlockRules::GP).map_err(|e| e.to_string())?)
    } else if let Ok(p) = javm::StandardProgram::parse(bytes) {
        out.push_str(&format!("GP standard program (segmented layout): RO {} bytes, RW {} bytes, {} heap pages, stack {} bytes\n", p.ro_data.len(), p.rw_data.len(), p.heap_pages, p.stack_bytes));
        Some(Code::parse(&p.code, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).map_err(|e| e.to_string())?)
    } else {
        let c = Code::parse(bytes, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).map_err(|e| format!("not a known program format: {e}"))?;
        out.push_str("GP code blob (jump table, code, bitmask)\n");
        Some(c)
    };
    if let Some(code) = code {
        out.push_str(&disasm::listing(&code));
    }
    Ok(out)
}

/// The block rules, blob length encoding and gas costs of variant `id` for `code`.
fn variant_rules(id: jarkit_spec::jar::VariantId) -> (javm::LengthEncoding, javm::BlockRules, jarkit_spec::jar::GasModel) {
    jarkit_spec::with_variant!(id, V => {
        use jarkit_spec::jar::Variant;
        let lengths = if V::USE_COMPACT_DEBLOB { javm::LengthEncoding::Compact } else { javm::LengthEncoding::U32 };
        (lengths, javm::BlockRules { ecalli_ends_block: V::ECALLI_ENDS_BLOCK, strict: V::ECALLI_ENDS_BLOCK }, V::GAS_MODEL)
    })
}

fn costs_for(model: jarkit_spec::jar::GasModel, code: &javm::Code) -> javm::GasCosts {
    use jarkit_spec::jar::GasModel;
    match model {
        GasModel::PerInstruction => javm::GasCosts::PerInstruction,
        GasModel::BasicBlockSinglePass => javm::GasCosts::single_pass(code),
        GasModel::BasicBlockFull => javm::GasCosts::pipeline(code),
    }
}

/// The engine `--compiler` selects.
fn engine(compiler: bool) -> javm::Engine {
    if compiler {
        javm::Engine::Compiler
    } else {
        javm::Engine::Interpreter
    }
}

/// Runs a loaded program from pc 0 on the interpreter or (`compiler`) the recompiler, and prints
/// the exit and the output (φ₇..φ₇+φ₈ on halt). `serve` handles the host calls the runner
/// implements itself (it returns the exit to report, or `None` to resume the guest); other host
/// calls end the run.
fn run_and_report<M: javm::Memory + 'static>(
    code: javm::Code,
    costs: &javm::GasCosts,
    memory: M,
    regs: &[u64; 13],
    gas: i64,
    compiler: bool,
    serve: impl Fn(&mut dyn javm::Machine<Mem = M>, u32) -> Option<javm::Exit>,
) -> Result<(), String> {
    let mut vm = javm::machine::start(engine(compiler), Arc::new(javm::Predecoded::new(code, costs)), memory, gas)?;
    for (i, r) in regs.iter().enumerate() {
        vm.set_reg(i, *r);
    }
    vm.set_pc(0);
    let exit = loop {
        match vm.run() {
            javm::Exit::HostCall(id) => match serve(vm.as_mut(), id) {
                None => continue,
                Some(exit) => break exit,
            },
            exit => break exit,
        }
    };
    println!("exit: {exit:?} at pc {}", vm.exit_pc());
    println!("gas used: {}", gas - vm.gas());
    if exit == javm::Exit::Halt {
        match vm.memory().read_bytes(vm.reg(7) as u32, vm.reg(8).min(1 << 24) as u32) {
            Some(out) => println!("output: {}", jarkit_spec::prelude::to_hex(&out)),
            None => println!("output: (φ7..φ7+φ8 is not readable)"),
        }
    }
    println!("registers: {:?}", vm.regs());
    Ok(())
}

/// Runs a GP standard program (segmented layout) with `input` as its arguments.
fn run_standard(path: &std::path::Path, bytes: &[u8], variant: &str, input: &str, gas: i64, compiler: bool) -> Result<ExitCode, String> {
    let id: jarkit_spec::jar::VariantId = variant.parse()?;
    let at = |e: String| format!("{}: {e}", path.display());
    let args = vectors::parse_hex(input).map_err(|e| format!("--input: {e}"))?;
    let program = javm::StandardProgram::parse(bytes).map_err(|e| at(e.to_string()))?;
    let (lengths, rules, model) = variant_rules(id);
    let code = javm::Code::parse(&program.code, lengths, javm::Numbering::Gp, rules).map_err(|e| at(e.to_string()))?;
    let costs = costs_for(model, &code);
    let instance = program.instantiate(&args).map_err(|e| at(e.to_string()))?;
    run_and_report(code, &costs, instance.memory, &instance.regs, gas, compiler, |_, id| Some(javm::Exit::HostCall(id)))?;
    Ok(ExitCode::SUCCESS)
}

/// Runs a JAR v1 program (linear layout) with `input` as its arguments.
fn run_jar_v1(path: &std::path::Path, bytes: &[u8], variant: &str, input: &str, gas: i64, compiler: bool) -> Result<ExitCode, String> {
    let id: jarkit_spec::jar::VariantId = variant.parse()?;
    let at = |e: String| format!("{}: {e}", path.display());
    let args = vectors::parse_hex(input).map_err(|e| format!("--input: {e}"))?;
    let (_, rules, model) = variant_rules(id);
    let program = javm::JarV1Program::parse(bytes, rules).map_err(|e| at(e.to_string()))?;
    let costs = costs_for(model, &program.code);
    let instance = program.instantiate(&args).map_err(|e| at(e.to_string()))?;
    // Under jar080's host interface the heap grows by host call; jarkit serves that one.
    let grow_heap = jarkit_spec::with_variant!(id, V => {
        use jarkit_spec::jar::Variant;
        V::HOST_INTERFACE == jarkit_spec::jar::HostInterface::FlatGrowHeap
    });
    run_and_report(program.code.clone(), &costs, instance.memory, &instance.regs, gas, compiler, |vm, id| {
        if !(grow_heap && id == javm::jar_v1::GROW_HEAP_ID) {
            return Some(javm::Exit::HostCall(id));
        }
        match javm::jar_v1::grow_heap(vm) {
            javm::jar_v1::HostOutcome::Continue => None,
            javm::jar_v1::HostOutcome::OutOfGas => Some(javm::Exit::OutOfGas),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Runs a jar1 manifest on javm's capability kernel (or the spec's, generated). A protocol call
/// ends the run (there is no service context to answer it), reported with the kernel's state.
fn run_kernel(path: &std::path::Path, bytes: &[u8], entry: Option<&str>, input: &str, gas: i64, compiler: bool, spec_kernel: bool) -> Result<ExitCode, String> {
    use jarkit::kernel;
    let at = |e: String| format!("{}: {e}", path.display());
    let manifest = javm::manifest::Manifest::parse(bytes).map_err(|e| at(e.to_string()))?;
    let args = vectors::parse_hex(input).map_err(|e| format!("--input: {e}"))?;
    let op = match entry {
        None | Some("refine") => kernel::OP_REFINE,
        Some("accumulate") => kernel::OP_ACCUMULATE,
        Some(n) => n.parse().map_err(|_| format!("--entry `{n}`: a jar1 manifest takes `refine`, `accumulate` or a number"))?,
    };
    let gas = u64::try_from(gas).map_err(|_| "--gas must not be negative".to_string())?;
    if args.len() as u64 > kernel::ipc_capacity(&manifest) {
        return Err(at(format!("{} bytes of --input do not fit the manifest's IPC DATA capability (slot 0)", args.len())));
    }
    let (exit, k) = if spec_kernel {
        let go = || match kernel::start(&manifest, &args, op, gas) {
            Err(e) => (e, None),
            Ok(k) => {
                let o = kernel::run(&k);
                (o.exit, Some(o.kernel))
            }
        };
        if compiler { jarkit::seam::with_engine(jarkit::seam::SeamEngine::Compiler, go) } else { go() }
    } else {
        match javm::kernel::Kernel::new(&manifest, &args, op, gas, engine(compiler)).map_err(|e| at(e.to_string()))? {
            Err(e) => (kernel::spec_kernel_exit(e), None),
            Ok(mut k) => {
                let exit = k.run().map_err(|e| at(e.to_string()))?;
                (kernel::spec_kernel_exit(exit), Some(kernel::spec_view(&k)))
            }
        }
    };
    println!("exit: {}", kernel::describe_exit(&exit));
    if let Some(k) = k {
        let left: u64 = k.vms.first().map_or(0, |vm| vm.machine.gas.0);
        println!("gas used: {} (root VM; {} VMs)", gas - left.min(gas), k.vms.len());
        print!("{}", kernel::describe_vms(&k));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs an export of a `.polkavm` container until it returns or stops, and prints the exit.
fn run_polkavm(path: &std::path::Path, bytes: &[u8], entry: Option<&str>, args: &[u64], gas: i64, trace: bool, compiler: bool) -> Result<ExitCode, String> {
    use javm::{BlockRules, Code, GasCosts, LengthEncoding, Numbering, PolkaVmBlob, Predecoded};
    let at = |e: String| format!("{}: {e}", path.display());
    let blob = PolkaVmBlob::parse(bytes).map_err(|e| at(e.to_string()))?;
    let (name, pc) = match entry {
        Some(n) => (n.to_string(), blob.export(n).ok_or_else(|| at(format!("no export `{n}`")))?),
        None => blob.exports.first().cloned().ok_or_else(|| at("the program exports nothing".into()))?,
    };
    if args.len() > 6 {
        return Err("at most 6 arguments (a0..a5)".into());
    }
    let rules = BlockRules { ecalli_ends_block: false, strict: false };
    let code = Code::parse(&blob.code, LengthEncoding::Compact, Numbering::PolkaVm, rules).map_err(|e| at(e.to_string()))?;
    // Metered as PolkaVM's full cost model does (the spec's pipeline model).
    let costs = GasCosts::pipeline(&code);
    let (memory, map) = blob.memory().map_err(|e| at(e.to_string()))?;
    if trace {
        use javm::Memory;
        let mut setup = jarkit::reference::setup_for_code(&code, &costs, u64::try_from(gas).unwrap_or(0), memory.guard);
        setup.pc = pc;
        setup.heap_top = memory.heap_top;
        setup.regs[0] = u64::from(javm::polkavm_blob::RETURN_TO_HOST);
        setup.regs[1] = u64::from(map.stack_high);
        for (i, a) in args.iter().enumerate() {
            setup.regs[7 + i] = *a;
        }
        setup.pages = memory
            .mapped_pages()
            .map(|p| (p, memory.access(p * 4096) == Some(javm::Access::ReadWrite), memory.read_bytes(p * 4096, 4096).unwrap_or_else(|| vec![0; 4096])))
            .collect();
        println!("called `{name}` at pc {pc}");
        return print_trace(path, &code, &setup);
    }
    let mut vm = javm::machine::start(engine(compiler), Arc::new(Predecoded::new(code, &costs)), memory, gas).map_err(at)?;
    vm.set_reg(0, u64::from(javm::polkavm_blob::RETURN_TO_HOST));
    vm.set_reg(1, u64::from(map.stack_high));
    for (i, a) in args.iter().enumerate() {
        vm.set_reg(7 + i, *a);
    }
    vm.set_pc(pc);
    let exit = vm.run();
    println!("called `{name}` at pc {pc}");
    println!("exit: {exit:?} at pc {}", vm.exit_pc());
    println!("gas used: {}", gas - vm.gas());
    println!("a0 = {} ({:#x})", vm.reg(7), vm.reg(7));
    println!("registers: {:?}", vm.regs());
    Ok(ExitCode::SUCCESS)
}

/// Runs `setup` instruction by instruction on the reference executor (the spec's own step), so
/// the trace follows the program's numbering and gas model exactly, printing each instruction
/// with the registers it changed, then the end.
fn print_trace(path: &std::path::Path, code: &javm::Code, setup: &jarkit::reference::Setup) -> Result<ExitCode, String> {
    let table = code.numbering.decode_table();
    let end = jarkit::reference::trace(setup, 100_000_000, &mut |s| {
        let text = match code.opcode_at(s.pc, &table) {
            Some(op) => javm::disasm::format(&code.decode(s.pc, op)),
            None => "invalid opcode".into(),
        };
        let changed: Vec<String> = (0..13).filter(|&i| s.after[i] != s.before[i]).map(|i| format!("r{i}={:#x}", s.after[i])).collect();
        println!("{:>6}: {text} {}", s.pc, changed.join(" "));
    })
    .map_err(|e| format!("{}: {e}", path.display()))?;
    println!("exit: {:?} at pc {}", end.exit, end.pc);
    println!("gas used: {}", setup.gas - end.gas);
    println!("registers: {:?}", end.regs);
    Ok(ExitCode::SUCCESS)
}

fn run_blob(path: &PathBuf, variant: &str, gas: i64, trace: bool, compiler: bool) -> Result<ExitCode, String> {
    use javm::{Code, Numbering, PagedMemory, Predecoded};
    use jarkit_spec::jar::VariantId;
    let id: VariantId = variant.parse()?;
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (lengths, rules, gas_model) = variant_rules(id);
    let code = Code::parse(&bytes, lengths, Numbering::Gp, rules).map_err(|e| format!("{}: {e}", path.display()))?;
    let costs = costs_for(gas_model, &code);
    if trace {
        let setup = jarkit::reference::setup_for_code(&code, &costs, u64::try_from(gas).unwrap_or(0), 0x10000);
        return print_trace(path, &code, &setup);
    }
    let program = Arc::new(Predecoded::new(code, &costs));
    let mut memory = PagedMemory::new();
    memory.guard = 0x10000;
    let mut vm = javm::machine::start(engine(compiler), Arc::clone(&program), memory, gas).map_err(|e| format!("{}: {e}", path.display()))?;
    let exit = vm.run();
    println!("exit: {exit:?} at pc {}", vm.exit_pc());
    println!("gas used: {}", gas - vm.gas());
    println!("registers: {:?}", vm.regs());
    Ok(ExitCode::SUCCESS)
}

fn run_import(variant: &str, show_stats: bool, dir: Option<PathBuf>) -> Result<ExitCode, String> {
    let variant: jarkit_spec::jar::VariantId = variant.parse()?;
    let dir = vector_path(dir, "gp072/traces")?;
    let mut total = vectors::Report::default();
    for trace in vectors::trie::trace_dirs(&dir)? {
        let name = trace.file_name().and_then(|s| s.to_str()).unwrap_or(".").to_string();
        let mut stats = jarkit::node::import::ImportStats::default();
        let mut progress = jarkit::node::import::Progress::new(&name, vectors::trie::step_files(&trace)?.len());
        let report = jarkit::node::import::run_trace(&trace, variant, &mut stats, &mut |step, result| progress.step(step, result))?;
        progress.finish();
        write_stdout(&format!("{name}: {} passed, {} failed\n", report.passed(), report.failed()));
        if show_stats {
            write_stdout(&format!("  {}", stats.render()));
        }
        for (step, result) in report.cases {
            total.cases.push((format!("{name}/{step}"), result));
        }
    }
    write_stdout(&format!("{} passed, {} failed\n", total.passed(), total.failed()));
    Ok(if total.failed() == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
