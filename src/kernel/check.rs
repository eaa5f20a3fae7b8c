//! The kernel cross-check: random multi-VM invocations (`gen.rs`) run five ways: by the spec's
//! kernel with each engine behind the seam (reference, interpreter, recompiler), and by javm's
//! own kernel on the interpreter and on the recompiler. Every stop (protocol calls, answered by
//! a fixed rule, and the end) must leave the same exit and the same kernel: every VM's
//! registers, pc, gas, state and capability table, the call stack, the pool and every frame.

use proptest::test_runner::TestCaseError;

use super::gen::{self, KernelCase};
use crate::seam::{with_engine, SeamEngine};
use jarkit_spec::jar;

/// At most this many protocol calls are answered per invocation.
const ANSWERS: usize = 8;

/// What one engine made of an invocation: the exit and kernel at every stop.
pub type Stops = Vec<(jar::KernelExit, jar::Kernel)>;

/// Runs `case` with `engine` behind the seam. A protocol call with id `n` is answered with
/// φ7 = 7·n and φ8 = 0.
pub fn run_case(case: &KernelCase, engine: SeamEngine) -> Result<Stops, String> {
    let blob = gen::blob(case);
    let manifest = javm::manifest::Manifest::parse(&blob).map_err(|e| format!("the generated manifest is invalid: {e}"))?;
    let args = if (case.args.len() as u64) <= super::ipc_capacity(&manifest) { case.args.clone() } else { Vec::new() };
    with_engine(engine, || {
        let mut stops = Vec::new();
        let mut o = match super::start(&manifest, &args, super::OP_REFINE, case.gas) {
            Ok(k) => super::run(&k),
            Err(exit) => return Ok(vec![(exit, jar::Kernel::default())]),
        };
        loop {
            stops.push((o.exit.clone(), super::normalised(&o.kernel)));
            match &o.exit {
                jar::KernelExit::ProtocolCall(id) if stops.len() <= ANSWERS => o = super::answer(&o.kernel, id.0.wrapping_mul(7), 0),
                _ => return Ok(stops),
            }
        }
    })
}

/// Runs `case` on javm's own kernel ([`javm::kernel::Kernel`]) with `engine` under every VM,
/// answering protocol calls as [`run_case`] does.
pub fn run_native(case: &KernelCase, engine: javm::Engine) -> Result<Stops, String> {
    use javm::kernel::{Kernel, KernelExit};
    let blob = gen::blob(case);
    let manifest = javm::manifest::Manifest::parse(&blob).map_err(|e| format!("the generated manifest is invalid: {e}"))?;
    let args = if (case.args.len() as u64) <= super::ipc_capacity(&manifest) { case.args.clone() } else { Vec::new() };
    let mut k = match Kernel::new(&manifest, &args, super::OP_REFINE, case.gas, engine).map_err(|e| e.to_string())? {
        Ok(k) => k,
        Err(exit) => return Ok(vec![(super::spec_kernel_exit(exit), jar::Kernel::default())]),
    };
    let mut stops = Vec::new();
    let mut exit = k.run().map_err(|e| e.to_string())?;
    loop {
        stops.push((super::spec_kernel_exit(exit), super::normalised(&super::spec_view(&k))));
        match exit {
            KernelExit::ProtocolCall(id) if stops.len() <= ANSWERS => exit = k.answer(u64::from(id).wrapping_mul(7), 0).map_err(|e| e.to_string())?,
            _ => return Ok(stops),
        }
    }
}

/// Where two runs part, in words.
pub fn describe(a: &Stops, b: &Stops, backend: &str) -> String {
    for (i, ((ea, ka), (eb, kb))) in a.iter().zip(b).enumerate() {
        if ea != eb {
            return format!("stop {i}: reference {} vs {backend} {}", super::describe_exit(ea), super::describe_exit(eb));
        }
        if ka != kb {
            let mut out = format!("stop {i} ({}): the kernels differ\n", super::describe_exit(ea));
            for (v, (x, y)) in ka.vms.iter().zip(&kb.vms).enumerate() {
                if x != y {
                    out.push_str(&format!("vm {v} reference: {:?} pc {} gas {} regs {:?} last {:?}\n", x.state, x.machine.pc.0, x.machine.gas.0, x.machine.regs, x.last));
                    out.push_str(&format!("vm {v} {backend}: {:?} pc {} gas {} regs {:?} last {:?}\n", y.state, y.machine.pc.0, y.machine.gas.0, y.machine.regs, y.last));
                    if x.caps != y.caps {
                        out.push_str("  and their capability tables differ\n");
                    }
                }
            }
            if ka.vms.len() != kb.vms.len() {
                out.push_str(&format!("{} VMs vs {}\n", ka.vms.len(), kb.vms.len()));
            }
            if ka.frames != kb.frames {
                let fa: Vec<u64> = ka.frames.iter().map(|f| f.index.0).collect();
                let fb: Vec<u64> = kb.frames.iter().map(|f| f.index.0).collect();
                out.push_str(&format!("frames with data: {fa:?} vs {fb:?} (or their bytes differ)\n"));
            }
            if (&ka.calls.len(), &ka.untyped_next, &ka.active) != (&kb.calls.len(), &kb.untyped_next, &kb.active) {
                out.push_str("the call stack, pool or active VM differ\n");
            }
            return out;
        }
    }
    format!("{} stops vs {} ({backend})", a.len(), b.len())
}

/// Counts of what the agreeing cases did, as evidence that they get somewhere.
#[derive(Default)]
pub struct Summary {
    pub cases: u64,
    pub divergence: Option<String>,
    /// Final exits by kind.
    pub exits: std::collections::BTreeMap<&'static str, u64>,
    /// VMs created and protocol calls answered, over all cases.
    pub vms: u64,
    pub protocol_calls: u64,
}

fn kind(e: &jar::KernelExit) -> &'static str {
    match e {
        jar::KernelExit::Halt(_) => "halt",
        jar::KernelExit::Panic => "panic",
        jar::KernelExit::OutOfGas => "out-of-gas",
        jar::KernelExit::PageFault(_) => "page-fault",
        jar::KernelExit::ProtocolCall(_) => "protocol-call",
    }
}

/// Runs `cases` random invocations from `seed` on every engine, stopping at the first
/// divergence, shrunk to a minimal case.
pub fn run(cases: u32, seed: u64) -> Summary {
    let mut runner = crate::crosscheck::seeded_runner(cases, seed, 2048);
    let summary = std::cell::RefCell::new(Summary { cases: u64::from(cases), ..Summary::default() });
    let result = runner.run(&gen::case(), |case| {
        let reference = run_case(&case, SeamEngine::Reference).map_err(TestCaseError::fail)?;
        for engine in [SeamEngine::Interpreter, SeamEngine::Compiler] {
            let other = run_case(&case, engine).map_err(TestCaseError::fail)?;
            if other != reference {
                return Err(TestCaseError::fail(format!("{}\ncase: {case:?}", describe(&reference, &other, &format!("spec kernel on {engine:?}")))));
            }
        }
        for engine in [javm::Engine::Interpreter, javm::Engine::Compiler] {
            let other = run_native(&case, engine).map_err(TestCaseError::fail)?;
            if other != reference {
                return Err(TestCaseError::fail(format!("{}\ncase: {case:?}", describe(&reference, &other, &format!("javm kernel on {engine:?}")))));
            }
        }
        let mut s = summary.borrow_mut();
        let (last, k) = reference.last().expect("a run stops at least once");
        *s.exits.entry(kind(last)).or_insert(0) += 1;
        s.vms += k.vms.len() as u64;
        s.protocol_calls += reference.len() as u64 - 1;
        Ok(())
    });
    let mut s = summary.into_inner();
    s.divergence = crate::crosscheck::failure_of(result);
    s
}
