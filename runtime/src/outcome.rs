//! Guest exit reasons. These are values the caller inspects and may resume from; they are never
//! host errors.

/// Why the interpreter stopped.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Exit {
    /// A dynamic jump to the halt address (GP: 2^32 − 2^16).
    Halt,
    /// The `trap` instruction (reported as a panic by the GP; JAR distinguishes it).
    Trap,
    /// An invalid instruction, jump, or guard-zone access.
    Panic,
    /// Not enough gas for the next charge; nothing was deducted, resuming retries.
    OutOfGas,
    /// An inaccessible page (its first address); resuming retries the instruction.
    PageFault(u32),
    /// `ecalli id`; resuming continues after it.
    HostCall(u32),
    /// `ecall` (JAR kernel entry); resuming continues after it.
    Ecall,
}

impl Exit {
    /// Whether the caller may resume after this exit.
    pub fn is_resumable(self) -> bool {
        matches!(self, Exit::OutOfGas | Exit::PageFault(_) | Exit::HostCall(_) | Exit::Ecall)
    }

    /// The status name used by the conformance vectors.
    pub fn status_name(self) -> &'static str {
        match self {
            Exit::Halt => "halt",
            Exit::Trap | Exit::Panic => "panic",
            Exit::OutOfGas => "out-of-gas",
            Exit::PageFault(_) => "page-fault",
            Exit::HostCall(_) => "ecalli",
            Exit::Ecall => "ecall",
        }
    }
}
