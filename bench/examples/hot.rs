//! Where a guest's time goes on the recompiler, by guest instruction. First run the guest many
//! times under `perf`; it prints the address of its compiled code:
//! `perf record -o p.data target/release/examples/hot ed25519 200` (prints `code base 0x…`).
//! Then attribute the samples, passing that address (the code is compiled the same way again):
//! `perf script -i p.data -F ip | target/release/examples/hot ed25519 0 0x…`, which prints the
//! hottest records with their guest pc and instruction.

use std::io::BufRead;
use std::sync::Arc;

use javm::Machine;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let g = jarkit_bench::guests::find(args.get(1).map(String::as_str).unwrap_or("fib")).expect("guest");
    let rounds: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let (container, program) = jarkit_bench::jarkit_vm::predecode(g.blob).unwrap();
    let listing: Vec<String> = javm::disasm::listing(program.code()).lines().map(str::to_string).collect();
    let (mut memory, map) = container.memory().unwrap();
    let compiled = Arc::new(javm::compiler::Compiled::new(program, &mut memory).unwrap());
    let (bytes, bodies) = compiled.native_code();
    let base = bytes.as_ptr() as u64;
    if rounds == 0 {
        // Attribute samples (absolute addresses, one per line) from the profiled run, whose code
        // started at the address given as the third argument.
        let run_base = u64::from_str_radix(args.get(3).map(String::as_str).unwrap_or("0").trim_start_matches("0x"), 16).unwrap_or(0);
        let mut counts = vec![0u64; bodies.len()];
        let mut total = 0;
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            let Ok(ip) = u64::from_str_radix(line.trim(), 16) else { continue };
            let Some(off) = ip.checked_sub(run_base).filter(|&o| o < bytes.len() as u64) else { continue };
            total += 1;
            // The record whose body starts at or before the offset.
            let k = bodies.partition_point(|&b| u64::from(b) <= off).saturating_sub(1);
            counts[k] += 1;
        }
        let mut order: Vec<usize> = (0..counts.len()).collect();
        order.sort_by_key(|&k| std::cmp::Reverse(counts[k]));
        println!("{total} samples in compiled code");
        for &k in order.iter().take(40) {
            let pc = compiled.program().ops()[k].pc;
            let text = listing.iter().find(|l| l.trim_start().starts_with(&format!("{pc}:"))).cloned().unwrap_or_default();
            println!("{:6} {:5.1}%  {}", counts[k], 100.0 * counts[k] as f64 / total.max(1) as f64, text.trim());
        }
        return;
    }
    eprintln!("code base {base:#x}");
    let mut vm = javm::compiler::CompiledVm::new(compiled.clone(), memory, 0).unwrap();
    for _ in 0..rounds {
        for r in 0..13 {
            vm.set_reg(r, 0);
        }
        vm.set_reg(0, u64::from(javm::polkavm_blob::RETURN_TO_HOST));
        vm.set_reg(1, u64::from(map.stack_high));
        vm.set_reg(7, g.arg);
        vm.set_gas(i64::MAX / 2);
        vm.set_pc(container.export("run").unwrap());
        loop {
            match Machine::run(&mut vm) {
                javm::Exit::HostCall(_) => vm.set_reg(7, vm.reg(7).wrapping_add(1)),
                _ => break,
            }
        }
    }
}
