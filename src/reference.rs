//! The reference executor: the JAVM exactly as the Lean spec defines it (`spec/Jar/JAVM/*.lean`),
//! run through the generated code only. It is slow (every step copies the machine, as the
//! functional spec reads) and obvious; the cross-check and the PVM vectors compare the hand-tuned
//! interpreter with it. This module only converts between Rust-side setups and the spec's types.

use jarkit_spec::jar;
use jarkit_spec::prelude::{ByteArray, Nat};

/// Everything a run starts from, independent of either executor.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The code blob (jump table, code, bitmask; compact lengths).
    pub program: Vec<u8>,
    pub numbering: javm::Numbering,
    pub ecalli_ends_block: bool,
    /// `None`: one gas per instruction; otherwise the cost of each block by its start pc.
    pub block_costs: Option<Vec<(u32, u32)>>,
    pub regs: [u64; 13],
    pub pc: u32,
    pub gas: u64,
    /// Mapped pages: page number, writable, and 4096 bytes, or none for a page that is mapped
    /// but holds no data yet (it reads as zeros, and its first write is its first data).
    pub pages: Vec<(u32, bool, Vec<u8>)>,
    /// Accesses below this address panic.
    pub guard: u32,
    /// The `sbrk` heap top, if the layout has a heap.
    pub heap_top: Option<u32>,
}

/// Where a run ended, in terms both executors can produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Final {
    pub exit: javm::Exit,
    /// The pc of the instruction that caused the exit.
    pub pc: u32,
    pub regs: [u64; 13],
    pub gas: u64,
    /// Every page holding a byte other than zero, in page order; other mapped pages read as
    /// zeros. (Engines differ in which zero pages they keep: a page written with zeros, or a
    /// reserved memory's neighbours opened with a first write; none of that is observable.)
    pub pages: Vec<(u32, Vec<u8>)>,
}

fn exit_of(e: &jar::Exit) -> javm::Exit {
    match e {
        jar::Exit::Halt => javm::Exit::Halt,
        jar::Exit::Trap => javm::Exit::Trap,
        jar::Exit::Panic => javm::Exit::Panic,
        jar::Exit::OutOfGas => javm::Exit::OutOfGas,
        jar::Exit::PageFault(a) => javm::Exit::PageFault(a.0 as u32),
        jar::Exit::HostCall(id) => javm::Exit::HostCall(id.0 as u32),
        jar::Exit::Ecall => javm::Exit::Ecall,
    }
}

/// Runs `setup` on the reference executor for at most `fuel` instructions. `Err` if the blob
/// does not parse or the fuel runs out.
pub fn run(setup: &Setup, fuel: u64) -> Result<Final, String> {
    let mut vm = ReferenceVm::new(setup, fuel)?;
    let exit = vm.run()?;
    Ok(final_of(exit, &vm.machine))
}

/// Where a run on the spec's machine `m` ended with `exit`.
fn final_of(exit: javm::Exit, m: &jar::Machine) -> Final {
    let mut pages: Vec<(u32, Vec<u8>)> = m.memory.pages.iter().map(|p| (p.index.0 as u32, p.data.0.to_vec())).collect();
    pages.sort();
    Final { exit, pc: m.pc.0 as u32, regs: regs_of(m), gas: m.gas.0, pages: nonzero(pages) }
}

/// The pages of `pages` that hold a byte other than zero.
fn nonzero(mut pages: Vec<(u32, Vec<u8>)>) -> Vec<(u32, Vec<u8>)> {
    pages.retain(|(_, data)| data.iter().any(|&b| b != 0));
    pages
}

/// A setup for `code` (any length encoding it was read with) under `costs`, from pc 0 with
/// `gas`, zero registers and no memory but the guard below `guard`.
pub fn setup_for_code(code: &javm::Code, costs: &javm::GasCosts, gas: u64, guard: u32) -> Setup {
    let program = javm::Code::encode(&code.jump_table, &code.code, &code.starts, javm::LengthEncoding::Compact);
    let block_costs = costs.block_list();
    Setup { program, numbering: code.numbering, ecalli_ends_block: code.rules.ecalli_ends_block, block_costs, regs: [0; 13], pc: 0, gas, pages: vec![], guard, heap_top: None }
}

/// One instruction as the reference executor ran it.
pub struct TracedStep {
    pub pc: u32,
    pub before: [u64; 13],
    pub after: [u64; 13],
    /// The gas left after it.
    pub gas: u64,
}

fn regs_of(m: &jar::Machine) -> [u64; 13] {
    let mut r = [0u64; 13];
    for (slot, v) in r.iter_mut().zip(&m.regs) {
        *slot = *v;
    }
    r
}

/// Runs `setup` on the reference executor one instruction at a time, through the spec's
/// `stepCharged` (the step its run loop takes, so every numbering and gas model is traced as it
/// runs), calling `on_step` after each instruction; ends as [`run`] does.
pub fn trace(setup: &Setup, fuel: u64, on_step: &mut dyn FnMut(&TracedStep)) -> Result<Final, String> {
    let (program, gas, machine) = ReferenceVm::spec_parts(setup)?;
    let charge = jar::gas_charge_entry(&gas, &program, machine.pc);
    let o = step_by_step(&program, &gas, machine, charge, fuel, on_step).ok_or_else(|| format!("no exit within {fuel} instructions"))?;
    Ok(final_of(exit_of(&o.exit), &o.machine))
}

/// The spec's run loop (`runCharged`) from `machine`, paying `charge` for its first
/// instruction, with `on_step` called after every instruction that ran; `None` when `fuel`
/// instructions pass without an exit.
pub fn step_by_step(program: &jar::Program, gas: &jar::GasCharge, mut machine: jar::Machine, mut charge: Nat, fuel: u64, on_step: &mut dyn FnMut(&TracedStep)) -> Option<jar::Outcome> {
    for _ in 0..fuel {
        let before = regs_of(&machine);
        let pc = machine.pc.0 as u32;
        match jar::step_charged(program, gas, &machine, charge) {
            jar::ChargedStep::Next(next, c) => {
                on_step(&TracedStep { pc, before, after: regs_of(&next), gas: next.gas.0 });
                machine = next;
                charge = c;
            }
            jar::ChargedStep::Stop(o) => {
                // Out of gas, the instruction did not run; any other exit is its doing.
                if !matches!(o.exit, jar::Exit::OutOfGas) {
                    on_step(&TracedStep { pc, before, after: regs_of(&o.machine), gas: o.machine.gas.0 });
                }
                return Some(o);
            }
        }
    }
    None
}

/// The program and memory of `setup`, as both fast backends take them.
fn fast_setup(setup: &Setup) -> Result<(std::sync::Arc<javm::Predecoded>, javm::PagedMemory), String> {
    use javm::{Access, BlockRules, Code, GasCosts, LengthEncoding, Memory, PagedMemory, Predecoded};
    let rules = BlockRules { ecalli_ends_block: setup.ecalli_ends_block, strict: false };
    let code = Code::parse(&setup.program, LengthEncoding::Compact, setup.numbering, rules).map_err(|e| e.to_string())?;
    let costs = match &setup.block_costs {
        None => GasCosts::PerInstruction,
        Some(c) => GasCosts::PerBlock(c.iter().copied().collect()),
    };
    let mut memory = PagedMemory::new();
    memory.guard = setup.guard;
    memory.heap_top = setup.heap_top;
    memory.missing_first = setup.numbering == javm::Numbering::PolkaVm;
    for (index, writable, data) in &setup.pages {
        let addr = index * 4096;
        memory.map(addr, 4096, if *writable { Access::ReadWrite } else { Access::ReadOnly });
        memory.write_bytes(addr, data).map_err(|e| format!("{e:?}"))?;
    }
    Ok((std::sync::Arc::new(Predecoded::new(code, &costs)), memory))
}

/// The pages that hold data (mapped pages that were never written read as zeros everywhere).
fn pages_of(memory: &javm::PagedMemory) -> Vec<(u32, Vec<u8>)> {
    use javm::Memory;
    memory.pages_with_data().into_iter().map(|index| (index, memory.read_bytes(index * 4096, 4096).unwrap_or_default())).collect()
}

/// The memory of `setup` as one linear region, when its layout is one (pages `0..n`, all
/// writable, no guard zone, no heap): the jar080 model, which both fast backends run natively.
pub fn linear_memory(setup: &Setup) -> Option<javm::LinearMemory> {
    use javm::Memory;
    let linear = setup.guard == 0
        && setup.heap_top.is_none()
        && setup.pages.iter().enumerate().all(|(i, (index, writable, data))| *index == i as u32 && *writable && data.len() == 4096);
    if !linear || setup.pages.is_empty() {
        return None;
    }
    let len = setup.pages.len() as u32 * 4096;
    let mut memory = javm::LinearMemory::new(len, len);
    for (index, _, data) in &setup.pages {
        memory.write_bytes(index * 4096, data).ok()?;
    }
    Some(memory)
}

/// Runs `vm` from `setup`'s registers and pc to its first exit; `pages` lists the memory's pages
/// that hold data.
fn run_machine<M: javm::Memory>(mut vm: Box<dyn javm::Machine<Mem = M>>, setup: &Setup, pages: fn(&M) -> Vec<(u32, Vec<u8>)>) -> Final {
    for (i, &r) in setup.regs.iter().enumerate() {
        vm.set_reg(i, r);
    }
    vm.set_pc(setup.pc);
    let exit = vm.run();
    Final { exit, pc: vm.exit_pc(), regs: vm.regs(), gas: vm.gas().max(0) as u64, pages: nonzero(pages(vm.memory())) }
}

/// Every page of a linear memory (all of them hold data).
fn linear_pages(m: &javm::LinearMemory) -> Vec<(u32, Vec<u8>)> {
    use javm::Memory;
    (0..m.len() / 4096).map(|p| (p, m.read_bytes(p * 4096, 4096).unwrap_or_default())).collect()
}

/// Runs `setup` on both fast backends over a [`javm::LinearMemory`] (`Ok(None)` if the layout
/// is not linear): the interpreter, then the recompiler where there is one.
pub fn run_linear(setup: &Setup) -> Result<Option<(Final, Option<Final>)>, String> {
    use javm::machine::{start, Engine};
    let Some(memory) = linear_memory(setup) else { return Ok(None) };
    let (program, _) = fast_setup(setup)?;
    let interpreted = run_machine(start(Engine::Interpreter, program.clone(), memory.clone(), setup.gas as i64)?, setup, linear_pages);
    let compiled = start(Engine::Compiler, program, memory, setup.gas as i64).ok().map(|vm| run_machine(vm, setup, linear_pages));
    Ok(Some((interpreted, compiled)))
}

/// The hand-tuned interpreter on `setup`, ready to run (and to be run again after a resumable
/// exit), for callers that continue a run the way a host does.
pub fn interpreter_session(setup: &Setup) -> Result<Box<dyn javm::Machine<Mem = javm::PagedMemory>>, String> {
    let (program, memory) = fast_setup(setup)?;
    let mut vm = javm::machine::start(javm::Engine::Interpreter, program, memory, setup.gas as i64)?;
    for (i, &r) in setup.regs.iter().enumerate() {
        vm.set_reg(i, r);
    }
    vm.set_pc(setup.pc);
    Ok(vm)
}

/// Where `vm` stands after an exit, as a [`Final`].
pub fn final_state(vm: &dyn javm::Machine<Mem = javm::PagedMemory>, exit: javm::Exit) -> Final {
    Final { exit, pc: vm.exit_pc(), regs: vm.regs(), gas: vm.gas().max(0) as u64, pages: nonzero(pages_of(vm.memory())) }
}

/// Runs `setup` on the hand-tuned interpreter.
pub fn run_interpreter(setup: &Setup) -> Result<Final, String> {
    let (program, memory) = fast_setup(setup)?;
    Ok(run_machine(javm::machine::start(javm::Engine::Interpreter, program, memory, setup.gas as i64)?, setup, pages_of))
}

/// Runs `setup` on the recompiler (`Ok(None)` where it cannot run: not x86-64 Unix, or the
/// host lacks an instruction it needs).
pub fn run_compiled(setup: &Setup) -> Result<Option<Final>, String> {
    run_compiled_in(setup, true)
}

/// As [`run_compiled`], with the memory kept out of a reservation: the recompiler's fallback
/// that walks the page table inline.
pub fn run_compiled_on_page_table(setup: &Setup) -> Result<Option<Final>, String> {
    run_compiled_in(setup, false)
}

fn run_compiled_in(setup: &Setup, reservable: bool) -> Result<Option<Final>, String> {
    let (program, mut memory) = fast_setup(setup)?;
    memory.set_reservable(reservable);
    Ok(javm::machine::start(javm::Engine::Compiler, program, memory, setup.gas as i64).ok().map(|vm| run_machine(vm, setup, pages_of)))
}

/// A reference-executor instance that can be stopped, changed and resumed, for vectors that run
/// several times (host calls, page faults served between runs).
pub struct ReferenceVm {
    program: jar::Program,
    gas: jar::GasCharge,
    machine: jar::Machine,
    /// The last exit, if the machine has run.
    last: Option<jar::Exit>,
    fuel: u64,
}

impl ReferenceVm {
    /// The spec's program, gas model and machine of `setup` (what the seam takes).
    pub fn spec_parts(setup: &Setup) -> Result<(jar::Program, jar::GasCharge, jar::Machine), String> {
        let vm = ReferenceVm::new(setup, 0)?;
        Ok((vm.program, vm.gas, vm.machine))
    }

    pub fn new(setup: &Setup, fuel: u64) -> Result<ReferenceVm, String> {
        let numbering = match setup.numbering {
            javm::Numbering::Gp => jar::Numbering::Gp,
            javm::Numbering::PolkaVm => jar::Numbering::JamV1,
        };
        let program = jar::parse_program(&ByteArray::new(setup.program.clone()), numbering, setup.ecalli_ends_block)
            .ok_or("the reference executor rejects the program blob")?;
        let gas = match &setup.block_costs {
            None => jar::GasCharge::PerInstruction,
            Some(costs) => jar::GasCharge::PerBlock(costs.iter().map(|&(pc, c)| (Nat(pc.into()), Nat(c.into()))).collect()),
        };
        let regions = setup.pages.iter().map(|(index, writable, _)| jar::Region { first: Nat((*index).into()), count: Nat(1), writable: *writable }).collect();
        let pages = setup.pages.iter().filter(|(_, _, data)| !data.is_empty()).map(|(index, _, data)| jar::Page { index: Nat((*index).into()), data: ByteArray::new(data.clone()) }).collect();
        let machine = jar::Machine {
            regs: setup.regs.to_vec(),
            pc: Nat(setup.pc.into()),
            gas: Nat(setup.gas),
            memory: jar::Memory {
                regions,
                pages,
                guard: Nat(setup.guard.into()),
                heap_top: setup.heap_top.map(|t| Nat(t.into())),
                missing_first: setup.numbering == javm::Numbering::PolkaVm,
            },
        };
        Ok(ReferenceVm { program, gas, machine, last: None, fuel })
    }

    /// Makes every page overlapping `[addr, addr + len)` accessible (contents kept).
    pub fn map(&mut self, addr: u32, len: u32, writable: bool) {
        if len == 0 {
            return;
        }
        let last = ((u64::from(addr) + u64::from(len) - 1) / 4096).min(0xF_FFFF);
        self.machine.memory = jar::memory_map_pages(&self.machine.memory, Nat(u64::from(addr / 4096)), Nat(last), writable);
    }

    /// Writes bytes as the host (ignoring page protection); `Err` if a page is unmapped.
    pub fn write(&mut self, addr: u32, bytes: &[u8]) -> Result<(), String> {
        for (k, b) in bytes.iter().enumerate() {
            let a = addr.wrapping_add(k as u32);
            if jar::memory_access_of(&self.machine.memory, Nat(u64::from(a / 4096))).is_none() {
                return Err(format!("write to unmapped memory at {a:#x}"));
            }
            self.machine.memory = jar::memory_set_byte(&self.machine.memory, Nat(a.into()), *b);
        }
        Ok(())
    }

    /// Reads bytes; `None` if a page is unmapped.
    pub fn read(&self, addr: u32, len: u32) -> Option<Vec<u8>> {
        (0..len)
            .map(|k| {
                let a = addr.wrapping_add(k);
                jar::memory_access_of(&self.machine.memory, Nat(u64::from(a / 4096)))?;
                Some(jar::memory_byte_at(&self.machine.memory, Nat(a.into())))
            })
            .collect()
    }

    pub fn set_reg(&mut self, r: usize, v: u64) {
        self.machine.regs[r] = v;
    }

    pub fn regs(&self) -> [u64; 13] {
        regs_of(&self.machine)
    }

    pub fn gas(&self) -> u64 {
        self.machine.gas.0
    }

    pub fn pc(&self) -> u32 {
        self.machine.pc.0 as u32
    }

    /// Runs, or resumes after the previous exit.
    pub fn run(&mut self) -> Result<javm::Exit, String> {
        let outcome = match self.last.take() {
            None => jar::run(&self.program, &self.gas, &self.machine, Nat(self.fuel)),
            Some(exit) => {
                let before = jar::Outcome { exit, machine: self.machine.clone() };
                jar::resume(&self.program, &self.gas, &before, Nat(self.fuel))
            }
        };
        let outcome = outcome.ok_or("the reference executor ran out of fuel, or the last exit is final")?;
        self.machine = outcome.machine;
        let exit = exit_of(&outcome.exit);
        self.last = Some(outcome.exit);
        Ok(exit)
    }
}
