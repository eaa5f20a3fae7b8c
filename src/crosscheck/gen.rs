//! Generators of valid-looking JAVM programs and initial states for the cross-check: straight
//! code, forward and backward branches (loops bounded by the gas limit), jump tables, loads and
//! stores at page boundaries and into unmapped, read-only and guard-zone memory, every ALU
//! operation with edge-case operands, host calls, and the occasional invalid opcode or branch
//! into the middle of a block.

use javm::{Opcode, OpcodeInfo, OperandClass};
use proptest::prelude::*;

use super::asm::{assemble, Inst};
use crate::reference::Setup;

/// The parts of a variant that change how a program runs.
#[derive(Clone, Debug)]
pub struct Rules {
    pub ecalli_ends_block: bool,
    /// Segmented memory (guard zone below 0x10000, pages there) or linear (one region from 0).
    pub linear_memory: bool,
    /// One gas per instruction, or per basic block.
    pub per_block_gas: bool,
    /// Which opcode bytes the program is written in. Under PolkaVM's numbering `unlikely` stays
    /// inside its block, instructions it lacks (`sbrk`) become invalid bytes, and block gas comes
    /// from the full pipeline model (PolkaVM's); under the GP's, from the single-pass model.
    pub numbering: javm::Numbering,
    /// Only valid instructions: an invalid opcode byte, or an instruction the numbering lacks,
    /// becomes `trap` (PolkaVM's interpreter refuses a program with an invalid instruction
    /// anywhere, so its oracle gets these).
    pub valid_only: bool,
}

/// Pages the generated programs use (segmented layout): one read-only, two writable, one unmapped
/// gap between them; the linear layout uses pages 0–2.
const RO_PAGE: u32 = 0x10;
const RW_PAGES: [u32; 2] = [0x12, 0x13];

/// Register values that exercise edge cases, memory boundaries and the jump table.
fn interesting_value() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => any::<u64>(),
        2 => 0u64..16,
        1 => Just(u64::MAX),
        1 => Just(i64::MIN as u64),
        1 => Just(i64::MAX as u64),
        1 => Just(0x8000_0000),
        1 => Just(0xFFFF_FFFF),
        1 => Just(0xFFFF_FFFF_8000_0000),
        // Addresses: inside and at the edges of the mapped pages, the gap, the guard zone.
        3 => prop::sample::select(vec![0x10000u64, 0x10FFC, 0x11000, 0x12000, 0x12FFD, 0x13FF8, 0x13FFF, 0x14000, 0xFFFC, 0x0, 0x1000, 0x2FFE]),
        // Jump-table addresses (2, 4, 6) and the halt address.
        1 => prop::sample::select(vec![2u64, 4, 6, 8, 3, 0xFFFF_0000]),
    ]
}

fn small_imm() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -16i64..16,
        2 => any::<i32>().prop_map(i64::from),
        1 => prop::sample::select(vec![0i64, 1, -1, 31, 32, 63, 64, i32::MIN as i64, i32::MAX as i64, 0x10000, 0x12000, 0x12FFE, 0x13FFC]),
    ]
}

/// The instructions a program is drawn from: every instruction, terminators a little more often.
fn opcode() -> impl Strategy<Value = Opcode> {
    let all: Vec<Opcode> = Opcode::ALL.to_vec();
    let terminators: Vec<Opcode> = all.iter().copied().filter(|o| o.is_terminator()).collect();
    prop_oneof![
        6 => prop::sample::select(all),
        1 => prop::sample::select(terminators),
    ]
}

/// One abstract instruction: an opcode and raw material for its operands.
#[derive(Clone, Debug)]
pub struct Raw {
    op: Opcode,
    /// Register fields; 13–15 (clamped to 12 by decoding) now and then.
    regs: (u8, u8, u8),
    imm1: i64,
    imm2: i64,
    target: prop::sample::Index,
    /// Small chance of an invalid opcode byte or a target that is not a block start.
    odd: u8,
    /// Extra argument bytes (a non-canonical encoding), usually none.
    pad: u8,
    /// Bits where decoding ignores them (see `Inst::junk`), usually none.
    junk: u8,
}

fn raw() -> impl Strategy<Value = Raw> {
    let reg = || prop_oneof![24 => 0u8..13, 1 => 13u8..16];
    let pad = prop_oneof![20 => Just(0u8), 1 => 1u8..4];
    let junk = prop_oneof![10 => Just(0u8), 1 => 1u8..32];
    (opcode(), (reg(), reg(), reg()), small_imm(), small_imm(), any::<prop::sample::Index>(), any::<u8>(), (pad, junk))
        .prop_map(|(op, regs, imm1, imm2, target, odd, (pad, junk))| Raw { op, regs, imm1, imm2, target, odd, pad, junk })
}

/// A whole test case before it is turned into a [`Setup`] for a variant.
#[derive(Clone, Debug)]
pub struct Case {
    pub program: Vec<Raw>,
    pub jump_table: Vec<prop::sample::Index>,
    pub regs: [u64; 13],
    pub gas: u64,
    pub memory_seed: u64,
    /// Whether the (segmented) layout has an `sbrk` heap above the RW pages.
    pub heap: bool,
}

/// A piece of a program: one instruction, or (less often) the instructions of one of the
/// interpreter's fused runs in a row, with random operands, so that every superinstruction is
/// exercised. Half of the runs are chained: each instruction's `ra` or `rb` names the register
/// the one before it writes, the case the interpreter's forwarding forms rely on.
fn chunk() -> impl Strategy<Value = Vec<Raw>> {
    use javm::interpreter::fusion::{destination, Field, FUSIONS, MAX_RUN};
    let runs: Vec<&'static [Opcode]> = FUSIONS.iter().map(|f| f.run).collect();
    prop_oneof![
        5 => raw().prop_map(|r| vec![r]),
        1 => recompiler_idiom(),
        1 => (prop::sample::select(runs), proptest::collection::vec(raw(), MAX_RUN), 0u8..4).prop_map(|(run, raws, link)| {
            let mut out: Vec<Raw> = run.iter().zip(raws).map(|(&op, r)| Raw { op, ..r }).collect();
            for k in 1..out.len() {
                let (ra, _, rd) = out[k - 1].regs;
                let written = match destination(out[k - 1].op) {
                    Some(Field::Ra) => ra,
                    Some(Field::Rd) => rd,
                    None => continue,
                };
                match link {
                    0 => out[k].regs.0 = written,
                    1 => out[k].regs.1 = written,
                    _ => {}
                }
            }
            out
        }),
    ]
}

/// The shapes the recompiler turns into fewer instructions, with random registers (so that they
/// collide now and then, where it must not): a rotate written as two shifts and an `or`,
/// sometimes with a load between (it must still fault exactly as written), an add, its carry
/// and the carry added on (sometimes overwritten after, sometimes read again), and a `not` and
/// an `and` of it.
fn recompiler_idiom() -> impl Strategy<Value = Vec<Raw>> {
    // One instruction of an idiom: `r`'s random material with this opcode, registers and first
    // immediate, encoded plainly (no padding, no junk bits, no odd opcode or target).
    fn plain(r: &Raw, op: Opcode, regs: (u8, u8, u8), imm1: i64) -> Raw {
        Raw { op, regs, imm1, pad: 0, junk: 0, odd: 0, ..r.clone() }
    }
    use Opcode::*;
    let reg = || 0u8..13;
    let loads = vec![LoadIndU8, LoadIndI16, LoadIndU32, LoadIndU64];
    let rotate = (proptest::collection::vec(raw(), 4), (reg(), reg(), reg(), reg(), reg()), 1i64..64, any::<[bool; 4]>(), prop::sample::select(loads)).prop_map(
        |(raws, (x, t, u, base, dst), k, [left_first, gap, swap, into_t], load)| {
            let right = plain(&raws[0], ShloRImm64, (t, x, 0), k);
            let left = plain(&raws[1], ShloLImm64, (u, x, 0), 64 - k);
            let d = if into_t { t } else { u };
            let or = plain(&raws[3], Or, if swap { (u, t, d) } else { (t, u, d) }, 0);
            let mut out = if left_first { vec![left, right] } else { vec![right, left] };
            if gap {
                let offset = raws[2].imm1;
                out.push(plain(&raws[2], load, (dst, base, 0), offset));
            }
            out.push(or);
            out
        },
    );
    let carry = (proptest::collection::vec(raw(), 4), (reg(), reg(), reg(), reg(), reg(), reg()), any::<[bool; 3]>()).prop_map(
        |(raws, (a, b, d, c, f, x), [other, swap, overwrite])| {
            let mut out = vec![
                plain(&raws[0], Add64, (a, b, d), raws[0].imm1),
                plain(&raws[1], SetLtU, (d, if other { b } else { a }, c), raws[1].imm1),
                plain(&raws[2], Add64, if swap { (c, x, f) } else { (x, c, f) }, raws[2].imm1),
            ];
            out.push(if overwrite { plain(&raws[3], LoadImm, (c, 0, 0), raws[3].imm1) } else { plain(&raws[3], Add64, (c, c, f), raws[3].imm1) });
            out
        },
    );
    let and_not = (proptest::collection::vec(raw(), 2), (reg(), reg(), reg(), reg()), any::<[bool; 2]>()).prop_map(|(raws, (t, x, y, d), [swap, same])| {
        // The `and` into the `not`'s register (fused) or, now and then, into another.
        let d = if same { t } else { d };
        vec![plain(&raws[0], XorImm, (t, x, 0), -1), plain(&raws[1], And, if swap { (y, t, d) } else { (t, y, d) }, 0)]
    });
    prop_oneof![rotate, carry, and_not]
}

pub fn case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(chunk(), 1..32).prop_map(|chunks| chunks.concat()),
        proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
        proptest::array::uniform13(interesting_value()),
        prop_oneof![3 => 0u64..400, 1 => 0u64..5],
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(program, jump_table, regs, gas, memory_seed, heap)| Case { program, jump_table, regs, gas, memory_seed, heap })
}

/// Whether instruction `i` of `ops` starts a basic block under `rules`.
fn block_starts(ops: &[Inst], rules: &Rules) -> Vec<bool> {
    let mut out = Vec::with_capacity(ops.len());
    let mut start = true;
    for i in ops {
        out.push(start);
        let hint = i.op == Opcode::Unlikely && rules.numbering == javm::Numbering::PolkaVm;
        start = i.raw_opcode.is_some()
            || (i.op.is_terminator() && !hint)
            || (rules.ecalli_ends_block && matches!(i.op, Opcode::Ecalli | Opcode::Ecall));
    }
    out
}

/// The instructions of `case`, with branch targets resolved against the block starts.
pub fn instructions(case: &Case, rules: &Rules) -> (Vec<Inst>, Vec<usize>) {
    let mut ops: Vec<Inst> = case
        .program
        .iter()
        .map(|r| {
            let mut i = Inst::new(r.op);
            (i.ra, i.rb, i.rd) = r.regs;
            i.pad = r.pad;
            i.junk = r.junk;
            i.imm1 = r.imm1;
            i.imm2 = r.imm2;
            if r.op == Opcode::LoadImm64 {
                i.imm1 = (r.imm1 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) as i64;
            }
            if r.odd == 255 || r.op.byte(rules.numbering).is_none() {
                if rules.valid_only {
                    i = Inst::new(Opcode::Trap);
                } else {
                    i.raw_opcode = Some(255); // not an opcode in either numbering
                }
            }
            i
        })
        .collect();
    if rules.valid_only {
        // PolkaVM reads running off the end as an invalid instruction; an explicit `trap` is
        // what jarkit reads there anyway.
        ops.push(Inst::new(Opcode::Trap));
    }
    let starts = block_starts(&ops, rules);
    let mut block_indices: Vec<usize> = (0..ops.len()).filter(|&k| starts[k]).collect();
    // The implicit trap past the end starts a block too when the last instruction ends one.
    if block_starts(&[ops.clone(), vec![Inst::new(Opcode::Trap)]].concat(), rules)[ops.len()] {
        block_indices.push(ops.len());
    }
    for (i, r) in ops.iter_mut().zip(&case.program) {
        if matches!(i.op.class(), OperandClass::OneOffset | OperandClass::OneRegImmOffset | OperandClass::TwoRegOneOffset) {
            i.target = if r.odd == 254 { r.target.index(case.program.len()) } else { block_indices[r.target.index(block_indices.len())] };
        }
    }
    let table = case.jump_table.iter().map(|t| block_indices[t.index(block_indices.len())]).collect();
    (ops, table)
}

/// `len` bytes of a deterministic pattern from `seed` (xorshift; a zero seed gives zeros).
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Memory contents: a deterministic pattern from the seed.
fn page_bytes(seed: u64, page: u32) -> Vec<u8> {
    pattern(seed ^ (u64::from(page) << 32) ^ 0x243F_6A88_85A3_08D3, 4096)
}

/// The run `case` describes, under `rules`.
pub fn setup(case: &Case, rules: &Rules) -> Setup {
    let (ops, table) = instructions(case, rules);
    let program = assemble(&ops, &table, rules.numbering);
    let (pages, guard) = if rules.linear_memory {
        ((0..3).map(|p| (p, true, page_bytes(case.memory_seed, p))).collect(), 0)
    } else {
        let mut pages = vec![(RO_PAGE, false, page_bytes(case.memory_seed, RO_PAGE))];
        // The second writable page holds no data in half the cases: its first write is then the
        // memory's first sight of it (the recompiler takes that write through a fault).
        let unwritten = |p: u32| p == RW_PAGES[1] && case.memory_seed % 2 == 1;
        pages.extend(RW_PAGES.iter().map(|&p| (p, true, if unwritten(p) { vec![] } else { page_bytes(case.memory_seed, p) })));
        (pages, 0x10000)
    };
    // Block costs as the runtime computes them at load time (the single-pass model from the
    // spec's generated code; the pipeline model from javm's simulation of it, which
    // `pipeline_models_agree` holds to the spec's).
    let block_costs = rules.per_block_gas.then(|| {
        let code = javm::Code::parse(&program, javm::LengthEncoding::Compact, rules.numbering, javm::BlockRules { ecalli_ends_block: rules.ecalli_ends_block, strict: false })
            .expect("assembled programs parse");
        let costs = match rules.numbering {
            javm::Numbering::Gp => javm::GasCosts::single_pass(&code),
            javm::Numbering::PolkaVm => javm::GasCosts::pipeline(&code),
        };
        costs.block_list().unwrap_or_default()
    });
    // The heap starts just above the RW pages, mid-page so that growth both fills a page and maps
    // new ones.
    let heap_top = (case.heap && !rules.linear_memory).then_some(0x14000 + (case.memory_seed % 4096) as u32);
    let mut pages = pages;
    if heap_top.is_some() {
        // The page holding the heap top is part of the heap already; nothing is written there.
        pages.push((0x14, true, vec![]));
    }
    Setup { program, numbering: rules.numbering, ecalli_ends_block: rules.ecalli_ends_block, block_costs, regs: case.regs, pc: 0, gas: case.gas, pages, guard, heap_top }
}
