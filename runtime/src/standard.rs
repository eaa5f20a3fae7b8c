//! The Gray Paper 0.7.2 standard program blob and its segmented memory layout (GP A.7, the `Y`
//! function), used by the gp072 variants:
//!
//! `E₃(|o|) ‖ E₃(|w|) ‖ E₂(z) ‖ E₃(s) ‖ o ‖ w ‖ E₄(|c|) ‖ c` — read-only data `o`, read-write
//! data `w`, `z` extra heap pages, `s` stack bytes, and the code blob `c`.
//!
//! | region | start | size | access |
//! |---|---|---|---|
//! | guard | 0 | 64 KiB | accesses panic |
//! | RO | 0x10000 | P(\|o\|) | read |
//! | RW + heap | 2·Z_Z + Z(\|o\|) | P(\|w\| + z·4096) | write |
//! | stack | 2³² − 2·Z_Z − Z_I − P(s) | P(s) | write |
//! | arguments | 2³² − Z_Z − Z_I | P(\|a\|) | read |
//!
//! with Z_Z = 64 KiB zones, Z_I = 2²⁴ for the arguments, P rounding up to pages and Z to zones.
//! Registers start as φ₀ = 0xFFFF0000 (the halt address), φ₁ = the stack top, φ₇ = the
//! arguments' address, φ₈ = their length, all others 0; the heap top for `sbrk` starts at the
//! end of the RW region.

use crate::error::LoadError;
use crate::memory::{Access, Memory, PagedMemory};
use crate::reader::Reader;

const ZONE: u64 = 1 << 16;
const PAGE: u64 = 1 << 12;
const MAX_INPUT: u64 = 1 << 24;

fn page_round(x: u64) -> u64 {
    x.div_ceil(PAGE) * PAGE
}

fn zone_round(x: u64) -> u64 {
    x.div_ceil(ZONE) * ZONE
}

/// A parsed standard program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandardProgram {
    pub ro_data: Vec<u8>,
    pub rw_data: Vec<u8>,
    /// Extra heap pages after the RW data.
    pub heap_pages: u16,
    pub stack_bytes: u32,
    /// The code blob (jump table, code, bitmask).
    pub code: Vec<u8>,
}

/// The initial state of a standard program.
pub struct Instance {
    pub memory: PagedMemory,
    /// φ₀ … φ₁₂.
    pub regs: [u64; 13],
}

impl StandardProgram {
    /// Parses a standard program blob (the whole input must be consumed).
    pub fn parse(bytes: &[u8]) -> Result<StandardProgram, LoadError> {
        let mut r = Reader::new(bytes);
        let ro_len = r.le(3, "RO data length")? as usize;
        let rw_len = r.le(3, "RW data length")? as usize;
        let heap_pages = r.le(2, "heap pages")? as u16;
        let stack_bytes = r.le(3, "stack size")? as u32;
        let ro_data = r.take(ro_len, "RO data")?.to_vec();
        let rw_data = r.take(rw_len, "RW data")?.to_vec();
        let code_len = r.le(4, "code blob length")? as usize;
        let code = r.take(code_len, "code blob")?.to_vec();
        r.finish()?;
        let p = StandardProgram { ro_data, rw_data, heap_pages, stack_bytes, code };
        p.check_fits(0)?;
        Ok(p)
    }

    /// Parses a service code preimage: a compact-length metadata prefix, then the program.
    pub fn parse_with_metadata(bytes: &[u8]) -> Result<(Vec<u8>, StandardProgram), LoadError> {
        let mut r = Reader::new(bytes);
        let n = r.compact("metadata length")?;
        let metadata = r.take(usize::try_from(n).unwrap_or(usize::MAX), "metadata")?.to_vec();
        let at = r.position();
        Ok((metadata, StandardProgram::parse(&bytes[at..])?))
    }

    fn rw_size(&self) -> u64 {
        self.rw_data.len() as u64 + u64::from(self.heap_pages) * PAGE
    }

    /// GP A.7: 5·Z_Z + Z(|o|) + Z(|w| + z·Z_P) + Z(s) + Z_I ≤ 2³².
    fn check_fits(&self, args_len: usize) -> Result<(), LoadError> {
        let total = 5 * ZONE + zone_round(self.ro_data.len() as u64) + zone_round(self.rw_size()) + zone_round(self.stack_bytes.into()) + MAX_INPUT;
        if total > 1 << 32 {
            return Err(LoadError::LayoutTooLarge { what: "RO, RW, heap and stack exceed the 32-bit address space" });
        }
        if args_len as u64 > MAX_INPUT {
            return Err(LoadError::LayoutTooLarge { what: "the arguments exceed Z_I = 2^24 bytes" });
        }
        Ok(())
    }

    /// The memory and registers a run starts from, with `args` as the input.
    pub fn instantiate(&self, args: &[u8]) -> Result<Instance, LoadError> {
        self.check_fits(args.len())?;
        let mut m = PagedMemory::new();
        m.guard = ZONE as u32;
        let ro_base = ZONE;
        let rw_base = 2 * ZONE + zone_round(self.ro_data.len() as u64);
        let rw_len = page_round(self.rw_size());
        let stack_top = (1u64 << 32) - 2 * ZONE - MAX_INPUT;
        let stack_len = page_round(self.stack_bytes.into());
        let args_base = (1u64 << 32) - ZONE - MAX_INPUT;
        m.map(ro_base as u32, page_round(self.ro_data.len() as u64) as u32, Access::ReadOnly);
        m.map(rw_base as u32, rw_len as u32, Access::ReadWrite);
        m.map((stack_top - stack_len) as u32, stack_len as u32, Access::ReadWrite);
        m.map(args_base as u32, page_round(args.len() as u64) as u32, Access::ReadOnly);
        let load = |m: &mut PagedMemory, at: u64, data: &[u8]| {
            m.write_bytes(at as u32, data).map_err(|_| LoadError::LayoutTooLarge { what: "data does not fit its region" })
        };
        load(&mut m, ro_base, &self.ro_data)?;
        load(&mut m, rw_base, &self.rw_data)?;
        load(&mut m, args_base, args)?;
        m.heap_top = Some((rw_base + rw_len) as u32);
        let mut regs = [0u64; 13];
        regs[0] = 0xFFFF_0000;
        regs[1] = stack_top;
        regs[7] = args_base;
        regs[8] = args.len() as u64;
        Ok(Instance { memory: m, regs })
    }

    /// Encodes a standard program (the inverse of [`StandardProgram::parse`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(self.ro_data.len() as u32).to_le_bytes()[..3]);
        out.extend_from_slice(&(self.rw_data.len() as u32).to_le_bytes()[..3]);
        out.extend_from_slice(&self.heap_pages.to_le_bytes());
        out.extend_from_slice(&self.stack_bytes.to_le_bytes()[..3]);
        out.extend_from_slice(&self.ro_data);
        out.extend_from_slice(&self.rw_data);
        out.extend_from_slice(&(self.code.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.code);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StandardProgram {
        StandardProgram { ro_data: vec![1, 2, 3], rw_data: vec![9; 5000], heap_pages: 2, stack_bytes: 8192, code: vec![0, 0, 1, 0, 1] }
    }

    #[test]
    fn layout_follows_the_gray_paper() {
        let p = sample();
        assert_eq!(StandardProgram::parse(&p.encode()).unwrap(), p);
        let i = p.instantiate(b"hello").unwrap();
        assert_eq!(i.regs[0], 0xFFFF_0000);
        assert_eq!(i.regs[1], 0xFEFE_0000);
        assert_eq!((i.regs[7], i.regs[8]), (0xFEFF_0000, 5));
        let m = &i.memory;
        assert_eq!(m.read_bytes(0x10000, 3), Some(vec![1, 2, 3]));
        assert_eq!(m.access(0x10000), Some(Access::ReadOnly));
        // RW starts one zone after the (zone-rounded) RO region, and includes the heap pages.
        assert_eq!(m.read_bytes(0x30000, 1), Some(vec![9]));
        assert_eq!(m.access(0x30000 + 8192 + 4095), Some(Access::ReadWrite));
        // 5000 bytes of data plus two heap pages round up to four pages.
        assert_eq!(m.access(0x30000 + 4 * 4096 - 1), Some(Access::ReadWrite));
        assert_eq!(m.access(0x30000 + 4 * 4096), None);
        assert_eq!(m.heap_top, Some(0x30000 + 4 * 4096));
        assert_eq!(m.access(0xFEFE_0000 - 1), Some(Access::ReadWrite));
        assert_eq!(m.access(0xFEFE_0000 - 8193), None);
        assert_eq!(m.read_bytes(0xFEFF_0000, 5), Some(b"hello".to_vec()));
        assert_eq!(m.access(0xFEFF_0000), Some(Access::ReadOnly));
    }

    #[test]
    fn malformed_and_oversized_blobs_are_errors() {
        let good = sample().encode();
        for cut in 0..good.len() {
            assert!(StandardProgram::parse(&good[..cut]).is_err(), "prefix of {cut} bytes");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(StandardProgram::parse(&trailing).is_err());
        let huge = StandardProgram { stack_bytes: 0xFF_FFFF, heap_pages: 0xFFFF, rw_data: vec![], ..sample() };
        assert!(matches!(huge.instantiate(&[]), Ok(_) | Err(LoadError::LayoutTooLarge { .. })));
        let too_big = StandardProgram { ro_data: vec![0; 0xFF_FFFF], rw_data: vec![0; 0xFF_FFFF], heap_pages: 0xFFFF, ..sample() };
        assert!(matches!(StandardProgram::parse(&too_big.encode()), Ok(_) | Err(LoadError::LayoutTooLarge { .. })));
        assert!(sample().instantiate(&vec![0; (MAX_INPUT + 1) as usize]).is_err());
        let (meta, p) = StandardProgram::parse_with_metadata(&[&[2u8, 7, 7][..], &good].concat()).unwrap();
        assert_eq!((meta, p), (vec![7, 7], sample()));
    }
}
