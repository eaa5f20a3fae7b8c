//! The recompiler's fault handler shares the process: when other code installs its own SIGSEGV
//! handler after ours, the next compiled VM puts ours back (chaining to theirs), guest faults
//! keep working, and a fault of host code still reaches the other handler.

#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::sync::Arc;

use javm::machine::{start, Engine};
use javm::{Access, BlockRules, Code, Exit, GasCosts, LengthEncoding, Memory, Numbering, Opcode, OpcodeInfo, PagedMemory, Predecoded};

/// `store_imm_ind_u64 [r1], 7; trap` (GP numbering).
fn program() -> Arc<Predecoded> {
    let store = Opcode::StoreImmIndU64.byte(Numbering::Gp).unwrap();
    let trap = Opcode::Trap.byte(Numbering::Gp).unwrap();
    // One register (r1), a zero-length offset, a one-byte value.
    let code = [store, 1, 7, trap];
    let blob = Code::encode(&[], &code, &[true, false, false, true], LengthEncoding::Compact);
    let code = Code::parse(&blob, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).unwrap();
    Arc::new(Predecoded::new(code, &GasCosts::PerInstruction))
}

/// Runs the program on the recompiler with r1 = `addr` in a fresh memory whose pages are mapped
/// but unwritten (so the store faults into the slow path first); returns the exit and the byte.
fn run_at(addr: u32) -> (Exit, Option<Vec<u8>>) {
    let mut memory = PagedMemory::new();
    memory.guard = 0x10000;
    memory.map(0x20000, 0x2000, Access::ReadWrite);
    let mut vm = start(Engine::Compiler, program(), memory, 100).expect("this host runs the recompiler");
    vm.set_reg(1, u64::from(addr));
    assert!(vm.set_pc(0));
    let exit = vm.run();
    (exit, vm.memory().read_bytes(addr, 1))
}

extern "C" fn foreign_handler(_sig: libc::c_int) {
    // SAFETY: `_exit` is async-signal-safe.
    unsafe { libc::_exit(42) };
}

#[test]
fn a_replaced_handler_is_put_back_and_chained_to() {
    if std::env::var_os("JAVM_FAULT_CHILD").is_some() {
        assert_eq!(run_at(0x20000), (Exit::Trap, Some(vec![7])));
        // Another runtime takes SIGSEGV over.
        // SAFETY: installing a plain handler with a zeroed (empty-mask) action.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = foreign_handler as extern "C" fn(libc::c_int) as usize;
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut());
        }
        // The next VM puts ours back: its first write still faults into the slow path.
        assert_eq!(run_at(0x21000), (Exit::Trap, Some(vec![7])));
        // (Had the other handler seen the guest's fault, the process would have ended already.)
        use std::io::Write;
        println!("guest faults still handled");
        std::io::stdout().flush().unwrap();
        // A fault of host code reaches the other handler, which exits with 42.
        // SAFETY: deliberately not safe: this child process exists to fault here.
        unsafe { std::ptr::write_volatile(16 as *mut u64, 1) };
        unreachable!("the write to address 16 faults");
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_replaced_handler_is_put_back_and_chained_to", "--nocapture", "--test-threads=1"])
        .env("JAVM_FAULT_CHILD", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(42), "{:?}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("guest faults still handled"), "the guest's fault went to the other handler");
}
