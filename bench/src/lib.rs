//! jarkit-bench: the guest programs, loading them on jarkit (through the `.polkavm` importer) and
//! on PolkaVM, and the timing harness behind `jarkit bench` and `cargo bench`.

pub mod guests;
pub mod harness;
pub mod jarkit_vm;
pub mod polkavm_frames;
pub mod polkavm_vm;

pub use guests::{Guest, GUESTS};
