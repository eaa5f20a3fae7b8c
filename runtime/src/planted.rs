//! Deliberate bugs for testing the cross-check (feature `planted-bugs`, used by jarkit's tests
//! only): a test switches one on and asserts that the cross-check against the spec finds it. With
//! the feature off this module does not exist and neither the interpreter nor the recompiler has
//! a trace of it. The recompiler's bugs take effect when a program is compiled.

use std::sync::atomic::{AtomicU8, Ordering};

/// A bug the interpreter can be told to have.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Bug {
    None = 0,
    /// `shlo_l_64` masks the shift count with 31 instead of 63.
    ShiftMask = 1,
    /// Every basic block is charged one gas more than its cost.
    BlockCostOffByOne = 2,
    /// `load_i8` / `load_ind_i8` zero-extend instead of sign-extending.
    LoadSignExtension = 3,
    /// `branch_lt_s` compares unsigned.
    SignedBranch = 4,
    /// The recompiler's `sub_64` with a destination equal to its second operand computes
    /// `b - a` (an operand-order slip in the direct-register lowering).
    CompiledSubOrder = 5,
    /// The recompiler's inline loads (not its slow paths) zero-extend `load_ind_i32` instead of
    /// sign-extending.
    CompiledLoadSign = 6,
    /// A reserved memory opens writable pages for writing before their first write, so compiled
    /// code writes them without the memory noticing (which pages hold data goes wrong).
    ReservedWriteUntracked = 7,
    /// The capability kernel's MOVE of a DATA capability to another table leaves the source in
    /// place: two VMs then reach the same frames.
    KernelMoveCopies = 8,
    /// The capability kernel's REPLY gives the caller one gas less than the callee had left.
    KernelReplyGas = 9,
    /// A reservation given back for reuse keeps its written pages as they are instead of
    /// zeroing them: the next memory on the thread sees the last one's data.
    RecycledPagesKeepData = 10,
    /// The slow path of a load the recompiler moved before a rotate's shifts skips the shifts:
    /// a fault there shows the rotate's registers as they were before it.
    CompiledRotateFaultState = 11,
}

static ACTIVE: AtomicU8 = AtomicU8::new(0);

/// Activates `bug` for every interpreter in the process (and deactivates any other).
pub fn set(bug: Bug) {
    ACTIVE.store(bug as u8, Ordering::SeqCst);
}

#[inline]
pub fn active(bug: Bug) -> bool {
    ACTIVE.load(Ordering::Relaxed) == bug as u8
}
