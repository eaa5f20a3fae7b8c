//! A `.polkavm` program as a jar1 capability manifest, so C guests built with PolkaVM's
//! toolchain run on jar1's kernel: the same instructions re-encoded from PolkaVM's (JamV1)
//! opcode numbers to the Gray Paper's, and PolkaVM's memory map as DATA capabilities at the same
//! addresses.
//!
//! The manifest's root VM (CODE in slot 64) starts in a prologue that sets up PolkaVM's calling
//! convention and jumps to the export: φ0 = the halt address (returning from the export halts
//! the VM), φ1 = the top of the stack, and a0..a5 (φ7..φ12) the first 48 bytes of the invocation's
//! arguments as little-endian u64 (the IPC DATA capability, slot 0, one page at 0x1000; missing
//! bytes read as zero). The read-only data, the read-write data and the stack are DATA
//! capabilities in slots 65, 66 and 67, mapped where PolkaVM puts them.
//!
//! What changes meaning on the way: `ecalli k` becomes a CALL on slot k of the VM's table (k = 0
//! replies, which ends the root VM; 1–28 are protocol calls the host answers); memory below
//! 0x10000 other than the IPC page is unmapped (a page fault, where PolkaVM panics); gas is
//! jar1's (single-pass per block, and 1500 per DATA page at start).

use crate::crosscheck::asm::assemble;
use crate::kernel::build::{li, load64};
use javm::manifest::{encode, EntrySpec};
use javm::{BlockRules, Code, LengthEncoding, Numbering, Opcode, OpcodeInfo, PolkaVmBlob};

/// Where the arguments live: one page at this page number (slot 0, the IPC DATA capability).
pub const ARGS_PAGE: u32 = 1;
/// The slots the manifest uses.
pub const CODE_SLOT: u8 = 64;
const FIRST_DATA_SLOT: u8 = 65;

/// A transpiled program and what a reader should know about it.
pub struct Transpiled {
    pub manifest: Vec<u8>,
    /// The export the root VM calls, and its pc in the original code.
    pub entry: (String, u32),
    /// Instructions whose meaning differs under jar1 (each `ecalli`), by original pc.
    pub notes: Vec<String>,
}

const HALT_ADDRESS: u64 = 0xFFFF_0000;

/// The manifest for `bytes` (a `.polkavm` file) calling export `entry` (default: the first).
pub fn polkavm_to_manifest(bytes: &[u8], entry: Option<&str>) -> Result<Transpiled, String> {
    let blob = PolkaVmBlob::parse(bytes).map_err(|e| e.to_string())?;
    let (name, export_pc) = match entry {
        Some(n) => (n.to_string(), blob.export(n).ok_or_else(|| format!("no export `{n}`; it has {:?}", blob.exports.iter().map(|e| &e.0).collect::<Vec<_>>()))?),
        None => blob.exports.first().cloned().ok_or("the program exports nothing")?,
    };
    let code = Code::parse(&blob.code, LengthEncoding::Compact, Numbering::PolkaVm, BlockRules::GP).map_err(|e| e.to_string())?;
    let map = blob.memory_map().map_err(|e| e.to_string())?;

    // The prologue: PolkaVM's calling convention, then a jump to the export.
    let setup = [li(0, HALT_ADDRESS), li(1, u64::from(map.stack_high)), load64(7, 8, 0), load64(9, 8, 16), load64(10, 8, 24), load64(11, 8, 32), load64(12, 8, 40), load64(8, 8, 8)];
    let assembled = assemble(&setup, &[], Numbering::Gp);
    let setup = Code::parse(&assembled, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).map_err(|e| format!("internal: the prologue does not parse: {e}"))?;
    let jump = Opcode::Jump.byte(Numbering::Gp).ok_or("internal: no `jump` in the GP numbering")?;
    let prologue_len = setup.code.len() as u32 + 5;
    // `jump` with a 4-byte offset, relative to itself: to `prologue_len + export_pc`.
    let offset = 5 + i64::from(export_pc);
    let offset = i32::try_from(offset).map_err(|_| "the export is too far into the code".to_string())?;
    let mut out_code = setup.code.clone();
    out_code.push(jump);
    out_code.extend_from_slice(&offset.to_le_bytes());
    let mut starts = setup.starts.clone();
    starts.extend([true, false, false, false, false]);

    // The program, opcode by opcode; operands are encoded alike in both numberings, and
    // relative branch offsets stay right because everything moves by the same amount.
    let table = Numbering::PolkaVm.decode_table();
    let mut notes = Vec::new();
    let mut body = code.code.clone();
    let mut last = None;
    for pc in 0..code.code.len() as u32 {
        if !code.is_start(pc) {
            continue;
        }
        let op = code.opcode_at(pc, &table).ok_or_else(|| format!("pc {pc}: byte {} is not a PolkaVM instruction", code.code[pc as usize]))?;
        let byte = op.byte(Numbering::Gp).ok_or_else(|| format!("pc {pc}: {op:?} has no Gray Paper opcode"))?;
        body[pc as usize] = byte;
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
    out_code.extend_from_slice(&body);
    starts.extend_from_slice(&code.starts);
    // jar1 requires a terminator at the end; PolkaVM code may end on any instruction.
    if !last.is_some_and(|op| code.ends_block(op) && op != Opcode::Ecalli) {
        out_code.push(Opcode::Trap.byte(Numbering::Gp).ok_or("internal: no `trap`")?);
        starts.push(true);
    }
    let jump_table: Vec<u32> = code.jump_table.iter().map(|&t| t + prologue_len).collect();
    let code_bytes = Code::encode(&jump_table, &out_code, &starts, LengthEncoding::U32);

    // PolkaVM's memory map as DATA capabilities (page counts from the map; empty regions left out).
    let page = |a: u32| a / 4096;
    let mut data: Vec<(u8, u32, u32, u8, Vec<u8>)> = vec![(0, ARGS_PAGE, 1, 1, vec![])];
    let regions = [(map.ro_address, map.ro_size, 0u8, blob.ro_data.clone()), (map.rw_address, map.rw_size, 1, blob.rw_data.clone()), (map.stack_low, map.stack_high - map.stack_low, 1, vec![])];
    for (slot, (address, size, access, init)) in (FIRST_DATA_SLOT..).zip(regions) {
        if size > 0 {
            data.push((slot, page(address), size.div_ceil(4096), access, init));
        }
    }
    let pages: u32 = data.iter().map(|d| d.2).sum();
    let mut entries = vec![EntrySpec { slot: CODE_SLOT, kind: 0, base_page: 0, page_count: 0, access: 0, bytes: &code_bytes }];
    entries.extend(data.iter().map(|(slot, base_page, page_count, access, init)| EntrySpec { slot: *slot, kind: 1, base_page: *base_page, page_count: *page_count, access: *access, bytes: init }));
    let manifest = encode(pages, CODE_SLOT, &entries);
    // What jarkit writes it must also accept.
    javm::manifest::Manifest::parse(&manifest).map_err(|e| format!("the transpiled manifest is not valid under jar1's rules: {e}"))?;
    Ok(Transpiled { manifest, entry: (name, export_pc), notes })
}

/// The arguments a transpiled program reads (a0..a5), as the bytes of its IPC capability.
pub fn args_bytes(args: &[u64]) -> Vec<u8> {
    args.iter().flat_map(|a| a.to_le_bytes()).collect()
}
