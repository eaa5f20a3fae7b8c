//! jar1 invocations: a JAR v2 manifest, validated by javm's loader, run by the spec's capability
//! kernel (`spec/Jar/JAVM/Kernel*.lean`). Every VM runs through the seam, so the engine chosen
//! with [`crate::seam::with_engine`] (reference, interpreter or recompiler) runs the guest code
//! while the generated kernel keeps the capability tables, the frames and the call stack. javm's
//! own kernel is seen through [`spec_view`], so both compare as one type.

pub mod bench;
pub mod build;
pub mod check;
pub mod feed;
pub mod gen;
pub mod programs;

use javm::manifest::{Capability, InitAccess, Manifest};
use jarkit_spec::jar::{self, Jar1};
use jarkit_spec::prelude::{ByteArray, Nat};

/// φ₇ of the root VM for each entry point (upstream's service programs).
pub const OP_REFINE: u64 = 0;
pub const OP_ACCUMULATE: u64 = 1;

/// A validated manifest as the spec's.
pub fn spec_manifest(m: &Manifest) -> jar::CapManifest {
    let caps = m
        .caps
        .iter()
        .map(|c| match c {
            Capability::Code { slot, code } => jar::InitialCap::Code(Nat((*slot).into()), javm::gas::spec_program(code)),
            Capability::Data { slot, base_page, page_count, access, init } => jar::InitialCap::Data(
                Nat((*slot).into()),
                Nat((*base_page).into()),
                Nat((*page_count).into()),
                *access == InitAccess::ReadWrite,
                ByteArray::new(init.clone()),
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
    jar::kernel_init::<Jar1>(&spec_manifest(m), &ByteArray::new(args.to_vec()), Nat(op), Nat(gas))
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
    (first..first + count).flat_map(|f| jar::kernel_frame_bytes(k, Nat(f)).into_vec()).collect()
}

/// javm's kernel as the spec's (programs left out: javm keeps them predecoded), for comparison
/// with [`normalised`] kernels.
pub fn spec_view(k: &javm::kernel::Kernel) -> jar::Kernel {
    use javm::kernel::{Cap, VmState};
    let n = |x: u64| Nat(x);
    let data = |d: &javm::kernel::DataCap| jar::DataCap {
        frame: n(d.frame.into()),
        count: n(d.count.into()),
        base: d.base.map(|b| n(b.into())),
        writable: d.writable,
        mapped: d.mapped.clone(),
    };
    let cap = |c: &Cap| match c {
        Cap::Untyped => jar::Cap::Untyped,
        Cap::Data(d) => jar::Cap::Data(data(d)),
        Cap::Code(id) => jar::Cap::Code(n((*id).into())),
        Cap::Handle(v, g) => jar::Cap::Handle(n((*v).into()), g.map(n)),
        Cap::Callable(v, g) => jar::Cap::Callable(n((*v).into()), g.map(n)),
        Cap::Protocol(id) => jar::Cap::Protocol(n((*id).into())),
    };
    let vms = k
        .vms()
        .iter()
        .map(|vm| jar::Vm {
            code: n(vm.code.into()),
            caps: (0..256).map(|s| vm.caps.get(s).map(cap)).collect(),
            state: match vm.state {
                VmState::Idle => jar::VmState::Idle,
                VmState::Running => jar::VmState::Running,
                VmState::Waiting => jar::VmState::Waiting,
                VmState::Halted => jar::VmState::Halted,
                VmState::Faulted => jar::VmState::Faulted,
                VmState::Dropped => jar::VmState::Dropped,
            },
            machine: jar::Machine { regs: vm.regs.to_vec(), pc: n(vm.pc.into()), gas: n(vm.gas), memory: Default::default() },
            last: vm.last.map(|e| crate::seam::spec_exit(e)),
        })
        .collect();
    let frames = (0..k.frames.count())
        .filter(|&f| k.frames.bytes(f).iter().any(|&b| b != 0))
        .map(|f| jar::Page { index: n(f.into()), data: ByteArray::new(k.frames.bytes(f).to_vec()) })
        .collect();
    let calls = k
        .calls
        .iter()
        .map(|c| jar::CallFrame { caller: n(c.caller.into()), callee: n(c.callee.into()), ipc_slot: n(c.ipc_slot.into()), saved: c.saved.as_ref().map(data) })
        .collect();
    jar::Kernel { vms, codes: Vec::new(), frames, untyped_next: n(k.untyped_next.into()), untyped_total: n(k.untyped_total.into()), calls, active: n(k.active().into()) }
}

/// A kernel exit of javm's as the spec's.
pub fn spec_kernel_exit(e: javm::kernel::KernelExit) -> jar::KernelExit {
    use javm::kernel::KernelExit as K;
    match e {
        K::Halt(v) => jar::KernelExit::Halt(v),
        K::Panic => jar::KernelExit::Panic,
        K::OutOfGas => jar::KernelExit::OutOfGas,
        K::PageFault(a) => jar::KernelExit::PageFault(Nat(a.into())),
        K::ProtocolCall(id) => jar::KernelExit::ProtocolCall(Nat(id.into())),
    }
}

/// `k` with its frames in a canonical form (sorted, frames of zeros left out, since a frame
/// without data reads as zeros) and without its programs, so that kernels that hold the same
/// pages compare equal (javm's too, through [`spec_view`]).
pub fn normalised(k: &jar::Kernel) -> jar::Kernel {
    let mut out = k.clone();
    out.frames.retain(|f| f.data.0.iter().any(|&b| b != 0));
    out.frames.sort_by_key(|f| f.index.0);
    out.codes.clear();
    out
}
