//! The two decoding rules on which the Gray Paper and PolkaVM part, as the spec names them
//! (`Program.threeRegDest`, `Program.eagerTargets` in `spec/Jar/JAVM/Program.lean`): each
//! numbering follows its own profile, and the reference executor, the interpreter and the
//! recompiler agree on both.

use jarkit::reference::{self, Final, Setup};
use javm::{Exit, Numbering, Opcode, OpcodeInfo};

/// A code blob (no jump table) of `code` with instruction starts at `starts`.
fn blob(code: &[u8], starts: &[usize]) -> Vec<u8> {
    let mut mask = vec![0u8; code.len().div_ceil(8)];
    for &s in starts {
        mask[s / 8] |= 1 << (s % 8);
    }
    let mut v = vec![0, 0, code.len() as u8];
    v.extend_from_slice(code);
    v.extend_from_slice(&mask);
    v
}

fn op(o: Opcode, n: Numbering) -> u8 {
    o.byte(n).expect("the opcode exists in both numberings")
}

/// Runs on all three engines, requires them to agree, and returns the result.
fn run(program: Vec<u8>, numbering: Numbering, regs: &[(usize, u64)]) -> Final {
    let mut r = [0u64; 13];
    for &(i, v) in regs {
        r[i] = v;
    }
    let setup = Setup { program, numbering, ecalli_ends_block: false, block_costs: None, regs: r, pc: 0, gas: 100, pages: vec![], guard: 0, heap_top: None };
    let spec = reference::run(&setup, 1_000).unwrap();
    assert_eq!(reference::run_interpreter(&setup).unwrap(), spec, "interpreter vs spec ({numbering:?})");
    if let Some(compiled) = reference::run_compiled(&setup).unwrap() {
        assert_eq!(compiled, spec, "recompiler vs spec ({numbering:?})");
    }
    spec
}

#[test]
fn a_three_register_destination_is_the_whole_byte_for_the_gp_and_the_low_nibble_for_polkavm() {
    for n in [Numbering::Gp, Numbering::PolkaVm] {
        // add_64 with ra = r1, rb = r2 and third byte 0x53: junk 5 in the high nibble, 3 below.
        let code = [op(Opcode::Add64, n), 0x21, 0x53, op(Opcode::Trap, n)];
        let f = run(blob(&code, &[0, 3]), n, &[(1, 5), (2, 7)]);
        let (written, untouched) = if n == Numbering::Gp { (12, 3) } else { (3, 12) };
        assert_eq!(f.regs[written], 12, "{n:?}: {:?}", f.regs);
        assert_eq!(f.regs[untouched], 0, "{n:?}: {:?}", f.regs);
    }
}

#[test]
fn a_branch_not_taken_to_a_non_block_start_panics_only_under_polkavm() {
    for n in [Numbering::Gp, Numbering::PolkaVm] {
        // branch_ne r1, r1 (never taken) to pc 2, inside the branch itself; then trap at pc 3.
        let code = [op(Opcode::BranchNe, n), 0x11, 0x02, op(Opcode::Trap, n)];
        let f = run(blob(&code, &[0, 3]), n, &[]);
        match n {
            Numbering::Gp => assert_eq!((f.exit, f.pc), (Exit::Trap, 3), "the GP goes on past a branch not taken"),
            Numbering::PolkaVm => assert_eq!((f.exit, f.pc), (Exit::Panic, 0), "PolkaVM panics at the branch"),
        }
        // Taken, both panic at the branch.
        let code = [op(Opcode::BranchEq, n), 0x11, 0x02, op(Opcode::Trap, n)];
        let f = run(blob(&code, &[0, 3]), n, &[]);
        assert_eq!((f.exit, f.pc), (Exit::Panic, 0), "{n:?}");
    }
}

/// `jarkit run --trace` steps through the spec one instruction at a time, so under a per-block
/// gas model (jar080_tiny: u32 lengths, single-pass block costs) it lists every instruction of
/// the block and ends where the engines end, with the same gas.
#[test]
fn run_trace_lists_every_instruction_under_a_per_block_gas_model() {
    let add = op(Opcode::Add64, Numbering::Gp);
    let code = [add, 0x21, 3, add, 0x21, 3, op(Opcode::Trap, Numbering::Gp)];
    let mut blob = 0u32.to_le_bytes().to_vec();
    blob.push(0);
    blob.extend_from_slice(&(code.len() as u32).to_le_bytes());
    blob.extend_from_slice(&code);
    blob.push(0b100_1001);
    let dir = std::env::temp_dir().join(format!("jarkit-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("adds.blob");
    std::fs::write(&path, &blob).unwrap();
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["run", "--variant", "jar080_tiny"]).args(extra).arg(&path).output().unwrap();
        // It ends on `trap`: exit code 10, traced or not.
        assert_eq!(out.status.code(), Some(10), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let traced = run(&["--trace"]);
    let plain = run(&[]);
    // Step lines are `   pc: instruction …`.
    let steps: Vec<&str> = traced.lines().filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && (l.contains(": add_64") || l.contains(": trap"))).collect();
    assert_eq!(steps.len(), 3, "{traced}");
    let tail = |t: &str| t.lines().filter(|l| l.starts_with("exit:") || l.starts_with("gas used:")).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(tail(&traced), tail(&plain), "{traced}\n{plain}");
}

#[test]
fn a_jump_to_the_end_of_the_code_meets_the_implicit_trap_under_the_gp_and_panics_under_polkavm() {
    for n in [Numbering::Gp, Numbering::PolkaVm] {
        // `jump` by +3 (pc 0, a one-byte offset), `trap` at pc 2: the target, pc 3, is just past
        // the code, where the GP reads the implicit trap.
        let code = [op(Opcode::Jump, n), 0x03, op(Opcode::Trap, n)];
        let f = run(blob(&code, &[0, 2]), n, &[]);
        match n {
            Numbering::Gp => assert_eq!((f.exit, f.pc), (Exit::Trap, 3), "the GP runs the implicit trap past the end"),
            Numbering::PolkaVm => assert_eq!((f.exit, f.pc), (Exit::Panic, 0), "PolkaVM takes only targets inside the code"),
        }
    }
}

#[test]
fn a_store_across_a_read_only_and_an_unmapped_page_faults_on_the_first_under_the_gp_and_the_unmapped_one_under_polkavm() {
    for n in [Numbering::Gp, Numbering::PolkaVm] {
        // store_ind_u32 [r1 + 0], r0 with r1 = 0x10FFE: two bytes on read-only page 0x10, two
        // on page 0x11, which is not mapped.
        let code = [op(Opcode::StoreIndU32, n), 0x10, op(Opcode::Trap, n)];
        let mut r = [0u64; 13];
        r[1] = 0x10FFE;
        let setup = Setup {
            program: blob(&code, &[0, 2]),
            numbering: n,
            ecalli_ends_block: false,
            block_costs: None,
            regs: r,
            pc: 0,
            gas: 100,
            pages: vec![(0x10, false, vec![])],
            guard: 0x10000,
            heap_top: None,
        };
        let spec = reference::run(&setup, 1_000).unwrap();
        assert_eq!(reference::run_interpreter(&setup).unwrap(), spec, "interpreter vs spec ({n:?})");
        if let Some(compiled) = reference::run_compiled(&setup).unwrap() {
            assert_eq!(compiled, spec, "recompiler vs spec ({n:?})");
        }
        let page = if n == Numbering::Gp { 0x10000 } else { 0x11000 };
        assert_eq!((spec.exit, spec.pc), (Exit::PageFault(page), 0), "{n:?}");
    }
}
