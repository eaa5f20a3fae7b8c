//! A `.polkavm` program as jar1 code, so C guests built with PolkaVM's toolchain run on jar1's
//! kernel: the same instructions re-encoded from PolkaVM's (JamV1) opcode numbers to the Gray
//! Paper's, and PolkaVM's memory map as DATA capabilities at the same addresses.
//!
//! Two shapes. [`polkavm_to_manifest`] makes a whole manifest whose root VM (CODE in slot 64)
//! starts in a prologue that sets up PolkaVM's calling convention and jumps to the export: φ0 =
//! the halt address (returning from the export halts the VM), φ1 = the top of the stack, a0..a5
//! (φ7..φ12) the first 48 bytes of the invocation's arguments as little-endian u64 (the IPC DATA
//! capability, slot 0, one page at 0x1000; missing bytes read as zero); the read-only data, the
//! read-write data and the stack are DATA capabilities in slots 65, 66 and 67. [`polkavm_to_server`]
//! makes the code of a VM that another VM CALLs again and again: each CALL maps the DATA
//! capability it passes, calls the export with a0..a3 = the caller's φ7..φ10, and REPLYs its
//! result.
//!
//! What changes meaning on the way: `ecalli k` becomes a CALL on slot k of the VM's table (k = 0
//! replies, which ends the root VM; 1–28 are protocol calls the host answers); memory below
//! 0x10000 is unmapped (a page fault, where PolkaVM panics), except the IPC page; gas is jar1's
//! (single-pass per block, and 1500 per DATA page at start).

use crate::crosscheck::asm::{assemble, Inst};
use crate::kernel::build::{ecalli, li, load64, mov};
use javm::manifest::{encode, EntrySpec};
use javm::{BlockRules, Code, LengthEncoding, MemoryMap, Numbering, Opcode, OpcodeInfo, PolkaVmBlob};

/// Where the arguments live: one page at this page number (slot 0, the IPC DATA capability).
pub const ARGS_PAGE: u32 = 1;
/// The slot of the root VM's CODE capability.
pub const CODE_SLOT: u8 = 64;
const FIRST_DATA_SLOT: u8 = 65;
const HALT_ADDRESS: u64 = 0xFFFF_0000;

/// A region of PolkaVM's memory map as a DATA capability.
#[derive(Clone, Debug)]
pub struct Region {
    pub base_page: u32,
    pub pages: u32,
    pub writable: bool,
    pub init: Vec<u8>,
}

/// The program re-encoded in the Gray Paper's numbering, before any prologue.
struct Reencoded {
    code: Vec<u8>,
    starts: Vec<bool>,
    jump_table: Vec<u32>,
    export: (String, u32),
    map: MemoryMap,
    regions: Vec<Region>,
    notes: Vec<String>,
}

fn reencode(bytes: &[u8], entry: Option<&str>) -> Result<Reencoded, String> {
    let blob = PolkaVmBlob::parse(bytes).map_err(|e| e.to_string())?;
    let export = match entry {
        Some(n) => (n.to_string(), blob.export(n).ok_or_else(|| format!("no export `{n}`; it has {:?}", blob.exports.iter().map(|e| &e.0).collect::<Vec<_>>()))?),
        None => blob.exports.first().cloned().ok_or("the program exports nothing")?,
    };
    let code = Code::parse(&blob.code, LengthEncoding::Compact, Numbering::PolkaVm, BlockRules::GP).map_err(|e| e.to_string())?;
    let map = blob.memory_map().map_err(|e| e.to_string())?;
    // Opcode by opcode; operands are encoded alike in both numberings, and relative branch
    // offsets stay right because a prologue moves everything by the same amount.
    let table = Numbering::PolkaVm.decode_table();
    let mut notes = Vec::new();
    let mut out = code.code.clone();
    let mut starts = code.starts.clone();
    let mut last = None;
    for pc in 0..code.code.len() as u32 {
        if !code.is_start(pc) {
            continue;
        }
        let op = code.opcode_at(pc, &table).ok_or_else(|| format!("pc {pc}: byte {} is not a PolkaVM instruction", code.code[pc as usize]))?;
        out[pc as usize] = op.byte(Numbering::Gp).ok_or_else(|| format!("pc {pc}: {op:?} has no Gray Paper opcode"))?;
        match op {
            Opcode::Ecalli => {
                let k = code.decode(pc, op).imm1;
                let what = match k {
                    0 => "REPLY: it ends the root VM".to_string(),
                    1..=28 => format!("protocol call {k} to the host"),
                    _ => format!("CALL on slot {k}"),
                };
                notes.push(format!("pc {pc}: `ecalli {k}` is a {what} under jar1"));
            }
            Opcode::Sbrk => notes.push(format!("pc {pc}: `sbrk` finds no heap under jar1 (memory comes from DATA capabilities)")),
            _ => {}
        }
        last = Some(op);
    }
    // jar1 requires a terminator at the end; PolkaVM code may end on any instruction.
    if !last.is_some_and(|op| code.ends_block(op) && op != Opcode::Ecalli) {
        out.push(Opcode::Trap.byte(Numbering::Gp).ok_or("internal: no `trap`")?);
        starts.push(true);
    }
    let regions = [(map.ro_address, map.ro_size, false, blob.ro_data.clone()), (map.rw_address, map.rw_size, true, blob.rw_data.clone()), (map.stack_low, map.stack_high - map.stack_low, true, vec![])]
        .into_iter()
        .filter(|r| r.1 > 0)
        .map(|(address, size, writable, init)| Region { base_page: address / 4096, pages: size.div_ceil(4096), writable, init })
        .collect();
    Ok(Reencoded { code: out, starts, jump_table: code.jump_table.clone(), export, map, regions, notes })
}

/// GP code being laid out: a prologue, then the re-encoded program.
struct Layout {
    code: Vec<u8>,
    starts: Vec<bool>,
}

impl Layout {
    fn pc(&self) -> u32 {
        self.code.len() as u32
    }

    fn insts(&mut self, program: &[Inst]) -> Result<(), String> {
        let assembled = assemble(program, &[], Numbering::Gp);
        let c = Code::parse(&assembled, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).map_err(|e| format!("internal: a prologue does not parse: {e}"))?;
        self.code.extend_from_slice(&c.code);
        self.starts.extend_from_slice(&c.starts);
        Ok(())
    }

    /// `jump target` with a 4-byte offset (relative to the jump itself).
    fn jump(&mut self, target: u32) -> Result<(), String> {
        let offset = i32::try_from(i64::from(target) - i64::from(self.pc())).map_err(|_| "the code is too long".to_string())?;
        self.code.push(Opcode::Jump.byte(Numbering::Gp).ok_or("internal: no `jump`")?);
        self.code.extend_from_slice(&offset.to_le_bytes());
        self.starts.extend([true, false, false, false, false]);
        Ok(())
    }

    /// The code blob (u32 lengths, as manifests take it) with `program` after the prologue.
    fn finish(mut self, program: &Reencoded, extra_targets: &[u32]) -> Vec<u8> {
        let at = self.pc();
        self.code.extend_from_slice(&program.code);
        self.starts.extend_from_slice(&program.starts);
        let mut table: Vec<u32> = program.jump_table.iter().map(|&t| t + at).collect();
        table.extend_from_slice(extra_targets);
        Code::encode(&table, &self.code, &self.starts, LengthEncoding::U32)
    }
}

/// A transpiled program and what a reader should know about it.
pub struct Transpiled {
    pub manifest: Vec<u8>,
    /// The export the root VM calls, and its pc in the original code.
    pub entry: (String, u32),
    /// Instructions whose meaning differs under jar1 (each `ecalli`), by original pc.
    pub notes: Vec<String>,
}

/// The manifest for `bytes` (a `.polkavm` file) calling export `entry` (default: the first).
pub fn polkavm_to_manifest(bytes: &[u8], entry: Option<&str>) -> Result<Transpiled, String> {
    let p = reencode(bytes, entry)?;
    // The prologue: PolkaVM's calling convention (φ8, the arguments' address, is read last),
    // then a jump to the export.
    let mut l = Layout { code: vec![], starts: vec![] };
    l.insts(&[li(0, HALT_ADDRESS), li(1, u64::from(p.map.stack_high)), load64(7, 8, 0), load64(9, 8, 16), load64(10, 8, 24), load64(11, 8, 32), load64(12, 8, 40), load64(8, 8, 8)])?;
    let body = l.pc() + 5;
    l.jump(body + p.export.1)?;
    let code = l.finish(&p, &[]);
    let mut data: Vec<(u8, Region)> = vec![(0, Region { base_page: ARGS_PAGE, pages: 1, writable: true, init: vec![] })];
    data.extend((FIRST_DATA_SLOT..).zip(p.regions.iter().cloned()));
    let pages: u32 = data.iter().map(|d| d.1.pages).sum();
    let mut entries = vec![EntrySpec { slot: CODE_SLOT, kind: 0, base_page: 0, page_count: 0, access: 0, bytes: &code }];
    entries.extend(data.iter().map(|(slot, r)| EntrySpec { slot: *slot, kind: 1, base_page: r.base_page, page_count: r.pages, access: u8::from(r.writable), bytes: &r.init }));
    let manifest = encode(pages, CODE_SLOT, &entries);
    // What jarkit writes it must also accept.
    javm::manifest::Manifest::parse(&manifest).map_err(|e| format!("the transpiled manifest is not valid under jar1's rules: {e}"))?;
    Ok(Transpiled { manifest, entry: p.export, notes: p.notes })
}

/// The code of a VM that serves CALLs, and the DATA capabilities it expects.
pub struct Server {
    /// A CODE capability's bytes (u32 lengths).
    pub code: Vec<u8>,
    /// PolkaVM's memory map: the VM maps these itself at its first CALL, from the slots
    /// `first_region_slot`, `first_region_slot + 1`, … of its own table (its creator moves them
    /// there), at these pages.
    pub regions: Vec<Region>,
    pub notes: Vec<String>,
}

/// A server for export `entry` of `bytes`. Every CALL maps the DATA capability passed with it
/// (slot 0) at `pass_page` (`pass_pages` pages, read-write), calls the export with a0..a3 = the
/// caller's φ7..φ10, and REPLYs its a0 (the capability goes back to the caller).
pub fn polkavm_to_server(bytes: &[u8], entry: &str, first_region_slot: u8, pass_page: u32, pass_pages: u32) -> Result<Server, String> {
    let p = reencode(bytes, Some(entry))?;
    let map = |slot: u8, page: u32, pages: u32, writable: bool| {
        let mut i = vec![li(7, u64::from(page)), li(8, 0), li(9, u64::from(pages)), li(10, u64::from(writable))];
        i.extend(crate::kernel::build::op(javm::kernel::caps::OP_MAP, u32::from(slot), 0));
        i
    };
    let mut l = Layout { code: vec![], starts: vec![] };
    // First CALL: map PolkaVM's regions, keeping the caller's φ7 and φ8.
    let mut first = vec![mov(4, 7), mov(5, 8)];
    for (i, r) in p.regions.iter().enumerate() {
        first.extend(map(first_region_slot + i as u8, r.base_page, r.pages, r.writable));
    }
    first.extend([mov(7, 4), mov(8, 5)]);
    l.insts(&first)?;
    // Every CALL: map the passed capability, call the export, REPLY, wait for the next CALL.
    let serve = l.pc() + 5;
    l.jump(serve)?;
    let mut each = vec![mov(2, 7), mov(3, 8), mov(4, 9), mov(5, 10)];
    each.extend(map(0, pass_page, pass_pages, true));
    // The export returns through the jump table's extra entry, which is the REPLY below.
    let back = (p.jump_table.len() as u64 + 1) * 2;
    each.extend([mov(7, 2), mov(8, 3), mov(9, 4), mov(10, 5), li(0, back), li(1, u64::from(p.map.stack_high))]);
    l.insts(&each)?;
    // Then: a jump to the export, the REPLY it returns to and the jump back, the program.
    let reply = l.pc() + 5;
    let mut tail = Layout { code: vec![], starts: vec![] };
    tail.insts(&[ecalli(0)])?;
    let program_at = reply + tail.pc() + 5;
    l.jump(program_at + p.export.1)?;
    l.insts(&[ecalli(0)])?;
    l.jump(serve)?;
    let code = l.finish(&p, &[reply]);
    Ok(Server { code, regions: p.regions, notes: p.notes })
}

/// The arguments a transpiled program reads (a0..a5), as the bytes of its IPC capability.
pub fn args_bytes(args: &[u64]) -> Vec<u8> {
    args.iter().flat_map(|a| a.to_le_bytes()).collect()
}
