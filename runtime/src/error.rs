//! Host-side errors: a program that cannot be loaded. Guest exits are not errors (see
//! [`crate::outcome`]).

use std::fmt;

/// Why a program blob was rejected at load time. `offset` is a byte offset into the blob that was
/// being read (or, for code rules, the instruction's pc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The blob ended before a field could be read.
    Truncated { what: &'static str, offset: usize, needed: usize, available: usize },
    /// A header field holds a value the format forbids.
    BadField { what: &'static str, offset: usize, value: u64, rule: &'static str },
    /// Bytes are left after the last section.
    TrailingBytes { offset: usize, count: usize },
    /// A rule about the code itself is broken (terminator, block starts, jump table).
    BadCode { pc: u32, rule: String },
    /// The memory layout does not fit the 32-bit address space.
    LayoutTooLarge { what: &'static str },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Truncated { what, offset, needed, available } => write!(
                f,
                "blob truncated at byte {offset}: {what} needs {needed} bytes, {available} left"
            ),
            LoadError::BadField { what, offset, value, rule } => {
                write!(f, "bad {what} at byte {offset}: {value} ({rule})")
            }
            LoadError::TrailingBytes { offset, count } => {
                write!(f, "{count} unexpected trailing bytes at byte {offset}")
            }
            LoadError::BadCode { pc, rule } => write!(f, "invalid code at pc {pc}: {rule}"),
            LoadError::LayoutTooLarge { what } => {
                write!(f, "memory layout does not fit in 2^32 bytes: {what}")
            }
        }
    }
}

impl std::error::Error for LoadError {}
