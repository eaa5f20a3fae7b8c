//! The `jarkit` command line. Each subcommand is a thin layer over the library crates.

use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Run codegen on a Lean spec (the one built into jarkit, or `--spec`/`--variants`) and
    /// report what it generated, or its diagnostics (exit 1). `--out` writes the Rust.
    Gen {
        /// A spec tree (`.lean` files, searched recursively) instead of the built-in spec.
        #[arg(long, value_name = "DIR")]
        spec: Option<PathBuf>,
        /// A variants directory (one instance per file) instead of the built-in variants.
        #[arg(long, value_name = "DIR")]
        variants: Option<PathBuf>,
        /// Write the generated Rust (`jar.rs`) into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the generated Rust on stdout instead of the summary.
        #[arg(long, conflicts_with = "out")]
        stdout: bool,
    },
    /// Every variant side by side: each parameter and model choice with its meaning, the rows
    /// where variants differ marked, and the next commands to try.
    Variants,
    /// Run conformance vectors.
    Vectors {
        /// Print the results as JSON (every case with its result) instead of text.
        #[arg(long)]
        json: bool,
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
        /// The sub-transition.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(jarkit::stf::SUB_TRANSITIONS))]
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
        /// How many random cases to run.
        #[arg(long, default_value_t = 10_000)]
        cases: u32,
        /// The first case's seed (the same seed gives the same cases).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
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
        /// The target, or `all`.
        #[arg(default_value = "all", value_parser = clap::builder::PossibleValuesParser::new(std::iter::once("all").chain(jarkit::fuzz::TARGETS)))]
        target: String,
        /// Cases per batch (per target without `--seconds`).
        #[arg(long, default_value_t = 10_000)]
        cases: u32,
        /// The first batch's seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Run each target for this long instead: batches of `--cases`, each from the next
        /// seed, until the time is up or a finding is made.
        #[arg(long)]
        seconds: Option<f64>,
        /// A case that runs longer than this is a finding (a hang).
        #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
        case_timeout: f64,
        /// Where findings are saved (TARGET/KIND-HASH.bin) and extra seeds are read from
        /// (every file in TARGET/ is mutated like the built-in seeds).
        #[arg(long, value_name = "DIR", default_value = "fuzz-corpus")]
        corpus: PathBuf,
        /// Run this one input through the target, in this process (to reproduce a finding).
        #[arg(long, value_name = "FILE")]
        replay: Option<PathBuf>,
        /// Internal: run one batch in this process and report every case on stdout to the
        /// supervising `jarkit fuzz`.
        #[arg(long, hide = true)]
        worker: bool,
    },
    /// Show what a program file holds: its format (code blob, GP standard program, JAR v1, JAR v2
    /// manifest, .polkavm), its parts and a disassembly. Invalid files get the reason and exit 2.
    Inspect {
        /// The program file.
        file: PathBuf,
    },
    /// Import block traces: DIR is one trace folder (genesis.bin, 00000001.bin, …) or a folder of
    /// them (default: gp072/traces). Each step's pre-state root is checked, the block imported
    /// with the spec's block transition, and the post-state root compared; a mismatch names the
    /// first differing state component with both values. Ends with `N passed, M failed`.
    Import {
        /// The variant the traces were made for.
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        /// Report the time per block and its split (state decoding, transition, encoding,
        /// Merklization).
        #[arg(long)]
        stats: bool,
        /// A trace folder, or a folder of them.
        dir: Option<PathBuf>,
    },
    /// Serve the JAM conformance fuzzer's target protocol (v1: PeerInfo, Initialize, ImportBlock,
    /// GetState; length-prefixed JAM-codec messages) on a Unix socket, one session after another.
    Target {
        /// The variant whose blocks and state the fuzzer sends.
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        /// The Unix socket to listen on (created; an old one is replaced).
        #[arg(long, value_name = "PATH")]
        socket: PathBuf,
    },
    /// Decode a JAM-codec file as a spec type (`WorkReport`, `Header`, …) and print its JSON.
    Decode {
        /// The variant whose codec and sizes apply.
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        /// The spec type (its Lean name, e.g. `Header`).
        type_name: String,
        /// The file of JAM-codec bytes.
        file: PathBuf,
    },
    /// Encode a JSON file as a spec type and write the bytes (to `--out`, else hex on stdout).
    Encode {
        /// The variant whose codec and sizes apply.
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
        /// The spec type (its Lean name, e.g. `Header`).
        type_name: String,
        /// The JSON file.
        file: PathBuf,
        /// Write the bytes here instead of printing hex.
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
        /// Print the results as JSON (every guest, VM and measurement, with quartiles).
        #[arg(long)]
        json: bool,
        /// Measure jar1's capability kernel instead: CALL + REPLY round trips, and fib(20) with
        /// one VM per call (creation, calls, memory per live VM), on each engine.
        #[arg(long, conflicts_with_all = ["guest", "svg", "interpreters_only", "json"])]
        kernel: bool,
    },
    /// Turn a `.polkavm` program into a jar1 capability manifest (JAR v2): its instructions
    /// re-encoded in the Gray Paper's numbering, its memory map as DATA capabilities, a prologue
    /// that calls the export with a0..a5 from the first 48 bytes of `run --input`.
    Transpile {
        /// The `.polkavm` file.
        input: PathBuf,
        /// Where to write the manifest.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The export to call (default: the first).
        #[arg(long)]
        entry: Option<String>,
    },
    /// Run a program: a GP code blob (jump table, code, bitmask), a GP standard program
    /// (`--standard`), a JAR v1 program, a PolkaVM `.polkavm` container (JamV1; its export called
    /// with PolkaVM's memory map and calling convention), or a jar1 capability manifest (magic
    /// `JAR\x02`), run by javm's capability kernel (or the spec's, `--spec-kernel`) with child VMs.
    /// The exit code says how it ended.
    #[command(after_help = cli::run::EXIT_CODES)]
    Run {
        /// The program file; its format is read from its first bytes (`JAR\x02`, `JAR\x01`,
        /// `PVM\0`, else a GP code blob, or a GP standard program with `--standard`).
        blob: PathBuf,
        /// Variant whose rules apply (numbering, block rules, gas model). Default: the format's
        /// own (jar1 for JAR v2, jar080_tiny for JAR v1, gp072_tiny otherwise); a variant that
        /// does not take the file's format is refused. Not for `.polkavm` files, which run under
        /// PolkaVM's rules.
        #[arg(long)]
        variant: Option<String>,
        /// The gas the program starts with.
        #[arg(long, default_value_t = 1_000_000)]
        gas: i64,
        /// Print each instruction as it runs, with the registers it changed, stepped by the
        /// spec under the program's numbering and gas model (every format; for a jar1 manifest,
        /// every VM under the spec's kernel).
        #[arg(long, conflicts_with = "json")]
        trace: bool,
        /// For a `.polkavm` file: the export to call (default: the first). For a jar1 manifest:
        /// `refine` (φ7 = 0, the default), `accumulate` (φ7 = 1) or a number for φ7.
        #[arg(long)]
        entry: Option<String>,
        /// For a `.polkavm` file: arguments, in a0, a1, ….
        #[arg(long, value_delimiter = ',')]
        args: Vec<u64>,
        /// BLOB is a GP 0.7.2 standard program (RO/RW data, heap, stack, code) laid out in the
        /// segmented memory map. `--input` is the argument data (hex).
        #[arg(long)]
        standard: bool,
        /// Argument data (hex): a standard program's or JAR v1 program's arguments, or what a
        /// jar1 manifest's root VM finds in its IPC DATA capability (slot 0).
        #[arg(long, default_value = "")]
        input: String,
        /// Set register N (0-12) to VALUE (decimal or 0x hex) before the run, after the format's
        /// own setup. Repeatable.
        #[arg(long = "reg", value_name = "N=VALUE")]
        regs: Vec<String>,
        /// Write BYTES (hex) at ADDRESS before the run; unmapped pages are mapped read-write.
        /// Repeatable.
        #[arg(long = "mem", value_name = "ADDRESS=BYTES")]
        mem: Vec<String>,
        /// Run on the recompiler (x86-64) instead of the interpreter.
        #[arg(long, conflicts_with = "trace")]
        compiler: bool,
        /// jar1 manifests: run the spec's capability kernel (generated from the Lean) instead of
        /// javm's; the VMs still run on the interpreter or, with `--compiler`, the recompiler.
        #[arg(long)]
        spec_kernel: bool,
        /// Print the end as JSON (format, exit, exit code, pc, gas, registers, output, VMs).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum Family {
    /// The GP 0.7.2 Fisher–Yates shuffle vectors, through the generated `shuffle`.
    Shuffle {
        /// The shuffle vectors' file or folder (default: gp072/shuffle under the vectors root).
        path: Option<PathBuf>,
    },
    /// PVM vectors (polkavm-spectool or w3f v0.4 format, detected per file).
    Pvm {
        /// A folder of PVM vectors (default: polkavm-spectool/programs under the vectors root).
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
    Codec {
        /// The codec vectors (default: gp072/codec under the vectors root).
        dir: Option<PathBuf>,
    },
    /// State-trie cases: every raw state of the block traces (genesis, each step's pre and post
    /// state) through the spec's `merkleRoot` (default directory: gp072/traces).
    Trie {
        /// A trace folder or a folder of them (default: gp072/traces under the vectors root).
        path: Option<PathBuf>,
    },
    /// The GP 0.7.2 erasure-coding vectors: the shards of each blob, tiny and full.
    Erasure {
        /// The erasure vectors (default: gp072/erasure under the vectors root).
        dir: Option<PathBuf>,
    },
    /// The GP 0.7.2 vectors of one sub-transition (default directory: gp072/stf/SUB/tiny).
    Stf {
        /// The sub-transition.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(jarkit::stf::SUB_TRANSITIONS))]
        sub: String,
        /// The folder of its vectors (default: gp072/stf/SUB/tiny under the vectors root).
        dir: Option<PathBuf>,
        /// The variant whose parameters apply (gp072_full for the full vectors).
        #[arg(long, default_value = "gp072_tiny")]
        variant: String,
    },
}

/// `println!` that ends the program quietly when stdout's reader has gone (see [`cli::stdout`]).
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => { $crate::cli::stdout(&format!("{}\n", format_args!($($t)*))) };
}

/// `eprintln!` that ignores a closed stderr instead of panicking.
#[macro_export]
macro_rules! warn {
    ($($t:tt)*) => { $crate::cli::stderr(&format!("{}\n", format_args!($($t)*))) };
}

mod cli;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match jarkit::seam::with_engine(cli.engine.seam(), || run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            warn!("error: {e}");
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
        Command::Gen { spec, variants, out, stdout } => run_gen(spec, variants, out.as_deref(), stdout),
        Command::Variants => {
            cli::stdout(&cli::variants::table());
            Ok(ExitCode::SUCCESS)
        }
        Command::Vectors { family, json } => {
            let report = match family {
                Family::Shuffle { path } => vectors::shuffle::run(&vector_path(path, "gp072/shuffle")?)?,
                Family::Pvm { dir, reference, compiler, gas } => {
                    let dir = vector_path(dir, "polkavm-spectool/programs")?;
                    // The known differences are built into the binary (the list of w3f cases that
                    // GP 0.7.2 contradicts, each with its reason).
                    let known = if dir.ends_with("w3f/pvm/programs") { vectors::pvm::parse_known(jarkit::embedded::W3F_PVM_KNOWN) } else { Default::default() };
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
            if json {
                say!("{}", serde_json::to_string_pretty(&report.json()).expect("JSON values print"));
            } else {
                cli::stdout(&report.render());
            }
            // A run that found nothing to check has not passed anything.
            if report.cases.is_empty() {
                return Err("no vectors found at that path: nothing was checked".to_string());
            }
            Ok(if report.failed() == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Run { blob, variant, gas, trace, entry, args, standard, input, regs, mem, compiler, spec_kernel, json } => cli::run::run(&cli::run::Request {
            path: &blob,
            variant: variant.as_deref(),
            gas,
            trace,
            entry: entry.as_deref(),
            args: &args,
            standard,
            input: &input,
            compiler,
            spec_kernel,
            regs: &regs,
            mem: &mem,
            json,
        }),
        Command::Transpile { input, out, entry } => {
            let bytes = std::fs::read(&input).map_err(|e| format!("{}: {e}", input.display()))?;
            let t = jarkit::transpile::polkavm_to_manifest(&bytes, entry.as_deref()).map_err(|e| format!("{}: {e}", input.display()))?;
            std::fs::write(&out, &t.manifest).map_err(|e| format!("{}: {e}", out.display()))?;
            say!("wrote {} ({} bytes): a jar1 manifest calling `{}` (pc {} of the original code)", out.display(), t.manifest.len(), t.entry.0, t.entry.1);
            for n in &t.notes {
                say!("  note: {n}");
            }
            say!("run it: jarkit run {} --input <a0..a5 as little-endian u64, hex>", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect { file } => {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let text = cli::inspect::describe(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
            cli::stdout(&text);
            Ok(ExitCode::SUCCESS)
        }
        Command::Crosscheck { cases, seed, json, against: Some(_), .. } => {
            let start = std::time::Instant::now();
            let s = jarkit::crosscheck::polkavm_oracle::run_cases(cases, seed)?;
            let report = cli::CheckReport {
                label: "against polkavm".into(),
                cases: s.cases,
                seed,
                seconds: start.elapsed().as_secs_f64(),
                divergence: s.divergence,
                // A case that agrees with gas to spare but whose block costs differ.
                other_findings: vec![("gas_model_differences", s.gas_differences, s.first_gas_difference)],
                exits: s.exits,
                counters: vec![("resumptions", s.resumptions), ("refused_by_polkavm", s.refused)],
            };
            Ok(report.print(json))
        }
        Command::Crosscheck { variant, cases, seed, json, kernel: true, .. } => {
            if variant != "jar1" {
                return Err(format!("--kernel checks jar1's capability kernel; `{variant}` has none (use --variant jar1)"));
            }
            let start = std::time::Instant::now();
            let s = jarkit::kernel::check::run(cases, seed);
            let report = cli::CheckReport {
                label: "jar1 kernel".into(),
                cases: s.cases,
                seed,
                seconds: start.elapsed().as_secs_f64(),
                divergence: s.divergence,
                other_findings: vec![],
                exits: s.exits,
                counters: vec![("vms", s.vms), ("protocol_calls_answered", s.protocol_calls)],
            };
            Ok(report.print(json))
        }
        Command::Crosscheck { variant, cases, seed, json, kernel: false, .. } => {
            let rules = jarkit::crosscheck::rules_named(&variant)?;
            let start = std::time::Instant::now();
            let s = jarkit::crosscheck::run_rules(&rules, cases, seed);
            let report = cli::CheckReport {
                label: variant,
                cases: s.cases,
                seed,
                seconds: start.elapsed().as_secs_f64(),
                divergence: s.divergence,
                other_findings: vec![],
                exits: s.exits,
                counters: vec![("gas_used", s.gas_used), ("also_on_the_recompiler", s.compiled)],
            };
            Ok(report.print(json))
        }
        Command::Fuzz { target, cases, seed, seconds, case_timeout, corpus, replay, worker } => run_fuzz(&target, cases, seed, seconds, case_timeout, &corpus, replay.as_deref(), worker),
        Command::Decode { variant, type_name, file } => {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let json = jarkit::codec_cli::decode(&type_name, variant.parse()?, &bytes).map_err(|e| format!("{}: {e}", file.display()))?;
            cli::stdout(&format!("{}\n", serde_json::to_string_pretty(&json).expect("JSON values print")));
            Ok(ExitCode::SUCCESS)
        }
        Command::Encode { variant, type_name, file, out } => {
            let json = vectors::read_json(&file)?;
            let bytes = jarkit::codec_cli::encode(&type_name, variant.parse()?, &json).map_err(|e| format!("{}: {e}", file.display()))?;
            match out {
                Some(p) => std::fs::write(&p, &bytes).map_err(|e| format!("{}: {e}", p.display()))?,
                None => cli::stdout(&format!("{}\n", jarkit_spec::prelude::to_hex(&bytes))),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { kernel: true, seconds, .. } => {
            cli::stdout(&jarkit::kernel::bench::run(seconds)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { guest, seconds, svg, interpreters_only, json, kernel: false } => run_bench(guest.as_deref(), seconds, svg.as_deref(), interpreters_only, json),
        Command::Stf { variant, bless, sub, input } => run_stf(&variant, bless.as_deref(), &sub, input.as_deref()),
        Command::Import { variant, stats, dir } => run_import(&variant, stats, dir),
        Command::Target { variant, socket } => {
            jarkit::node::target::serve(&socket, variant.parse()?, None, &mut |line| warn!("{line}"))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_bench(only: Option<&str>, seconds: f64, svg: Option<&std::path::Path>, interpreters_only: bool, json: bool) -> Result<ExitCode, String> {
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
        warn!("{}: {}", g.name, g.what);
        let results = harness::time_all(g, &vms, budget);
        rows.push(Row { guest: g, results });
    }
    if json {
        say!("{}", serde_json::to_string_pretty(&bench_json(&rows)).expect("JSON values print"));
    } else {
        cli::stdout(&harness::render(&rows, &vms));
    }
    if let Some(path) = svg {
        std::fs::write(path, harness::svg(&rows)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    // A wrong result on any VM is a failure, not a footnote.
    let wrong = rows.iter().flat_map(|r| &r.results).any(|(_, t)| matches!(t, Err(e) if e.contains("expected")));
    Ok(if wrong { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `jarkit bench --json`: every guest's timings per VM (milliseconds, median and quartiles) and
/// the ratios against PolkaVM, with their geometric means.
fn bench_json(rows: &[jarkit_bench::harness::Row]) -> serde_json::Value {
    use jarkit_bench::harness;
    use jarkit_bench::jarkit_vm::Engine;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let ratio_names = [(Engine::Interpreter, true, "interpreter_execute"), (Engine::Interpreter, false, "interpreter_total"), (Engine::Compiler, true, "compiler_execute"), (Engine::Compiler, false, "compiler_total")];
    let guests: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let results: Vec<serde_json::Value> = r
                .results
                .iter()
                .map(|(vm, t)| match t {
                    Ok(t) => serde_json::json!({
                        "vm": vm.label(),
                        "gas_used": t.gas_used,
                        "execute_ms": { "median": ms(t.execute), "q1": ms(t.execute_spread.0), "q3": ms(t.execute_spread.1) },
                        "total_ms": { "median": ms(t.total), "q1": ms(t.total_spread.0), "q3": ms(t.total_spread.1) },
                    }),
                    Err(e) => serde_json::json!({ "vm": vm.label(), "error": e }),
                })
                .collect();
            let ratios: serde_json::Map<String, serde_json::Value> = ratio_names.iter().filter_map(|(e, x, name)| Some((name.to_string(), serde_json::json!(r.ratio(*e, *x)?)))).collect();
            serde_json::json!({ "guest": r.guest.name, "results": results, "ratios": ratios })
        })
        .collect();
    let geomeans: serde_json::Map<String, serde_json::Value> = ratio_names
        .iter()
        .filter_map(|(e, x, name)| {
            let v: Vec<f64> = rows.iter().filter_map(|r| r.ratio(*e, *x)).collect();
            Some((name.to_string(), serde_json::json!(harness::geomean(&v)?)))
        })
        .collect();
    serde_json::json!({ "ratio": "PolkaVM time / jarkit time", "guests": guests, "geometric_means": geomeans })
}

fn run_stf(variant: &str, bless: Option<&std::path::Path>, sub: &str, input: Option<&std::path::Path>) -> Result<ExitCode, String> {
    let id: jarkit_spec::jar::VariantId = variant.parse()?;
    if let Some(dir) = bless {
        let n = bless_dir(id, sub, dir)?;
        if n == 0 {
            return Err(format!("{}: no .json vectors to bless", dir.display()));
        }
        warn!("blessed {n} vectors in {}", dir.display());
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
    cli::stdout(&format!("{}\n", serde_json::to_string_pretty(&out).expect("JSON values print")));
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

/// `jarkit fuzz`: each target in supervised worker processes (see `cli::fuzz`), or, as a
/// worker, one batch reported frame by frame, or one input replayed.
#[allow(clippy::too_many_arguments)]
fn run_fuzz(target: &str, cases: u32, seed: u64, seconds: Option<f64>, case_timeout: f64, corpus: &std::path::Path, replay: Option<&std::path::Path>, worker: bool) -> Result<ExitCode, String> {
    let targets: Vec<&str> = if target == "all" { jarkit::fuzz::TARGETS.to_vec() } else { vec![target] };
    if let Some(file) = replay {
        let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut frames = worker.then(cli::fuzz::FrameWriter::new);
        let mut failed = false;
        for t in &targets {
            if let Some(w) = frames.as_mut() {
                w.start(&bytes);
            }
            match jarkit::fuzz::run_one(t, &bytes)? {
                Ok(()) => match frames.as_mut() {
                    Some(w) => w.done(),
                    None => say!("{t}: {} bytes pass", bytes.len()),
                },
                Err(why) => {
                    failed = true;
                    match frames.as_mut() {
                        Some(w) => w.panic(&bytes, &why),
                        None => say!("{t}: PANIC on {} bytes: {why}", bytes.len()),
                    }
                }
            }
        }
        if let Some(w) = frames.as_mut() {
            w.end(targets.len() as u64);
        }
        return Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS });
    }
    if worker {
        let mut frames = cli::fuzz::FrameWriter::new();
        let extra = cli::fuzz::corpus_inputs(corpus, target);
        let s = jarkit::fuzz::run_observed(target, cases, seed, extra, &mut |e| match e {
            jarkit::fuzz::Event::Start(bytes) => frames.start(bytes),
            jarkit::fuzz::Event::Done => frames.done(),
        })?;
        match &s.finding {
            Some((bytes, why)) => frames.panic(bytes, why),
            None => frames.end(s.cases.into()),
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !(case_timeout > 0.0 && case_timeout.is_finite()) {
        return Err("--case-timeout must be a positive number of seconds".into());
    }
    let mut findings = 0;
    for t in targets {
        let start = std::time::Instant::now();
        let opts = cli::fuzz::Options { target: t, cases, case_limit: std::time::Duration::from_secs_f64(case_timeout), corpus };
        let outcome = cli::fuzz::run_target(&opts, seed, seconds)?;
        let found = u32::from(outcome.finding.is_some());
        for u in &outcome.unconfirmed {
            warn!("{t}: not counted: {u}");
        }
        if let Some((bytes, why, path)) = &outcome.finding {
            findings += 1;
            let shown: Vec<u8> = bytes.iter().copied().take(64).collect();
            say!("{t}: {why}\n  on {} bytes (shrunk) {shown:02x?}{}\n  saved to {}; replay: jarkit fuzz {t} --replay {}", bytes.len(), if bytes.len() > 64 { " …" } else { "" }, path.display(), path.display());
        }
        say!("{t}: {} cases, {found} findings ({:.1} s)", outcome.cases, start.elapsed().as_secs_f64());
    }
    Ok(if findings == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `jarkit gen`: codegen on the built-in spec (or the trees given), then a summary, the Rust on
/// stdout (`--stdout`), or the files in `out`.
fn run_gen(spec: Option<PathBuf>, variants: Option<PathBuf>, out: Option<&std::path::Path>, to_stdout: bool) -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    let (result, from) = match (spec, variants) {
        (None, None) => (jarkit_codegen::generate_sources(jarkit::embedded::sources()), format!("the built-in spec ({} Lean files)", jarkit::embedded::SPEC_FILES.len())),
        (spec, variants) => {
            let root = repo_root();
            let opts = jarkit_codegen::Options { spec_dir: spec.unwrap_or_else(|| root.join("spec")), variants_dir: variants.unwrap_or_else(|| root.join("variants")) };
            let from = format!("{} and {}", opts.spec_dir.display(), opts.variants_dir.display());
            (jarkit_codegen::generate(&opts), from)
        }
    };
    let output = match result {
        Ok(o) => o,
        Err(d) => {
            warn!("{d}");
            return Ok(ExitCode::from(1));
        }
    };
    let ms = started.elapsed().as_secs_f64() * 1e3;
    if to_stdout {
        for (_, text) in &output.files {
            cli::stdout(text);
        }
        return Ok(ExitCode::SUCCESS);
    }
    for (name, text) in &output.files {
        if let Some(dir) = out {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let p = dir.join(name);
            std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
            say!("wrote {} ({} lines)", p.display(), text.lines().count());
        }
    }
    let lines: usize = output.files.iter().map(|(_, t)| t.lines().count()).sum();
    say!("generated {lines} lines of Rust from {from} in {ms:.0} ms:");
    for (kind, n) in &output.counts {
        say!("  {n:>6} {kind}");
    }
    if out.is_none() {
        say!("(--out DIR writes it, --stdout prints it; `cargo build` regenerates it into the jarkit-spec crate)");
    }
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
        cli::stdout(&format!("{name}: {} passed, {} failed\n", report.passed(), report.failed()));
        if show_stats {
            cli::stdout(&format!("  {}", stats.render()));
        }
        for (step, result) in report.cases {
            total.cases.push((format!("{name}/{step}"), result));
        }
    }
    cli::stdout(&format!("{} passed, {} failed\n", total.passed(), total.failed()));
    Ok(if total.failed() == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every subcommand, flag and argument says what it is for.
    #[test]
    fn every_flag_and_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            if cmd.get_about().is_none() && !path.is_empty() {
                missing.push(format!("{path} (the command)"));
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }
}
