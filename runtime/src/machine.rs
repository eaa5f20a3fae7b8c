//! What a host needs of a running guest, whichever engine runs it: the interpreter ([`Vm`]) or
//! the recompiler (`compiler::CompiledVm`). Vector runners, the benchmark harness and the command
//! line drive either through this trait.

use std::sync::Arc;

use crate::interpreter::predecode::Predecoded;
use crate::interpreter::{Vm, REGISTER_COUNT};
use crate::memory::Memory;
use crate::outcome::Exit;

/// Which of jarkit's execution engines runs a guest.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Engine {
    Interpreter,
    Compiler,
}

/// A guest of `program` with `memory` and `gas` on `engine`. `Err` says why the recompiler cannot
/// take it (not x86-64 Unix, an instruction the host lacks, no executable memory).
pub fn start<M: Memory + 'static>(engine: Engine, program: Arc<Predecoded>, memory: M, gas: i64) -> Result<Box<dyn Machine<Mem = M>>, String> {
    match engine {
        Engine::Interpreter => Ok(Box::new(Vm::new(program, memory, gas))),
        #[cfg(all(target_arch = "x86_64", unix))]
        Engine::Compiler => {
            use crate::compiler::{Compiled, CompiledVm};
            let mut memory = memory;
            let compiled = Compiled::new(program, &mut memory).map_err(|e| e.to_string())?;
            Ok(Box::new(CompiledVm::new(Arc::new(compiled), memory, gas).map_err(|e| e.to_string())?))
        }
        #[cfg(not(all(target_arch = "x86_64", unix)))]
        Engine::Compiler => Err("the recompiler needs x86-64 Unix".into()),
    }
}

pub trait Machine {
    type Mem: Memory;
    fn reg(&self, i: usize) -> u64;
    /// Panics if `i` is not a register number (0–12).
    fn set_reg(&mut self, i: usize, value: u64);
    fn regs(&self) -> [u64; REGISTER_COUNT];
    fn gas(&self) -> i64;
    fn set_gas(&mut self, gas: i64);
    /// Where the next `run` starts (false if `pc` is not an instruction start).
    fn set_pc(&mut self, pc: u32) -> bool;
    /// The pc of the instruction that caused the last exit.
    fn exit_pc(&self) -> u32;
    /// The pc at which `run` would continue.
    fn next_pc(&self) -> Option<u32>;
    /// Runs until the guest exits; a resumable exit continues where the spec says.
    fn run(&mut self) -> Exit;
    fn memory(&self) -> &Self::Mem;
    fn memory_mut(&mut self) -> &mut Self::Mem;
}

impl<M: Memory> Machine for Vm<M> {
    type Mem = M;
    fn reg(&self, i: usize) -> u64 {
        Vm::reg(self, i)
    }
    fn set_reg(&mut self, i: usize, value: u64) {
        Vm::set_reg(self, i, value)
    }
    fn regs(&self) -> [u64; REGISTER_COUNT] {
        Vm::regs(self)
    }
    fn gas(&self) -> i64 {
        self.gas
    }
    fn set_gas(&mut self, gas: i64) {
        self.gas = gas;
    }
    fn set_pc(&mut self, pc: u32) -> bool {
        Vm::set_pc(self, pc)
    }
    fn exit_pc(&self) -> u32 {
        Vm::exit_pc(self)
    }
    fn next_pc(&self) -> Option<u32> {
        Vm::next_pc(self)
    }
    fn run(&mut self) -> Exit {
        Vm::run(self)
    }
    fn memory(&self) -> &M {
        &self.memory
    }
    fn memory_mut(&mut self) -> &mut M {
        &mut self.memory
    }
}

#[cfg(all(target_arch = "x86_64", unix))]
impl<M: Memory> Machine for crate::compiler::CompiledVm<M> {
    type Mem = M;
    fn reg(&self, i: usize) -> u64 {
        crate::compiler::CompiledVm::reg(self, i)
    }
    fn set_reg(&mut self, i: usize, value: u64) {
        crate::compiler::CompiledVm::set_reg(self, i, value)
    }
    fn regs(&self) -> [u64; REGISTER_COUNT] {
        crate::compiler::CompiledVm::regs(self)
    }
    fn gas(&self) -> i64 {
        crate::compiler::CompiledVm::gas(self)
    }
    fn set_gas(&mut self, gas: i64) {
        crate::compiler::CompiledVm::set_gas(self, gas)
    }
    fn set_pc(&mut self, pc: u32) -> bool {
        crate::compiler::CompiledVm::set_pc(self, pc)
    }
    fn exit_pc(&self) -> u32 {
        crate::compiler::CompiledVm::exit_pc(self)
    }
    fn next_pc(&self) -> Option<u32> {
        crate::compiler::CompiledVm::next_pc(self)
    }
    fn run(&mut self) -> Exit {
        crate::compiler::CompiledVm::run(self)
    }
    fn memory(&self) -> &M {
        &self.memory
    }
    fn memory_mut(&mut self) -> &mut M {
        &mut self.memory
    }
}
