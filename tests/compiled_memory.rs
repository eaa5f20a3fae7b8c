//! Every fault path of the recompiler's guest memory, driven on purpose: each access width, load
//! (signed and unsigned) and store, at every offset around page boundaries of unmapped,
//! read-only, unwritten and written pages, the guard zone, the last page and the wrap-around at
//! 2^32. Each case runs on the reference executor (the spec), the interpreter and the
//! recompiler (whose accesses are single instructions on a reserved address space, with refused
//! ones turned into the slow path by a fault handler), which must agree on the exit, pc,
//! registers, gas and every page with data.

use jarkit::crosscheck::{self, asm::Inst, asm::assemble};
use jarkit::reference::Setup;
use javm::{Numbering, Opcode};

/// A page full of distinct bytes, so a wrong width or offset shows.
fn data(seed: u8) -> Vec<u8> {
    (0..4096u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// Two layouts: the GP's (guard zone below 64 KiB; a written page, a read-only page, a hole, a
/// mapped but unwritten page, the last page of the space), and one with page 0 mapped so that an
/// access at the top wraps around into it.
fn layouts() -> Vec<(u32, Vec<(u32, bool, Vec<u8>)>)> {
    vec![
        (0x10000, vec![(0x20, true, data(1)), (0x21, false, data(2)), (0x23, true, vec![0; 4096]), (0xFFFFF, true, data(3))]),
        (0, vec![(0x0, true, data(4)), (0x1, false, data(5)), (0xFFFFF, true, data(6))]),
    ]
}

/// Addresses 8 bytes either side of each interesting boundary.
fn addresses() -> Vec<u32> {
    let mut out = Vec::new();
    for boundary in [0x0u32, 0x1000, 0x2000, 0x10000, 0x20000, 0x21000, 0x22000, 0x23000, 0x24000, 0xFFFFF000] {
        for d in -8i64..=8 {
            out.push((boundary as i64 + d) as u32);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn accesses() -> Vec<Inst> {
    use Opcode::*;
    let mut out = Vec::new();
    for op in [LoadIndU8, LoadIndI8, LoadIndU16, LoadIndI16, LoadIndU32, LoadIndI32, LoadIndU64] {
        // r2 = mem[r1]
        out.push(Inst { ra: 2, rb: 1, ..Inst::new(op) });
        // r10 (not pinned in a host register) = mem[r1 + 3]
        out.push(Inst { ra: 10, rb: 1, imm1: 3, ..Inst::new(op) });
    }
    for op in [StoreIndU8, StoreIndU16, StoreIndU32, StoreIndU64] {
        out.push(Inst { ra: 2, rb: 1, ..Inst::new(op) });
    }
    for op in [StoreImmIndU8, StoreImmIndU16, StoreImmIndU32, StoreImmIndU64] {
        out.push(Inst { ra: 1, imm1: 0, imm2: -2, ..Inst::new(op) });
    }
    out
}

#[test]
fn every_access_width_at_every_page_boundary_agrees_on_all_engines() {
    let mut cases = 0;
    let mut faults = 0;
    for (guard, pages) in layouts() {
        for access in accesses() {
            // The access, a read-back of the same place (a store's first write to a page, then
            // its second through the now-open page), and a trap.
            let program = [access.clone(), Inst { ra: 3, rb: 1, ..Inst::new(Opcode::LoadIndU64) }, Inst::new(Opcode::Trap)];
            let blob = assemble(&program, &[], Numbering::Gp);
            for addr in addresses() {
                let mut regs = [0u64; 13];
                regs[1] = addr as u64;
                regs[2] = 0x8877_6655_4433_2211;
                let setup = Setup {
                    program: blob.clone(),
                    numbering: Numbering::Gp,
                    ecalli_ends_block: false,
                    block_costs: None,
                    regs,
                    pc: 0,
                    gas: 100,
                    pages: pages.clone(),
                    guard,
                    heap_top: None,
                };
                let (fin, compiled) = crosscheck::compare(&setup).unwrap_or_else(|d| panic!("{:?} at {addr:#x}:\n{d}", access.op));
                #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
                assert!(compiled, "the recompiler ran");
                let _ = compiled;
                cases += 1;
                faults += usize::from(!matches!(fin.exit, javm::Exit::Trap));
            }
        }
    }
    // Both outcomes are well represented: the boundaries are where the answers change.
    assert!(faults > cases / 5 && faults < cases * 4 / 5, "{faults} of {cases} cases faulted");
}

/// A host fault outside any guest access still reaches the previous handler: the recompiler's
/// handler is installed (a compiled run above or here), and a plain segfault of host code in a
/// child process still kills that process with SIGSEGV rather than being swallowed.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[test]
fn a_host_fault_is_not_swallowed() {
    if std::env::var_os("JARKIT_CRASH_CHILD").is_some() {
        // Install the handler by running compiled code once, then fault in host code.
        let setup = Setup {
            program: assemble(&[Inst { ra: 2, rb: 1, ..Inst::new(Opcode::LoadIndU8) }], &[], Numbering::Gp),
            numbering: Numbering::Gp,
            ecalli_ends_block: false,
            block_costs: None,
            regs: [0; 13],
            pc: 0,
            gas: 10,
            pages: vec![],
            guard: 0x10000,
            heap_top: None,
        };
        assert!(jarkit::reference::run_compiled(&setup).unwrap().is_some());
        // SAFETY: deliberately not safe: this child process exists to crash here.
        unsafe { std::ptr::write_volatile(16 as *mut u64, 1) };
        unreachable!("the write to address 16 faults");
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args(["--exact", "a_host_fault_is_not_swallowed", "--nocapture", "--test-threads=1"])
        .env("JARKIT_CRASH_CHILD", "1")
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(11), "the child died of SIGSEGV: {:?}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
}
