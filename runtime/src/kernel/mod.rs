//! jar1's capability kernel in javm: many VMs in one invocation, each running on the interpreter
//! or the recompiler, with pages shared by mapping and never copied. The semantics are the
//! spec's (`spec/Jar/JAVM/Kernel*.lean`, where each rule is explained); jarkit's kernel
//! cross-check runs both on random multi-VM programs and compares every VM, table and frame.
//!
//! Memory: one [`Frames`] store per invocation holds every page. A VM's address space is a page
//! table whose entries point into the store ([`PagedMemory::map_external`]), built when the VM
//! runs, so MAP, MOVE and passing a DATA capability change table entries, never bytes. A CODE
//! capability is predecoded once (and compiled once) however many VMs run it; a VM that is not
//! running is its registers and capability table only.

pub mod caps;
pub mod frames;

use std::sync::Arc;

use crate::gas::GasCosts;
use crate::interpreter::predecode::Predecoded;
use crate::machine::{Engine, Machine};
use crate::manifest::{Capability, InitAccess, Manifest};
use crate::memory::{Access, PagedMemory};
use crate::outcome::Exit;
use caps::*;
pub use caps::{Cap, CallFrame, DataCap, Vm, VmState};
pub use frames::Frames;

/// How an invocation stops.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum KernelExit {
    Halt(u64),
    Panic,
    OutOfGas,
    PageFault(u32),
    /// A protocol capability was called: the host reads the caller's registers and answers
    /// with [`Kernel::answer`].
    ProtocolCall(u32),
}

/// Why an invocation could not be set up (a host failure, not a guest outcome).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelError {
    /// The system would not give the frames of the manifest's page budget.
    NoMemory(u32),
    /// The recompiler cannot take a program.
    Engine(String),
}

impl std::fmt::Display for KernelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KernelError::NoMemory(pages) => write!(f, "cannot allocate the invocation's {pages} pages"),
            KernelError::Engine(e) => write!(f, "{e}"),
        }
    }
}

/// A program as the kernel runs it: predecoded once, compiled once.
struct CodeCap {
    program: Arc<Predecoded>,
    #[cfg(all(target_arch = "x86_64", unix))]
    compiled: Option<Arc<crate::compiler::Compiled>>,
}

/// One invocation of a manifest.
pub struct Kernel {
    pub tables: Tables,
    codes: Vec<CodeCap>,
    pub frames: Frames,
    pub untyped_next: u32,
    pub untyped_total: u32,
    pub calls: Vec<CallFrame>,
    engine: Engine,
}

/// What a kernel step leads to.
enum Step {
    Next,
    Stop(KernelExit),
}

impl Kernel {
    /// Sets up an invocation of `m` (as `kernelInit`): `Ok(Err(exit))` when it ends before its
    /// first instruction (too little gas for its pages, arguments that do not fit).
    pub fn new(m: &Manifest, args: &[u8], op: u64, gas: u64, engine: Engine) -> Result<Result<Kernel, KernelExit>, KernelError> {
        let mut table = CapTable::default();
        for s in 1..=PROTOCOL_SLOTS as u32 {
            table.set(s, Some(Cap::Protocol(s)));
        }
        let mut codes = Vec::new();
        let mut next = 0u32;
        let mut root = None;
        let mut ipc = None;
        let mut inits: Vec<(u32, &[u8])> = Vec::new();
        for c in &m.caps {
            match c {
                Capability::Code { slot, code } => {
                    if *slot == m.invoke {
                        root = Some(codes.len() as u32);
                    }
                    table.set((*slot).into(), Some(Cap::Code(codes.len() as u32)));
                    let program = Arc::new(Predecoded::new(code.clone(), &GasCosts::single_pass(code)));
                    codes.push(CodeCap {
                        program,
                        #[cfg(all(target_arch = "x86_64", unix))]
                        compiled: None,
                    });
                }
                Capability::Data { slot, base_page, page_count, access, init } => {
                    if *slot == 0 {
                        ipc = Some((*base_page, *page_count, next));
                    }
                    let d = DataCap { frame: next, count: *page_count, base: Some(*base_page), writable: Some(*access == InitAccess::ReadWrite), mapped: vec![true; *page_count as usize] };
                    table.set((*slot).into(), Some(Cap::Data(d)));
                    inits.push((next, init));
                    next += page_count;
                }
            }
        }
        let Some(root) = root else { return Ok(Err(KernelExit::Panic)) };
        if next > m.memory_pages {
            return Ok(Err(KernelExit::Panic));
        }
        let init_gas = u64::from(next) * PAGE_GAS;
        if gas < init_gas {
            return Ok(Err(KernelExit::OutOfGas));
        }
        if m.memory_pages > 0 {
            table.set(UNTYPED_SLOT as u32, Some(Cap::Untyped));
        }
        let (arg_address, arg_frame) = match ipc {
            Some((base, pages, frame)) => {
                if args.len() as u64 > u64::from(pages) * 4096 {
                    return Ok(Err(KernelExit::Panic));
                }
                (u64::from(base) * 4096, frame)
            }
            None if !args.is_empty() => return Ok(Err(KernelExit::Panic)),
            None => (0, 0),
        };
        let mut frames = Frames::new(m.memory_pages).ok_or(KernelError::NoMemory(m.memory_pages))?;
        for (frame, init) in inits {
            frames.write(frame, init);
        }
        frames.write(arg_frame, args);
        let mut vm = Vm::fresh(root, table, VmState::Running);
        vm.regs[7] = op;
        vm.regs[8] = arg_address;
        vm.regs[9] = args.len() as u64;
        vm.gas = gas - init_gas;
        Ok(Ok(Kernel {
            tables: Tables { vms: vec![vm], active: 0 },
            codes,
            frames,
            untyped_next: next,
            untyped_total: m.memory_pages,
            calls: Vec::new(),
            engine,
        }))
    }

    pub fn vms(&self) -> &[Vm] {
        &self.tables.vms
    }

    pub fn active(&self) -> u32 {
        self.tables.active
    }

    /// Runs until the root VM ends or a protocol capability is called.
    pub fn run(&mut self) -> Result<KernelExit, KernelError> {
        loop {
            if let Step::Stop(e) = self.step()? {
                return Ok(e);
            }
        }
    }

    /// Answers a protocol call (φ7, φ8 of the calling VM) and runs on.
    pub fn answer(&mut self, r7: u64, r8: u64) -> Result<KernelExit, KernelError> {
        let v = self.tables.active as usize;
        self.tables.vms[v].regs[7] = r7;
        self.tables.vms[v].regs[8] = r8;
        self.run()
    }

    /// Writes `bytes` into the DATA capability in slot `s` of VM `v`, from its first byte: how a
    /// host hands data to a guest (one copy, into frames the guest maps or passes on). `None` if
    /// the slot holds no DATA capability or the bytes do not fit it. No VM runs meanwhile.
    pub fn write_data(&mut self, v: u32, s: u32, bytes: &[u8]) -> Option<()> {
        if v as usize >= self.tables.vms.len() {
            return None;
        }
        let Some(Cap::Data(d)) = self.tables.cap(v, s) else { return None };
        if bytes.len() as u64 > u64::from(d.count) * 4096 {
            return None;
        }
        let first = d.frame;
        self.frames.write(first, bytes);
        Some(())
    }

    fn vm(&mut self, v: u32) -> &mut Vm {
        &mut self.tables.vms[v as usize]
    }

    /// VM `v`'s address space: its mapped DATA pages, pointing into the frames.
    fn memory_of(&self, v: u32) -> PagedMemory {
        let mut memory = PagedMemory::new();
        // Frames are shared, never moved into a reservation; one table shape for every VM
        // also lets a CODE capability's compiled code serve them all.
        memory.set_reservable(false);
        for d in self.tables.vms[v as usize].caps.iter().filter_map(|(_, c)| if let Cap::Data(d) = c { Some(d) } else { None }) {
            let (Some(base), Some(writable)) = (d.base, d.writable) else { continue };
            let access = if writable { Access::ReadWrite } else { Access::ReadOnly };
            for (i, _) in d.mapped.iter().enumerate().filter(|(_, m)| **m) {
                // SAFETY: frames of this invocation are 4096-aligned and live as long as the
                // kernel, which drops the memory before it runs another VM; a frame is mapped
                // by at most one VM (DATA capabilities are move-only and lose their mapping
                // when they change table), and the host touches frames only between runs.
                unsafe { memory.map_external(base + i as u32, self.frames.frame(d.frame + i as u32), access) };
            }
        }
        memory
    }

    /// A machine for VM `v` on the kernel's engine, at the pc and gas its last exit calls for
    /// (as the spec's `resume`: after a kernel call the next instruction, paying for it; after a
    /// page fault the same one, not paying again; after running out of gas the same one).
    fn machine(&mut self, v: u32) -> Result<Option<Box<dyn Machine<Mem = PagedMemory>>>, KernelError> {
        let vm = &self.tables.vms[v as usize];
        let (code, regs, last) = (vm.code as usize, vm.regs, vm.last);
        let program = self.codes[code].program.clone();
        let mut pc = vm.pc;
        let mut gas = vm.gas;
        match last {
            None | Some(Exit::OutOfGas) => {}
            Some(Exit::HostCall(_) | Exit::Ecall) => {
                pc = pc + 1 + program.code().skip(pc);
                // ecalli and ecall end basic blocks in jar1: the next instruction starts one, and
                // its charge is the block's, which a fresh machine charges on entry.
            }
            Some(Exit::PageFault(_)) => {
                if let Some(idx) = program.index_of(pc) {
                    gas = gas.saturating_add(u64::from(program.entry_charge(idx)));
                }
            }
            Some(_) => return Ok(None),
        }
        let memory = self.memory_of(v);
        let gas = i64::try_from(gas).unwrap_or(i64::MAX);
        let mut m: Box<dyn Machine<Mem = PagedMemory>> = match self.engine {
            #[cfg(all(target_arch = "x86_64", unix))]
            Engine::Compiler => {
                use crate::compiler::{Compiled, CompiledVm};
                let mut memory = memory;
                let compiled = match &self.codes[code].compiled {
                    Some(c) => c.clone(),
                    None => {
                        let c = Arc::new(Compiled::new(program, &mut memory).map_err(|e| KernelError::Engine(e.to_string()))?);
                        self.codes[code].compiled = Some(c.clone());
                        c
                    }
                };
                Box::new(CompiledVm::new(compiled, memory, gas).map_err(|e| KernelError::Engine(e.to_string()))?)
            }
            _ => Box::new(crate::interpreter::Vm::new(program, memory, gas)),
        };
        for (i, r) in regs.iter().enumerate() {
            m.set_reg(i, *r);
        }
        Ok(if m.set_pc(pc) { Some(m) } else { None })
    }

    /// Runs the active VM to its next exit and acts on it.
    fn step(&mut self) -> Result<Step, KernelError> {
        let v = self.tables.active;
        let (exit, pc, regs, gas) = match self.machine(v)? {
            Some(mut m) => {
                let exit = m.run();
                (exit, m.exit_pc(), m.regs(), m.gas().max(0) as u64)
            }
            // A resumption past the code: the spec's first step there panics.
            None => (Exit::Panic, self.tables.vms[v as usize].pc, self.tables.vms[v as usize].regs, self.tables.vms[v as usize].gas),
        };
        let vm = self.vm(v);
        vm.regs = regs;
        vm.pc = pc;
        vm.gas = gas;
        vm.last = Some(exit);
        Ok(match exit {
            Exit::HostCall(imm) => self.ecalli(v, imm),
            Exit::Ecall => self.ecall(v),
            e => self.end_vm(v, e),
        })
    }

    fn answer_what(&mut self, v: u32) -> Step {
        self.vm(v).regs[7] = WHAT;
        Step::Next
    }

    /// Charges `c` to VM `v`; false if it has less.
    fn charge(&mut self, v: u32, c: u64) -> bool {
        let vm = self.vm(v);
        if vm.gas < c {
            return false;
        }
        vm.gas -= c;
        true
    }

    fn fail(&mut self, v: u32, e: Exit) -> Step {
        self.vm(v).last = Some(e);
        self.end_vm(v, e)
    }

    fn end_vm(&mut self, v: u32, e: Exit) -> Step {
        let Some(frame) = self.calls.pop() else {
            return Step::Stop(match e {
                Exit::Halt => KernelExit::Halt(self.tables.vms[v as usize].regs[7]),
                Exit::OutOfGas => KernelExit::OutOfGas,
                Exit::PageFault(a) => KernelExit::PageFault(a),
                _ => KernelExit::Panic,
            });
        };
        let child_r7 = self.tables.vms[v as usize].regs[7];
        let (status, value, state) = match e {
            Exit::Trap => (STATUS_TRAP, child_r7, VmState::Faulted),
            Exit::OutOfGas => (STATUS_OUT_OF_GAS, LOW, VmState::Faulted),
            Exit::PageFault(a) => (STATUS_PAGE_FAULT, u64::from(a), VmState::Faulted),
            Exit::Halt => (STATUS_HALTED, child_r7, VmState::Halted),
            _ => (STATUS_PANIC, HUH, VmState::Faulted),
        };
        self.return_to(frame.caller, v, state, value, status);
        Step::Next
    }

    /// Callee `v` leaves the stack in `state`; its gas goes back to `caller`, which runs on
    /// with φ7 = `value`, φ8 = `status`.
    fn return_to(&mut self, caller: u32, v: u32, state: VmState, value: u64, status: u64) {
        let gas = std::mem::take(&mut self.vm(v).gas);
        self.vm(v).state = state;
        let c = self.vm(caller);
        c.gas += gas;
        c.state = VmState::Running;
        c.regs[7] = value;
        c.regs[8] = status;
        self.tables.active = caller;
    }

    fn reply(&mut self, v: u32) -> Step {
        let Some(frame) = self.calls.pop() else {
            return Step::Stop(KernelExit::Halt(self.tables.vms[v as usize].regs[7]));
        };
        if frame.ipc_slot != 0 {
            if let Some(c) = self.vm(v).caps.take(0) {
                let arriving = match (&c, &frame.saved) {
                    (Cap::Data(d), Some(sd)) if d.frame == sd.frame && d.count == sd.count => Cap::Data(sd.clone()),
                    _ => c.unmapped(),
                };
                self.tables.set(frame.caller, frame.ipc_slot.into(), Some(arriving));
            }
        }
        let r7 = self.tables.vms[v as usize].regs[7];
        #[cfg(feature = "planted-bugs")]
        if crate::planted::active(crate::planted::Bug::KernelReplyGas) {
            self.vm(v).gas = self.tables.vms[v as usize].gas.saturating_sub(1);
        }
        self.return_to(frame.caller, v, VmState::Idle, r7, STATUS_REPLY);
        Step::Next
    }

    /// Runs `t` for the running VM `v` with gas up to `ceiling`, passing the capability in
    /// `v`'s slot `pass_from` (0: none) to `t`'s slot 0.
    fn enter(&mut self, v: u32, t: u32, ceiling: Option<u64>, pass_from: u8) {
        let gas = self.tables.vms[v as usize].gas;
        let given = ceiling.map_or(gas, |c| gas.min(c));
        let passed = if pass_from == 0 { None } else { self.vm(v).caps.take(pass_from.into()) };
        let (ipc_slot, saved) = match passed {
            None => (0, None),
            Some(c) => {
                let saved = if let Cap::Data(d) = &c { Some(d.clone()) } else { None };
                self.vm(t).caps.set(0, Some(c.unmapped()));
                (pass_from, saved)
            }
        };
        let caller = self.vm(v);
        caller.gas = gas - given;
        caller.state = VmState::Waiting;
        let callee = self.vm(t);
        callee.gas = given;
        callee.state = VmState::Running;
        self.calls.push(CallFrame { caller: v, callee: t, ipc_slot, saved });
        self.tables.active = t;
    }

    fn call_vm(&mut self, v: u32, t: u32, ceiling: Option<u64>) -> Step {
        if t as usize >= self.tables.vms.len() || self.tables.state(t) != VmState::Idle {
            return self.answer_what(v);
        }
        if !self.charge(v, VM_CALL_GAS) {
            return self.fail(v, Exit::OutOfGas);
        }
        let args: [u64; 4] = self.tables.vms[v as usize].regs[7..11].try_into().expect("four registers");
        self.vm(t).regs[7..11].copy_from_slice(&args);
        let pass_from = self.tables.vms[v as usize].regs[12] as u8;
        self.enter(v, t, ceiling, pass_from);
        Step::Next
    }

    fn resume_vm(&mut self, v: u32, s: u32) -> Step {
        let Some(&Cap::Handle(t, ceiling)) = self.tables.cap(v, s) else { return self.answer_what(v) };
        let resumable = matches!(self.tables.vms[t as usize].last, Some(Exit::PageFault(_) | Exit::OutOfGas));
        if self.tables.state(t) != VmState::Faulted || !resumable {
            return self.answer_what(v);
        }
        if !self.charge(v, VM_CALL_GAS) {
            return self.fail(v, Exit::OutOfGas);
        }
        self.enter(v, t, ceiling, 0);
        Step::Next
    }

    fn create(&mut self, v: u32, code: u32) -> Step {
        let regs = self.tables.vms[v as usize].regs;
        let Some((dv, ds)) = self.tables.resolve(regs[12] & 0xFFFF_FFFF) else { return self.answer_what(v) };
        if self.tables.cap(dv, ds).is_some() || self.tables.vms.len() >= MAX_VMS {
            return self.answer_what(v);
        }
        let chosen = |(i, _): &(u32, &Cap)| (*i as usize) < CREATE_SLOTS && regs[7] >> i & 1 == 1;
        if self.tables.vms[v as usize].caps.iter().filter(chosen).any(|(_, c)| !c.copyable()) {
            return self.answer_what(v);
        }
        let mut table = CapTable::default();
        for (i, c) in self.tables.vms[v as usize].caps.iter().filter(chosen) {
            table.set(i, Some(c.clone()));
        }
        let child = self.tables.vms.len() as u32;
        self.tables.vms.push(Vm::fresh(code, table, VmState::Idle));
        self.tables.set(dv, ds, Some(Cap::Handle(child, None)));
        self.vm(v).regs[7] = ds.into();
        Step::Next
    }

    fn retype(&mut self, v: u32) -> Step {
        let regs = self.tables.vms[v as usize].regs;
        let n = regs[7];
        if n == 0 || n > u64::from(self.untyped_total - self.untyped_next) {
            return self.answer_what(v);
        }
        if !self.charge(v, VM_CALL_GAS + n * PAGE_GAS) {
            return self.fail(v, Exit::OutOfGas);
        }
        let frame = self.untyped_next;
        self.untyped_next += n as u32;
        match self.tables.resolve(regs[12] & 0xFFFF_FFFF) {
            Some((dv, ds)) if self.tables.cap(dv, ds).is_none() => {
                let d = DataCap { frame, count: n as u32, base: None, writable: None, mapped: vec![false; n as usize] };
                self.tables.set(dv, ds, Some(Cap::Data(d)));
                self.vm(v).regs[7] = ds.into();
                Step::Next
            }
            _ => self.answer_what(v),
        }
    }

    fn call_cap(&mut self, v: u32, c: Option<Cap>) -> Step {
        match c {
            None | Some(Cap::Data(_)) => self.answer_what(v),
            Some(Cap::Untyped) => self.retype(v),
            Some(Cap::Code(id)) => self.create(v, id),
            Some(Cap::Handle(t, ceiling) | Cap::Callable(t, ceiling)) => self.call_vm(v, t, ceiling),
            Some(Cap::Protocol(id)) => Step::Stop(KernelExit::ProtocolCall(id)),
        }
    }

    fn ecalli(&mut self, v: u32, imm: u32) -> Step {
        if !self.charge(v, KERNEL_OP_GAS) {
            return self.fail(v, Exit::OutOfGas);
        }
        if imm >= ECALLI_SLOTS {
            return self.fail(v, Exit::Panic);
        }
        if imm == 0 {
            return self.reply(v);
        }
        let c = self.tables.cap(v, imm).cloned();
        self.call_cap(v, c)
    }

    fn ecall(&mut self, v: u32) -> Step {
        if !self.charge(v, KERNEL_OP_GAS) {
            return self.fail(v, Exit::OutOfGas);
        }
        let regs = self.tables.vms[v as usize].regs;
        let (op, subject, object) = (regs[11], regs[12] >> 32, regs[12] & 0xFFFF_FFFF);
        match op {
            OP_CALL => match self.tables.resolve(subject) {
                None => self.answer_what(v),
                Some((sv, 0)) if sv == v => self.reply(v),
                Some((sv, ss)) => {
                    let c = self.tables.cap(sv, ss).cloned();
                    if sv != v && !matches!(c, Some(Cap::Protocol(_))) {
                        self.answer_what(v)
                    } else {
                        self.call_cap(v, c)
                    }
                }
            },
            OP_RESUME if subject >= CAP_SLOTS as u64 => self.answer_what(v),
            OP_RESUME => self.resume_vm(v, subject as u32),
            _ => {
                let answer = match self.tables.manage(op, subject, object, [regs[7], regs[8], regs[9], regs[10]]) {
                    Some(()) => OK,
                    None => WHAT,
                };
                self.vm(v).regs[7] = answer;
                Step::Next
            }
        }
    }
}
