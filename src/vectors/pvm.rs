//! PVM conformance vectors, in both formats found in `../shared/vectors`:
//!
//! - polkavm-spectool (step-based; PolkaVM's JamV1 numbering; gas per basic block from the
//!   `block-gas-costs` the vector lists, or computed by the spec's full pipeline model: see
//!   [`GasSource`]);
//! - w3f v0.4 (single run; GP numbering of that era; 1 gas per instruction).
//!
//! Both run on the paged memory with no guard zone: the vectors map exactly the pages they use,
//! and every other access is a page fault.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use javm::{Access, BlockRules, Code, Engine, Exit, GasCosts, LengthEncoding, Machine, Memory, Numbering, PagedMemory, Predecoded};
use serde::Deserialize;

use super::{json_files, read_json, CaseResult, Report};

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct SpectoolCase {
    name: String,
    initial_pc: u32,
    initial_gas: i64,
    program: Vec<u8>,
    #[serde(default)]
    block_gas_costs: Vec<BlockCost>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockCost {
    pc: u32,
    cost: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Step {
    Map(MapStep),
    Write(WriteStep),
    SetReg(SetRegStep),
    Run(#[allow(dead_code)] serde_json::Value),
    Assert(AssertStep),
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct MapStep {
    address: u32,
    length: u32,
    is_writable: bool,
}

#[derive(Deserialize)]
struct WriteStep {
    address: u32,
    contents: Vec<u8>,
}

#[derive(Deserialize)]
struct SetRegStep {
    reg: usize,
    value: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct AssertStep {
    status: String,
    gas: Option<i64>,
    pc: Option<u32>,
    regs: Option<Vec<u64>>,
    memory: Option<Vec<WriteStep>>,
    page_fault_address: Option<u32>,
    hostcall: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct W3fCase {
    name: String,
    initial_regs: Vec<u64>,
    initial_pc: u32,
    initial_page_map: Vec<MapStep>,
    initial_memory: Vec<WriteStep>,
    initial_gas: i64,
    program: Vec<u8>,
    expected_status: String,
    expected_regs: Vec<u64>,
    expected_pc: u32,
    expected_memory: Vec<WriteStep>,
    expected_gas: i64,
    expected_page_fault_address: Option<u32>,
}

/// Which executor runs the vectors.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Executor {
    /// The hand-tuned interpreter (`javm`).
    Interpreter,
    /// The recompiler (`javm::compiler`, x86-64).
    Compiler,
    /// The reference executor generated from the Lean spec ([`crate::reference`]).
    Reference,
}

/// Where the per-block gas costs of a spectool case come from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum GasSource {
    /// The `block-gas-costs` the vector lists.
    Listed,
    /// The spec's full pipeline model (`spec/Jar/JAVM/Pipeline.lean`). The case also fails
    /// unless the computed table equals the listed one, block for block.
    Computed,
}

/// Runs every `*.json` case in `dir`, detecting the format per file. `known` maps case names of
/// known differences to their reason.
pub fn run_dir(dir: &Path, known: &HashMap<String, String>) -> Result<Report, String> {
    run_dir_on(dir, known, Executor::Interpreter, GasSource::Listed)
}

/// [`run_dir`] on a chosen executor and gas source. Cases the reference executor cannot
/// express are listed as not run.
pub fn run_dir_on(dir: &Path, known: &HashMap<String, String>, executor: Executor, gas: GasSource) -> Result<Report, String> {
    let mut report = Report::default();
    for path in json_files(dir)? {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let result = match (read_json(&path), executor) {
            (Ok(v), Executor::Interpreter) => run_case_on(v, gas, Engine::Interpreter),
            (Ok(v), Executor::Compiler) => run_case_on(v, gas, Engine::Compiler),
            (Ok(v), Executor::Reference) => match run_case_reference(v, gas) {
                Ok(Some(())) => Ok(()),
                Ok(None) => {
                    report.not_run.push((name, "negative initial gas cannot be expressed in the spec's machine".into()));
                    continue;
                }
                Err(e) => Err(e),
            },
            (Err(e), _) => Err(e),
        };
        let result = match (result, known.get(&name)) {
            (Ok(()), _) => CaseResult::Passed,
            (Err(_), Some(reason)) => CaseResult::KnownDifference(reason.clone()),
            (Err(e), None) => CaseResult::Failed(e),
        };
        report.cases.push((name, result));
    }
    Ok(report)
}

/// Parses a known-differences file: `name: reason` per line, `#` comments.
pub fn parse_known(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(n, r)| (n.trim().to_string(), r.trim().to_string())))
        .collect()
}

/// Runs one case given as JSON (either format), with the gas costs it lists.
pub fn run_case(value: serde_json::Value) -> Result<(), String> {
    run_case_with(value, GasSource::Listed)
}

/// Runs one case given as JSON (either format) with block costs from `gas`.
pub fn run_case_with(value: serde_json::Value, gas: GasSource) -> Result<(), String> {
    run_case_on(value, gas, Engine::Interpreter)
}

/// An engine's VM over the vectors' paged memory.
type FastVm = dyn Machine<Mem = PagedMemory>;

fn run_case_on(value: serde_json::Value, gas: GasSource, engine: Engine) -> Result<(), String> {
    if value.get("steps").is_some() {
        let case: SpectoolCase = crate::vectors::from_json(value).map_err(|e| format!("malformed spectool case: {e}"))?;
        let costs = block_costs(&case, gas)?;
        run_spectool(&case, costs, engine)
    } else {
        let case: W3fCase = crate::vectors::from_json(value).map_err(|e| format!("malformed w3f case: {e}"))?;
        run_w3f(&case, engine)
    }
}

/// Runs one case on the reference executor generated from the Lean spec, step by step
/// (resuming between runs as the spec's `resume` says). `Ok(None)`: the case cannot be expressed
/// (negative initial gas).
pub fn run_case_reference(value: serde_json::Value, gas: GasSource) -> Result<Option<()>, String> {
    use crate::reference::{ReferenceVm, Setup};
    let setup = |program: &[u8], numbering, block_costs, pc, gas: i64| Setup {
        program: program.to_vec(),
        numbering,
        ecalli_ends_block: false,
        block_costs,
        regs: [0; 13],
        pc,
        gas: gas as u64,
        pages: vec![],
        guard: 0x10000,
        heap_top: None,
    };
    fn observe(vm: &ReferenceVm, exit: Exit) -> Observed<'_> {
        Observed { exit, gas: vm.gas() as i64, pc: vm.pc(), regs: vm.regs(), read: Box::new(move |a, n| vm.read(a, n)) }
    }
    if value.get("steps").is_some() {
        let case: SpectoolCase = crate::vectors::from_json(value).map_err(|e| format!("malformed spectool case: {e}"))?;
        if case.initial_gas < 0 {
            return Ok(None);
        }
        let costs = block_costs(&case, gas)?;
        let mut vm = ReferenceVm::new(&setup(&case.program, Numbering::PolkaVm, Some(costs.into_iter().collect()), case.initial_pc, case.initial_gas), 10_000_000)?;
        let mut last = None;
        for (i, step) in case.steps.iter().enumerate() {
            match step {
                Step::Map(m) => vm.map(m.address, m.length, m.is_writable),
                Step::Write(w) => vm.write(w.address, &w.contents)?,
                Step::SetReg(r) if r.reg < 13 => vm.set_reg(r.reg, r.value),
                Step::SetReg(r) => return Err(format!("register {} out of range", r.reg)),
                Step::Run(_) => last = Some(vm.run()?),
                Step::Assert(a) => {
                    let exit = last.ok_or_else(|| format!("step {i}: assert before any run"))?;
                    let what = format!("{} step {i}", case.name);
                    check(&what, &observe(&vm, exit), &a.status, a.gas, a.pc, a.regs.as_deref(), a.memory.as_deref().unwrap_or(&[]), a.page_fault_address, a.hostcall)?;
                }
            }
        }
        return Ok(Some(()));
    }
    let case: W3fCase = crate::vectors::from_json(value).map_err(|e| format!("malformed w3f case: {e}"))?;
    if case.initial_regs.len() != 13 || case.initial_gas < 0 {
        return Err("the case needs 13 registers and non-negative gas".into());
    }
    let mut vm = ReferenceVm::new(&setup(&case.program, Numbering::Gp, None, case.initial_pc, case.initial_gas), 10_000_000)?;
    for m in &case.initial_page_map {
        vm.map(m.address, m.length, m.is_writable);
    }
    for w in &case.initial_memory {
        vm.write(w.address, &w.contents)?;
    }
    for (i, &r) in case.initial_regs.iter().enumerate() {
        vm.set_reg(i, r);
    }
    let exit = vm.run()?;
    let observed = observe(&vm, exit);
    check_w3f(&case, &observed).map(Some)
}

/// Memory as both vector families expect it: nothing mapped, and the low 64 KiB a guard zone
/// whose accesses panic; under PolkaVM's numbering a write across pages reports an unmapped
/// page before a read-only one (`Memory.missingFirst`).
fn vector_memory(numbering: Numbering) -> PagedMemory {
    let mut m = PagedMemory::new();
    m.guard = 0x10000;
    m.missing_first = numbering == Numbering::PolkaVm;
    m
}

fn load(program: &[u8], numbering: Numbering, gas: GasCosts) -> Result<Arc<Predecoded>, String> {
    let code = Code::parse(program, LengthEncoding::Compact, numbering, BlockRules::GP)
        .map_err(|e| format!("program rejected: {e}"))?;
    Ok(Arc::new(Predecoded::new(code, &gas)))
}

/// The block costs a spectool case runs with. Under [`GasSource::Computed`] they come from the
/// spec's full pipeline model and must equal the listed ones.
fn block_costs(case: &SpectoolCase, gas: GasSource) -> Result<HashMap<u32, u32>, String> {
    let listed: HashMap<u32, u32> = case.block_gas_costs.iter().map(|c| (c.pc, c.cost)).collect();
    if gas == GasSource::Listed {
        return Ok(listed);
    }
    let code = Code::parse(&case.program, LengthEncoding::Compact, Numbering::PolkaVm, BlockRules::GP)
        .map_err(|e| format!("program rejected: {e}"))?;
    let GasCosts::PerBlock(computed) = GasCosts::pipeline(&code) else { unreachable!("the pipeline model is per block") };
    let mut pcs: Vec<u32> = listed.keys().chain(computed.keys()).copied().collect();
    pcs.sort_unstable();
    pcs.dedup();
    for pc in pcs {
        match (listed.get(&pc), computed.get(&pc)) {
            (Some(l), Some(c)) if l == c => {}
            (l, c) => {
                let show = |x: Option<&u32>| x.map_or("no block".to_string(), |v| v.to_string());
                return Err(format!("block at pc {pc}: listed cost {}, full pipeline model {}", show(l), show(c)));
            }
        }
    }
    Ok(computed)
}

fn run_spectool(case: &SpectoolCase, costs: HashMap<u32, u32>, engine: Engine) -> Result<(), String> {
    let program = load(&case.program, Numbering::PolkaVm, GasCosts::PerBlock(costs))?;
    let mut vm = javm::machine::start(engine, program, vector_memory(Numbering::PolkaVm), case.initial_gas)?;
    vm.set_pc(case.initial_pc);
    let mut last: Option<Exit> = None;
    for (i, step) in case.steps.iter().enumerate() {
        match step {
            Step::Map(m) => {
                let access = if m.is_writable { Access::ReadWrite } else { Access::ReadOnly };
                vm.memory_mut().map(m.address, m.length, access);
            }
            Step::Write(w) => vm
                .memory_mut()
                .write_bytes(w.address, &w.contents)
                .map_err(|e| format!("step {i}: write to unmapped memory: {e:?}"))?,
            Step::SetReg(s) => {
                if s.reg >= javm::REGISTER_COUNT {
                    return Err(format!("step {i}: register {} out of range", s.reg));
                }
                vm.set_reg(s.reg, s.value)
            }
            Step::Run(_) => last = Some(vm.run()),
            Step::Assert(a) => {
                let exit = last.ok_or_else(|| format!("step {i}: assert before any run"))?;
                check(
                    &format!("{} step {i}", case.name),
                    &Observed::of_vm(vm.as_ref(), exit),
                    &a.status,
                    a.gas,
                    a.pc,
                    a.regs.as_deref(),
                    a.memory.as_deref().unwrap_or(&[]),
                    a.page_fault_address,
                    a.hostcall,
                )?;
            }
        }
    }
    Ok(())
}

fn run_w3f(case: &W3fCase, engine: Engine) -> Result<(), String> {
    let program = load(&case.program, Numbering::Gp, GasCosts::PerInstruction)?;
    let mut memory = vector_memory(Numbering::Gp);
    for m in &case.initial_page_map {
        memory.map(m.address, m.length, if m.is_writable { Access::ReadWrite } else { Access::ReadOnly });
    }
    for w in &case.initial_memory {
        memory.write_bytes(w.address, &w.contents).map_err(|e| format!("initial memory: {e:?}"))?;
    }
    let mut vm = javm::machine::start(engine, program, memory, case.initial_gas)?;
    if case.initial_regs.len() != javm::REGISTER_COUNT {
        return Err(format!("expected 13 initial registers, got {}", case.initial_regs.len()));
    }
    for (i, &r) in case.initial_regs.iter().enumerate() {
        vm.set_reg(i, r);
    }
    vm.set_pc(case.initial_pc);
    let exit = vm.run();
    let observed = Observed::of_vm(vm.as_ref(), exit);
    check_w3f(case, &observed)
}

/// A w3f case's expectations against what a run ended with.
fn check_w3f(case: &W3fCase, observed: &Observed) -> Result<(), String> {
    check(
        &case.name,
        observed,
        &case.expected_status,
        Some(case.expected_gas),
        Some(case.expected_pc),
        Some(&case.expected_regs),
        &case.expected_memory,
        case.expected_page_fault_address,
        None,
    )
}

/// What a run ended with, from either executor.
struct Observed<'a> {
    exit: Exit,
    gas: i64,
    pc: u32,
    regs: [u64; 13],
    read: Box<dyn Fn(u32, u32) -> Option<Vec<u8>> + 'a>,
}

impl<'a> Observed<'a> {
    fn of_vm(vm: &'a FastVm, exit: Exit) -> Observed<'a> {
        Observed { exit, gas: vm.gas(), pc: vm.exit_pc(), regs: vm.regs(), read: Box::new(move |a, n| vm.memory().read_bytes(a, n)) }
    }
}

#[allow(clippy::too_many_arguments)]
fn check(
    what: &str,
    obs: &Observed,
    status: &str,
    gas: Option<i64>,
    pc: Option<u32>,
    regs: Option<&[u64]>,
    memory: &[WriteStep],
    fault_address: Option<u32>,
    hostcall: Option<u32>,
) -> Result<(), String> {
    let exit = obs.exit;
    let mut diffs = Vec::new();
    if exit.status_name() != status {
        diffs.push(format!("status {} (expected {status})", exit.status_name()));
    }
    if let Some(g) = gas {
        if obs.gas != g {
            diffs.push(format!("gas {} (expected {g})", obs.gas));
        }
    }
    if let Some(p) = pc {
        if obs.pc != p {
            diffs.push(format!("pc {} (expected {p})", obs.pc));
        }
    }
    if let Some(r) = regs {
        let actual = obs.regs;
        if actual[..] != r[..] {
            diffs.push(format!("regs {actual:?} (expected {r:?})"));
        }
    }
    for m in memory {
        let actual = (obs.read)(m.address, m.contents.len() as u32);
        if actual.as_deref() != Some(&m.contents[..]) {
            diffs.push(format!("memory at {:#x}: {actual:?} (expected {:?})", m.address, m.contents));
        }
    }
    match (exit, fault_address) {
        (Exit::PageFault(a), Some(e)) if a != e => diffs.push(format!("fault address {a:#x} (expected {e:#x})")),
        _ => {}
    }
    match (exit, hostcall) {
        (Exit::HostCall(id), Some(e)) if id != e => diffs.push(format!("host call {id} (expected {e})")),
        _ => {}
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}: {}", diffs.join("; ")))
    }
}
