//! The jar1 capability kernel (spec/Jar/JAVM/Kernel*.lean) on hand-written programs: every
//! operation's success path and its error codes, run under each engine behind the seam (the
//! reference, the interpreter, the recompiler), which must leave identical kernels.

use jarkit::crosscheck::asm::Inst;
use jarkit::kernel::build::*;
use jarkit::kernel;
use jarkit::seam::{with_engine, SeamEngine};
use jarkit_spec::jar::{self, KernelExit, VmState};

const WHAT: u64 = u64::MAX - 1;
const HUH: u64 = u64::MAX - 8;
const LOW: u64 = u64::MAX - 7;
const GAS: u64 = 1_000_000;

/// Ops of `ecall` (φ11).
const MAP: u64 = 2;
const UNMAP: u64 = 3;
const SPLIT: u64 = 4;
const DROP: u64 = 5;
const MOVE: u64 = 6;
const COPY: u64 = 7;
const DOWNGRADE: u64 = 10;
const SET_MAX_GAS: u64 = 11;
const DIRTY: u64 = 12;
const RESUME: u64 = 13;

/// Runs `blob` by the spec's kernel on every engine and by javm's kernel on both of its
/// engines; all must agree; returns the outcome.
fn run(blob: &[u8], args: &[u8], gas: u64) -> jar::KernelOutcome {
    let manifest = javm::manifest::Manifest::parse(blob).expect("the test manifest is valid");
    let mut native = Vec::new();
    for engine in [javm::Engine::Interpreter, javm::Engine::Compiler] {
        let o = match javm::kernel::Kernel::new(&manifest, args, kernel::OP_REFINE, gas, engine).expect("the kernel sets up") {
            Ok(mut k) => {
                let exit = k.run().expect("the engine takes the programs");
                (kernel::spec_kernel_exit(exit), kernel::normalised(&kernel::spec_view(&k)))
            }
            Err(exit) => (kernel::spec_kernel_exit(exit), jar::Kernel::default()),
        };
        native.push((engine, o));
    }
    let mut first: Option<jar::KernelOutcome> = None;
    for engine in SeamEngine::ALL {
        let o = with_engine(engine, || match kernel::start(&manifest, args, kernel::OP_REFINE, gas) {
            Ok(k) => kernel::run(&k),
            Err(exit) => jar::KernelOutcome { exit, kernel: jar::Kernel::default() },
        });
        let o = jar::KernelOutcome { exit: o.exit, kernel: kernel::normalised(&o.kernel) };
        match &first {
            None => first = Some(o),
            Some(f) => {
                assert_eq!(f.exit, o.exit, "{engine:?} ends differently from the reference");
                assert_eq!(f.kernel, o.kernel, "{engine:?} leaves another kernel than the reference");
            }
        }
    }
    let first = first.unwrap();
    for (engine, (exit, k)) in native {
        assert_eq!(exit, first.exit, "javm's kernel on {engine:?} ends differently from the spec's");
        assert_eq!(k, first.kernel, "javm's kernel on {engine:?} leaves another kernel than the spec's");
    }
    first
}

fn reg(o: &jar::KernelOutcome, vm: usize, r: usize) -> u64 {
    o.kernel.vms[vm].machine.regs[r]
}

/// `mov dst, src`.
fn mov(dst: u8, src: u8) -> Inst {
    add_imm(dst, src, 0)
}

/// A manifest whose root (slot 64) runs `root` with CODE `child` in slot 65 and a RW DATA
/// capability of 2 pages at page 16 in slot 66 holding `init`.
fn family(root: Vec<Inst>, child: Vec<Inst>, init: &[u8]) -> Vec<u8> {
    manifest(
        8,
        64,
        &[
            Entry::Code { slot: 64, program: root },
            Entry::Code { slot: 65, program: child },
            Entry::Data { slot: 66, base_page: 16, pages: 2, writable: true, init: init.to_vec() },
        ],
    )
}

/// CREATE a VM from the CODE in slot 65 with its HANDLE in `slot`, inheriting `mask`.
fn create(slot: u32, mask: u64) -> Vec<Inst> {
    vec![li(7, mask), li(12, u64::from(slot)), ecalli(65)]
}

/// RETYPE `pages` from the pool (slot 254, beyond `ecalli`'s reach: a dynamic CALL) into `slot`.
fn retype(pages: u64, slot: u32) -> Vec<Inst> {
    let mut out = vec![li(7, pages)];
    out.extend(op(0, 254, slot));
    out
}

fn halt_with(r: u8) -> Vec<Inst> {
    vec![mov(7, r), ecalli(0)]
}

#[test]
fn the_root_replies_and_the_invocation_halts() {
    let o = run(&manifest(0, 1, &[Entry::Code { slot: 1, program: vec![li(7, 42), ecalli(0)] }]), &[], GAS);
    assert_eq!(o.exit, KernelExit::Halt(42));
    // Two blocks (the first ends at `ecalli`), and 10 for the kernel call.
    assert!(o.kernel.vms[0].machine.gas.0 < GAS - 10);
}

#[test]
fn arguments_arrive_in_the_ipc_capability_and_pages_cost_gas() {
    let program = vec![load64(7, 8, 0), add(7, 7, 9), ecalli(0)];
    let blob = manifest(4, 1, &[Entry::Code { slot: 1, program }, Entry::Data { slot: 0, base_page: 4, pages: 1, writable: false, init: vec![] }]);
    let o = run(&blob, &[5, 0, 0, 0, 0, 0, 0, 0], GAS);
    // φ7 = the u64 at φ8 (5) + φ9 (8, the argument length).
    assert_eq!(o.exit, KernelExit::Halt(13));
    assert_eq!(reg(&o, 0, 8), 4 * 4096);
    assert!(o.kernel.vms[0].machine.gas.0 < GAS - 1500);
    // Too little gas for the one DATA page.
    assert_eq!(run(&blob, &[], 1499).exit, KernelExit::OutOfGas);
}

#[test]
fn create_call_and_reply_pass_registers_and_gas() {
    let mut root = create(70, 0);
    root.extend([mov(2, 7), li(7, 5), li(12, 0), ecalli(70), mov(3, 7), mov(4, 8)]);
    root.extend(halt_with(3));
    let child = vec![add_imm(7, 7, 100), ecalli(0), trap()];
    let o = run(&family(root, child, &[]), &[], GAS);
    assert_eq!(o.exit, KernelExit::Halt(105));
    assert_eq!((reg(&o, 0, 2), reg(&o, 0, 4)), (70, 0), "CREATE answers the slot; REPLY status 0");
    assert_eq!(o.kernel.vms.len(), 2);
    assert_eq!(o.kernel.vms[1].state, VmState::Idle);
    assert_eq!(o.kernel.vms[1].machine.gas.0, 0, "a replying VM gives all its gas back");
    assert_eq!(o.kernel.vms[0].caps[70], Some(jar::Cap::Handle(jarkit_spec::prelude::Nat(1), None)));
}

#[test]
fn a_called_vm_continues_after_its_reply() {
    // The child counts its calls in r5 across REPLYs: a server loop.
    let child = vec![add_imm(5, 5, 1), mov(7, 5), ecalli(0), jump(0)];
    let mut root = create(70, 0);
    root.extend([li(12, 0), ecalli(70), ecalli(70), ecalli(70)]);
    root.extend(halt_with(7));
    assert_eq!(run(&family(root, child, &[]), &[], GAS).exit, KernelExit::Halt(3));
}

fn jump_ind(r: u8) -> Inst {
    Inst { ra: r, ..Inst::new(javm::Opcode::JumpInd) }
}

#[test]
fn a_child_that_ends_otherwise_returns_a_status_and_its_gas() {
    let looping = vec![fallthrough(), jump(0)];
    let cases: [(Vec<Inst>, u64, u64, VmState); 5] = [
        (vec![li(7, 9), trap()], 1, 9, VmState::Faulted),
        (vec![li(2, 3), jump_ind(2)], 2, HUH, VmState::Faulted),
        (looping, 3, LOW, VmState::Faulted),
        (vec![li(2, 0x30000), load64(7, 2, 0), ecalli(0)], 4, 0x30000, VmState::Faulted),
        (vec![li(7, 11), li(2, 0xFFFF0000), jump_ind(2)], 6, 11, VmState::Halted),
    ];
    for (child, status, value, state) in cases {
        let mut root = create(70, 0);
        // A ceiling, so the looping child runs out.
        root.extend([li(7, 5000)]);
        root.extend(op(SET_MAX_GAS, 70, 0));
        root.extend([li(12, 0), ecalli(70), mov(3, 8), mov(4, 7)]);
        root.extend(halt_with(3));
        let o = run(&family(root, child, &[]), &[], GAS);
        assert_eq!(o.exit, KernelExit::Halt(status), "status");
        assert_eq!(reg(&o, 0, 4), value, "value for status {status}");
        assert_eq!(o.kernel.vms[1].state, state);
        assert_eq!(o.kernel.vms[1].machine.gas.0, 0, "its gas went back");
        let left = o.kernel.vms[0].machine.gas.0;
        assert!(left > GAS - 2 * 1500 - 5000 - 1000, "the caller kept the rest: {left}");
    }
}

/// A reference to slot `slot` of the table of the VM whose HANDLE is in the running VM's `hop`.
fn via(hop: u8, slot: u8) -> u32 {
    u32::from(hop) << 8 | u32::from(slot)
}

#[test]
fn a_pager_maps_the_missing_page_and_resumes_the_child() {
    // The child stores 0x77 at page 32 and reads it back; it has no memory at first.
    let child = vec![li(2, 32 * 4096), li(3, 0x77), store64(3, 2, 8), load64(7, 2, 8), ecalli(0)];
    let mut root = create(70, 0);
    root.extend([li(12, 0), ecalli(70), mov(3, 8), mov(4, 7)]);
    // RETYPE one page into slot 80, MOVE it into the child's slot 90, MAP it there at page 32.
    root.extend(retype(1, 80));
    root.extend([mov(5, 7)]);
    root.extend(op(MOVE, 80, via(70, 90)));
    root.extend([li(7, 32), li(8, 0), li(9, 1), li(10, 1)]);
    root.extend(op(MAP, via(70, 90), 0));
    root.extend(op(RESUME, 70, 0));
    root.extend([mov(6, 7)]);
    // Take the page back (MOVE unmaps it), map it here at its fixed base and read the child's
    // write through the same frame.
    root.extend(op(MOVE, via(70, 90), 81));
    root.extend([li(7, 32), li(8, 0), li(9, 1), li(10, 1)]);
    root.extend(op(MAP, 81, 0));
    root.extend([li(2, 32 * 4096), load64(7, 2, 8), ecalli(0)]);
    let o = run(&family(root, child, &[]), &[], GAS);
    assert_eq!((reg(&o, 0, 3), reg(&o, 0, 4), reg(&o, 0, 5), reg(&o, 0, 6)), (4, 32 * 4096, 80, 0x77));
    assert_eq!(o.exit, KernelExit::Halt(0x77));
    // The frame holds the byte: the pool had 8 pages, 2 went to the manifest's DATA.
    assert_eq!(kernel::frame_bytes(&o.kernel, 2, 1)[8], 0x77);
    assert_eq!(o.kernel.untyped_next.0, 3);
}

#[test]
fn a_passed_data_capability_comes_back_mapped_with_the_childs_writes() {
    // The child maps what arrived in its slot 0 at the base it already has (page 16), adds 1
    // to the u64 there and replies.
    let mut child = vec![li(7, 16), li(8, 0), li(9, 2), li(10, 1)];
    child.extend(op(MAP, 0, 0));
    child.extend([li(2, 16 * 4096), load64(3, 2, 0), add_imm(3, 3, 1), store64(3, 2, 0), mov(7, 3), ecalli(0)]);
    let mut root = create(70, 0);
    root.extend([li(12, 66), ecalli(70), li(2, 16 * 4096), load64(7, 2, 0), ecalli(0)]);
    let o = run(&family(root, child, &[41]), &[], GAS);
    assert_eq!(o.exit, KernelExit::Halt(42));
    match &o.kernel.vms[0].caps[66] {
        Some(jar::Cap::Data(d)) => assert!(d.mapped.iter().all(|&m| m), "remapped as it was"),
        other => panic!("slot 66 holds {other:?}"),
    }
    assert_eq!(o.kernel.vms[1].caps[0], None);
}

#[test]
fn a_data_capability_mapped_in_the_caller_is_not_visible_to_the_callee() {
    // The child reads page 16 without mapping it: a page fault, status 4.
    let child = vec![li(2, 16 * 4096), load64(7, 2, 0), ecalli(0)];
    let mut root = create(70, 0);
    root.extend([li(12, 0), ecalli(70), mov(7, 8), ecalli(0)]);
    assert_eq!(run(&family(root, child, &[1]), &[], GAS).exit, KernelExit::Halt(4));
}

#[test]
fn a_protocol_call_exits_to_the_host_which_answers() {
    let blob = manifest(0, 1, &[Entry::Code { slot: 1, program: vec![li(7, 3), ecalli(2), add(7, 7, 8), ecalli(0)] }]);
    let m = javm::manifest::Manifest::parse(&blob).unwrap();
    for engine in SeamEngine::ALL {
        with_engine(engine, || {
            let o = kernel::run(&kernel::start(&m, &[], 0, GAS).unwrap());
            assert_eq!(o.exit, KernelExit::ProtocolCall(jarkit_spec::prelude::Nat(2)));
            assert_eq!(reg(&o, 0, 7), 3, "the host reads the call's registers");
            let o = kernel::answer(&o.kernel, 40, 2);
            assert_eq!(o.exit, KernelExit::Halt(42));
        });
    }
}

/// Runs `ops` in a root that has created a child (HANDLE in 70) and RETYPEd one page (DATA in
/// 80), and returns the root's φ7 after them.
fn answer_of(ops: Vec<Inst>) -> u64 {
    let mut root = create(70, 0);
    root.extend(retype(1, 80));
    root.extend(ops);
    root.extend([ecalli(0)]);
    let o = run(&family(root, vec![ecalli(0)], &[]), &[], GAS);
    match o.exit {
        KernelExit::Halt(v) => v,
        other => panic!("ended with {other:?}: {}", kernel::describe_vms(&o.kernel)),
    }
}

fn with_regs(regs: &[(u8, u64)], then: Vec<Inst>) -> Vec<Inst> {
    regs.iter().map(|&(r, v)| li(r, v)).chain(then).collect()
}

#[test]
fn every_table_operation_succeeds_and_refuses_as_specified() {
    let ok = 0;
    let map = |base: u64, first: u64, count: u64, access: u64, subject: u32| with_regs(&[(7, base), (8, first), (9, count), (10, access)], op(MAP, subject, 0));
    // MAP
    assert_eq!(answer_of(map(40, 0, 1, 1, 80)), ok);
    assert_eq!(answer_of(map(40, 0, 1, 2, 80)), WHAT, "access other than 0/1");
    assert_eq!(answer_of(map(40, 0, 0, 1, 80)), WHAT, "no pages");
    assert_eq!(answer_of(map(40, 1, 1, 1, 80)), WHAT, "past the capability");
    assert_eq!(answer_of(map(0xFFFFF, 0, 1, 1, 80)), ok, "the last page");
    assert_eq!(answer_of(map(0x100000, 0, 1, 1, 80)), WHAT, "past the address space");
    assert_eq!(answer_of(map(16, 0, 1, 1, 80)), WHAT, "a page slot 66 maps");
    assert_eq!(answer_of(map(40, 0, 1, 1, 81)), WHAT, "an empty slot");
    assert_eq!(answer_of(map(40, 0, 1, 1, 70)), WHAT, "not DATA");
    let mut again = map(40, 0, 1, 1, 80);
    again.extend(map(41, 0, 1, 1, 80));
    assert_eq!(answer_of(again), WHAT, "another base than the first MAP's");
    let mut again = map(40, 0, 1, 1, 80);
    again.extend(map(40, 0, 1, 0, 80));
    assert_eq!(answer_of(again), WHAT, "another access than the first MAP's");
    // UNMAP
    assert_eq!(answer_of(with_regs(&[(7, 0), (8, 1)], op(UNMAP, 80, 0))), ok);
    assert_eq!(answer_of(with_regs(&[(7, 0), (8, 2)], op(UNMAP, 80, 0))), WHAT);
    // SPLIT (of the manifest's 2-page capability, which is mapped, then unmapped)
    assert_eq!(answer_of(with_regs(&[(7, 1)], op(SPLIT, 66, 90))), WHAT, "mapped");
    let mut split = with_regs(&[(7, 0), (8, 2)], op(UNMAP, 66, 0));
    split.extend(with_regs(&[(7, 1)], op(SPLIT, 66, 90)));
    assert_eq!(answer_of(split.clone()), ok);
    let mut at_end = with_regs(&[(7, 0), (8, 2)], op(UNMAP, 66, 0));
    at_end.extend(with_regs(&[(7, 2)], op(SPLIT, 66, 90)));
    assert_eq!(answer_of(at_end), WHAT, "both halves need a page");
    split.extend(with_regs(&[(7, 1)], op(SPLIT, 66, 90)));
    assert_eq!(answer_of(split), WHAT, "a one-page capability / an occupied object slot");
    // DROP
    assert_eq!(answer_of(op(DROP, 80, 0)), ok);
    assert_eq!(answer_of(op(DROP, 81, 0)), WHAT, "an empty slot");
    assert_eq!(answer_of(op(DROP, 70, 0)), ok, "a HANDLE of an idle VM");
    let mut dropped = op(DROP, 70, 0);
    dropped.extend(op(0, 70, 0));
    assert_eq!(answer_of(dropped), WHAT, "the slot is empty after DROP");
    // MOVE and COPY
    assert_eq!(answer_of(op(MOVE, 80, 81)), ok);
    assert_eq!(answer_of(op(MOVE, 80, 66)), WHAT, "an occupied slot");
    assert_eq!(answer_of(op(MOVE, 81, 82)), WHAT, "an empty subject");
    assert_eq!(answer_of(op(COPY, 80, 81)), WHAT, "DATA is move-only");
    assert_eq!(answer_of(op(COPY, 70, 81)), WHAT, "a HANDLE is move-only");
    assert_eq!(answer_of(op(COPY, 65, 81)), ok, "CODE copies");
    assert_eq!(answer_of(op(COPY, 2, 81)), ok, "a protocol capability copies");
    // DOWNGRADE and SET_MAX_GAS
    assert_eq!(answer_of(op(DOWNGRADE, 70, 71)), ok);
    assert_eq!(answer_of(op(DOWNGRADE, 80, 71)), WHAT, "not a HANDLE");
    assert_eq!(answer_of(with_regs(&[(7, 10)], op(SET_MAX_GAS, 70, 0))), ok);
    assert_eq!(answer_of(with_regs(&[(7, 10)], op(SET_MAX_GAS, 65, 0))), WHAT);
    // DIRTY, unknown operations, RESUME of a VM that is not faulted
    assert_eq!(answer_of(op(DIRTY, 80, 0)), WHAT);
    assert_eq!(answer_of(op(99, 80, 0)), WHAT);
    assert_eq!(answer_of(op(RESUME, 70, 0)), WHAT, "an idle VM");
    assert_eq!(answer_of(op(RESUME, via(70, 1), 0)), WHAT, "RESUME names its own table");
    // References: a hop that is not a HANDLE, and a hop after the end of the path.
    assert_eq!(answer_of(op(DROP, via(80, 1), 0)), WHAT);
    assert_eq!(answer_of(op(DROP, 70 << 16 | 1, 0)), WHAT);
    assert_eq!(answer_of(op(COPY, 2, via(70, 40))), ok, "into the child's table through its HANDLE");
}

#[test]
fn calls_refuse_what_they_cannot_do() {
    // An empty slot, a DATA capability, the pool past its end, zero pages.
    assert_eq!(answer_of(vec![ecalli(81)]), WHAT);
    assert_eq!(answer_of(vec![ecalli(80)]), WHAT);
    assert_eq!(answer_of(retype(100, 82)), WHAT);
    assert_eq!(answer_of(retype(0, 82)), WHAT);
    // RETYPE into an occupied slot; CREATE into one, or inheriting a DATA capability.
    assert_eq!(answer_of(retype(1, 66)), WHAT);
    assert_eq!(answer_of(with_regs(&[(7, 0), (12, 66)], vec![ecalli(65)])), WHAT);
    assert_eq!(answer_of(with_regs(&[(7, 1 << 2), (12, 71)], vec![ecalli(65)])), 71, "inherits protocol capability 2");
    // Slot 66 is out of CREATE's range; slot 0 is empty (skipped) — then DATA in slot 0 refuses.
    let mut data_in_0 = op(MOVE, 80, 0);
    data_in_0.extend(with_regs(&[(7, 1), (12, 71)], vec![ecalli(65)]));
    assert_eq!(answer_of(data_in_0), WHAT, "a chosen DATA capability cannot be copied");
    // A dynamic CALL may reach another table only for a protocol capability.
    assert_eq!(answer_of(with_regs(&[(12, 0)], op(0, via(70, 40), 0))), WHAT);
}

#[test]
fn an_ecalli_past_slot_127_panics_the_vm() {
    let blob = manifest(0, 1, &[Entry::Code { slot: 1, program: vec![ecalli(200), ecalli(0)] }]);
    assert_eq!(run(&blob, &[], GAS).exit, KernelExit::Panic);
    let blob = manifest(0, 1, &[Entry::Code { slot: 1, program: vec![ecalli(-1), ecalli(0)] }]);
    assert_eq!(run(&blob, &[], GAS).exit, KernelExit::Panic);
}

#[test]
fn a_vm_cannot_call_or_drop_itself() {
    // The child receives its own HANDLE in slot 0, moves it to slot 5, and CALLs and DROPs it:
    // WHAT both times (it is running). It returns the HANDLE and replies with the two answers.
    let mut child = op(MOVE, 0, 5);
    child.extend([li(12, 0), ecalli(5), mov(3, 7)]);
    child.extend(op(DROP, 5, 0));
    child.extend([mov(4, 7)]);
    child.extend(op(MOVE, 5, 0));
    child.extend([add(7, 3, 4), ecalli(0)]);
    let mut root = create(70, 0);
    root.extend([li(12, 70), ecalli(70), ecalli(0)]);
    let o = run(&family(root, child, &[]), &[], GAS);
    assert_eq!(o.exit, KernelExit::Halt(WHAT.wrapping_add(WHAT)));
    assert!(matches!(o.kernel.vms[0].caps[70], Some(jar::Cap::Handle(..))), "the HANDLE came back");
}

#[test]
fn random_invocations_agree_five_ways() {
    let s = kernel::check::run(1500, 7);
    assert!(s.divergence.is_none(), "{}", s.divergence.unwrap());
    // Evidence that the cases get somewhere: VMs created, every kind of end.
    assert!(s.vms > 1500, "{} VMs", s.vms);
    assert!(s.exits.len() >= 4, "{:?}", s.exits);
}

#[test]
fn jarkit_run_runs_a_manifest_with_child_vms_on_either_kernel_and_engine() {
    let mut root = create(70, 0);
    root.extend([li(7, 5), li(12, 0), ecalli(70)]);
    root.extend([ecalli(0)]);
    let blob = family(root, vec![add_imm(7, 7, 100), ecalli(0)], &[]);
    let path = std::env::temp_dir().join(format!("jarkit-kernel-{}.jar", std::process::id()));
    std::fs::write(&path, &blob).unwrap();
    for extra in [&[][..], &["--compiler"], &["--spec-kernel"], &["--spec-kernel", "--compiler"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).arg("run").arg(&path).args(extra).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{extra:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("exit: halt, φ7 = 0x69") && stdout.contains("2 VMs") && stdout.contains("vm 1: Idle"), "{extra:?}: {stdout}");
    }
    // Arguments that do not fit the IPC capability (there is none) are refused with a reason.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).arg("run").arg(&path).args(["--input", "0x01"]).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("IPC DATA capability"));
    std::fs::remove_file(&path).ok();
}

#[test]
fn the_example_programs_do_what_they_say() {
    use jarkit::kernel::programs;
    assert_eq!(run(&programs::round_trips(50), &[], GAS).exit, KernelExit::Halt(50));
    let o = run(&programs::fib_vms(8), &[], 100 * GAS);
    assert_eq!(o.exit, KernelExit::Halt(21));
    assert_eq!(o.kernel.vms.len(), 2 * 34 - 1 + 1, "2·fib(9) − 1 fib VMs and the root");
    let o = run(&programs::gas_ceiling(3000), &[], GAS);
    assert_eq!(o.exit, KernelExit::Halt(3), "out of gas, status 3");
    assert!(o.kernel.vms[0].machine.gas.0 > GAS - 4000, "the parent lost no more than the ceiling");
}

#[test]
fn checkpoint_and_rollback_written_in_javm_code() {
    let o = run(&jarkit::kernel::programs::checkpoint(), &[], GAS);
    assert_eq!(o.exit, KernelExit::Halt(2), "{}", kernel::describe_vms(&o.kernel));
}

#[test]
fn a_protocol_capability_replaced_by_a_policy_vm_leaves_the_child_unchanged() {
    use jarkit::kernel::programs::{asks_the_host, wrapped};
    let m = |blob: Vec<u8>| javm::manifest::Manifest::parse(&blob).unwrap();
    let direct = m(manifest(0, 1, &[Entry::Code { slot: 1, program: asks_the_host(5) }]));
    for engine in [javm::Engine::Interpreter, javm::Engine::Compiler] {
        // Unwrapped: the call reaches the host.
        let mut k = javm::kernel::Kernel::new(&direct, &[], 0, GAS, engine).unwrap().unwrap();
        assert_eq!(k.run().unwrap(), javm::kernel::KernelExit::ProtocolCall(2));
        assert_eq!(k.answer(40, 0).unwrap(), javm::kernel::KernelExit::Halt(40));
        // Wrapped, allowed: the wrapper forwards it, the host answers, the child gets it.
        let mut k = javm::kernel::Kernel::new(&m(wrapped(5)), &[], 0, GAS, engine).unwrap().unwrap();
        assert_eq!(k.run().unwrap(), javm::kernel::KernelExit::ProtocolCall(2));
        assert_eq!(k.vms()[k.active() as usize].regs[7], 5, "the host sees the child's request");
        assert_eq!(k.answer(40, 0).unwrap(), javm::kernel::KernelExit::Halt(40));
        // Wrapped, denied: no host call; the child gets the wrapper's answer.
        let mut k = javm::kernel::Kernel::new(&m(wrapped(500)), &[], 0, GAS, engine).unwrap().unwrap();
        assert_eq!(k.run().unwrap(), javm::kernel::KernelExit::Halt(1));
    }
    // And the spec's kernel agrees on the denied run.
    assert_eq!(run(&wrapped(500), &[], GAS).exit, KernelExit::Halt(1));
}

#[test]
fn calls_and_resumes_of_vms_refuse_what_is_not_idle_or_faulted() {
    // A child that CALLs its caller through a CALLABLE it was given: the caller is waiting, so
    // WHAT; the child replies with that answer.
    let child = vec![li(12, 0), ecalli(5), ecalli(0)];
    let mut root = create(70, 0);
    // A HANDLE of the root does not exist; give the child a CALLABLE of itself (running: WHAT).
    root.extend(op(DOWNGRADE, 70, 71));
    root.extend(op(MOVE, 71, via(70, 5)));
    root.extend([li(12, 0), ecalli(70), ecalli(0)]);
    assert_eq!(run(&family(root, child, &[]), &[], GAS).exit, KernelExit::Halt(WHAT));
    // RESUME of a child that ran out of gas: it goes on from where it stopped.
    let child = vec![li(7, 1), fallthrough(), add_imm(7, 7, 1), branch_ne_imm(7, 200, 2), ecalli(0)];
    let mut root = create(70, 0);
    root.extend([li(7, 300)]);
    root.extend(op(SET_MAX_GAS, 70, 0));
    root.extend([li(12, 0), ecalli(70), mov(3, 8)]);
    root.extend([li(7, 1_000_000)]);
    root.extend(op(SET_MAX_GAS, 70, 0));
    root.extend(op(RESUME, 70, 0));
    root.extend([mov(4, 8), ecalli(0)]);
    let o = run(&family(root, child, &[]), &[], GAS);
    assert_eq!((reg(&o, 0, 3), reg(&o, 0, 4)), (3, 0), "out of gas, then a REPLY after RESUME");
    assert_eq!(o.exit, KernelExit::Halt(200));
    // RESUME of a child that trapped: not resumable.
    let mut root = create(70, 0);
    root.extend([li(12, 0), ecalli(70)]);
    root.extend(op(RESUME, 70, 0));
    root.extend([ecalli(0)]);
    assert_eq!(run(&family(root, vec![trap()], &[]), &[], GAS).exit, KernelExit::Halt(WHAT));
    // A CALL of a halted VM, and of a dropped one through a CALLABLE kept from before.
    let mut root = create(70, 0);
    root.extend(op(DOWNGRADE, 70, 71));
    root.extend([li(12, 0), ecalli(70), li(12, 0), ecalli(70), mov(3, 7)]);
    root.extend(op(DROP, 70, 0));
    root.extend([li(12, 0), ecalli(71), add(7, 7, 3), ecalli(0)]);
    let halts = vec![li(2, 0xFFFF0000), jump_ind(2)];
    assert_eq!(run(&family(root, halts, &[]), &[], GAS).exit, KernelExit::Halt(WHAT.wrapping_add(WHAT)));
    // COPY and DOWNGRADE into an occupied slot; SET_MAX_GAS through a hop.
    assert_eq!(answer_of(op(COPY, 65, 66)), WHAT);
    assert_eq!(answer_of(op(DOWNGRADE, 70, 66)), WHAT);
    let mut nested = op(COPY, 65, via(70, 40));
    nested.extend(with_regs(&[(7, 5)], op(SET_MAX_GAS, via(70, 40), 0)));
    assert_eq!(answer_of(nested), WHAT, "slot 40 of the child holds CODE, not a HANDLE");
}

/// The frame-feeding program (`src/kernel/feed.rs`): a root VM passes each frame the host
/// writes into a DATA capability to a renderer transpiled from C, which maps it, renders and
/// REPLYs. javm's kernel on both engines and the spec's kernel give the renders' sum, and so does
/// the same C on PolkaVM fed the GP way (two copies per frame).
#[test]
fn frames_fed_through_a_data_capability_render_as_on_polkavm() {
    use jarkit::kernel::feed;
    let frames = feed::frames(4, 9);
    let want = feed::expected(&frames);
    let bytes = feed::manifest().unwrap();
    let m = javm::manifest::Manifest::parse(&bytes).unwrap();
    for engine in [javm::Engine::Interpreter, javm::Engine::Compiler] {
        assert_eq!(feed::run(&m, &frames, engine), Ok(want), "{engine:?}");
    }
    // The spec's kernel, the host writing each frame over the capability's frames.
    let mut o = kernel::run(&kernel::start(&m, &[], kernel::OP_REFINE, u64::MAX >> 2).unwrap());
    let mut next = 0;
    let result = loop {
        match &o.exit {
            jar::KernelExit::ProtocolCall(id) if id.0 == u64::from(feed::NEXT_FRAME) => {
                let len = match frames.get(next) {
                    Some(f) => {
                        let Some(jar::Cap::Data(d)) = &o.kernel.vms[0].caps[10] else { panic!("the frame capability is not in the root's slot 10") };
                        o.kernel = jar::kernel_overlay::<jar::Jar1>(&o.kernel, d.frame, &jarkit_spec::prelude::ByteArray::new(f.clone()));
                        next += 1;
                        f.len() as u64
                    }
                    None => 0,
                };
                o = jar::kernel_protocol_return::<jar::Jar1>(&o.kernel, len, 0);
            }
            jar::KernelExit::Halt(v) => break *v,
            other => panic!("{other:?} after {next} frames"),
        }
    };
    assert_eq!(result, want);
    // The same C renderer on PolkaVM, fed the GP way.
    let engine = jarkit_bench::polkavm_vm::engine(jarkit_bench::polkavm_vm::Backend::Interpreter).unwrap();
    assert_eq!(jarkit_bench::polkavm_frames::FrameModules::new(&engine).unwrap().run(&frames), Ok(want));
}
