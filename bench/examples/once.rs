//! Runs one guest once on one VM, for instruction counting:
//! `valgrind --tool=callgrind target/release/examples/once jarkit fib`.
use jarkit_bench::harness::{run_once, Vm};
use jarkit_bench::polkavm_vm::Backend;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let vm = match args.get(1).map(String::as_str) {
        Some("jarkit") => Vm::Jarkit(jarkit_bench::jarkit_vm::Engine::Interpreter),
        Some("jarkit-compiler") => Vm::Jarkit(jarkit_bench::jarkit_vm::Engine::Compiler),
        Some("polkavm") => Vm::PolkaVm(Backend::Interpreter),
        _ => panic!("usage: once jarkit|jarkit-compiler|polkavm GUEST"),
    };
    let g = jarkit_bench::guests::find(args.get(2).map(String::as_str).unwrap_or("fib")).expect("guest");
    let r = run_once(g, vm).unwrap();
    println!("{} = {:#x}, gas {}", g.name, r.value, r.gas_used);
}
