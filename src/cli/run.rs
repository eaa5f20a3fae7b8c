//! `jarkit run`: every program format javm loads, on the interpreter or the recompiler (or
//! stepped by the spec with `--trace`), with the end reported as text or JSON and as the
//! process's exit code.
//!
//! The format is decided from the file's magic before any parser runs ([`ProgramFormat`]), and
//! the variant must take that format: a JAR v1 program under a GP variant is refused with the
//! variants that do take it, never run under the wrong rules.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use javm::{Access, Code, GasCosts, LengthEncoding, LinearMemory, Memory, Numbering, PagedMemory, Predecoded, ProgramFormat};
use jarkit::reference;
use jarkit_spec::jar::{self, BlobFormat, VariantId};
use serde_json::json;

/// Process exit codes of `jarkit run`, one per way a program can end (2 is any error: a file
/// that cannot be read or parsed, a bad option).
pub const EXIT_CODES: &str = "exit codes: 0 halt, 10 trap, 11 panic, 12 out of gas, 13 page fault, 14 host call (ecalli, ecall or a jar1 protocol call), 2 error";

/// Everything `jarkit run` was asked.
pub struct Request<'a> {
    pub path: &'a Path,
    pub variant: Option<&'a str>,
    pub gas: i64,
    pub trace: bool,
    pub entry: Option<&'a str>,
    pub args: &'a [u64],
    pub standard: bool,
    pub input: &'a str,
    pub compiler: bool,
    pub spec_kernel: bool,
    /// `--reg N=V`, applied after the format's own setup.
    pub regs: &'a [String],
    /// `--mem ADDR=HEX`, written after the format's own setup (pages mapped read-write if they
    /// are not mapped yet).
    pub mem: &'a [String],
    pub json: bool,
}

/// How a run ended, whatever the format: a machine's exit, or (jar1) a protocol call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    Vm(javm::Exit),
    /// A jar1 protocol capability was called; the host would answer it.
    ProtocolCall(u64),
}

impl Stop {
    fn of(e: javm::Exit) -> Stop {
        Stop::Vm(e)
    }

    /// The process exit code (see [`EXIT_CODES`]).
    pub fn code(&self) -> u8 {
        use javm::Exit::*;
        match self {
            Stop::Vm(Halt) => 0,
            Stop::Vm(Trap) => 10,
            Stop::Vm(Panic) => 11,
            Stop::Vm(OutOfGas) => 12,
            Stop::Vm(PageFault(_)) => 13,
            Stop::Vm(HostCall(_) | Ecall) | Stop::ProtocolCall(_) => 14,
        }
    }

    /// The kind's name, snake case (`out_of_gas`).
    fn kind(&self) -> &'static str {
        use javm::Exit::*;
        match self {
            Stop::Vm(Halt) => "halt",
            Stop::Vm(Trap) => "trap",
            Stop::Vm(Panic) => "panic",
            Stop::Vm(OutOfGas) => "out_of_gas",
            Stop::Vm(PageFault(_)) => "page_fault",
            Stop::Vm(HostCall(_)) => "host_call",
            Stop::Vm(Ecall) => "ecall",
            Stop::ProtocolCall(_) => "protocol_call",
        }
    }

    fn json(&self) -> serde_json::Value {
        let mut v = json!({ "kind": self.kind() });
        match self {
            Stop::Vm(javm::Exit::PageFault(a)) => v["address"] = json!(a),
            Stop::Vm(javm::Exit::HostCall(id)) => v["id"] = json!(id),
            Stop::ProtocolCall(id) => v["id"] = json!(id),
            _ => {}
        }
        v
    }

    fn text(&self) -> String {
        let words = self.kind().replace('_', " ");
        match self {
            Stop::Vm(javm::Exit::PageFault(a)) => format!("{words} at {a:#x}"),
            Stop::Vm(javm::Exit::HostCall(id)) => format!("{words} {id}"),
            Stop::ProtocolCall(id) => format!("{words} {id}"),
            _ => words,
        }
    }
}

/// The end of a run, printed as text or JSON.
pub struct Report {
    pub format: &'static str,
    pub variant: Option<VariantId>,
    /// What the run called first (a `.polkavm` export), if the format has names.
    pub called: Option<String>,
    pub stop: Stop,
    pub pc: Option<u32>,
    pub gas_used: u64,
    pub regs: [u64; 13],
    /// On a halt: φ7..φ7+φ8, or `None` if that range is not readable.
    pub output: Option<Option<Vec<u8>>>,
    /// A jar1 invocation's VMs.
    pub vms: Vec<serde_json::Value>,
    /// What the exit carries besides its kind (a jar1 halt's φ7).
    pub detail: Option<String>,
    /// A trace already printed the end.
    pub printed: bool,
}

impl Report {
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(c) = &self.called {
            out.push_str(&format!("called {c}\n"));
        }
        let detail = self.detail.as_ref().map(|d| format!(", {d}")).unwrap_or_default();
        match self.pc {
            Some(pc) => out.push_str(&format!("exit: {}{detail} at pc {pc}\n", self.stop.text())),
            None => out.push_str(&format!("exit: {}{detail}\n", self.stop.text())),
        }
        match self.vms.len() {
            0 => out.push_str(&format!("gas used: {}\n", self.gas_used)),
            n => out.push_str(&format!("gas used: {} (root VM; {n} VMs)\n", self.gas_used)),
        }
        match &self.output {
            Some(Some(bytes)) => out.push_str(&format!("output: {}\n", jarkit_spec::prelude::to_hex(bytes))),
            Some(None) => out.push_str("output: (φ7..φ7+φ8 is not readable)\n"),
            None => {}
        }
        out.push_str(&format!("registers: {:?}\n", self.regs));
        for vm in &self.vms {
            out.push_str(&format!(
                "vm {}: {}, code {}, pc {}, gas {}, {} caps, registers {}\n",
                vm["vm"], vm["state"].as_str().unwrap_or(""), vm["code"], vm["pc"], vm["gas"], vm["caps"], vm["registers"]
            ));
        }
        out
    }

    pub fn json(&self) -> serde_json::Value {
        let mut v = json!({
            "format": self.format,
            "variant": self.variant.map(|v| v.name()),
            "exit": self.stop.json(),
            "exit_code": self.stop.code(),
            "pc": self.pc,
            "gas_used": self.gas_used,
            "registers": self.regs,
        });
        if let Some(c) = &self.called {
            v["called"] = json!(c);
        }
        if let Some(output) = &self.output {
            v["output"] = json!(output.as_ref().map(|b| jarkit_spec::prelude::to_hex(b)));
        }
        if !self.vms.is_empty() {
            v["vms"] = json!(self.vms);
        }
        v
    }
}

/// Runs `req` and prints its report (or its trace); the exit code says how it ended.
pub fn run(req: &Request) -> Result<ExitCode, String> {
    let at = |e: String| format!("{}: {e}", req.path.display());
    let bytes = std::fs::read(req.path).map_err(|e| at(e.to_string()))?;
    let format = ProgramFormat::detect(&bytes);
    if req.standard && format != ProgramFormat::Unmarked {
        return Err(at(format!("this is a {format}, not a GP standard program: run it without --standard")));
    }
    let variant = variant_for(format, req.standard, req.variant).map_err(at)?;
    let regs = parse_regs(req.regs)?;
    let mem = parse_mem(req.mem)?;
    if format == ProgramFormat::JarV2 && !(regs.is_empty() && mem.is_empty()) {
        return Err("--reg and --mem set up a program's own machine; a jar1 manifest's root VM takes its data through --input".into());
    }
    if format != ProgramFormat::PolkaVm && !req.args.is_empty() {
        return Err("--args are a `.polkavm` export's arguments; use --reg N=V for other formats".into());
    }
    let setup = Setup { regs, mem };
    let report: Report = match (format, variant) {
        (ProgramFormat::JarV2, _) => run_kernel(req, &bytes)?,
        (ProgramFormat::PolkaVm, _) => run_polkavm(req, &bytes, &setup)?,
        (ProgramFormat::JarV1, Some(id)) => run_jar_v1(req, &bytes, id, &setup)?,
        (_, Some(id)) if req.standard => run_standard(req, &bytes, id, &setup)?,
        (_, Some(id)) => run_code_blob(req, &bytes, id, &setup)?,
        (_, None) => return Err(at("no variant applies".into())),
    };
    if report.printed {
        // A trace printed its own end.
    } else if req.json {
        crate::say!("{}", serde_json::to_string_pretty(&report.json()).expect("JSON values print"));
    } else {
        crate::say!("{}", report.text().trim_end());
    }
    Ok(ExitCode::from(report.stop.code()))
}

/// The variant a file of `format` runs under: the one given, if it takes that format, else the
/// format's own default.
fn variant_for(format: ProgramFormat, standard: bool, given: Option<&str>) -> Result<Option<VariantId>, String> {
    let wanted = match format {
        ProgramFormat::JarV2 => Some(BlobFormat::JarV2),
        ProgramFormat::JarV1 => Some(BlobFormat::JarV1),
        ProgramFormat::Unmarked if standard => Some(BlobFormat::GpStandard),
        // A bare code blob runs under any variant (its length encoding and rules come from it);
        // a PolkaVM container under PolkaVM's rules.
        ProgramFormat::Unmarked | ProgramFormat::PolkaVm => None,
    };
    let takes = |id: VariantId| wanted.as_ref().is_none_or(|w| blob_format(id) == *w);
    let Some(name) = given else {
        // The format's own variant: the tiny one where there is one (the test chain).
        let candidates: Vec<VariantId> = VariantId::ALL.into_iter().filter(|id| takes(*id)).collect();
        return Ok(match format {
            ProgramFormat::PolkaVm => None,
            _ => candidates.iter().find(|id| id.name().ends_with("_tiny")).or(candidates.first()).copied(),
        });
    };
    let id: VariantId = name.parse()?;
    if format == ProgramFormat::PolkaVm {
        return Err(format!("a PolkaVM container runs under PolkaVM's rules (JamV1 numbering, the full pipeline gas model); --variant {name} does not apply to it"));
    }
    if !takes(id) {
        let fits: Vec<&str> = VariantId::ALL.into_iter().filter(|v| takes(*v)).map(|v| v.name()).collect();
        let what = if standard { "GP standard program".to_string() } else { format.name().to_string() };
        return Err(format!(
            "variant {name} takes {} blobs, and this is a {what}; the variants that run it: {} (or leave --variant out)",
            blob_format_name(blob_format(id)),
            fits.join(", ")
        ));
    }
    Ok(Some(id))
}

fn blob_format(id: VariantId) -> BlobFormat {
    jarkit_spec::with_variant!(id, V => <V as jar::Variant>::BLOB_FORMAT)
}

fn blob_format_name(f: BlobFormat) -> &'static str {
    match f {
        BlobFormat::GpStandard => "GP standard program",
        BlobFormat::JarV1 => "JAR v1",
        BlobFormat::JarV2 => "JAR v2 manifest",
    }
}

/// `--reg` and `--mem`, parsed.
struct Setup {
    regs: Vec<(usize, u64)>,
    mem: Vec<(u32, Vec<u8>)>,
}

fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16).ok(),
        None => s.replace('_', "").parse().ok(),
    }
}

fn parse_regs(given: &[String]) -> Result<Vec<(usize, u64)>, String> {
    given
        .iter()
        .map(|g| {
            let bad = || format!("--reg `{g}`: expected N=VALUE with N from 0 to 12 and VALUE decimal or 0x hex (up to 2^64 - 1)");
            let (n, v) = g.split_once('=').ok_or_else(bad)?;
            let n: usize = n.trim().trim_start_matches(['r', 'φ']).parse().map_err(|_| bad())?;
            if n > 12 {
                return Err(bad());
            }
            Ok((n, parse_number(v.trim()).ok_or_else(bad)?))
        })
        .collect()
}

fn parse_mem(given: &[String]) -> Result<Vec<(u32, Vec<u8>)>, String> {
    given
        .iter()
        .map(|g| {
            let bad = |why: &str| format!("--mem `{g}`: {why} (expected ADDRESS=HEXBYTES, the address decimal or 0x hex)");
            let (a, hex) = g.split_once('=').ok_or_else(|| bad("no `=`"))?;
            let addr = parse_number(a.trim()).and_then(|a| u32::try_from(a).ok()).ok_or_else(|| bad("the address is not a number below 2^32"))?;
            let bytes = crate::vectors::parse_hex(hex.trim()).map_err(|e| bad(&e))?;
            if u64::from(addr) + bytes.len() as u64 > 1 << 32 {
                return Err(bad("the bytes run past 2^32"));
            }
            Ok((addr, bytes))
        })
        .collect()
}

/// A memory `--mem` can write into and a trace can start from.
trait RunMemory: Memory + 'static {
    /// Writes `bytes` at `addr` as the host (mapping missing pages read-write where the model
    /// has pages).
    fn preload(&mut self, addr: u32, bytes: &[u8]) -> Result<(), String>;
    /// The mapped pages (number, writable, contents), for the spec's step-by-step trace.
    fn trace_pages(&self) -> Vec<(u32, bool, Vec<u8>)>;
    fn guard(&self) -> u32;
    fn heap_top(&self) -> Option<u32>;
}

impl RunMemory for PagedMemory {
    fn preload(&mut self, addr: u32, bytes: &[u8]) -> Result<(), String> {
        let len = u32::try_from(bytes.len()).map_err(|_| "--mem: too many bytes".to_string())?;
        if len == 0 {
            return Ok(());
        }
        for page in addr / 4096..=(addr + (len - 1)) / 4096 {
            if self.access(page * 4096).is_none() {
                self.map(page * 4096, 4096, Access::ReadWrite);
            }
        }
        self.write_bytes(addr, bytes).map_err(|e| format!("--mem at {addr:#x}: {e:?}"))
    }

    fn trace_pages(&self) -> Vec<(u32, bool, Vec<u8>)> {
        self.mapped_pages()
            .map(|p| (p, self.access(p * 4096) == Some(Access::ReadWrite), self.read_bytes(p * 4096, 4096).unwrap_or_else(|| vec![0; 4096])))
            .collect()
    }

    fn guard(&self) -> u32 {
        self.guard
    }

    fn heap_top(&self) -> Option<u32> {
        self.heap_top
    }
}

impl RunMemory for LinearMemory {
    fn preload(&mut self, addr: u32, bytes: &[u8]) -> Result<(), String> {
        self.write_bytes(addr, bytes).map_err(|_| format!("--mem at {addr:#x}: past the linear region's {} bytes", self.len()))
    }

    fn trace_pages(&self) -> Vec<(u32, bool, Vec<u8>)> {
        (0..self.len().div_ceil(4096)).map(|p| (p, true, self.read_bytes(p * 4096, 4096).unwrap_or_else(|| vec![0; 4096]))).collect()
    }

    fn guard(&self) -> u32 {
        0
    }

    fn heap_top(&self) -> Option<u32> {
        None
    }
}

/// The block rules, blob length encoding and gas model of variant `id`.
fn variant_rules(id: VariantId) -> (LengthEncoding, javm::BlockRules, jar::GasModel) {
    jarkit_spec::with_variant!(id, V => {
        use jarkit_spec::jar::Variant;
        let lengths = if V::USE_COMPACT_DEBLOB { LengthEncoding::Compact } else { LengthEncoding::U32 };
        (lengths, javm::BlockRules { ecalli_ends_block: V::ECALLI_ENDS_BLOCK, strict: V::ECALLI_ENDS_BLOCK }, V::GAS_MODEL)
    })
}

fn costs_for(model: jar::GasModel, code: &Code) -> GasCosts {
    match model {
        jar::GasModel::PerInstruction => GasCosts::PerInstruction,
        jar::GasModel::BasicBlockSinglePass => GasCosts::single_pass(code),
        jar::GasModel::BasicBlockFull => GasCosts::pipeline(code),
    }
}

fn engine(compiler: bool) -> javm::Engine {
    if compiler {
        javm::Engine::Compiler
    } else {
        javm::Engine::Interpreter
    }
}

/// One machine's start: its code, costs, memory, registers and pc.
struct Start<M> {
    code: Code,
    costs: GasCosts,
    memory: M,
    regs: [u64; 13],
    pc: u32,
}

/// Runs `start` (after `--reg` and `--mem`) on the chosen engine, or steps it through the spec
/// with `--trace` (whose report is marked printed: the trace printed the end). `serve` answers the host calls the
/// format defines (`None`: resume the guest); any other ends the run.
fn run_machine<M: RunMemory>(
    req: &Request,
    setup: &Setup,
    mut start: Start<M>,
    report: impl FnOnce(Stop, u32, u64, [u64; 13], Option<Option<Vec<u8>>>) -> Report,
    serve: impl Fn(&mut dyn javm::Machine<Mem = M>, u32) -> Option<javm::Exit>,
) -> Result<Report, String> {
    for (addr, bytes) in &setup.mem {
        start.memory.preload(*addr, bytes)?;
    }
    for (n, v) in &setup.regs {
        start.regs[*n] = *v;
    }
    if req.trace {
        let mut s = reference::setup_for_code(&start.code, &start.costs, u64::try_from(req.gas).unwrap_or(0), start.memory.guard());
        s.regs = start.regs;
        s.pc = start.pc;
        s.heap_top = start.memory.heap_top();
        s.pages = start.memory.trace_pages();
        let end = print_trace(req.path, &start.code, &s)?;
        let mut r = report(Stop::of(end.exit), end.pc, s.gas - end.gas, end.regs, None);
        r.printed = true;
        return Ok(r);
    }
    let mut vm = javm::machine::start(engine(req.compiler), Arc::new(Predecoded::new(start.code, &start.costs)), start.memory, req.gas)?;
    for (i, r) in start.regs.iter().enumerate() {
        vm.set_reg(i, *r);
    }
    let exit = if vm.set_pc(start.pc) {
        loop {
            match vm.run() {
                javm::Exit::HostCall(id) => match serve(vm.as_mut(), id) {
                    None => continue,
                    Some(exit) => break exit,
                },
                exit => break exit,
            }
        }
    } else {
        javm::Exit::Panic
    };
    let output = (exit == javm::Exit::Halt).then(|| vm.memory().read_bytes(vm.reg(7) as u32, vm.reg(8).min(1 << 24) as u32));
    let mut regs = [0; 13];
    regs.copy_from_slice(&vm.regs()[..13]);
    Ok(report(Stop::of(exit), vm.exit_pc(), (req.gas - vm.gas()).max(0) as u64, regs, output))
}

/// Prints every instruction the spec steps through from `setup`, with the registers it
/// changed, then the end.
fn print_trace(path: &Path, code: &Code, setup: &reference::Setup) -> Result<reference::Final, String> {
    let table = code.numbering.decode_table();
    let end = reference::trace(setup, 100_000_000, &mut |s| crate::say!("{}", step_line(code, &table, s))).map_err(|e| format!("{}: {e}", path.display()))?;
    crate::say!("exit: {} at pc {}", Stop::of(end.exit).text(), end.pc);
    crate::say!("gas used: {}", setup.gas - end.gas);
    crate::say!("registers: {:?}", end.regs);
    Ok(end)
}

/// One traced instruction: its pc, its text and the registers it changed.
fn step_line(code: &Code, table: &[Option<javm::Opcode>; 256], s: &reference::TracedStep) -> String {
    let text = match code.opcode_at(s.pc, table) {
        Some(op) => javm::disasm::format(&code.decode(s.pc, op)),
        None => "invalid opcode".into(),
    };
    let changed: Vec<String> = (0..13).filter(|&i| s.after[i] != s.before[i]).map(|i| format!("r{i}={:#x}", s.after[i])).collect();
    format!("{:>6}: {text} {}", s.pc, changed.join(" "))
}

fn plain_report(format: &'static str, variant: VariantId) -> impl FnOnce(Stop, u32, u64, [u64; 13], Option<Option<Vec<u8>>>) -> Report {
    move |stop, pc, gas_used, regs, output| Report { format, variant: Some(variant), called: None, stop, pc: Some(pc), gas_used, regs, output, vms: vec![], detail: None, printed: false }
}

/// A bare code blob from pc 0, no memory but what `--mem` maps, the guard below 64 KiB.
fn run_code_blob(req: &Request, bytes: &[u8], id: VariantId, setup: &Setup) -> Result<Report, String> {
    let (lengths, rules, model) = variant_rules(id);
    let code = Code::parse(bytes, lengths, Numbering::Gp, rules).map_err(|e| {
        let as_standard = javm::StandardProgram::parse(bytes).err();
        match as_standard {
            // It parses as a standard program: say so instead of the code-blob error.
            None => format!("{}: {e} (it is a GP standard program: pass --standard)", req.path.display()),
            Some(_) => format!("{}: {e}", req.path.display()),
        }
    })?;
    let costs = costs_for(model, &code);
    let mut memory = PagedMemory::new();
    memory.guard = 0x10000;
    run_machine(req, setup, Start { code, costs, memory, regs: [0; 13], pc: 0 }, plain_report("code blob", id), |_, id| Some(javm::Exit::HostCall(id)))
}

/// A GP standard program in the segmented map, with `--input` as its arguments.
fn run_standard(req: &Request, bytes: &[u8], id: VariantId, setup: &Setup) -> Result<Report, String> {
    let at = |e: String| format!("{}: {e}", req.path.display());
    let args = crate::vectors::parse_hex(req.input).map_err(|e| format!("--input: {e}"))?;
    let program = javm::StandardProgram::parse(bytes).map_err(|e| at(format!("not a GP standard program: {e}")))?;
    let (lengths, rules, model) = variant_rules(id);
    let code = Code::parse(&program.code, lengths, Numbering::Gp, rules).map_err(|e| at(e.to_string()))?;
    let costs = costs_for(model, &code);
    let instance = program.instantiate(&args).map_err(|e| at(e.to_string()))?;
    run_machine(req, setup, Start { code, costs, memory: instance.memory, regs: instance.regs, pc: 0 }, plain_report("GP standard program", id), |_, id| Some(javm::Exit::HostCall(id)))
}

/// A JAR v1 program in the linear layout, with `--input` as its arguments; under jar080's host
/// interface the heap grows by a host call, which this runner serves.
fn run_jar_v1(req: &Request, bytes: &[u8], id: VariantId, setup: &Setup) -> Result<Report, String> {
    let at = |e: String| format!("{}: {e}", req.path.display());
    let args = crate::vectors::parse_hex(req.input).map_err(|e| format!("--input: {e}"))?;
    let (_, rules, model) = variant_rules(id);
    let program = javm::JarV1Program::parse(bytes, rules).map_err(|e| at(e.to_string()))?;
    let costs = costs_for(model, &program.code);
    let instance = program.instantiate(&args).map_err(|e| at(e.to_string()))?;
    let grow_heap = jarkit_spec::with_variant!(id, V => <V as jar::Variant>::HOST_INTERFACE == jar::HostInterface::FlatGrowHeap);
    run_machine(req, setup, Start { code: program.code.clone(), costs, memory: instance.memory, regs: instance.regs, pc: 0 }, plain_report("JAR v1 program", id), |vm, call| {
        if !(grow_heap && call == javm::jar_v1::GROW_HEAP_ID) {
            return Some(javm::Exit::HostCall(call));
        }
        match javm::jar_v1::grow_heap(vm) {
            javm::jar_v1::HostOutcome::Continue => None,
            javm::jar_v1::HostOutcome::OutOfGas => Some(javm::Exit::OutOfGas),
        }
    })
}

/// An export of a `.polkavm` container, called with PolkaVM's memory map and calling
/// convention and metered by the full pipeline model (PolkaVM's).
fn run_polkavm(req: &Request, bytes: &[u8], setup: &Setup) -> Result<Report, String> {
    let at = |e: String| format!("{}: {e}", req.path.display());
    let blob = javm::PolkaVmBlob::parse(bytes).map_err(|e| at(e.to_string()))?;
    let (name, pc) = match req.entry {
        Some(n) => (n.to_string(), blob.export(n).ok_or_else(|| at(format!("no export `{n}`; it has {:?}", blob.exports.iter().map(|e| &e.0).collect::<Vec<_>>())))?),
        None => blob.exports.first().cloned().ok_or_else(|| at("the program exports nothing".into()))?,
    };
    if req.args.len() > 6 {
        return Err("at most 6 arguments (a0..a5)".into());
    }
    let rules = javm::BlockRules { ecalli_ends_block: false, strict: false };
    let code = Code::parse(&blob.code, LengthEncoding::Compact, Numbering::PolkaVm, rules).map_err(|e| at(e.to_string()))?;
    let costs = GasCosts::pipeline(&code);
    let (memory, map) = blob.memory().map_err(|e| at(e.to_string()))?;
    let mut regs = [0u64; 13];
    regs[0] = u64::from(javm::polkavm_blob::RETURN_TO_HOST);
    regs[1] = u64::from(map.stack_high);
    for (i, a) in req.args.iter().enumerate() {
        regs[7 + i] = *a;
    }
    if req.trace {
        crate::say!("called `{name}` at pc {pc}");
    }
    let called = format!("`{name}` at pc {pc}");
    run_machine(
        req,
        setup,
        Start { code, costs, memory, regs, pc },
        move |stop, pc, gas_used, regs, _| Report { format: "PolkaVM container", variant: None, called: Some(called), stop, pc: Some(pc), gas_used, regs, output: None, vms: vec![], detail: None, printed: false },
        |_, id| Some(javm::Exit::HostCall(id)),
    )
}

/// A jar1 manifest on javm's capability kernel (or the spec's, `--spec-kernel`; with `--trace`,
/// the spec's kernel with every VM stepped by the spec). A protocol call ends the run: there is
/// no service context to answer it.
fn run_kernel(req: &Request, bytes: &[u8]) -> Result<Report, String> {
    use jarkit::kernel;
    let at = |e: String| format!("{}: {e}", req.path.display());
    let manifest = javm::manifest::Manifest::parse(bytes).map_err(|e| at(e.to_string()))?;
    let args = crate::vectors::parse_hex(req.input).map_err(|e| format!("--input: {e}"))?;
    let op = match req.entry {
        None | Some("refine") => kernel::OP_REFINE,
        Some("accumulate") => kernel::OP_ACCUMULATE,
        Some(n) => n.parse().map_err(|_| format!("--entry `{n}`: a jar1 manifest takes `refine`, `accumulate` or a number"))?,
    };
    let gas = u64::try_from(req.gas).map_err(|_| "--gas must not be negative".to_string())?;
    if args.len() as u64 > kernel::ipc_capacity(&manifest) {
        return Err(at(format!("{} bytes of --input do not fit the manifest's IPC DATA capability (slot 0)", args.len())));
    }
    let spec_run = || match kernel::start(&manifest, &args, op, gas) {
        Err(e) => (e, None),
        Ok(k) => {
            let o = kernel::run(&k);
            (o.exit, Some(o.kernel))
        }
    };
    let (exit, k) = if req.trace {
        let mut last: Option<(usize, Code, [Option<javm::Opcode>; 256])> = None;
        jarkit::seam::with_tracing(
            move |s| {
                let key = s.program as *const jar::Program as usize;
                if last.as_ref().is_none_or(|(k, _, _)| *k != key) {
                    let Some(code) = jarkit::seam::code_of(s.program) else { return };
                    crate::say!("-- a VM runs (pc {}, gas {})", s.step.pc, s.step.gas);
                    let table = code.numbering.decode_table();
                    last = Some((key, code, table));
                }
                if let Some((_, code, table)) = &last {
                    crate::say!("{}", step_line(code, table, s.step));
                }
            },
            spec_run,
        )
    } else if req.spec_kernel {
        if req.compiler {
            jarkit::seam::with_engine(jarkit::seam::SeamEngine::Compiler, spec_run)
        } else {
            spec_run()
        }
    } else {
        match javm::kernel::Kernel::new(&manifest, &args, op, gas, engine(req.compiler)).map_err(|e| at(e.to_string()))? {
            Err(e) => (kernel::spec_kernel_exit(e), None),
            Ok(mut k) => {
                let exit = k.run().map_err(|e| at(e.to_string()))?;
                (kernel::spec_kernel_exit(exit), Some(kernel::spec_view(&k)))
            }
        }
    };
    let detail = match exit {
        jar::KernelExit::Halt(v) => Some(format!("φ7 = {v:#x}")),
        _ => None,
    };
    let stop = match exit {
        jar::KernelExit::Halt(_) => Stop::Vm(javm::Exit::Halt),
        jar::KernelExit::Panic => Stop::Vm(javm::Exit::Panic),
        jar::KernelExit::OutOfGas => Stop::Vm(javm::Exit::OutOfGas),
        jar::KernelExit::PageFault(a) => Stop::Vm(javm::Exit::PageFault(a.0 as u32)),
        jar::KernelExit::ProtocolCall(id) => Stop::ProtocolCall(id.0),
    };
    let mut report = Report { format: "JAR v2 capability manifest", variant: Some(VariantId::Jar1), called: None, stop, pc: None, gas_used: 0, regs: [0; 13], output: None, vms: vec![], detail, printed: false };
    if let Some(k) = k {
        let root = k.vms.first();
        report.gas_used = gas - root.map_or(0, |vm| vm.machine.gas.0).min(gas);
        if let Some(vm) = root {
            report.pc = Some(vm.machine.pc.0 as u32);
            report.regs.iter_mut().zip(&vm.machine.regs).for_each(|(r, v)| *r = *v);
        }
        report.vms = k
            .vms
            .iter()
            .enumerate()
            .map(|(i, vm)| {
                json!({
                    "vm": i,
                    "state": format!("{:?}", vm.state),
                    "code": vm.code.0,
                    "pc": vm.machine.pc.0,
                    "gas": vm.machine.gas.0,
                    "caps": vm.caps.iter().filter(|c| c.is_some()).count(),
                    "registers": vm.machine.regs,
                })
            })
            .collect();
    }
    Ok(report)
}
