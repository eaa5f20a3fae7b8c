//! jarkit: the JAR Lean spec extracted into Rust, the JAVM runtime, and the conformance and
//! cross-check tooling that keeps them in agreement. The `jarkit` binary is a thin CLI over this.

pub mod codec_cli;
pub mod crosscheck;
pub mod embedded;
pub mod fuzz;
pub mod kernel;
pub mod node;
pub mod reference;
pub mod seam;
pub mod stf;
pub mod transpile;
pub mod vectors;
