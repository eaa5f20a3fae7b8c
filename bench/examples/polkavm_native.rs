//! Writes PolkaVM's compiled machine code (generic sandbox) for a guest to a file and prints
//! which guest pc starts where, to read beside jarkit's (`native`):
//! `cargo run --release -p jarkit-bench --example polkavm_native -- sort /tmp/sort.pvm.bin`, then
//! `objdump -D -b binary -m i386:x86-64 /tmp/sort.pvm.bin`.

use polkavm::{CacheModel, CostModelKind, GasMeteringKind, Module, ModuleConfig, ProgramBlob};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let g = jarkit_bench::guests::find(args.get(1).map(String::as_str).unwrap_or("fib")).expect("guest");
    let out = args.get(2).cloned().unwrap_or_else(|| format!("/tmp/{}.pvm.bin", g.name));
    let engine = jarkit_bench::polkavm_vm::engine(jarkit_bench::polkavm_vm::Backend::CompilerGeneric).expect("engine");
    let blob = ProgramBlob::parse(g.blob.to_vec().into()).expect("blob");
    let mut config = ModuleConfig::new();
    config.set_gas_metering(Some(GasMeteringKind::Sync));
    config.set_cost_model(Some(CostModelKind::Full(CacheModel::L2Hit)));
    let module = Module::from_blob(&engine, &config, blob).expect("module");
    let code = module.machine_code().expect("compiled");
    std::fs::write(&out, code).expect("write");
    for (pc, offset) in module.program_counter_to_machine_code_offset().unwrap_or(&[]) {
        println!("pc {} offset {offset:#x}", pc.0);
    }
    eprintln!("{} bytes of code in {out}", code.len());
}
