//! The recompiler: predecoded records to x86-64 machine code, one native sequence per record, run
//! by [`CompiledVm`] with the interpreter's interface and exits.
//!
//! What it does:
//! - every instruction, every memory model, every gas model (charges are the records' own, so
//!   per-instruction and per-block metering both work), resumption after host calls, faults and
//!   out-of-gas exactly where the interpreter resumes;
//! - a paged memory runs *reserved* (`PagedMemory`'s reserved mode): the guest's 4 GiB are one
//!   host mapping whose page protections mirror the page table, an access is one instruction on
//!   `r15 + address`, and an access the host refuses faults into the access's slow path
//!   (`fault.rs`), which asks the memory itself, as the interpreter does. Eleven guest registers
//!   (chosen per program) and the gas live in host registers, and the context sits in the page
//!   below the guest space;
//! - a linear memory (jar080, jar1) is checked inline against its length, and a paged memory that
//!   cannot be reserved walks its page table inline; both keep ten guest registers in host
//!   registers;
//! - one fused pair: an add and its carry (`add_64` then `set_lt_u` on the sum and an addend) is
//!   one `add` and one `setb` (the second instruction keeps its own code, apart, for entry);
//!   when the next instruction only adds that carry to another register and the carry's
//!   register is overwritten before it is read, the three are one `add` and one `adc`.
//!
//! Only on x86-64 Linux; [`Compiled::new`] says why it cannot compile elsewhere.

mod exec_mem;
mod fault;
mod idioms;
mod lower;
pub mod x64;

use std::sync::Arc;

use crate::interpreter::predecode::{Predecoded, NO_INDEX};
use crate::interpreter::{Cursor, FREE};
use crate::memory::{JitView, MemFault, Memory};
use crate::outcome::Exit;
use exec_mem::ExecBuffer;
use lower::{context_disp, Lowering, RegisterMap, Shape, GAS_REGISTER};
use x64::*;

/// Why a program could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// This host cannot run the generated code (not x86-64, or lacking an instruction the code
    /// uses).
    UnsupportedHost(&'static str),
    /// The system refused executable memory.
    NoExecutableMemory,
    /// A VM was given a memory of another model (page table or linear) than the program was
    /// compiled for.
    OtherMemoryModel,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::UnsupportedHost(why) => write!(f, "the recompiler cannot run here: {why}"),
            CompileError::NoExecutableMemory => write!(f, "the system refused executable memory"),
            CompileError::OtherMemoryModel => write!(f, "the program was compiled for another memory model"),
        }
    }
}

impl std::error::Error for CompileError {}

/// Exit reasons as the generated code writes them.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum ExitKind {
    Halt = 0,
    Trap = 1,
    Panic = 2,
    OutOfGas = 3,
    PageFault = 4,
    HostCall = 5,
    Ecall = 6,
}

/// What generated code and the host share while a guest runs. `repr(C)`: the code addresses
/// fields by the offsets in [`ctx`]. With a reserved memory, the code's copy lives in the
/// reservation's head page for the duration of a run (so one register reaches it and the
/// memory); the VM keeps its own between runs.
#[repr(C)]
pub(crate) struct Context {
    regs: [u64; 16],
    gas: i64,
    exit_kind: u32,
    exit_arg: u32,
    /// The pc of the instruction that exited.
    exit_pc: u32,
    resume_record: u32,
    /// What resuming at `resume_record` costs (`Cursor::pay`).
    pay: i64,
    /// Page table address, or the linear region's base.
    fast0: u64,
    /// The linear region's length.
    fast1: u64,
    /// The `M: Memory` the slow paths use.
    memory: *mut u8,
    slow_access_fn: unsafe extern "sysv64" fn(*mut Context, u32, u32) -> u32,
    sbrk_fn: unsafe extern "sysv64" fn(*mut Context, u64) -> u32,
    jump_natives: *const u64,
    jump_len: u64,
    /// A value passed between generated code and a slow path.
    scratch: u64,
    /// The halt address, or `u64::MAX` (no 32-bit address equals it) when jumps do not halt.
    halt_address: u64,
    /// Reserved shape: the VM's own context, which the trampoline loads the registers and gas
    /// from and stores them back to (the head page's copy is the code's, and keeps the exit).
    home: *mut Context,
    /// Reserved shape: which hand-over the head page's copy holds (`CompiledVm::stamp`).
    stamp: u64,
}

/// Field offsets of [`Context`], checked against the layout by a test.
pub(crate) mod ctx {
    pub const REGS: i32 = 0;
    pub const GAS: i32 = 128;
    pub const EXIT_KIND: i32 = 136;
    /// Written as the upper half of an 8-byte store at `EXIT_KIND` (the layout test checks it).
    #[allow(dead_code)]
    pub const EXIT_ARG: i32 = 140;
    pub const EXIT_PC: i32 = 144;
    /// Written as the upper half of an 8-byte store at `EXIT_PC`.
    #[allow(dead_code)]
    pub const RESUME_RECORD: i32 = 148;
    pub const PAY: i32 = 152;
    pub const FAST0: i32 = 160;
    pub const FAST1: i32 = 168;
    pub const SLOW_ACCESS_FN: i32 = 184;
    pub const SBRK_FN: i32 = 192;
    pub const JUMP_NATIVES: i32 = 200;
    pub const JUMP_LEN: i32 = 208;
    pub const SCRATCH: i32 = 216;
    pub const HALT_ADDRESS: i32 = 224;
    pub const HOME: i32 = 232;
    #[allow(dead_code)]
    pub const STAMP: i32 = 240;
}

/// A program compiled for one memory shape, shared by every VM that runs it.
pub struct Compiled {
    program: Arc<Predecoded>,
    shape: Shape,
    code: ExecBuffer,
    /// Offset of the entry trampoline: `extern "sysv64" fn(ctx, native address)`.
    entry: u32,
    /// Offset of each record's body (entry after its charge was paid by the host).
    bodies: Arc<[u32]>,
    /// Absolute address of each jump-table entry's block (its charge label), 0 if invalid.
    jump_natives: Vec<u64>,
    /// Reserved shape: where faults of guest accesses go.
    sites: fault::Sites,
}

impl Compiled {
    /// Compiles `program` for memories like `memory` (page table or linear).
    pub fn new<M: Memory>(program: Arc<Predecoded>, memory: &mut M) -> Result<Compiled, CompileError> {
        Compiled::with_bmi2(program, memory, std::is_x86_feature_detected!("bmi2"))
    }

    /// As `new`, using BMI2's instructions only if `bmi2` (tests compile both ways).
    fn with_bmi2<M: Memory>(program: Arc<Predecoded>, memory: &mut M, bmi2: bool) -> Result<Compiled, CompileError> {
        if !cfg!(all(target_arch = "x86_64", target_os = "linux")) {
            return Err(CompileError::UnsupportedHost("not x86-64 Linux"));
        }
        host_features()?;
        let shape = shape_of(memory.jit_view());
        let ops = program.ops();
        let registers = RegisterMap::for_program(ops, shape);
        let mut lowering = Lowering::new(ops, shape, registers, bmi2);
        let entry = trampoline(&mut lowering.asm, lowering.exit, shape, &registers);
        for i in 0..ops.len() as u32 {
            lowering.record(i);
        }
        lowering.cold_code();
        let charge_labels = lowering.charge_labels.clone();
        let body_labels = lowering.body_labels.clone();
        let sites = std::mem::take(&mut lowering.sites);
        let mut asm = lowering.asm;
        let offset = |l: Label| asm.label_offset(l).expect("every record label is bound");
        let bodies: Arc<[u32]> = body_labels.iter().map(|&l| offset(l)).collect();
        let charges: Vec<u32> = charge_labels.iter().map(|&l| offset(l)).collect();
        let sites: Vec<(u32, u32)> = sites.iter().map(|&(at, slow)| (at, offset(slow))).collect();
        debug_assert!(sites.windows(2).all(|w| w[0].0 < w[1].0), "sites are emitted in order");
        let code = ExecBuffer::new(asm.finish().expect("every label is bound")).ok_or(CompileError::NoExecutableMemory)?;
        asm.recycle();
        let jump_natives = program.jump_targets.iter().map(|&t| if t == NO_INDEX { 0 } else { code.addr(charges[t as usize]) as u64 }).collect();
        let sites = fault::Sites { code_start: code.addr(0), code_end: code.addr(0) + code.len(), sites };
        Ok(Compiled { program, shape, code, entry, bodies, jump_natives, sites })
    }

    pub fn program(&self) -> &Predecoded {
        &self.program
    }

    /// The generated machine code and the offset of each record's body in it (for inspecting the
    /// code with a disassembler).
    pub fn native_code(&self) -> (&[u8], &[u32]) {
        // SAFETY: the mapping is readable and immutable for the life of `self`.
        (unsafe { std::slice::from_raw_parts(self.code.addr(0) as *const u8, self.code.len()) }, &self.bodies)
    }
}

/// The instructions the generated code needs beyond x86-64's baseline.
fn host_features() -> Result<(), CompileError> {
    #[cfg(target_arch = "x86_64")]
    {
        if !std::is_x86_feature_detected!("popcnt") {
            return Err(CompileError::UnsupportedHost("no popcnt"));
        }
        if !std::is_x86_feature_detected!("lzcnt") {
            return Err(CompileError::UnsupportedHost("no lzcnt"));
        }
        if !std::is_x86_feature_detected!("bmi1") {
            return Err(CompileError::UnsupportedHost("no tzcnt (BMI1)"));
        }
    }
    Ok(())
}

/// Emits the entry trampoline and the common exit path; returns the trampoline's offset.
///
/// The trampoline is `extern "sysv64" fn(context, target, home)`. In the page-table and linear
/// shapes `context` is the VM's own and `home` is unused. In the reserved shape `context` is the
/// head page's copy (the code's) and `home` the VM's: the trampoline moves the registers and the
/// gas from `home` in and at the exit back, all with 8-byte moves (a host-side struct copy
/// stalls on store forwarding, and host calls pass here every time); the exit stays in the
/// head page, where the host reads it.
fn trampoline(asm: &mut Asm, exit: Label, shape: Shape, registers: &RegisterMap) -> u32 {
    let entry = asm.offset();
    for r in [RBX, RBP, R12, R13, R14, R15] {
        asm.push(r);
    }
    // Six pushes after the return address: rsp is 8 mod 16; calls need 0.
    asm.alu_imm(W::Q64, Alu::Sub, RSP, 8);
    // r15 + disp = the context (rdi): the reserved shape's r15 is the guest base above it.
    let disp = context_disp(shape);
    let pinned: Vec<(u8, R)> = registers.pairs().collect();
    let unpinned: Vec<i32> = (0..crate::REGISTER_COUNT as u8).filter(|&g| registers.get(g).is_none()).map(|g| ctx::REGS + 8 * g as i32).collect();
    asm.lea(R15, at(RDI, -disp));
    // The target moves out of rsi, which holds a guest register from here on.
    asm.mov(W::Q64, RAX, RSI);
    if shape == Shape::Reserved {
        let home = RDX;
        asm.store(W::Q64, at(R15, disp + ctx::HOME), home);
        asm.load(W::Q64, GAS_REGISTER, at(home, ctx::GAS));
        for &field in &unpinned {
            asm.load(W::Q64, RCX, at(home, field));
            asm.store(W::Q64, at(R15, disp + field), RCX);
        }
        // `home` is rdx, itself a guest register's: loaded last.
        let mut order = pinned.clone();
        order.sort_by_key(|&(_, r)| r == home);
        for (g, r) in order {
            asm.load(W::Q64, r, at(home, ctx::REGS + 8 * g as i32));
        }
    } else {
        asm.load(W::Q64, R14, at(R15, ctx::FAST0));
        for &(g, r) in &pinned {
            asm.load(W::Q64, r, at(R15, disp + ctx::REGS + 8 * g as i32));
        }
    }
    asm.jmp_reg(RAX);
    asm.bind(exit);
    if shape == Shape::Reserved {
        asm.load(W::Q64, RAX, at(R15, disp + ctx::HOME));
        for &(g, r) in &pinned {
            asm.store(W::Q64, at(RAX, ctx::REGS + 8 * g as i32), r);
        }
        asm.store(W::Q64, at(RAX, ctx::GAS), GAS_REGISTER);
        // The exit stays in the head page, where the host reads it.
        for &field in &unpinned {
            asm.load(W::Q64, RCX, at(R15, disp + field));
            asm.store(W::Q64, at(RAX, field), RCX);
        }
    } else {
        for &(g, r) in &pinned {
            asm.store(W::Q64, at(R15, disp + ctx::REGS + 8 * g as i32), r);
        }
    }
    asm.alu_imm(W::Q64, Alu::Add, RSP, 8);
    for r in [R15, R14, R13, R12, RBP, RBX] {
        asm.pop(r);
    }
    asm.ret();
    entry
}

/// The slow path of a memory access from generated code. `op`: size in the low nibble, bit 4
/// signed (loads), bit 5 store (value in `scratch`). Returns 0, or 1 after writing the exit.
unsafe extern "sysv64" fn slow_access<M: Memory>(ctx: *mut Context, addr: u32, op: u32) -> u32 {
    // SAFETY: generated code passes the context of the running `CompiledVm`, whose `memory`
    // field points at that VM's `M`, borrowed mutably for the duration of the run.
    let (ctx, memory) = unsafe { (&mut *ctx, &mut *((*ctx).memory as *mut M)) };
    let size = op & 0xF;
    let signed = op & 0x10 != 0;
    let result = if op & 0x20 != 0 {
        let v = ctx.scratch.to_le_bytes();
        match size {
            1 => memory.store::<1>(addr, [v[0]]),
            2 => memory.store::<2>(addr, [v[0], v[1]]),
            4 => memory.store::<4>(addr, [v[0], v[1], v[2], v[3]]),
            _ => memory.store::<8>(addr, v),
        }
    } else {
        let loaded = match size {
            1 => memory.load::<1>(addr).map(|b| if signed { b[0] as i8 as i64 as u64 } else { b[0] as u64 }),
            2 => memory.load::<2>(addr).map(|b| if signed { i16::from_le_bytes(b) as i64 as u64 } else { u16::from_le_bytes(b) as u64 }),
            4 => memory.load::<4>(addr).map(|b| if signed { i32::from_le_bytes(b) as i64 as u64 } else { u32::from_le_bytes(b) as u64 }),
            _ => memory.load::<8>(addr).map(u64::from_le_bytes),
        };
        loaded.map(|v| ctx.scratch = v)
    };
    match result {
        Ok(()) => 0,
        Err(MemFault::Panic) => {
            ctx.exit_kind = ExitKind::Panic as u32;
            1
        }
        Err(MemFault::PageFault(a)) => {
            ctx.exit_kind = ExitKind::PageFault as u32;
            ctx.exit_arg = a;
            1
        }
    }
}

/// `sbrk` from generated code: 0 with the old heap top in `scratch`, or 1 (no heap: panic).
unsafe extern "sysv64" fn sbrk<M: Memory>(ctx: *mut Context, n: u64) -> u32 {
    // SAFETY: as in `slow_access`.
    let (ctx, memory) = unsafe { (&mut *ctx, &mut *((*ctx).memory as *mut M)) };
    match memory.sbrk(n) {
        Some(top) => {
            ctx.scratch = top as u64;
            set_view(ctx, memory.jit_view());
            0
        }
        None => 1,
    }
}

fn shape_of(view: JitView) -> Shape {
    match view {
        JitView::PageTable(_) => Shape::PageTable,
        JitView::Linear { .. } => Shape::Linear,
        JitView::Reserved(_) => Shape::Reserved,
    }
}

fn set_view(ctx: &mut Context, view: JitView) {
    match view {
        JitView::PageTable(t) => ctx.fast0 = t as u64,
        JitView::Reserved(base) => ctx.fast0 = base as u64,
        JitView::Linear { base, len } => {
            ctx.fast0 = base as u64;
            ctx.fast1 = len as u64;
        }
    }
}

/// Writes the fields that say where things are into the head page's context (the trampoline
/// moves registers and gas itself), unless it holds them already: the same VM, not moved since
/// (`memory` is its address) and not changed since (`stamp`), handed over last. A host call
/// passes here every time.
///
/// # Safety
/// `head` points at a writable, aligned `Context`-sized area.
unsafe fn hand_over(ctx: &Context, stamp: u64, head: *mut Context, base: *mut u8, memory: *mut u8) {
    // SAFETY: the caller's contract; every field read and written is plain data inside `*head`.
    unsafe {
        if (*head).stamp == stamp && (*head).memory == memory {
            return;
        }
        std::ptr::addr_of_mut!((*head).stamp).write(stamp);
        std::ptr::addr_of_mut!((*head).fast0).write(base as u64);
        std::ptr::addr_of_mut!((*head).memory).write(memory);
        std::ptr::addr_of_mut!((*head).slow_access_fn).write(ctx.slow_access_fn);
        std::ptr::addr_of_mut!((*head).sbrk_fn).write(ctx.sbrk_fn);
        std::ptr::addr_of_mut!((*head).jump_natives).write(ctx.jump_natives);
        std::ptr::addr_of_mut!((*head).jump_len).write(ctx.jump_len);
        std::ptr::addr_of_mut!((*head).halt_address).write(ctx.halt_address);
    }
}

/// A running guest on compiled code: the interpreter's [`Vm`](crate::Vm) interface.
pub struct CompiledVm<M: Memory> {
    compiled: Arc<Compiled>,
    ctx: Box<Context>,
    pub memory: M,
    /// Where to continue, and what entering there costs (the interpreter's rules).
    cursor: Cursor,
    /// Names this VM's context as it is now, for `hand_over`: new for every VM and every change
    /// to a field the head page copies.
    stamp: u64,
    /// The trampoline's address and the records' native addresses, kept here so that a run
    /// starts without going through `compiled` (every host call starts one).
    natives: Natives,
}

/// Where a run enters the code, kept in the VM so that a run starts without going through its
/// `Compiled` (addresses in the code that `Compiled` keeps mapped).
struct Natives {
    trampoline: usize,
    code: usize,
    bodies: Arc<[u32]>,
}

/// A stamp no VM had before (never 0, which a fresh head page holds).
fn new_stamp() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl<M: Memory> CompiledVm<M> {
    /// A VM running `compiled`, which must have been compiled for a memory of `memory`'s kind.
    pub fn new(compiled: Arc<Compiled>, mut memory: M, gas: i64) -> Result<Self, CompileError> {
        if shape_of(memory.jit_view()) != compiled.shape {
            return Err(CompileError::OtherMemoryModel);
        }
        // Installed (again, if another runtime in the process replaced it) by every VM that
        // needs it.
        if compiled.shape == Shape::Reserved && !fault::install() {
            return Err(CompileError::UnsupportedHost("no fault handler for guest memory"));
        }
        let ctx = Box::new(Context {
            regs: [0; 16],
            gas,
            exit_kind: 0,
            exit_arg: 0,
            exit_pc: 0,
            resume_record: 0,
            pay: FREE,
            fast0: 0,
            fast1: 0,
            memory: std::ptr::null_mut(),
            slow_access_fn: slow_access::<M>,
            sbrk_fn: sbrk::<M>,
            jump_natives: compiled.jump_natives.as_ptr(),
            jump_len: compiled.jump_natives.len() as u64,
            scratch: 0,
            halt_address: crate::interpreter::HALT_ADDRESS as u64,
            home: std::ptr::null_mut(),
            stamp: 0,
        });
        let cursor = Cursor::new(&compiled.program);
        // `run` indexes `bodies` by the cursor's checked record index.
        assert_eq!(compiled.bodies.len(), compiled.program.ops().len(), "one body per record");
        let natives = Natives { trampoline: compiled.code.addr(compiled.entry), code: compiled.code.addr(0), bodies: compiled.bodies.clone() };
        Ok(CompiledVm { compiled, ctx, memory, cursor, stamp: new_stamp(), natives })
    }

    pub fn gas(&self) -> i64 {
        self.ctx.gas
    }

    pub fn set_gas(&mut self, gas: i64) {
        self.ctx.gas = gas;
    }

    pub fn reg(&self, i: usize) -> u64 {
        self.ctx.regs[i]
    }

    pub fn set_reg(&mut self, i: usize, value: u64) {
        assert!(i < crate::REGISTER_COUNT, "register index {i} out of range");
        self.ctx.regs[i] = value;
    }

    pub fn regs(&self) -> [u64; crate::REGISTER_COUNT] {
        let mut out = [0; crate::REGISTER_COUNT];
        out.copy_from_slice(&self.ctx.regs[..crate::REGISTER_COUNT]);
        out
    }

    /// Dynamic jumps to `address` halt; `None`: they never do (JAR).
    pub fn set_halt_address(&mut self, address: Option<u32>) {
        self.ctx.halt_address = address.map_or(u64::MAX, u64::from);
        // The head page's copy is out of date.
        self.stamp = new_stamp();
    }

    /// As [`Vm::set_pc`](crate::Vm::set_pc).
    pub fn set_pc(&mut self, pc: u32) -> bool {
        self.cursor.set_pc(&self.compiled.program, pc)
    }

    pub fn exit_pc(&self) -> u32 {
        self.cursor.exit_pc()
    }

    pub fn next_pc(&self) -> Option<u32> {
        self.cursor.next_pc(&self.compiled.program)
    }

    /// As [`Vm::run`](crate::Vm::run): runs until the guest exits; resumable exits continue
    /// where the spec says on the next call.
    pub fn run(&mut self) -> Exit {
        let exit = match self.cursor.begin(&self.compiled.program, &mut self.ctx.gas) {
            Err(exit) => exit,
            Ok(idx) => self.run_compiled(idx),
        };
        self.cursor.finish(exit)
    }

    fn run_compiled(&mut self, idx: usize) -> Exit {
        let view = self.memory.jit_view();
        let memory = &mut self.memory as *mut M as *mut u8;
        let entry = self.natives.trampoline;
        // SAFETY: `idx` is a record index (`Cursor::begin` checked it against the record count),
        // and `bodies` has one entry per record (asserted in `new`). Unchecked: a bounds check
        // here costs host calls 5%.
        let target = self.natives.code + unsafe { *self.natives.bodies.get_unchecked(idx) } as usize;
        let home: *mut Context = &mut *self.ctx;
        // The context the code uses: the VM's own, or for a reservation the head page's, where
        // the trampoline moves registers and gas in and out, and the code leaves the exit.
        let context: *mut Context = match view {
            JitView::Reserved(base) => {
                // SAFETY: the head page is the read-write, 4096-aligned page just below the guest
                // base of the memory this VM owns (borrowed for the run); it holds nothing else.
                let head = unsafe { base.sub(crate::reservation::HEAD) } as *mut Context;
                // SAFETY: as above.
                unsafe { hand_over(&self.ctx, self.stamp, head, base, memory) };
                // Faults of this VM's accesses are its slow paths while the code runs.
                fault::enter(fault::Running { sites: &self.compiled.sites, memory_start: base as usize });
                head
            }
            _ => {
                set_view(&mut self.ctx, view);
                self.ctx.memory = memory;
                home
            }
        };
        // SAFETY: `entry` is the trampoline emitted by `trampoline`, which follows the sysv64
        // convention (saves and restores every callee-saved register it uses, keeps the stack
        // aligned); `target` is a record body in the same mapping. The generated code touches
        // only the context (live for the call), guest memory through the table or region in
        // the context (the memory is borrowed mutably for the call, and its view was just
        // taken), and calls back `slow_access::<M>` / `sbrk::<M>` with that context.
        let run: unsafe extern "sysv64" fn(*mut Context, usize, *mut Context) = unsafe { std::mem::transmute(entry) };
        // SAFETY: as above; `home` is this VM's context, live and not otherwise borrowed.
        unsafe { run(context, target, home) };
        if context != home {
            fault::leave();
        }
        self.ctx.memory = std::ptr::null_mut();
        // SAFETY: `context` is this VM's context or its memory's head page (see above), live
        // and no longer written; the exit is read where the code wrote it.
        let ctx = unsafe { &*context };
        self.cursor.exit_pc = ctx.exit_pc;
        self.cursor.next = ctx.resume_record;
        self.cursor.pay = ctx.pay;
        match ctx.exit_kind {
            0 => Exit::Halt,
            1 => Exit::Trap,
            2 => Exit::Panic,
            3 => Exit::OutOfGas,
            4 => Exit::PageFault(ctx.exit_arg),
            5 => Exit::HostCall(ctx.exit_arg),
            _ => Exit::Ecall,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vm_refuses_a_memory_of_another_model() {
        use crate::{BlockRules, Code, GasCosts, LengthEncoding, LinearMemory, Numbering, PagedMemory};
        let code = Code::parse(&Code::encode(&[], &[0], &[true], LengthEncoding::Compact), LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).unwrap();
        let program = Arc::new(Predecoded::new(code, &GasCosts::PerInstruction));
        let compiled = Arc::new(Compiled::new(program, &mut PagedMemory::new()).unwrap());
        assert_eq!(CompiledVm::new(compiled.clone(), LinearMemory::new(4096, 4096), 10).err(), Some(CompileError::OtherMemoryModel));
        let mut vm = CompiledVm::new(compiled, PagedMemory::new(), 10).unwrap();
        assert!(vm.set_pc(0));
        assert_eq!(vm.run(), Exit::Trap);
        // After a final exit every run panics, as on the interpreter.
        assert_eq!(vm.run(), Exit::Panic);
    }

    /// The head page of a reserved memory keeps what the code reads of the VM between runs;
    /// a change between runs (here the halt address, after a host call) must reach the code.
    #[test]
    fn a_change_between_runs_reaches_the_code() {
        use crate::{Numbering, Opcode, OpcodeInfo, PagedMemory};
        let byte = |op: Opcode| op.byte(Numbering::Gp).unwrap();
        // ecalli 0; jump_ind r0, 0
        let (program, _) = program_of(&[vec![byte(Opcode::Ecalli), 0], vec![byte(Opcode::JumpInd), 0]], &[]);
        let compiled = Arc::new(Compiled::new(program, &mut PagedMemory::new()).unwrap());
        for halts in [true, false] {
            let mut vm = CompiledVm::new(compiled.clone(), PagedMemory::new(), 100).unwrap();
            vm.set_reg(0, u64::from(crate::interpreter::HALT_ADDRESS));
            assert!(vm.set_pc(0));
            assert_eq!(vm.run(), Exit::HostCall(0));
            if !halts {
                vm.set_halt_address(None);
            }
            // Without halting, the address is not a jump-table entry.
            assert_eq!(vm.run(), if halts { Exit::Halt } else { Exit::Panic });
        }
    }

    /// `add_64 r3, r1, r2; set_lt_u r4, r3, r1` compiles to one `add` and a `setb`; a host may
    /// still enter at the `set_lt_u` on its own (its code is laid out apart), with the same
    /// result as the interpreter.
    #[test]
    fn a_fused_add_and_carry_also_runs_from_its_second_instruction() {
        use crate::{BlockRules, Code, GasCosts, LengthEncoding, Numbering, Opcode, OpcodeInfo, PagedMemory, Vm};
        let (add, lt) = (Opcode::Add64.byte(Numbering::Gp).unwrap(), Opcode::SetLtU.byte(Numbering::Gp).unwrap());
        let bytes = [add, 0x21, 3, lt, 0x13, 4, 0];
        let code = Code::parse(&Code::encode(&[], &bytes, &[true, false, false, true, false, false, true], LengthEncoding::Compact), LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).unwrap();
        let costs = GasCosts::single_pass(&code);
        let program = Arc::new(Predecoded::new(code, &costs));
        let compiled = Arc::new(Compiled::new(program.clone(), &mut PagedMemory::new()).unwrap());
        for (pc, r1, r2, r3) in [(0, u64::MAX, 2, 0), (0, 1, 2, 0), (3, 7, 0, 5), (3, 7, 0, 9)] {
            let mut c = CompiledVm::new(compiled.clone(), PagedMemory::new(), 100).unwrap();
            let mut v = Vm::new(program.clone(), PagedMemory::new(), 100);
            for (r, x) in [(1, r1), (2, r2), (3, r3)] {
                c.set_reg(r, x);
                v.set_reg(r, x);
            }
            assert!(c.set_pc(pc) && v.set_pc(pc));
            assert_eq!((c.run(), v.run()), (Exit::Trap, Exit::Trap));
            assert_eq!(c.regs(), v.regs(), "from pc {pc}");
        }
    }

    /// A carry added straight into another register (`add_64 f, x, c` after the add and its
    /// carry `c`) is an `adc` when `c` is overwritten before anything reads it; otherwise `c` is
    /// written as before. The register values (`same_as_interpreter`) give sums that carry and
    /// sums that do not.
    #[test]
    fn carry_propagation_gives_the_interpreters_registers() {
        use crate::{Numbering, Opcode, OpcodeInfo};
        let byte = |op: Opcode| op.byte(Numbering::Gp).unwrap();
        let three = |op, rd: u8, ra: u8, rb: u8| vec![byte(op), ra | rb << 4, rd];
        let (add, lt) = (Opcode::Add64, Opcode::SetLtU);
        let programs: Vec<Vec<Vec<u8>>> = vec![
            // r5 += carry; r4 overwritten by an immediate.
            vec![three(add, 3, 1, 2), three(lt, 4, 3, 1), three(add, 5, 5, 4), vec![byte(Opcode::LoadImm), 4, 9]],
            // The other addend is the sum itself; r4 overwritten by arithmetic.
            vec![three(add, 3, 1, 2), three(lt, 4, 3, 2), three(add, 6, 4, 3), three(Opcode::Xor, 4, 1, 2)],
            // The carry goes back into the sum; r4 overwritten by a move, after other work.
            vec![three(add, 3, 1, 2), three(lt, 4, 3, 1), three(add, 3, 3, 4), three(Opcode::Mul64, 7, 1, 2), vec![byte(Opcode::MoveReg), 4 | 1 << 4]],
            // Not dead: read again before it is overwritten.
            vec![three(add, 3, 1, 2), three(lt, 4, 3, 1), three(add, 5, 5, 4), three(add, 6, 4, 4), vec![byte(Opcode::LoadImm), 4, 1]],
            // Not dead: the block ends first.
            vec![three(add, 3, 1, 2), three(lt, 4, 3, 1), three(add, 5, 5, 4)],
        ];
        same_as_interpreter(&programs);
    }

    /// A rotate written as two shifts and an `or` is one rotate and the shift whose result
    /// stays visible. The shifts come in either order, with the `or`'s operands either way
    /// round, a shift in place on `x`, the rotated value in either temporary, and with the
    /// registers in memory (r11 and r12); the last three are not rotates and must stay as they
    /// are.
    #[test]
    fn rotates_from_shifts_give_the_interpreters_registers() {
        use crate::{Numbering, Opcode, OpcodeInfo};
        let byte = |op: Opcode| op.byte(Numbering::Gp).unwrap();
        // `shlo_*_imm_64 a, b, n` (two registers and an immediate) and `or d, x, y`.
        let shift = |op, a: u8, b: u8, n: u8| vec![byte(op), a | b << 4, n];
        let or = |d: u8, x: u8, y: u8| vec![byte(Opcode::Or), x | y << 4, d];
        let (l, r) = (Opcode::ShloLImm64, Opcode::ShloRImm64);
        let programs: Vec<Vec<Vec<u8>>> = vec![
            // blake2b's shape: t = x >> 32, x <<= 32 in place, x |= t.
            vec![shift(r, 3, 1, 32), shift(l, 1, 1, 32), or(1, 1, 3)],
            // The rotated value in the right shift's register; x shifted in place.
            vec![shift(r, 3, 1, 24), shift(l, 1, 1, 40), or(3, 3, 1)],
            // The left shift first, x left alone, the `or`'s operands the other way round.
            vec![shift(l, 4, 2, 1), shift(r, 5, 2, 63), or(5, 4, 5)],
            // The left shift first, then the right shift in place on x, the rotation into it.
            vec![shift(l, 4, 2, 8), shift(r, 2, 2, 56), or(2, 2, 4)],
            // Registers without a host register (see the fillers).
            vec![shift(r, 12, 11, 16), shift(l, 11, 11, 48), or(11, 11, 12)],
            vec![shift(r, 12, 1, 7), shift(l, 11, 1, 57), or(12, 11, 12)],
            // Not rotates: amounts that do not add up to 64, the `or` into a third register, and
            // a first shift that overwrites x.
            vec![shift(r, 3, 1, 30), shift(l, 1, 1, 32), or(1, 1, 3)],
            vec![shift(r, 3, 1, 32), shift(l, 4, 1, 32), or(5, 3, 4)],
            vec![shift(r, 1, 1, 32), shift(l, 3, 1, 32), or(1, 1, 3)],
        ];
        same_as_interpreter(&programs);
    }

    /// A program of `ops`, a `trap`, then `after` (GP numbering, every instruction its own
    /// block in the encoding, gas per block), and the pcs of `ops` and the `trap`.
    fn program_of(ops: &[Vec<u8>], after: &[Vec<u8>]) -> (Arc<Predecoded>, Vec<u32>) {
        use crate::{BlockRules, Code, GasCosts, LengthEncoding, Numbering, Opcode, OpcodeInfo};
        let trap = vec![Opcode::Trap.byte(Numbering::Gp).unwrap()];
        let (mut bytes, mut starts, mut pcs) = (Vec::new(), Vec::new(), Vec::new());
        for (n, op) in ops.iter().chain([&trap]).chain(after).enumerate() {
            if n <= ops.len() {
                pcs.push(bytes.len() as u32);
            }
            starts.push(true);
            starts.extend(std::iter::repeat_n(false, op.len() - 1));
            bytes.extend(op);
        }
        let code = Code::parse(&Code::encode(&[], &bytes, &starts, LengthEncoding::Compact), LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).unwrap();
        let costs = GasCosts::single_pass(&code);
        (Arc::new(Predecoded::new(code, &costs)), pcs)
    }

    /// Runs each program (records, then a `trap`) from each of its instructions (a host may
    /// enter at any), compiled with and without BMI2, against the interpreter: same exit, same
    /// registers. After the `trap` come fillers, never run but counted by the register map, so
    /// that r0–r10 are named more often than r11 and r12, which are left without a host register.
    fn same_as_interpreter(programs: &[Vec<Vec<u8>>]) {
        use crate::{Numbering, Opcode, OpcodeInfo, PagedMemory, Vm};
        let byte = |op: Opcode| op.byte(Numbering::Gp).unwrap();
        let or = |d: u8, x: u8, y: u8| vec![byte(Opcode::Or), x | y << 4, d];
        let fillers: Vec<Vec<u8>> = (0..11u8).flat_map(|g| std::iter::repeat_n(or(g, g, g), 8)).collect();
        for (k, ops) in programs.iter().enumerate() {
            let (program, pcs) = program_of(ops, &fillers);
            for bmi2 in [true, false] {
                if bmi2 && !std::is_x86_feature_detected!("bmi2") {
                    continue;
                }
                let compiled = Arc::new(Compiled::with_bmi2(program.clone(), &mut PagedMemory::new(), bmi2).unwrap());
                for &pc in &pcs {
                    for x in [0x0123_4567_89ab_cdef, u64::MAX, 1, 1 << 63] {
                        let mut c = CompiledVm::new(compiled.clone(), PagedMemory::new(), 1000).unwrap();
                        let mut v = Vm::new(program.clone(), PagedMemory::new(), 1000);
                        for g in 0..13 {
                            let value = x.rotate_left(u32::from(g as u8) * 5) ^ g as u64;
                            c.set_reg(g, value);
                            v.set_reg(g, value);
                        }
                        assert!(c.set_pc(pc) && v.set_pc(pc));
                        assert_eq!(c.run(), v.run(), "program {k} from pc {pc}");
                        assert_eq!(c.regs(), v.regs(), "program {k} from pc {pc} with x = {x:#x}, bmi2 {bmi2}");
                    }
                }
            }
        }
    }

    /// `not` then `and` of it into the same register is one `andn` (keccak's chi step), and
    /// `and_inv` is one `andn` too; the programs after the first four are not fused (the `and`
    /// into another register, the `and` of the `not` with itself, an `xor` with something else
    /// than -1).
    #[test]
    fn and_not_gives_the_interpreters_registers() {
        use crate::{Numbering, Opcode, OpcodeInfo};
        let byte = |op: Opcode| op.byte(Numbering::Gp).unwrap();
        let not = |a: u8, b: u8| vec![byte(Opcode::XorImm), a | b << 4, 0xFF];
        let three = |op, d: u8, x: u8, y: u8| vec![byte(op), x | y << 4, d];
        let (and, and_inv) = (Opcode::And, Opcode::AndInv);
        same_as_interpreter(&[
            vec![not(5, 10), three(and, 5, 5, 11)],
            vec![not(8, 8), three(and, 8, 8, 10)],
            vec![not(5, 10), three(and, 5, 11, 5)],
            vec![not(11, 12), three(and, 11, 11, 1)],
            vec![three(and_inv, 3, 1, 2), three(and_inv, 11, 12, 1), three(and_inv, 4, 4, 4)],
            vec![not(6, 8), three(and, 2, 10, 6)],
            vec![not(5, 10), three(and, 5, 5, 5)],
            vec![vec![byte(Opcode::XorImm), 5 | 10 << 4, 7], three(and, 5, 5, 11)],
        ]);
    }

    /// A rotate with a load between its second shift and its `or` (blake2b's shape): the load
    /// goes first, and its slow path does the shifts before the memory and the `or` after. Each
    /// program runs from each instruction, on both memory shapes (faults, and inline checks),
    /// with the load's address in a page (fast), across two pages (the slow path, which
    /// succeeds on the page table), in no page (a page fault, which must show the shifts done
    /// and the `or` not) and below 64 KiB (a panic), against the interpreter. The last two
    /// programs are not fused: the load reads a temporary, or writes `x`.
    #[test]
    fn a_load_inside_a_rotate_gives_the_interpreters_state() {
        use crate::memory::Access;
        use crate::{Memory, Numbering, Opcode, OpcodeInfo, PagedMemory, Vm};
        let byte = |op: Opcode| op.byte(Numbering::Gp).unwrap();
        let shift = |op, a: u8, b: u8, n: u8| vec![byte(op), a | b << 4, n];
        let or = |d: u8, x: u8, y: u8| vec![byte(Opcode::Or), x | y << 4, d];
        let load = |op, a: u8, b: u8| vec![byte(op), a | b << 4];
        let (l, r) = (Opcode::ShloLImm64, Opcode::ShloRImm64);
        let (u64_, u8_) = (Opcode::LoadIndU64, Opcode::LoadIndU8);
        let programs: Vec<Vec<Vec<u8>>> = vec![
            vec![shift(r, 3, 1, 32), shift(l, 1, 1, 32), load(u64_, 10, 9), or(1, 1, 3)],
            vec![shift(r, 3, 1, 24), shift(l, 1, 1, 40), load(u8_, 10, 9), or(3, 3, 1)],
            vec![shift(l, 4, 2, 8), shift(r, 5, 2, 56), load(u64_, 9, 9), or(5, 4, 5)],
            vec![shift(r, 3, 1, 32), shift(l, 1, 1, 32), load(u64_, 10, 3), or(1, 1, 3)],
            vec![shift(r, 3, 1, 32), shift(l, 4, 1, 32), load(u64_, 1, 9), or(4, 4, 3)],
        ];
        let memory = |reservable: bool| {
            let mut m = PagedMemory::new();
            m.set_reservable(reservable);
            m.map(0x20000, 0x2000, Access::ReadOnly);
            m.write_bytes(0x20000, &(0..0x2000u32).map(|b| (b * 7 + 3) as u8).collect::<Vec<_>>()).unwrap();
            m
        };
        for (k, ops) in programs.iter().enumerate() {
            let (program, pcs) = program_of(ops, &[]);
            for (reservable, bmi2) in [(true, true), (true, false), (false, true), (false, false)] {
                if bmi2 && !std::is_x86_feature_detected!("bmi2") {
                    continue;
                }
                let compiled = Arc::new(Compiled::with_bmi2(program.clone(), &mut memory(reservable), bmi2).unwrap());
                for &pc in &pcs {
                    for address in [0x20010u64, 0x20ffc, 0x40000, 0x100] {
                        let mut c = CompiledVm::new(compiled.clone(), memory(reservable), 1000).unwrap();
                        let mut v = Vm::new(program.clone(), memory(reservable), 1000);
                        for g in 0..13 {
                            let value = 0x0123_4567_89ab_cdefu64.rotate_left(u32::from(g as u8) * 5) ^ g as u64;
                            c.set_reg(g, value);
                            v.set_reg(g, value);
                        }
                        for (g, value) in [(9, address), (3, address)] {
                            c.set_reg(g, value);
                            v.set_reg(g, value);
                        }
                        assert!(c.set_pc(pc) && v.set_pc(pc));
                        let what = format!("program {k} from pc {pc}, address {address:#x}, reserved {reservable}, bmi2 {bmi2}");
                        assert_eq!(c.run(), v.run(), "{what}");
                        assert_eq!(c.regs(), v.regs(), "{what}");
                    }
                }
            }
        }
    }

    #[test]
    fn context_offsets_match_the_layout() {
        let c = std::mem::MaybeUninit::<Context>::uninit();
        let base = c.as_ptr() as usize;
        // SAFETY: only field addresses are computed; nothing is read.
        let off = |p: *const u8| p as usize - base;
        unsafe {
            let p = c.as_ptr();
            assert_eq!(off(std::ptr::addr_of!((*p).regs) as *const u8), ctx::REGS as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).gas) as *const u8), ctx::GAS as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).exit_kind) as *const u8), ctx::EXIT_KIND as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).exit_arg) as *const u8), ctx::EXIT_ARG as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).exit_pc) as *const u8), ctx::EXIT_PC as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).resume_record) as *const u8), ctx::RESUME_RECORD as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).pay) as *const u8), ctx::PAY as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).fast0) as *const u8), ctx::FAST0 as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).fast1) as *const u8), ctx::FAST1 as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).slow_access_fn) as *const u8), ctx::SLOW_ACCESS_FN as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).sbrk_fn) as *const u8), ctx::SBRK_FN as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).jump_natives) as *const u8), ctx::JUMP_NATIVES as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).jump_len) as *const u8), ctx::JUMP_LEN as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).scratch) as *const u8), ctx::SCRATCH as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).halt_address) as *const u8), ctx::HALT_ADDRESS as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).home) as *const u8), ctx::HOME as usize);
            assert_eq!(off(std::ptr::addr_of!((*p).stamp) as *const u8), ctx::STAMP as usize);
        }
    }
}
