//! javm: the JAVM runtime of jarkit — program blobs, the instruction set, memory models, gas
//! models, a hand-tuned interpreter and (on x86-64) a recompiler.
//!
//! Guest exits ([`Exit`]) are values; host failures ([`LoadError`]) are errors.

#[cfg(all(target_arch = "x86_64", unix))]
pub mod compiler;
pub mod disasm;
pub mod error;
pub mod format;
pub mod gas;
pub mod interpreter;
pub mod isa;
pub mod jar_v1;
pub mod kernel;
pub mod machine;
pub mod manifest;
pub mod memory;
pub mod outcome;
pub mod pipeline_gas;
#[cfg(feature = "planted-bugs")]
pub mod planted;
pub mod polkavm_blob;
pub mod program;
pub mod reader;
#[cfg(unix)]
pub mod reservation;
#[cfg(not(unix))]
#[path = "reservation_unavailable.rs"]
pub mod reservation;
pub mod standard;

pub use error::LoadError;
pub use format::ProgramFormat;
pub use gas::GasCosts;
pub use interpreter::{predecode::Predecoded, Vm, REGISTER_COUNT};
pub use isa::{Numbering, Opcode, OpcodeInfo, OperandClass};
pub use memory::{Access, LinearMemory, MemFault, Memory, PagedMemory};
pub use outcome::Exit;
pub use polkavm_blob::{MemoryMap, PolkaVmBlob};
pub use program::{BlockRules, Code, Instruction, LengthEncoding};
pub use jar_v1::JarV1Program;
pub use machine::{Engine, Machine};
pub use standard::StandardProgram;
