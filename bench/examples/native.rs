//! Writes a guest's compiled machine code to a file and prints which record starts where, for
//! reading it with a disassembler:
//! `cargo run --release -p jarkit-bench --example native -- memcpy /tmp/memcpy.bin`, then
//! `objdump -D -b binary -m i386:x86-64 /tmp/memcpy.bin`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let g = jarkit_bench::guests::find(args.get(1).map(String::as_str).unwrap_or("fib")).expect("guest");
    let out = args.get(2).cloned().unwrap_or_else(|| format!("/tmp/{}.bin", g.name));
    let (container, program) = jarkit_bench::jarkit_vm::predecode(g.blob).unwrap();
    let (mut memory, _) = container.memory().unwrap();
    let compiled = javm::compiler::Compiled::new(program, &mut memory).unwrap();
    let (bytes, bodies) = compiled.native_code();
    std::fs::write(&out, bytes).unwrap();
    for (i, op) in compiled.program().ops().iter().enumerate() {
        println!("record {i} pc {} body {:#x}", op.pc, bodies[i]);
    }
    eprintln!("{} bytes of code in {out}", bytes.len());
}
