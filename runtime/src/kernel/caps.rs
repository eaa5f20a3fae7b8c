//! Capabilities, VMs and the operations on capability tables (javm's side of
//! `spec/Jar/JAVM/KernelState.lean` and `KernelOps.lean`, which define them; the kernel
//! cross-check holds the two to the same tables after every step).

use crate::outcome::Exit;

// The kernel's numbers come from the spec (`KernelState.lean`, `KernelOps.lean`), typed here.
use jarkit_spec::jar;

pub const CAP_SLOTS: usize = jar::CAP_SLOTS.0 as usize;
pub const PROTOCOL_SLOTS: usize = jar::PROTOCOL_SLOTS.0 as usize;
pub const UNTYPED_SLOT: usize = jar::UNTYPED_SLOT.0 as usize;
pub const ECALLI_SLOTS: u32 = jar::ECALLI_SLOTS.0 as u32;
pub const CREATE_SLOTS: usize = jar::CREATE_SLOTS.0 as usize;
pub const MAX_VMS: usize = jar::MAX_VMS.0 as usize;
pub const KERNEL_OP_GAS: u64 = jar::KERNEL_OP_GAS.0;
pub const VM_CALL_GAS: u64 = jar::VM_CALL_GAS.0;
pub const PAGE_GAS: u64 = jar::PAGE_GAS.0;
pub const ADDRESS_SPACE_PAGES: u64 = jar::ADDRESS_SPACE_PAGES.0;

pub const OK: u64 = jar::RESULT_OK;
pub const WHAT: u64 = jar::RESULT_WHAT;
pub const LOW: u64 = jar::RESULT_LOW;
pub const HUH: u64 = jar::RESULT_HUH;

pub const STATUS_REPLY: u64 = jar::STATUS_REPLY;
pub const STATUS_TRAP: u64 = jar::STATUS_TRAP;
pub const STATUS_PANIC: u64 = jar::STATUS_PANIC;
pub const STATUS_OUT_OF_GAS: u64 = jar::STATUS_OUT_OF_GAS;
pub const STATUS_PAGE_FAULT: u64 = jar::STATUS_PAGE_FAULT;
pub const STATUS_HALTED: u64 = jar::STATUS_HALTED;

/// `ecall` operations (φ11).
pub const OP_CALL: u64 = jar::OP_CALL.0;
pub const OP_MAP: u64 = jar::OP_MAP.0;
pub const OP_UNMAP: u64 = jar::OP_UNMAP.0;
pub const OP_SPLIT: u64 = jar::OP_SPLIT.0;
pub const OP_DROP: u64 = jar::OP_DROP.0;
pub const OP_MOVE: u64 = jar::OP_MOVE.0;
pub const OP_COPY: u64 = jar::OP_COPY.0;
pub const OP_DOWNGRADE: u64 = jar::OP_DOWNGRADE.0;
pub const OP_SET_MAX_GAS: u64 = jar::OP_SET_MAX_GAS.0;
pub const OP_RESUME: u64 = jar::OP_RESUME.0;

/// A DATA capability: `count` frames from `frame`, and where they are mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataCap {
    pub frame: u32,
    pub count: u32,
    /// The guest page of its page 0, fixed by the first MAP.
    pub base: Option<u32>,
    /// Its access, fixed by the first MAP.
    pub writable: Option<bool>,
    /// Which pages are mapped into the address space of the VM whose table holds it.
    pub mapped: Vec<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cap {
    Untyped,
    Data(DataCap),
    Code(u32),
    Handle(u32, Option<u64>),
    Callable(u32, Option<u64>),
    Protocol(u32),
}

impl Cap {
    pub fn copyable(&self) -> bool {
        matches!(self, Cap::Untyped | Cap::Code(_) | Cap::Callable(..) | Cap::Protocol(_))
    }

    /// As it arrives in another table: a DATA capability unmapped.
    pub fn unmapped(&self) -> Cap {
        match self {
            Cap::Data(d) => Cap::Data(DataCap { mapped: vec![false; d.count as usize], ..d.clone() }),
            other => other.clone(),
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum VmState {
    Idle,
    Running,
    Waiting,
    Halted,
    Faulted,
    Dropped,
}

/// A VM's 256 slots, stored sparsely by slot (most VMs hold a handful of capabilities, and
/// tens of thousands of VMs must fit in little memory).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapTable(Vec<(u8, Cap)>);

impl CapTable {
    fn find(&self, s: u32) -> Result<usize, usize> {
        self.0.binary_search_by_key(&s, |(slot, _)| u32::from(*slot))
    }

    pub fn get(&self, s: u32) -> Option<&Cap> {
        self.find(s).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, s: u32) -> Option<&mut Cap> {
        self.find(s).ok().map(|i| &mut self.0[i].1)
    }

    /// Puts `c` (or nothing) in slot `s` (< 256).
    pub fn set(&mut self, s: u32, c: Option<Cap>) {
        match (self.find(s), c) {
            (Ok(i), Some(c)) => self.0[i].1 = c,
            (Ok(i), None) => {
                self.0.remove(i);
            }
            (Err(i), Some(c)) => self.0.insert(i, (s as u8, c)),
            (Err(_), None) => {}
        }
    }

    pub fn take(&mut self, s: u32) -> Option<Cap> {
        self.find(s).ok().map(|i| self.0.remove(i).1)
    }

    /// The occupied slots in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Cap)> {
        self.0.iter().map(|(s, c)| (u32::from(*s), c))
    }
}

/// A VM: its program, capability table, registers, pc, gas and last exit (`None` before its
/// first run). Its memory is the frames its DATA capabilities map.
#[derive(Clone, Debug)]
pub struct Vm {
    pub code: u32,
    pub caps: CapTable,
    pub state: VmState,
    pub regs: [u64; 13],
    pub pc: u32,
    pub gas: u64,
    pub last: Option<Exit>,
}

impl Vm {
    pub fn fresh(code: u32, caps: CapTable, state: VmState) -> Vm {
        Vm { code, caps, state, regs: [0; 13], pc: 0, gas: 0, last: None }
    }
}

/// One CALL in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallFrame {
    pub caller: u32,
    pub callee: u32,
    /// The caller's slot whose capability went to the callee's slot 0 (0: none).
    pub ipc_slot: u8,
    /// The passed DATA capability as it was, restored when it comes back.
    pub saved: Option<DataCap>,
}

/// The capability tables of every VM, and what the table operations need.
pub struct Tables {
    pub vms: Vec<Vm>,
    /// The running VM.
    pub active: u32,
}

impl Tables {
    pub fn cap(&self, v: u32, s: u32) -> Option<&Cap> {
        self.vms[v as usize].caps.get(s)
    }

    pub fn set(&mut self, v: u32, s: u32, c: Option<Cap>) {
        self.vms[v as usize].caps.set(s, c);
    }

    fn take(&mut self, v: u32, s: u32) -> Option<Cap> {
        self.vms[v as usize].caps.take(s)
    }

    pub fn state(&self, v: u32) -> VmState {
        self.vms[v as usize].state
    }

    /// A 32-bit capability reference: slot in byte 0, up to three HANDLE hops in bytes 1–3
    /// (a 0 ends the path), each to a VM neither running, waiting nor dropped.
    pub fn resolve(&self, reference: u64) -> Option<(u32, u32)> {
        let mut v = self.active;
        let mut ended = false;
        for i in 1..4 {
            let hop = (reference >> (8 * i)) as u32 & 0xFF;
            if hop == 0 {
                ended = true;
                continue;
            }
            if ended {
                return None;
            }
            match self.cap(v, hop) {
                Some(&Cap::Handle(t, _)) if !matches!(self.state(t), VmState::Running | VmState::Waiting | VmState::Dropped) => v = t,
                _ => return None,
            }
        }
        Some((v, (reference & 0xFF) as u32))
    }

    /// Whether guest page `g` of VM `v` is mapped by a DATA capability outside slot `skip`.
    fn page_taken(&self, v: u32, skip: u32, g: u64) -> bool {
        self.vms[v as usize].caps.iter().any(|(s, c)| match c {
            Cap::Data(d) if s != skip => {
                d.base.is_some_and(|b| u64::from(b) <= g && g < u64::from(b) + u64::from(d.count) && d.mapped[(g - u64::from(b)) as usize])
            }
            _ => false,
        })
    }

    fn map(&mut self, v: u32, s: u32, base: u64, first: u64, count: u64, access: u64) -> Option<()> {
        let Some(Cap::Data(d)) = self.cap(v, s) else { return None };
        let n = u64::from(d.count);
        if access > 1 || count == 0 || first > n || count > n - first {
            return None;
        }
        let writable = access == 1;
        match d.base {
            Some(b) if u64::from(b) != base => return None,
            None if base > ADDRESS_SPACE_PAGES || n > ADDRESS_SPACE_PAGES - base => return None,
            _ => {}
        }
        if d.writable.is_some_and(|w| w != writable) {
            return None;
        }
        if (first..first + count).any(|i| self.page_taken(v, s, base + i)) {
            return None;
        }
        let Some(Cap::Data(d)) = self.vms[v as usize].caps.get_mut(s) else { return None };
        d.base = Some(base as u32);
        d.writable = Some(writable);
        d.mapped[first as usize..(first + count) as usize].fill(true);
        Some(())
    }

    fn unmap(&mut self, v: u32, s: u32, first: u64, count: u64) -> Option<()> {
        let Some(Cap::Data(d)) = self.vms[v as usize].caps.get_mut(s) else { return None };
        let n = u64::from(d.count);
        if first > n || count > n - first {
            return None;
        }
        d.mapped[first as usize..(first + count) as usize].fill(false);
        Some(())
    }

    fn split(&mut self, v: u32, s: u32, ov: u32, os: u32, cut: u64) -> Option<()> {
        let Some(Cap::Data(d)) = self.cap(v, s) else { return None };
        if cut == 0 || cut >= u64::from(d.count) || d.mapped.iter().any(|&m| m) || self.cap(ov, os).is_some() {
            return None;
        }
        let cut = cut as u32;
        let low = DataCap { count: cut, mapped: vec![false; cut as usize], ..d.clone() };
        let high = DataCap { frame: d.frame + cut, count: d.count - cut, base: d.base.map(|b| b + cut), writable: d.writable, mapped: vec![false; (d.count - cut) as usize] };
        self.set(v, s, Some(Cap::Data(low)));
        self.set(ov, os, Some(Cap::Data(high)));
        Some(())
    }

    fn drop_cap(&mut self, v: u32, s: u32) -> Option<()> {
        match self.cap(v, s)? {
            &Cap::Handle(t, _) => {
                if matches!(self.state(t), VmState::Running | VmState::Waiting) {
                    return None;
                }
                self.set(v, s, None);
                self.vms[t as usize].state = VmState::Dropped;
            }
            _ => self.set(v, s, None),
        }
        Some(())
    }

    fn move_cap(&mut self, v: u32, s: u32, ov: u32, os: u32) -> Option<()> {
        self.cap(v, s)?;
        if self.cap(ov, os).is_some() || (v == ov && s == os) {
            return None;
        }
        #[cfg(feature = "planted-bugs")]
        if crate::planted::active(crate::planted::Bug::KernelMoveCopies) && v != ov {
            let c = self.cap(v, s).cloned();
            self.set(ov, os, c.map(|c| c.unmapped()));
            return Some(());
        }
        let c = self.take(v, s)?;
        self.set(ov, os, Some(if v == ov { c } else { c.unmapped() }));
        Some(())
    }

    fn copy_cap(&mut self, v: u32, s: u32, ov: u32, os: u32) -> Option<()> {
        let c = self.cap(v, s)?;
        if !c.copyable() || self.cap(ov, os).is_some() {
            return None;
        }
        let c = c.clone();
        self.set(ov, os, Some(c));
        Some(())
    }

    fn downgrade(&mut self, v: u32, s: u32, ov: u32, os: u32) -> Option<()> {
        let &Cap::Handle(t, ceiling) = self.cap(v, s)? else { return None };
        if self.cap(ov, os).is_some() {
            return None;
        }
        self.set(ov, os, Some(Cap::Callable(t, ceiling)));
        Some(())
    }

    fn set_max_gas(&mut self, v: u32, s: u32, gas: u64) -> Option<()> {
        let &Cap::Handle(t, _) = self.cap(v, s)? else { return None };
        self.set(v, s, Some(Cap::Handle(t, Some(gas))));
        Some(())
    }

    /// The table operation `op` on `subject` and `object` with φ7 … φ10 in `r`; `None` is WHAT
    /// (and nothing changed). CALL and RESUME are the kernel's.
    pub fn manage(&mut self, op: u64, subject: u64, object: u64, r: [u64; 4]) -> Option<()> {
        let (v, s) = self.resolve(subject)?;
        match op {
            OP_MAP => return self.map(v, s, r[0], r[1], r[2], r[3]),
            OP_UNMAP => return self.unmap(v, s, r[0], r[1]),
            OP_DROP => return self.drop_cap(v, s),
            OP_SET_MAX_GAS => return self.set_max_gas(v, s, r[0]),
            _ => {}
        }
        let (ov, os) = self.resolve(object)?;
        match op {
            OP_SPLIT => self.split(v, s, ov, os, r[0]),
            OP_MOVE => self.move_cap(v, s, ov, os),
            OP_COPY => self.copy_cap(v, s, ov, os),
            OP_DOWNGRADE => self.downgrade(v, s, ov, os),
            _ => None,
        }
    }
}
