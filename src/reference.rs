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
    /// Mapped pages: page number, writable, and 4096 bytes.
    pub pages: Vec<(u32, bool, Vec<u8>)>,
    /// Accesses below this address panic.
    pub guard: u32,
}

/// Where a run ended, in terms both executors can produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Final {
    pub exit: javm::Exit,
    /// The pc of the instruction that caused the exit.
    pub pc: u32,
    pub regs: [u64; 13],
    pub gas: u64,
    /// Every mapped page's number and contents, in page order.
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
    let numbering = match setup.numbering {
        javm::Numbering::Gp => jar::Numbering::Gp,
        javm::Numbering::PolkaVm => jar::Numbering::JamV1,
    };
    let program = jar::parse_program(&ByteArray(setup.program.clone()), numbering, setup.ecalli_ends_block)
        .ok_or("the reference executor rejects the program blob")?;
    let gas = match &setup.block_costs {
        None => jar::GasCharge::PerInstruction,
        Some(costs) => jar::GasCharge::PerBlock(costs.iter().map(|&(pc, c)| (Nat(pc.into()), Nat(c.into()))).collect()),
    };
    let pages = setup
        .pages
        .iter()
        .map(|(index, writable, data)| jar::Page { index: Nat((*index).into()), writable: *writable, data: ByteArray(data.clone()) })
        .collect();
    let machine = jar::Machine {
        regs: setup.regs.to_vec(),
        pc: Nat(setup.pc.into()),
        gas: Nat(setup.gas),
        memory: jar::Memory { pages, guard: Nat(setup.guard.into()) },
    };
    let outcome = jar::run(&program, &gas, &machine, Nat(fuel)).ok_or("the reference executor ran out of fuel")?;
    let m = outcome.machine;
    let mut regs = [0u64; 13];
    regs.copy_from_slice(&m.regs[..13]);
    let mut pages: Vec<(u32, Vec<u8>)> = m.memory.pages.iter().map(|p| (p.index.0 as u32, p.data.0.clone())).collect();
    pages.sort();
    Ok(Final { exit: exit_of(&outcome.exit), pc: m.pc.0 as u32, regs, gas: m.gas.0, pages })
}

/// Runs `setup` on the hand-tuned interpreter.
pub fn run_interpreter(setup: &Setup) -> Result<Final, String> {
    use javm::{Access, BlockRules, Code, GasCosts, LengthEncoding, Memory, PagedMemory, Predecoded, Vm};
    let rules = BlockRules { ecalli_ends_block: setup.ecalli_ends_block, strict: false };
    let code = Code::parse(&setup.program, LengthEncoding::Compact, setup.numbering, rules).map_err(|e| e.to_string())?;
    let costs = match &setup.block_costs {
        None => GasCosts::PerInstruction,
        Some(c) => GasCosts::PerBlock(c.iter().copied().collect()),
    };
    let mut memory = PagedMemory::new();
    memory.guard = setup.guard;
    for (index, writable, data) in &setup.pages {
        let addr = index * 4096;
        memory.map(addr, 4096, if *writable { Access::ReadWrite } else { Access::ReadOnly });
        memory.write_bytes(addr, data).map_err(|e| format!("{e:?}"))?;
    }
    let mut vm = Vm::new(std::sync::Arc::new(Predecoded::new(code, &costs)), memory, setup.gas as i64);
    for (i, &r) in setup.regs.iter().enumerate() {
        vm.set_reg(i, r);
    }
    vm.set_pc(setup.pc);
    let exit = vm.run();
    let pages = setup
        .pages
        .iter()
        .map(|(index, _, _)| (*index, vm.memory.read_bytes(index * 4096, 4096).unwrap_or_default()))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    Ok(Final { exit, pc: vm.exit_pc(), regs: vm.regs(), gas: vm.gas.max(0) as u64, pages })
}
