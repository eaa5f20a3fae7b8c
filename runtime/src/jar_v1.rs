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

use crate::error::LoadError;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
