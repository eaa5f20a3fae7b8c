//! `.polkavm` programs transpiled to jar1 manifests run on the capability kernel and compute
//! what they compute on PolkaVM: every benchmark guest (C compiled by clang and linked by
//! polkavm-linker) with its benchmark argument, on javm's kernel (interpreter and recompiler)
//! and on the spec's kernel, each result checked against the guest's expected value.

use jarkit::kernel;
use jarkit_spec::jar;

const GAS: u64 = 1 << 40;

fn halt_value(exit: &jar::KernelExit) -> Option<u64> {
    match exit {
        jar::KernelExit::Halt(v) => Some(*v),
        _ => None,
    }
}

#[test]
fn every_guest_runs_on_jar1_and_returns_its_expected_value() {
    for g in jarkit_bench::GUESTS.iter().filter(|g| g.name != "hostcall") {
        let t = jarkit::transpile::polkavm_to_manifest(g.blob, Some("run")).unwrap_or_else(|e| panic!("{}: {e}", g.name));
        assert!(t.notes.is_empty(), "{}: {:?}", g.name, t.notes);
        let manifest = javm::manifest::Manifest::parse(&t.manifest).unwrap();
        let args = jarkit::transpile::args_bytes(&[g.arg]);
        let want = (g.expected)(g.arg);
        for engine in [javm::Engine::Interpreter, javm::Engine::Compiler] {
            let mut k = javm::kernel::Kernel::new(&manifest, &args, kernel::OP_REFINE, GAS, engine).unwrap().unwrap_or_else(|e| panic!("{}: init {e:?}", g.name));
            let exit = kernel::spec_kernel_exit(k.run().unwrap());
            assert_eq!(halt_value(&exit), Some(want), "{} on javm's kernel, {engine:?}: {exit:?}", g.name);
        }
        // The spec's kernel, with javm's interpreter behind the seam (the reference would take
        // minutes on ed25519's 40 million instructions).
        let exit = jarkit::seam::with_engine(jarkit::seam::SeamEngine::Interpreter, || {
            let k = kernel::start(&manifest, &args, kernel::OP_REFINE, GAS).unwrap_or_else(|e| panic!("{}: init {e:?}", g.name));
            kernel::run(&k).exit
        });
        assert_eq!(halt_value(&exit), Some(want), "{} on the spec's kernel: {exit:?}", g.name);
    }
}

/// The prologue and the re-encoding are exact: fib's registers at the end match a PolkaVM-rules
/// run of the original, on the reference executor too (a small argument).
#[test]
fn a_small_transpiled_run_ends_with_the_original_registers() {
    let g = jarkit_bench::guests::find("fib").unwrap();
    let t = jarkit::transpile::polkavm_to_manifest(g.blob, None).unwrap();
    let manifest = javm::manifest::Manifest::parse(&t.manifest).unwrap();
    let args = jarkit::transpile::args_bytes(&[20]);
    let k = kernel::start(&manifest, &args, kernel::OP_REFINE, 1_000_000).unwrap();
    let o = kernel::run(&k);
    assert_eq!(halt_value(&o.exit), Some(6765));
    // The original on javm under PolkaVM's rules.
    let blob = javm::PolkaVmBlob::parse(g.blob).unwrap();
    let code = javm::Code::parse(&blob.code, javm::LengthEncoding::Compact, javm::Numbering::PolkaVm, javm::BlockRules::GP).unwrap();
    let (memory, map) = blob.memory().unwrap();
    let program = std::sync::Arc::new(javm::Predecoded::new(code, &javm::GasCosts::PerInstruction));
    let mut vm = javm::machine::start(javm::Engine::Interpreter, program, memory, 1_000_000).unwrap();
    vm.set_reg(0, u64::from(javm::polkavm_blob::RETURN_TO_HOST));
    vm.set_reg(1, u64::from(map.stack_high));
    vm.set_reg(7, 20);
    vm.set_pc(blob.export("run").unwrap());
    assert_eq!(vm.run(), javm::Exit::Halt);
    assert_eq!(o.kernel.vms[0].machine.regs, vm.regs()[..13].to_vec());
}

#[test]
fn what_cannot_be_transpiled_is_an_error_and_ecalli_is_noted() {
    assert!(jarkit::transpile::polkavm_to_manifest(b"PVM\0junk", None).is_err());
    let g = jarkit_bench::guests::find("fib").unwrap();
    let e = jarkit::transpile::polkavm_to_manifest(g.blob, Some("nope")).err().unwrap();
    assert!(e.contains("no export `nope`"), "{e}");
    let hostcall = jarkit_bench::guests::find("hostcall").unwrap();
    let t = jarkit::transpile::polkavm_to_manifest(hostcall.blob, None).unwrap();
    assert!(t.notes.iter().any(|n| n.contains("`ecalli 0` is a REPLY")), "{:?}", t.notes);
}
