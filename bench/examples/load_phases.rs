//! Where loading a guest goes, phase by phase, next to PolkaVM's whole load (parse + compile +
//! instantiate, generic sandbox): `cargo run --release -p jarkit-bench --example load_phases`.
//! Medians of 51 rounds, in microseconds, and compile speed per KiB of code.

use std::sync::Arc;
use std::time::Instant;

use javm::{BlockRules, Code, GasCosts, LengthEncoding, Numbering, PolkaVmBlob, Predecoded};
use jarkit_bench::polkavm_vm::{engine, Backend, PolkaVmGuest};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let pvm = engine(Backend::CompilerGeneric).expect("PolkaVM's compiler runs here");
    println!("| guest | code KiB | parse | gas (pipeline model) | predecode | memory | compile | jarkit load | polkavm load | compile µs/KiB |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for g in jarkit_bench::guests::GUESTS {
        let mut phases = [Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        let mut code_len = 0;
        for _ in 0..51 {
            let t0 = Instant::now();
            let container = PolkaVmBlob::parse(g.blob).unwrap();
            let code = Code::parse(&container.code, LengthEncoding::Compact, Numbering::PolkaVm, BlockRules { ecalli_ends_block: false, strict: false }).unwrap();
            code_len = code.code.len();
            let t1 = Instant::now();
            let gas = GasCosts::pipeline(&code);
            let t2 = Instant::now();
            let program = Arc::new(Predecoded::new(code, &gas));
            let t3 = Instant::now();
            let (mut memory, _) = container.memory().unwrap();
            // Reserving the guest space and moving the data pages in is part of instantiating.
            let _ = javm::Memory::jit_view(&mut memory);
            let t3b = Instant::now();
            let compiled = javm::compiler::Compiled::new(program, &mut memory).unwrap();
            let t4 = Instant::now();
            std::hint::black_box(compiled);
            let p0 = Instant::now();
            std::hint::black_box(PolkaVmGuest::load(&pvm, g.blob).unwrap());
            let p1 = Instant::now();
            for (k, d) in [t1 - t0, t2 - t1, t3 - t2, t3b - t3, t4 - t3b, p1 - p0].into_iter().enumerate() {
                phases[k].push(d.as_secs_f64() * 1e6);
            }
        }
        let [parse, gas, predecode, memory, compile, polkavm] = phases.map(median);
        let kib = code_len as f64 / 1024.0;
        println!(
            "| {} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} |",
            g.name,
            kib,
            parse,
            gas,
            predecode,
            memory,
            compile,
            parse + gas + predecode + memory + compile,
            polkavm,
            compile / kib
        );
    }
}
