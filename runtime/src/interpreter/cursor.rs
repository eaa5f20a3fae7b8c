//! Where a VM continues and what it owes when it does: the resumption rules that the interpreter
//! and the recompiler share (they differ only in how they execute records).

use super::predecode::{Predecoded, NO_INDEX};
use crate::outcome::Exit;

#[derive(Clone, Debug)]
pub struct Cursor {
    /// Record to execute next.
    pub(crate) next: u32,
    /// The gas entering `next` costs, or [`FREE`] (retrying after a fault). Found when the
    /// cursor moves, so that entering looks nothing up: the recompiler's exits know their
    /// resume record's charge, and `set_pc` finds the enclosing block's.
    pub(crate) pay: i64,
    /// Instead of `pay`: entering `next` costs its own charge, still to be read. The
    /// interpreter's exits say this (one byte, as they always did) rather than read the charge
    /// or write `pay`: they are inlined many times into its loop, whose speed a change there
    /// moves by up to a third.
    pub(crate) own_charge: bool,
    /// pc of the instruction that caused the last exit.
    pub(crate) exit_pc: u32,
    /// A final exit happened: every later run panics.
    finished: bool,
    /// The program's record count, kept here so that entering reads nothing of the program.
    len: u32,
}

/// `Cursor::pay` when entering the next record costs nothing. Negative, so no charge equals it.
pub const FREE: i64 = -1;

impl Cursor {
    /// A cursor at the program's first record, owing its block's charge.
    pub fn new(program: &Predecoded) -> Cursor {
        let pay = if program.ops.is_empty() { FREE } else { i64::from(program.entry_charge(0)) };
        Cursor { next: 0, pay, own_charge: false, exit_pc: 0, finished: false, len: program.ops.len() as u32 }
    }

    /// Sets where execution starts; the enclosing block's gas is charged when the run begins.
    /// Returns false (and leaves the VM to panic on `run`) if `pc` is not an instruction start.
    pub fn set_pc(&mut self, program: &Predecoded, pc: u32) -> bool {
        self.finished = false;
        self.own_charge = false;
        match program.index_of(pc) {
            Some(i) => {
                self.next = i;
                self.pay = i64::from(program.entry_charge(i));
                true
            }
            None => {
                self.next = NO_INDEX;
                self.pay = FREE;
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
        debug_assert_eq!(self.len as usize, program.ops.len(), "a cursor of another program");
        if self.finished || idx >= self.len as usize {
            return Err(Exit::Panic);
        }
        let pay = if self.own_charge { i64::from(program.ops[idx].charge) } else { self.pay };
        if pay != FREE {
            if *gas < pay {
                self.exit_pc = program.ops[idx].pc;
                return Err(Exit::OutOfGas);
            }
            *gas -= pay;
        }
        Ok(idx)
    }

    /// After `begin`, for an engine whose exits may leave `pay` alone (the interpreter's, which
    /// only say `own_charge`): the entry is paid, so such an exit owes nothing. The recompiler's
    /// exits always write `pay`.
    #[inline]
    pub fn paid(&mut self) {
        self.own_charge = false;
        self.pay = FREE;
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
