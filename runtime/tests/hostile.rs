//! Hostile and edge-case programs: malformed blobs, arithmetic edge operands, memory at page and
//! address-space boundaries, every exit reason, resumption, and arbitrary bytes as a blob.

use std::sync::Arc;

use javm::*;
use proptest::prelude::*;

/// Assembles instructions given as byte slices (first byte = opcode, GP numbering).
fn program(instrs: &[&[u8]], jump_table: &[u32], gas: GasCosts) -> Arc<Predecoded> {
    let mut code = Vec::new();
    let mut starts = Vec::new();
    for ins in instrs {
        for (k, b) in ins.iter().enumerate() {
            code.push(*b);
            starts.push(k == 0);
        }
    }
    let blob = Code::encode(jump_table, &code, &starts, LengthEncoding::Compact);
    let parsed = Code::parse(&blob, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).unwrap();
    Arc::new(Predecoded::new(parsed, &gas))
}

fn paged() -> PagedMemory {
    let mut m = PagedMemory::new();
    m.guard = 0x10000;
    m
}

const TRAP: &[u8] = &[0];

#[test]
fn malformed_blobs_are_typed_errors() {
    let cases: &[&[u8]] = &[
        &[],
        &[0],
        &[0, 0],
        &[5, 9, 1],                        // entry size 9
        &[0, 0, 0xE0, 0xFF, 0xFF, 0x0F],   // code length 2^28 - 1 with no bytes
        &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0], // huge jump table
        &[0, 0, 1, 0, 1, 99],              // trailing byte
    ];
    for c in cases {
        let r = Code::parse(c, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP);
        assert!(r.is_err(), "{c:?} accepted");
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("byte") || msg.contains("pc"), "{msg}");
    }
}

#[test]
fn strict_rules_reject_bad_block_structure() {
    // load_imm r0, 1 — last instruction is not a terminator.
    let blob = Code::encode(&[], &[51, 0, 1], &[true, false, false], LengthEncoding::Compact);
    let e = Code::parse(&blob, LengthEncoding::Compact, Numbering::Gp, BlockRules::JAR).unwrap_err();
    assert!(e.to_string().contains("not a terminator"), "{e}");
    // A jump table entry into the middle of a block.
    let blob = Code::encode(&[1], &[51, 0, 1, 0], &[true, false, false, true], LengthEncoding::Compact);
    let e = Code::parse(&blob, LengthEncoding::Compact, Numbering::Gp, BlockRules::JAR).unwrap_err();
    assert!(e.to_string().contains("jump table entry 0"), "{e}");
}

#[test]
fn division_edge_cases() {
    // r0 = i64::MIN via load_imm_64, r1 = -1; div_s_64 r2 = r0 / r1; rem_s_64 r3 = r0 % r1;
    // div_u_64 r4 = r0 / r5 (r5 = 0); rem_u_64 r6 = r0 % r5; div_s_32 r7 = r8 / r1 with r8 = i32::MIN.
    let p = program(
        &[
            &[20, 0, 0, 0, 0, 0, 0, 0, 0, 0x80],
            &[51, 1, 0xFF],
            &[204, 0x10, 2],
            &[206, 0x10, 3],
            &[203, 0x50, 4],
            &[205, 0x50, 6],
            &[51, 8, 0, 0, 0, 0x80],
            &[194, 0x18, 7],
            TRAP,
        ],
        &[],
        GasCosts::PerInstruction,
    );
    let mut vm = Vm::new(p, paged(), 100);
    assert_eq!(vm.run(), Exit::Trap);
    assert_eq!(vm.reg(2), i64::MIN as u64);
    assert_eq!(vm.reg(3), 0);
    assert_eq!(vm.reg(4), u64::MAX);
    assert_eq!(vm.reg(6), i64::MIN as u64);
    assert_eq!(vm.reg(7), i32::MIN as i64 as u64);
}

#[test]
fn shifts_by_64_and_more_are_masked() {
    // r0 = 1; r1 = 65; shlo_l_64 r2 = r0 << r1 (= 2); shlo_l_32 r3 = r0 << r1 (65 mod 32 = 1 → 2).
    let p = program(&[&[51, 0, 1], &[51, 1, 65], &[207, 0x10, 2], &[197, 0x10, 3], TRAP], &[], GasCosts::PerInstruction);
    let mut vm = Vm::new(p, paged(), 100);
    assert_eq!(vm.run(), Exit::Trap);
    assert_eq!(vm.reg(2), 2);
    assert_eq!(vm.reg(3), 2);
}

#[test]
fn memory_at_boundaries() {
    // load_u64 at 0xFFFF_FFFC: wraps past 2^32 into the guard zone → panic.
    let p = program(&[&[58, 0, 0xFC, 0xFF, 0xFF, 0xFF], TRAP], &[], GasCosts::PerInstruction);
    let mut m = paged();
    m.map(0xFFFF_F000, 4096, Access::ReadWrite);
    let mut vm = Vm::new(p, m, 100);
    assert_eq!(vm.run(), Exit::Panic);
    // A store spanning a writable and a read-only page faults at the read-only page.
    let p = program(&[&[62, 0, 0xFC, 0x0F, 0x02], TRAP], &[], GasCosts::PerInstruction);
    let mut m = paged();
    m.map(0x20000, 4096, Access::ReadWrite);
    m.map(0x21000, 4096, Access::ReadOnly);
    let mut vm = Vm::new(p, m, 100);
    assert_eq!(vm.run(), Exit::PageFault(0x21000));
    assert_eq!(vm.memory.read_bytes(0x20FFC, 4), Some(vec![0; 4]), "a failed store writes nothing");
}

#[test]
fn every_exit_and_resume() {
    // ecalli 7; load_u8 r1, [0x30000]; jump_ind r0 (halt address in r0).
    let p = program(&[&[10, 7], &[52, 1, 0, 0, 3], &[50, 0], TRAP], &[], GasCosts::PerInstruction);
    let mut vm = Vm::new(Arc::clone(&p), paged(), 100);
    vm.set_reg(0, 0xFFFF_0000);
    assert_eq!(vm.run(), Exit::HostCall(7));
    assert_eq!(vm.exit_pc(), 0);
    assert_eq!(vm.run(), Exit::PageFault(0x30000));
    let gas_at_fault = vm.gas;
    vm.memory.map(0x30000, 4096, Access::ReadWrite);
    vm.memory.write_bytes(0x30000, &[42]).unwrap();
    assert_eq!(vm.run(), Exit::Halt);
    assert_eq!(vm.reg(1), 42);
    assert_eq!(gas_at_fault - vm.gas, 1, "the load was paid before it faulted; only the jump is charged after the retry");
    // Out of gas, then resume with more gas.
    let mut vm = Vm::new(Arc::clone(&p), paged(), 0);
    assert_eq!(vm.run(), Exit::OutOfGas);
    vm.gas = 1;
    assert_eq!(vm.run(), Exit::HostCall(7));
    // An invalid opcode panics; running off the end traps.
    let q = program(&[&[255]], &[], GasCosts::PerInstruction);
    assert_eq!(Vm::new(q, paged(), 10).run(), Exit::Panic);
    let q = program(&[&[1]], &[], GasCosts::PerInstruction);
    assert_eq!(Vm::new(q, paged(), 10).run(), Exit::Trap);
}

#[test]
fn dynamic_jumps_everywhere() {
    // jump_ind r0 with odd, zero, out-of-range and valid addresses.
    let p = program(&[&[50, 0], TRAP, TRAP], &[2], GasCosts::PerInstruction);
    for (addr, exit) in [(0u64, Exit::Panic), (1, Exit::Panic), (4, Exit::Panic), (u64::MAX, Exit::Panic), (2, Exit::Trap)] {
        let mut vm = Vm::new(Arc::clone(&p), paged(), 10);
        vm.set_reg(0, addr);
        assert_eq!(vm.run(), exit, "address {addr}");
    }
}

#[test]
fn linear_memory_model_runs() {
    // store_u32 [0x100] = r0; load_u32 r1 = [0x100]; store past the end faults.
    let p = program(&[&[61, 0, 0, 1], &[56, 1, 0, 1], &[61, 0, 0, 0x20], TRAP], &[], GasCosts::PerInstruction);
    let mut vm = Vm::new(p, LinearMemory::new(4096, 4096), 100);
    vm.set_reg(0, 0xDEAD_BEEF);
    assert_eq!(vm.run(), Exit::PageFault(0x2000));
    assert_eq!(vm.reg(1), 0xDEAD_BEEF);
}

#[test]
fn per_block_gas_is_charged_on_entry() {
    let mut costs = std::collections::HashMap::new();
    costs.insert(0, 5);
    costs.insert(4, 7);
    // load_imm r0, 1; fallthrough; trap  (blocks at 0 and 4)
    let p = program(&[&[51, 0, 1], &[1], TRAP], &[], GasCosts::PerBlock(costs));
    let mut vm = Vm::new(Arc::clone(&p), paged(), 100);
    assert_eq!(vm.run(), Exit::Trap);
    assert_eq!(vm.gas, 100 - 5 - 7);
    let mut vm = Vm::new(p, paged(), 6);
    assert_eq!(vm.run(), Exit::OutOfGas);
    assert_eq!(vm.gas, 1, "nothing is deducted when the block cannot be paid");
    assert_eq!(vm.exit_pc(), 4);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary bytes as a blob: a typed error, or a run that ends within the gas limit.
    #[test]
    fn arbitrary_blobs_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256), strict: bool, pvm: bool) {
        let rules = if strict { BlockRules::JAR } else { BlockRules::GP };
        let numbering = if pvm { Numbering::PolkaVm } else { Numbering::Gp };
        if let Ok(code) = Code::parse(&bytes, LengthEncoding::Compact, numbering, rules) {
            let p = Arc::new(Predecoded::new(code, &GasCosts::PerInstruction));
            let mut m = paged();
            m.map(0x20000, 8192, Access::ReadWrite);
            m.heap_top = Some(0x22000);
            let mut vm = Vm::new(p, m, 10_000);
            for _ in 0..4 {
                let exit = vm.run();
                if !exit.is_resumable() { break; }
                if exit == Exit::OutOfGas { break; }
            }
        }
        let _ = Code::parse(&bytes, LengthEncoding::U32, numbering, rules);
    }
}
