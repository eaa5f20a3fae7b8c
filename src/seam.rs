//! The hand-tuned engines behind the spec's seam (`spec/Jar/JAVM/Seam.lean`): `pvmRun` and
//! `pvmResume` executed by javm's interpreter or recompiler instead of the generated reference.
//!
//! Each call builds a javm machine from the spec's `Machine` (registers, pc, gas, regions,
//! pages, guard, heap top), runs it to its next exit and reads the machine back, so the spec
//! keeps its functional view while the engine runs at full speed in between. Predecoded
//! programs are cached per thread by their contents, so a service that makes many host calls
//! is decoded once.
//!
//! A fresh javm machine charges the entry of the instruction it starts at. The spec's `resume`
//! after a page fault charges nothing and, under a per-block model, resuming after a host call
//! charges the next instruction's block only if it starts one; the adapter starts javm with the
//! difference added to the gas, so every model resumes on the engine.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use javm::{Access, BlockRules, Code, GasCosts, Memory, Numbering, PagedMemory, Predecoded};
use jarkit_spec::jar;
use jarkit_spec::prelude::{ByteArray, Nat};

/// Which engine runs behind the seam.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SeamEngine {
    /// The generated reference (`jar::run`, `jar::resume`): the spec itself.
    Reference,
    Interpreter,
    Compiler,
}

impl SeamEngine {
    pub const ALL: [SeamEngine; 3] = [SeamEngine::Reference, SeamEngine::Interpreter, SeamEngine::Compiler];

    fn engine(self) -> Option<jarkit_spec::seam::Engine> {
        match self {
            SeamEngine::Reference => None,
            SeamEngine::Interpreter => Some(run_interpreter),
            SeamEngine::Compiler => Some(run_compiler),
        }
    }
}

/// Runs `f` with `engine` behind the seam on this thread.
pub fn with_engine<R>(engine: SeamEngine, f: impl FnOnce() -> R) -> R {
    jarkit_spec::seam::with_engine(engine.engine(), f)
}

/// One instruction run by the tracing engine: the program it belongs to, and what it did.
pub struct SeamStep<'a> {
    pub program: &'a jar::Program,
    pub step: &'a crate::reference::TracedStep,
}

type Tracer = Box<dyn FnMut(&SeamStep)>;

/// The spec's own loop from `start`, whose first instruction pays `charge`, for as many steps
/// as the spec's fuel allows; `on_step` sees each step.
fn spec_loop(p: &jar::Program, g: &jar::GasCharge, start: jar::Machine, charge: Nat, on_step: &mut dyn FnMut(&crate::reference::TracedStep)) -> Option<jar::Outcome> {
    let fuel = jarkit_spec::seam::fuel(g, &start).0;
    crate::reference::step_by_step(p, g, start, charge, fuel, on_step)
}

thread_local! {
    static TRACER: RefCell<Option<Tracer>> = RefCell::new(None);
}

/// Runs `f` with the reference stepping every program behind the seam one instruction at a
/// time and calling `on_step` after each (how `jarkit run --trace` follows every VM of a jar1
/// invocation through the spec's kernel).
pub fn with_tracing<R>(on_step: impl FnMut(&SeamStep) + 'static, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Tracer>);
    impl Drop for Restore {
        fn drop(&mut self) {
            TRACER.with(|t| *t.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(TRACER.with(|t| t.borrow_mut().replace(Box::new(on_step))));
    jarkit_spec::seam::with_engine(Some(run_traced), f)
}

/// Where an engine's run of `m` starts and what the spec charges its first instruction: the
/// entry of `m`'s pc for a fresh run, else the spec's `resumePoint` after exit `after` (`None`
/// for a final exit, which no engine continues).
fn start_of(p: &jar::Program, g: &jar::GasCharge, m: &jar::Machine, after: Option<&jar::Exit>) -> Option<(jar::Machine, Nat)> {
    match after {
        None => Some((m.clone(), jar::gas_charge_entry(g, p, m.pc))),
        Some(exit) => jar::resume_point(p, g, &jar::Outcome { exit: exit.clone(), machine: m.clone() }),
    }
}

/// The tracing engine: the spec's own loop from the spec's own start (`resumePoint` after an
/// exit), so its results are the reference's.
fn run_traced(p: &jar::Program, g: &jar::GasCharge, m: &jar::Machine, after: Option<&jar::Exit>) -> Option<jar::Outcome> {
    let (start, charge) = start_of(p, g, m, after)?;
    // The tracer is taken out while it runs, so a callback can never re-enter it.
    let mut tracer = TRACER.with(|t| t.borrow_mut().take());
    let out = spec_loop(p, g, start, charge, &mut |step| {
        if let Some(t) = tracer.as_mut() {
            t(&SeamStep { program: p, step });
        }
    });
    TRACER.with(|t| *t.borrow_mut() = tracer);
    out
}

thread_local! {
    static GUEST_TIME: std::cell::Cell<std::time::Duration> = const { std::cell::Cell::new(std::time::Duration::ZERO) };
}

/// The time this thread has spent in javm behind the seam (machine setup, guest code and
/// reading the machine back), for `jarkit import --stats`.
pub fn guest_time() -> std::time::Duration {
    GUEST_TIME.with(|t| t.get())
}

fn timed<R>(f: impl FnOnce() -> R) -> R {
    let started = std::time::Instant::now();
    let r = f();
    GUEST_TIME.with(|t| t.set(t.get() + started.elapsed()));
    r
}

fn run_interpreter(p: &jar::Program, g: &jar::GasCharge, m: &jar::Machine, after: Option<&jar::Exit>) -> Option<jar::Outcome> {
    timed(|| run_on(javm::Engine::Interpreter, p, g, m, after))
}

fn run_compiler(p: &jar::Program, g: &jar::GasCharge, m: &jar::Machine, after: Option<&jar::Exit>) -> Option<jar::Outcome> {
    timed(|| run_on(javm::Engine::Compiler, p, g, m, after))
}

thread_local! {
    static PROGRAMS: RefCell<HashMap<u64, Arc<Predecoded>>> = RefCell::new(HashMap::new());
    /// The recompiler's code for each cached program: a service that makes many host calls is
    /// compiled once, not once per resumption.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    static COMPILED: RefCell<HashMap<usize, Arc<javm::compiler::Compiled>>> = RefCell::new(HashMap::new());
}

/// Puts `value` in a per-thread cache, emptied when it holds more than 64 entries (a block
/// runs a handful of services; the bound only keeps a long session's memory flat).
fn remember<K: std::hash::Hash + Eq, T>(cache: &mut HashMap<K, T>, key: K, value: T) {
    if cache.len() > 64 {
        cache.clear();
    }
    cache.insert(key, value);
}

/// A machine on `engine` for `program`; the recompiler's code is cached per predecoded program.
/// The memory is moved, never cloned (a paged memory's table is large).
fn start_machine(engine: javm::Engine, program: Arc<Predecoded>, mut memory: PagedMemory, gas: i64) -> Option<Box<dyn javm::Machine<Mem = PagedMemory>>> {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    if engine == javm::Engine::Compiler {
        use javm::compiler::{Compiled, CompiledVm};
        // Keyed by the predecoded program's address: each `Compiled` holds its program, so no
        // other program can take that address while the entry exists.
        let key = Arc::as_ptr(&program) as usize;
        let cached = COMPILED.with(|c| c.borrow().get(&key).cloned());
        let compiled = cached.or_else(|| {
            let c = Arc::new(Compiled::new(program.clone(), &mut memory).ok()?);
            COMPILED.with(|m| remember(&mut m.borrow_mut(), key, c.clone()));
            Some(c)
        });
        if let Some(c) = compiled {
            return CompiledVm::new(c, memory, gas).ok().map(|vm| Box::new(vm) as Box<dyn javm::Machine<Mem = PagedMemory>>);
        }
    }
    // The interpreter, also where this host has no recompiler (it gives the same answer).
    javm::machine::start(javm::Engine::Interpreter, program, memory, gas).ok()
}

/// The predecoded form of the spec's program under its gas model, cached by contents.
fn predecoded(p: &jar::Program, g: &jar::GasCharge) -> Option<Arc<Predecoded>> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    p.code.0.hash(&mut h);
    p.bitmask.0.hash(&mut h);
    p.jump_table.iter().for_each(|n| n.0.hash(&mut h));
    matches!(p.numbering, jar::Numbering::Gp).hash(&mut h);
    p.ecalli_ends_block.hash(&mut h);
    if let jar::GasCharge::PerBlock(costs) = g {
        costs.iter().for_each(|(a, b)| (a.0, b.0).hash(&mut h));
    }
    let key = h.finish();
    if let Some(hit) = PROGRAMS.with(|c| c.borrow().get(&key).cloned()) {
        return Some(hit);
    }
    let code = code_of(p)?;
    let costs = match g {
        jar::GasCharge::PerInstruction => GasCosts::PerInstruction,
        jar::GasCharge::PerBlock(c) => GasCosts::PerBlock(c.iter().filter_map(|(a, b)| Some((u32::try_from(a.0).ok()?, u32::try_from(b.0).ok()?))).collect()),
    };
    let program = Arc::new(Predecoded::new(code, &costs));
    PROGRAMS.with(|c| remember(&mut c.borrow_mut(), key, program.clone()));
    Some(program)
}

/// The spec's program as javm's code (`None` for a jump-table entry past 32 bits, which no
/// parsed program has).
pub fn code_of(p: &jar::Program) -> Option<Code> {
    let starts = (0..p.code.0.len()).map(|i| p.bitmask.0.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1)).collect();
    let numbering = match p.numbering {
        jar::Numbering::Gp => Numbering::Gp,
        jar::Numbering::JamV1 => Numbering::PolkaVm,
    };
    let jump_table = p.jump_table.iter().map(|n| u32::try_from(n.0).ok()).collect::<Option<Vec<u32>>>()?;
    Some(Code { jump_table, code: p.code.0.to_vec(), starts, numbering, rules: BlockRules { ecalli_ends_block: p.ecalli_ends_block, strict: false } })
}

/// The spec's memory as a javm paged memory.
fn memory_of(m: &jar::Memory) -> Option<PagedMemory> {
    let mut memory = PagedMemory::new();
    memory.guard = u32::try_from(m.guard.0).ok()?;
    memory.heap_top = m.heap_top.as_ref().map(|t| u32::try_from(t.0)).transpose().ok()?;
    memory.missing_first = m.missing_first;
    for r in &m.regions {
        let (first, count) = (u32::try_from(r.first.0).ok()?, u32::try_from(r.count.0).ok()?);
        if count == 0 {
            continue;
        }
        let len = u64::from(count) * 4096;
        // Regions past the 32-bit space cannot be mapped; the spec never makes one.
        if u64::from(first) * 4096 + len > 1 << 32 {
            return None;
        }
        memory.map(first * 4096, (len.min(u64::from(u32::MAX))) as u32, if r.writable { Access::ReadWrite } else { Access::ReadOnly });
    }
    for page in &m.pages {
        let index = u32::try_from(page.index.0).ok()?;
        memory.write_bytes(index.checked_mul(4096)?, &page.data.0).ok()?;
    }
    Some(memory)
}

/// A javm paged memory as the spec's memory: one region per run of equally accessible pages,
/// and the pages that hold data.
pub fn spec_memory(memory: &PagedMemory) -> jar::Memory {
    let mut regions: Vec<jar::Region> = Vec::new();
    let mut mapped: Vec<u32> = memory.mapped_pages().collect();
    mapped.sort_unstable();
    for index in mapped {
        let writable = memory.access(index * 4096) == Some(Access::ReadWrite);
        match regions.last_mut() {
            Some(r) if r.writable == writable && r.first.0 + r.count.0 == u64::from(index) => r.count = Nat(r.count.0 + 1),
            _ => regions.push(jar::Region { first: Nat(index.into()), count: Nat(1), writable }),
        }
    }
    let mut pages: Vec<jar::Page> = memory
        .pages_with_data()
        .into_iter()
        .map(|index| jar::Page { index: Nat(index.into()), data: ByteArray::new(memory.read_bytes(index * 4096, 4096).unwrap_or_else(|| vec![0; 4096])) })
        // A page of zeros reads as an unwritten one: the recompiler's memory may report some.
        .filter(|p| p.data.0.iter().any(|&b| b != 0))
        .collect();
    pages.sort_by_key(|p| p.index.0);
    jar::Memory { regions, pages, guard: Nat(memory.guard.into()), heap_top: memory.heap_top.map(|t| Nat(t.into())), missing_first: memory.missing_first }
}

pub fn spec_exit(e: javm::Exit) -> jar::Exit {
    match e {
        javm::Exit::Halt => jar::Exit::Halt,
        javm::Exit::Trap => jar::Exit::Trap,
        javm::Exit::Panic => jar::Exit::Panic,
        javm::Exit::OutOfGas => jar::Exit::OutOfGas,
        javm::Exit::PageFault(a) => jar::Exit::PageFault(Nat(a.into())),
        javm::Exit::HostCall(id) => jar::Exit::HostCall(Nat(id.into())),
        javm::Exit::Ecall => jar::Exit::Ecall,
    }
}

fn run_on(engine: javm::Engine, p: &jar::Program, g: &jar::GasCharge, m: &jar::Machine, after: Option<&jar::Exit>) -> Option<jar::Outcome> {
    // Where to start, and what the spec charges there. A fresh javm machine charges the entry of
    // its first instruction (`GasCharge.entry`), so the difference is handed back first.
    let (start, charge) = start_of(p, g, m, after)?;
    let pc = start.pc.0;
    // Less gas than the spec's charge: it stops out of gas there, paying nothing.
    if start.gas.0 < charge.0 {
        return Some(jar::Outcome { exit: jar::Exit::OutOfGas, machine: start });
    }
    let gas = (start.gas.0 - charge.0).checked_add(jar::gas_charge_entry(g, p, Nat(pc)).0)?;
    let program = predecoded(p, g)?;
    let memory = memory_of(&start.memory)?;
    let gas = i64::try_from(gas).ok()?;
    let mut vm = start_machine(engine, program, memory, gas)?;
    for (i, r) in start.regs.iter().enumerate().take(13) {
        vm.set_reg(i, *r);
    }
    let pc = u32::try_from(pc).ok()?;
    if !vm.set_pc(pc) {
        // A start javm has no instruction for (inside an instruction, an invalid opcode, or past
        // the end, where the code reads as `trap`): that one step is the spec's own, with what it
        // charges. (javm's engines used to report a panic that paid nothing.)
        return spec_loop(p, g, start, charge, &mut |_| {});
    }
    let exit = vm.run();
    let machine = jar::Machine { regs: vm.regs().to_vec(), pc: Nat(vm.exit_pc().into()), gas: Nat(vm.gas().max(0) as u64), memory: spec_memory(vm.memory()) };
    Some(jar::Outcome { exit: spec_exit(exit), machine })
}
