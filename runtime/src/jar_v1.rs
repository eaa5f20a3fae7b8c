//! The JAR v1 program blob and the linear memory layout (jar080).
//!
//! Header, 33 bytes, little-endian: `"JAR\x01"`, then u32 RO size, u32 RW size, u32 heap pages,
//! u32 maximum heap pages, u32 stack pages, u32 jump-table length, u8 jump-table entry size, u32
//! code length. Then: RO data ‖ RW data ‖ jump table ‖ code ‖ packed bitmask.
//!
//! Memory is one read-write region from address 0 with no guard zone, in this order: the stack
//! `[0, s)` (φ₁ = s), RO data, RW data, the arguments, the heap; each part starts on a page.
//! Addresses past the heap are inaccessible (the heap can grow to the maximum by host call).
//! φ₀ = 0xFFFF0000, φ₇ = the arguments' address, φ₈ = their length.
//!
//! The heap grows by host call ([`grow_heap`]; jar080 has no `sbrk`).

use crate::error::LoadError;
use crate::machine::Machine;
use crate::memory::{LinearMemory, Memory};
use crate::program::{BlockRules, Code, LengthEncoding};
use crate::reader::Reader;
use crate::Numbering;

const PAGE: u64 = 4096;
const MAGIC: &[u8; 4] = b"JAR\x01";

fn page_round(x: u64) -> u64 {
    x.div_ceil(PAGE) * PAGE
}

/// A parsed JAR v1 program.
#[derive(Clone, Debug)]
pub struct JarV1Program {
    pub ro_data: Vec<u8>,
    pub rw_data: Vec<u8>,
    pub heap_pages: u32,
    pub max_heap_pages: u32,
    pub stack_pages: u32,
    pub code: Code,
}

/// The initial state of a JAR v1 program.
pub struct LinearInstance {
    pub memory: LinearMemory,
    pub regs: [u64; 13],
}

impl JarV1Program {
    pub fn parse(bytes: &[u8], rules: BlockRules) -> Result<JarV1Program, LoadError> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != MAGIC {
            return Err(LoadError::BadField { what: "magic", offset: 0, value: 0, rule: "a JAR v1 blob starts with \"JAR\\x01\"" });
        }
        let mut field = |what| r.le(4, what).map(|v| v as u32);
        let ro_len = field("RO size")?;
        let rw_len = field("RW size")?;
        let heap_pages = field("heap pages")?;
        let max_heap_pages = field("maximum heap pages")?;
        let stack_pages = field("stack pages")?;
        let jump_len = field("jump table length")?;
        let at = r.position();
        let entry = r.u8("jump table entry size")?;
        let code_len = r.le(4, "code length")?;
        if entry > 4 || (jump_len > 0 && entry == 0) {
            return Err(LoadError::BadField { what: "jump table entry size", offset: at, value: entry.into(), rule: "must be 1 to 4 (0 only with an empty table)" });
        }
        if max_heap_pages < heap_pages {
            return Err(LoadError::BadField { what: "maximum heap pages", offset: 20, value: max_heap_pages.into(), rule: "must be at least the heap pages" });
        }
        let ro_data = r.take(ro_len as usize, "RO data")?.to_vec();
        let rw_data = r.take(rw_len as usize, "RW data")?.to_vec();
        // The rest is a code blob without its length header: re-frame it for the common parser.
        let table_bytes = jump_len as u64 * u64::from(entry);
        let needed = table_bytes + code_len + code_len.div_ceil(8);
        if needed != r.remaining() as u64 {
            return Err(LoadError::BadField { what: "code section", offset: r.position(), value: r.remaining() as u64, rule: "jump table, code and bitmask must fill the rest of the blob exactly" });
        }
        let mut blob = Vec::with_capacity(r.remaining() + 16);
        blob.extend_from_slice(&jump_len.to_le_bytes());
        blob.push(entry);
        blob.extend_from_slice(&(code_len as u32).to_le_bytes());
        blob.extend_from_slice(r.take(r.remaining(), "code")?);
        let code = Code::parse(&blob, LengthEncoding::U32, Numbering::Gp, rules)?;
        let p = JarV1Program { ro_data, rw_data, heap_pages, max_heap_pages, stack_pages, code };
        p.layout(0)?;
        Ok(p)
    }

    /// (stack end, RO base, RW base, args base, heap base, heap end, maximum end).
    fn layout(&self, args_len: usize) -> Result<[u64; 7], LoadError> {
        let stack = u64::from(self.stack_pages) * PAGE;
        let ro = stack;
        let rw = ro + page_round(self.ro_data.len() as u64);
        let args = rw + page_round(self.rw_data.len() as u64);
        let heap = args + page_round(args_len as u64);
        let end = heap + u64::from(self.heap_pages) * PAGE;
        let max_end = heap + u64::from(self.max_heap_pages) * PAGE;
        if max_end > 1 << 32 {
            return Err(LoadError::LayoutTooLarge { what: "stack, data, arguments and maximum heap exceed the 32-bit address space" });
        }
        Ok([stack, ro, rw, args, heap, end, max_end])
    }

    pub fn instantiate(&self, args: &[u8]) -> Result<LinearInstance, LoadError> {
        let [stack, ro, rw, args_base, _heap, end, max_end] = self.layout(args.len())?;
        let mut memory = LinearMemory::new(end as u32, max_end.min(u32::MAX as u64) as u32);
        let fits = |r: Result<(), _>| r.map_err(|_| LoadError::LayoutTooLarge { what: "data does not fit its region" });
        fits(memory.write_bytes(ro as u32, &self.ro_data))?;
        fits(memory.write_bytes(rw as u32, &self.rw_data))?;
        fits(memory.write_bytes(args_base as u32, args))?;
        let mut regs = [0u64; 13];
        regs[0] = 0xFFFF_0000;
        regs[1] = stack;
        regs[7] = args_base;
        regs[8] = args.len() as u64;
        Ok(LinearInstance { memory, regs })
    }

    /// Encodes a JAR v1 blob from its parts (`code` as jump table entries, code bytes and
    /// instruction starts).
    #[allow(clippy::too_many_arguments)] // one argument per header field, as in the format
    pub fn encode(ro: &[u8], rw: &[u8], heap_pages: u32, max_heap_pages: u32, stack_pages: u32, jump_table: &[u32], code: &[u8], starts: &[bool]) -> Vec<u8> {
        let framed = Code::encode(jump_table, code, starts, LengthEncoding::U32);
        // `framed` is E4(|j|) ‖ z ‖ E4(|c|) ‖ rest.
        let entry = framed[4];
        let mut out = MAGIC.to_vec();
        for v in [ro.len() as u32, rw.len() as u32, heap_pages, max_heap_pages, stack_pages, jump_table.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.push(entry);
        out.extend_from_slice(&(code.len() as u32).to_le_bytes());
        out.extend_from_slice(ro);
        out.extend_from_slice(rw);
        out.extend_from_slice(&framed[9..]);
        out
    }
}

/// The host-call id of heap growth under jar080's host interface (`flatGrowHeap`); the rule is
/// in the spec (`spec/Jar/JAVM/Memory.lean`), and these are its generated constants.
pub const GROW_HEAP_ID: u32 = jarkit_spec::jar::GROW_HEAP_ID.0 as u32;
/// Gas per page the heap grows by.
pub const GROW_HEAP_GAS_PER_PAGE: i64 = jarkit_spec::jar::GROW_HEAP_GAS_PER_PAGE.0 as i64;
/// φ₇ after a request that cannot be met (past the blob's maximum heap).
pub const GROW_HEAP_FAILED: u64 = jarkit_spec::jar::GROW_HEAP_FAILED;

/// What serving a host call left the guest to do.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum HostOutcome {
    /// Resume the guest (`Vm::run`).
    Continue,
    /// The guest cannot pay: it stops with out-of-gas.
    OutOfGas,
}

/// Serves `grow_heap` for a guest stopped at `ecalli GROW_HEAP_ID`: φ₇ is the number of pages to
/// add. The request costs [`GROW_HEAP_GAS_PER_PAGE`] per page, paid up front (a request the guest
/// cannot pay stops it with out-of-gas and changes nothing). Then, if the region stays within the
/// blob's maximum heap, it grows by that many zeroed pages and φ₇ becomes the address of the
/// first new page (the old end of memory); otherwise memory is unchanged and φ₇ becomes
/// [`GROW_HEAP_FAILED`]. Zero pages asks for the current end, for free.
pub fn grow_heap(vm: &mut (impl Machine<Mem = LinearMemory> + ?Sized)) -> HostOutcome {
    let pages = vm.reg(7);
    let cost = i64::try_from(pages).ok().and_then(|p| p.checked_mul(GROW_HEAP_GAS_PER_PAGE));
    match cost {
        Some(c) if c <= vm.gas() => vm.set_gas(vm.gas() - c),
        _ => return HostOutcome::OutOfGas,
    }
    let old_end = vm.memory().len();
    let grown = u32::try_from(pages).is_ok_and(|p| vm.memory_mut().grow(p));
    vm.set_reg(7, if grown { u64::from(old_end) } else { GROW_HEAP_FAILED });
    HostOutcome::Continue
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vm;

    fn sample() -> Vec<u8> {
        // `jump_ind φ0` (halt).
        JarV1Program::encode(&[1, 2], &[3; 5000], 1, 4, 2, &[], &[50, 0], &[true, false])
    }

    #[test]
    fn the_linear_layout_starts_with_the_stack() {
        let p = JarV1Program::parse(&sample(), BlockRules::JAR).unwrap();
        let i = p.instantiate(b"in").unwrap();
        assert_eq!(i.regs[1], 2 * 4096);
        let m = &i.memory;
        assert_eq!(m.read_bytes(0, 1), Some(vec![0]), "address 0 is ordinary memory");
        assert_eq!(m.read_bytes(8192, 2), Some(vec![1, 2]));
        assert_eq!(m.read_bytes(8192 + 4096, 1), Some(vec![3]));
        assert_eq!(i.regs[7], 8192 + 4096 + 8192);
        assert_eq!(m.read_bytes(i.regs[7] as u32, 2), Some(b"in".to_vec()));
        // Stack, RO, RW (two pages), args, one heap page.
        assert_eq!(m.len(), (2 + 1 + 2 + 1 + 1) * 4096);
        assert_eq!(m.max_len, (2 + 1 + 2 + 1 + 4) * 4096);
    }

    #[test]
    fn malformed_blobs_are_errors() {
        let good = sample();
        for cut in 0..good.len() {
            assert!(JarV1Program::parse(&good[..cut], BlockRules::JAR).is_err(), "prefix of {cut} bytes");
        }
        let mut bad_magic = good.clone();
        bad_magic[3] = 2;
        assert!(JarV1Program::parse(&bad_magic, BlockRules::JAR).is_err());
        let mut long = good.clone();
        long.push(0);
        assert!(JarV1Program::parse(&long, BlockRules::JAR).is_err());
        let huge = JarV1Program::encode(&[], &[], 0, u32::MAX, 0, &[], &[50, 0], &[true, false]);
        assert!(matches!(JarV1Program::parse(&huge, BlockRules::JAR), Err(LoadError::LayoutTooLarge { .. })));
    }

    /// `ecalli 0` (grow the heap by φ₇ pages), store φ₇'s low byte at the address it returns,
    /// halt: run under jar080's rules with `grow_heap` serving the call.
    fn grow_and_store(pages: u64, gas: i64) -> (crate::Exit, Vm<LinearMemory>) {
        use crate::{GasCosts, Predecoded};
        use std::sync::Arc;
        let blob = JarV1Program::encode(&[], &[], 1, 3, 1, &[], &[10, 0, 120, 0x77, 50, 0], &[true, false, true, false, true, false]);
        let p = JarV1Program::parse(&blob, BlockRules::JAR).unwrap();
        let i = p.instantiate(&[]).unwrap();
        let mut vm = Vm::new(Arc::new(Predecoded::new(p.code.clone(), &GasCosts::PerInstruction)), i.memory, gas);
        for (r, v) in i.regs.iter().enumerate() {
            vm.set_reg(r, *v);
        }
        vm.set_reg(7, pages);
        vm.set_pc(0);
        loop {
            match vm.run() {
                crate::Exit::HostCall(GROW_HEAP_ID) => {
                    if grow_heap(&mut vm) == HostOutcome::OutOfGas {
                        return (crate::Exit::OutOfGas, vm);
                    }
                }
                exit => return (exit, vm),
            }
        }
    }

    #[test]
    fn the_heap_grows_by_host_call_up_to_the_maximum() {
        // Stack 1 page, no data, no arguments, heap 1 page of at most 3: memory is 2 pages.
        let (exit, vm) = grow_and_store(2, 1_000_000);
        assert_eq!(exit, crate::Exit::Halt);
        assert_eq!(vm.memory.len(), 4 * 4096);
        assert_eq!(vm.reg(7), 2 * 4096, "φ7 is the first new page");
        assert_eq!(vm.memory.read_bytes(2 * 4096, 1), Some(vec![0]), "the low byte of 8192");
        // 3 instructions and 2 pages.
        assert_eq!(vm.gas, 1_000_000 - 3 - 2 * GROW_HEAP_GAS_PER_PAGE);

        // Past the maximum: nothing changes, φ7 says so, and the store then faults past the end.
        let (exit, vm) = grow_and_store(3, 1_000_000);
        assert_eq!(vm.reg(7), GROW_HEAP_FAILED);
        assert_eq!(vm.memory.len(), 2 * 4096);
        assert_eq!(exit, crate::Exit::PageFault(0xFFFF_F000), "the store at 2^32 - 1 faults on the last page");

        // Unpayable (including absurd page counts): out of gas, memory unchanged.
        let (exit, vm) = grow_and_store(2, 2000);
        assert_eq!((exit, vm.memory.len()), (crate::Exit::OutOfGas, 2 * 4096));
        let (exit, _) = grow_and_store(u64::MAX, i64::MAX);
        assert_eq!(exit, crate::Exit::OutOfGas);
    }
}
