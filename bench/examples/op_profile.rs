//! Dynamic instruction and instruction-pair counts of a guest, for choosing what to fuse:
//! `cargo run --release -p jarkit-bench --example op_profile -- ed25519`. Single-steps the
//! interpreter (one gas per instruction, one gas at a time), so it is slow but exact.
use std::collections::HashMap;
use std::sync::Arc;

use javm::{BlockRules, Code, Exit, GasCosts, LengthEncoding, Numbering, PolkaVmBlob, Predecoded, Vm};

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "fib".into());
    let g = jarkit_bench::guests::find(&name).expect("guest");
    let container = PolkaVmBlob::parse(g.blob).unwrap();
    let entry = container.export("run").unwrap();
    let rules = BlockRules { ecalli_ends_block: false, strict: false };
    let code = Code::parse(&container.code, LengthEncoding::Compact, Numbering::PolkaVm, rules).unwrap();
    let program = Arc::new(Predecoded::new(code, &GasCosts::PerInstruction));
    let (memory, map) = container.memory().unwrap();
    let mut vm = Vm::new(program.clone(), memory, 0);
    vm.set_reg(0, u64::from(javm::polkavm_blob::RETURN_TO_HOST));
    vm.set_reg(1, u64::from(map.stack_high));
    vm.set_reg(7, g.arg);
    vm.set_pc(entry);
    let name_of = |pc: u32| -> String {
        let i = program.index_of(pc).unwrap() as usize;
        program.ops()[i].opcode().map(|o| format!("{o:?}")).unwrap_or("invalid".into())
    };
    let mut singles: HashMap<String, u64> = HashMap::new();
    let mut pairs: HashMap<(String, String), u64> = HashMap::new();
    let mut prev: Option<String> = None;
    let mut total = 0u64;
    loop {
        let pc = vm.next_pc().unwrap();
        let this = name_of(pc);
        vm.gas = 1;
        match vm.run() {
            Exit::OutOfGas => {}
            Exit::Halt => break,
            Exit::HostCall(_) => {
                vm.set_reg(7, vm.reg(7).wrapping_add(1));
            }
            other => panic!("{other:?}"),
        }
        total += 1;
        *singles.entry(this.clone()).or_default() += 1;
        if let Some(p) = prev.take() {
            *pairs.entry((p, this.clone())).or_default() += 1;
        }
        prev = Some(this);
    }
    let mut s: Vec<_> = singles.into_iter().collect();
    s.sort_by(|a, b| b.1.cmp(&a.1));
    println!("{name}: {total} instructions");
    for (k, v) in s.iter().take(25) {
        println!("  {:5.2}% {k}", *v as f64 * 100.0 / total as f64);
    }
    let mut p: Vec<_> = pairs.into_iter().collect();
    p.sort_by(|a, b| b.1.cmp(&a.1));
    println!("pairs:");
    for ((a, b), v) in p.iter().take(30) {
        println!("  {:5.2}% {a} -> {b}", *v as f64 * 100.0 / total as f64);
    }
}
