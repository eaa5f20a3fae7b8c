//! jar1 invocations: a JAR v2 manifest, validated by javm's loader, run by the spec's capability
//! kernel (`spec/Jar/JAVM/Kernel*.lean`). Every VM runs through the seam, so the engine chosen
//! with [`crate::seam::with_engine`] (reference, interpreter or recompiler) runs the guest code
//! while the generated kernel keeps the capability tables, the frames and the call stack.

pub mod build;

use javm::manifest::{Capability, InitAccess, Manifest};
use jarkit_spec::jar::{self, Jar1};
use jarkit_spec::prelude::{ByteArray, Nat};

/// φ₇ of the root VM for each entry point (upstream's service programs).
pub const OP_REFINE: u64 = 0;
pub const OP_ACCUMULATE: u64 = 1;

/// javm's validated code as the spec's program (GP numbering, the JAR block rules).
pub fn spec_program(code: &javm::Code) -> jar::Program {
    let mut bitmask = vec![0u8; code.code.len().div_ceil(8)];
    for (i, _) in code.starts.iter().enumerate().filter(|(_, s)| **s) {
        bitmask[i / 8] |= 1 << (i % 8);
    }
    jar::Program {
        code: ByteArray(code.code.clone()),
        bitmask: ByteArray(bitmask),
        jump_table: code.jump_table.iter().map(|&t| Nat(t.into())).collect(),
        numbering: match code.numbering {
            javm::Numbering::Gp => jar::Numbering::Gp,
            javm::Numbering::PolkaVm => jar::Numbering::JamV1,
        },
        ecalli_ends_block: code.rules.ecalli_ends_block,
    }
}

/// A validated manifest as the spec's.
pub fn spec_manifest(m: &Manifest) -> jar::CapManifest {
    let caps = m
        .caps
        .iter()
        .map(|c| match c {
            Capability::Code { slot, code } => jar::InitialCap::Code(Nat((*slot).into()), spec_program(code)),
            Capability::Data { slot, base_page, page_count, access, init } => jar::InitialCap::Data(
                Nat((*slot).into()),
                Nat((*base_page).into()),
                Nat((*page_count).into()),
                *access == InitAccess::ReadWrite,
                ByteArray(init.clone()),
            ),
        })
        .collect();
    jar::CapManifest { memory_pages: Nat(m.memory_pages.into()), invoke: Nat(m.invoke.into()), caps }
}

/// The bytes the IPC DATA capability (slot 0) of `m` holds: the most arguments it takes.
pub fn ipc_capacity(m: &Manifest) -> u64 {
    m.caps
        .iter()
        .find_map(|c| match c {
            Capability::Data { slot: 0, page_count, .. } => Some(u64::from(*page_count) * 4096),
            _ => None,
        })
        .unwrap_or(0)
}

/// Starts an invocation of `m` with `args` in its IPC DATA capability, φ₇ = `op` and `gas`.
/// `Err` is how it ended before its first instruction (too little gas for its pages, or
/// arguments that do not fit).
pub fn start(m: &Manifest, args: &[u8], op: u64, gas: u64) -> Result<jar::Kernel, jar::KernelExit> {
    match jar::kernel_init::<Jar1>(&spec_manifest(m), &ByteArray(args.to_vec()), Nat(op), Nat(gas)) {
        Ok(k) => Ok(k),
        Err(e) => Err(e),
    }
}

/// Runs the kernel until the root VM ends or a VM calls a protocol capability.
pub fn run(k: &jar::Kernel) -> jar::KernelOutcome {
    jar::kernel_run::<Jar1>(k)
}

/// Continues after a protocol call with the host's answer in the caller's φ₇ and φ₈.
pub fn answer(k: &jar::Kernel, r7: u64, r8: u64) -> jar::KernelOutcome {
    jar::kernel_protocol_return::<Jar1>(k, r7, r8)
}

/// Why an invocation stopped, in words.
pub fn describe_exit(e: &jar::KernelExit) -> String {
    match e {
        jar::KernelExit::Halt(v) => format!("halt, φ7 = {v:#x}"),
        jar::KernelExit::Panic => "panic".into(),
        jar::KernelExit::OutOfGas => "out of gas".into(),
        jar::KernelExit::PageFault(a) => format!("page fault at {:#x}", a.0),
        jar::KernelExit::ProtocolCall(id) => format!("protocol call {}", id.0),
    }
}

/// One line per VM: its state, program, pc, gas and registers.
pub fn describe_vms(k: &jar::Kernel) -> String {
    let mut out = String::new();
    for (i, vm) in k.vms.iter().enumerate() {
        let caps = vm.caps.iter().filter(|c| c.is_some()).count();
        out.push_str(&format!(
            "vm {i}: {:?}, code {}, pc {}, gas {}, {caps} caps, registers {:?}\n",
            vm.state, vm.code.0, vm.machine.pc.0, vm.machine.gas.0, vm.machine.regs
        ));
    }
    out
}

/// The bytes of `len` consecutive frames from `first` (zeros where a frame holds no data).
pub fn frame_bytes(k: &jar::Kernel, first: u64, count: u64) -> Vec<u8> {
    (first..first + count).flat_map(|f| jar::kernel_frame_bytes(k, Nat(f)).0).collect()
}

/// `k` with its frames in a canonical form (sorted, frames of zeros left out, since a frame
/// without data reads as zeros), so that kernels that hold the same pages compare equal.
pub fn normalised(k: &jar::Kernel) -> jar::Kernel {
    let mut out = k.clone();
    out.frames.retain(|f| f.data.0.iter().any(|&b| b != 0));
    out.frames.sort_by_key(|f| f.index.0);
    out
}
