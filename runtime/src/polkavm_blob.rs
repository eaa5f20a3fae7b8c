//! Importing PolkaVM program containers (`.polkavm` files, as polkavm-linker 0.37 writes them),
//! so that the same binary code runs on jarkit and on PolkaVM.
//!
//! The container is `"PVM\0"`, a version byte (the instruction set), the total length as u64 LE,
//! then sections, each a one-byte id, a compact length and its bytes, in this order: memory
//! config (1: RO size, RW size, stack size as compact numbers), RO data (2), RW data (3), imports
//! (4), exports (5: count, then per export its pc and its name), code and jump table (6: the GP
//! code-blob layout), optional sections (id ≥ 128, skipped), end (0). Only the JamV1 instruction
//! set (version 3, the GP numbering with a bitmask) is accepted: it is the one jarkit runs.
//!
//! The memory map follows PolkaVM's: RO data at 0x10000; RW data one 64 KiB gap after the RO
//! region (rounded up to 64 KiB); the stack ends 64 KiB below the last 64 KiB of the address
//! space; code returns to the host by jumping to 0xffff0000.

use crate::error::LoadError;
use crate::memory::{Access, Memory, PagedMemory};
use crate::reader::Reader;

/// The instruction set jarkit accepts in a container (PolkaVM's `JamV1`).
pub const JAM_V1_VERSION: u8 = 3;
/// Jumping here returns to the host (the GP's halt address).
pub const RETURN_TO_HOST: u32 = 0xffff_0000;
const ZONE: u64 = 0x1_0000;
const PAGE: u64 = 0x1000;

/// A parsed container.
#[derive(Clone, Debug)]
pub struct PolkaVmBlob {
    pub ro_data_size: u32,
    pub rw_data_size: u32,
    pub stack_size: u32,
    pub ro_data: Vec<u8>,
    pub rw_data: Vec<u8>,
    /// Exported functions: name and entry pc.
    pub exports: Vec<(String, u32)>,
    /// Jump table, code and bitmask in the GP code-blob layout (compact lengths).
    pub code: Vec<u8>,
}

/// Where the parts of a program live in the 32-bit address space.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MemoryMap {
    pub ro_address: u32,
    pub ro_size: u32,
    pub rw_address: u32,
    pub rw_size: u32,
    pub stack_low: u32,
    pub stack_high: u32,
}

fn align(x: u64, to: u64) -> u64 {
    x.div_ceil(to) * to
}

impl PolkaVmBlob {
    pub fn parse(bytes: &[u8]) -> Result<PolkaVmBlob, LoadError> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != b"PVM\0" {
            return Err(LoadError::BadField { what: "magic", offset: 0, value: 0, rule: "a .polkavm file starts with \"PVM\\0\"" });
        }
        let version = r.u8("instruction set version")?;
        if version != JAM_V1_VERSION {
            return Err(LoadError::BadField {
                what: "instruction set version",
                offset: 4,
                value: version.into(),
                rule: "only JamV1 (3) is supported; link with TargetInstructionSet::JamV1",
            });
        }
        let total = r.le(8, "blob length")?;
        if total != bytes.len() as u64 {
            return Err(LoadError::BadField { what: "blob length", offset: 5, value: total, rule: "must equal the file size" });
        }
        let mut blob = PolkaVmBlob {
            ro_data_size: 0,
            rw_data_size: 0,
            stack_size: 0,
            ro_data: vec![],
            rw_data: vec![],
            exports: vec![],
            code: vec![],
        };
        let mut last_id = 0u8;
        loop {
            let at = r.position();
            let id = r.u8("section id")?;
            if id == 0 {
                break;
            }
            if id < 128 && id <= last_id {
                return Err(LoadError::BadField { what: "section id", offset: at, value: id.into(), rule: "sections appear once, in ascending order" });
            }
            let len = r.compact("section length")?;
            let body = r.take(usize::try_from(len).unwrap_or(usize::MAX), "section")?;
            let mut s = Reader::new(body);
            match id {
                1 => {
                    blob.ro_data_size = size(s.compact("RO data size")?, at, "RO data size")?;
                    blob.rw_data_size = size(s.compact("RW data size")?, at, "RW data size")?;
                    blob.stack_size = size(s.compact("stack size")?, at, "stack size")?;
                    s.finish()?;
                }
                2 => blob.ro_data = body.to_vec(),
                3 => blob.rw_data = body.to_vec(),
                4 => {} // Imports are named host functions; calls are `ecalli` with their index.
                5 => {
                    let count = s.compact("export count")?;
                    for _ in 0..count {
                        let pc = size(s.compact("export pc")?, at, "export pc")?;
                        let n = s.compact("export name length")?;
                        let name = s.take(usize::try_from(n).unwrap_or(usize::MAX), "export name")?;
                        blob.exports.push((String::from_utf8_lossy(name).into_owned(), pc));
                    }
                    s.finish()?;
                }
                6 => blob.code = body.to_vec(),
                id if id >= 128 => {} // optional (debug info, metadata hash)
                _ => return Err(LoadError::BadField { what: "section id", offset: at, value: id.into(), rule: "unknown required section" }),
            }
            if id < 128 {
                last_id = id;
            }
        }
        r.finish()?;
        if blob.ro_data.len() > blob.ro_data_size as usize || blob.rw_data.len() > blob.rw_data_size as usize {
            return Err(LoadError::BadField { what: "data section", offset: 0, value: 0, rule: "data longer than its declared size" });
        }
        if blob.code.is_empty() {
            return Err(LoadError::BadField { what: "code section", offset: 0, value: 0, rule: "a program needs code" });
        }
        Ok(blob)
    }

    /// The entry pc of export `name`.
    pub fn export(&self, name: &str) -> Option<u32> {
        self.exports.iter().find(|(n, _)| n == name).map(|&(_, pc)| pc)
    }

    /// PolkaVM's memory map for this program (4 KiB pages).
    pub fn memory_map(&self) -> Result<MemoryMap, LoadError> {
        let ro_size = align(self.ro_data_size.into(), PAGE);
        let rw_address = ZONE + align(self.ro_data_size.into(), ZONE) + ZONE;
        let rw_size = align(self.rw_data_size.into(), PAGE);
        let low_end = rw_address + align(self.rw_data_size.into(), ZONE) + ZONE;
        let stack_high = (1u64 << 32) - ZONE - ZONE;
        let stack_low = stack_high
            .checked_sub(align(self.stack_size.into(), ZONE))
            .ok_or(LoadError::LayoutTooLarge { what: "stack" })?;
        if low_end > stack_low {
            return Err(LoadError::LayoutTooLarge { what: "data and stack overlap" });
        }
        let stack_low = stack_high - align(self.stack_size.into(), PAGE);
        Ok(MemoryMap {
            ro_address: ZONE as u32,
            ro_size: ro_size as u32,
            rw_address: rw_address as u32,
            rw_size: rw_size as u32,
            stack_low: stack_low as u32,
            stack_high: stack_high as u32,
        })
    }

    /// A fresh memory with the data loaded and the stack mapped; addresses below 0x10000 panic,
    /// and a write across pages reports an unmapped page before a read-only one, as PolkaVM does.
    pub fn memory(&self) -> Result<(PagedMemory, MemoryMap), LoadError> {
        let map = self.memory_map()?;
        let mut m = PagedMemory::new();
        m.guard = ZONE as u32;
        m.missing_first = true;
        m.map(map.ro_address, map.ro_size, Access::ReadOnly);
        m.map(map.rw_address, map.rw_size, Access::ReadWrite);
        m.map(map.stack_low, map.stack_high - map.stack_low, Access::ReadWrite);
        let fits = |r: Result<(), _>| r.map_err(|_| LoadError::LayoutTooLarge { what: "data does not fit its region" });
        fits(m.write_bytes(map.ro_address, &self.ro_data))?;
        fits(m.write_bytes(map.rw_address, &self.rw_data))?;
        Ok((m, map))
    }
}

fn size(v: u64, offset: usize, what: &'static str) -> Result<u32, LoadError> {
    u32::try_from(v).map_err(|_| LoadError::BadField { what, offset, value: v, rule: "must fit in 32 bits" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (id, data) in sections {
            body.push(*id);
            crate::reader::encode_compact(data.len() as u64, &mut body);
            body.extend_from_slice(data);
        }
        body.push(0);
        let mut out = b"PVM\0".to_vec();
        out.push(JAM_V1_VERSION);
        out.extend_from_slice(&((13 + body.len()) as u64).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn a_minimal_container_parses_and_maps_memory_like_polkavm() {
        let b = container(&[(1, vec![0x10, 0x20, 0x40]), (2, vec![1, 2]), (5, vec![1, 0, 3, b'r', b'u', b'n']), (6, vec![0, 0, 1, 0, 1])]);
        let p = PolkaVmBlob::parse(&b).unwrap();
        assert_eq!(p.export("run"), Some(0));
        let map = p.memory_map().unwrap();
        assert_eq!((map.ro_address, map.rw_address), (0x10000, 0x30000));
        assert_eq!((map.stack_low, map.stack_high), (0xfffe0000 - 0x1000, 0xfffe0000));
    }

    #[test]
    fn damaged_containers_are_errors() {
        let good = container(&[(6, vec![0, 0, 1, 0, 1])]);
        assert!(PolkaVmBlob::parse(&good).is_ok());
        for cut in 0..good.len() {
            assert!(PolkaVmBlob::parse(&good[..cut]).is_err(), "prefix of {cut} bytes");
        }
        let mut wrong_isa = good.clone();
        wrong_isa[4] = 2;
        assert!(PolkaVmBlob::parse(&wrong_isa).unwrap_err().to_string().contains("JamV1"));
        let mut wrong_len = good.clone();
        wrong_len[5] ^= 1;
        assert!(PolkaVmBlob::parse(&wrong_len).is_err());
        let huge_stack = container(&[(1, vec![0, 0, 0xf0, 0xff, 0xff, 0xff, 0xff]), (6, vec![0, 0, 1, 0, 1])]);
        assert!(PolkaVmBlob::parse(&huge_stack).unwrap().memory_map().is_err());
    }
}
