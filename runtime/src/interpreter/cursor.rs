//! Where a VM continues and what it owes when it does: the resumption rules that the interpreter
//! and the recompiler share (they differ only in how they execute records).

use super::predecode::{Predecoded, NO_INDEX};
use crate::outcome::Exit;

#[derive(Clone, Debug)]
pub struct Cursor {
    /// Record to execute next.
    pub(crate) next: u32,
    /// Whether entering `next` must first pay its charge (false when retrying after a fault).
    pub(crate) charge_next: bool,
    /// Whether `next` was reached without passing a block boundary (start or after `set_pc`).
    mid_block_entry: bool,
    /// pc of the instruction that caused the last exit.
    pub(crate) exit_pc: u32,
    /// A final exit happened: every later run panics.
    finished: bool,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor { next: 0, charge_next: true, mid_block_entry: true, exit_pc: 0, finished: false }
    }
}

impl Cursor {
    /// Sets where execution starts; the enclosing block's gas is charged when the run begins.
    /// Returns false (and leaves the VM to panic on `run`) if `pc` is not an instruction start.
    pub fn set_pc(&mut self, program: &Predecoded, pc: u32) -> bool {
        self.finished = false;
        self.charge_next = true;
        self.mid_block_entry = true;
        match program.index_of(pc) {
            Some(i) => {
                self.next = i;
                true
            }
            None => {
                self.next = NO_INDEX;
                self.exit_pc = pc;
                false
            }
        }
    }

    pub fn exit_pc(&self) -> u32 {
        self.exit_pc
    }

    pub fn next_pc(&self, program: &Predecoded) -> Option<u32> {
        program.ops.get(self.next as usize).map(|o| o.pc)
    }

    /// Begins a run: pays for entering the next record (the enclosing block's charge when
    /// starting mid-block) and returns its index, or the exit that happens instead.
    #[inline]
    pub fn begin(&mut self, program: &Predecoded, gas: &mut i64) -> Result<usize, Exit> {
        let idx = self.next as usize;
        if self.finished || idx >= program.ops.len() {
            return Err(Exit::Panic);
        }
        if self.charge_next {
            let charge = if self.mid_block_entry { program.entry_charge(idx as u32) } else { program.ops[idx].charge };
            if *gas < charge as i64 {
                self.exit_pc = program.ops[idx].pc;
                return Err(Exit::OutOfGas);
            }
            *gas -= charge as i64;
        }
        self.mid_block_entry = false;
        Ok(idx)
    }

    /// Ends a run with `exit`: after a final exit (halt, trap, panic) every later run panics.
    #[inline]
    pub fn finish(&mut self, exit: Exit) -> Exit {
        if !exit.is_resumable() {
            self.finished = true;
        }
        exit
    }
}
