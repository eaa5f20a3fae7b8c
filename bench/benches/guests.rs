//! `cargo bench -p jarkit-bench`: criterion benchmarks of every guest on jarkit's interpreter and
//! recompiler and on PolkaVM's interpreter and (with `POLKAVM_ALLOW_EXPERIMENTAL=1`) compiler in
//! its generic sandbox (execute only, on a loaded instance), in the same run. `jarkit bench`
//! prints the summary table with both timings and ratios.

use criterion::{criterion_group, criterion_main, Criterion};
use jarkit_bench::harness::GAS;
use jarkit_bench::jarkit_vm::{Engine, JarkitGuest};
use jarkit_bench::polkavm_vm::{engine, Backend, PolkaVmGuest};
use jarkit_bench::GUESTS;

fn guests(c: &mut Criterion) {
    let pvm = engine(Backend::Interpreter).expect("PolkaVM interpreter");
    let pvm_compiler = engine(Backend::CompilerGeneric).ok();
    for g in GUESTS {
        let want = (g.expected)(g.arg);
        let mut group = c.benchmark_group(g.name);
        group.sample_size(10);
        let mut j = JarkitGuest::load(g.blob, "run").unwrap();
        assert_eq!(j.call(g.arg, GAS).unwrap().value, want);
        group.bench_function("jarkit", |b| b.iter(|| j.call(g.arg, GAS).unwrap()));
        let mut p = PolkaVmGuest::load(&pvm, g.blob).unwrap();
        assert_eq!(p.call("run", g.arg, GAS).unwrap().value, want);
        group.bench_function("polkavm-interpreter", |b| b.iter(|| p.call("run", g.arg, GAS).unwrap()));
        let mut jc = JarkitGuest::load_on(Engine::Compiler, g.blob, "run").unwrap();
        assert_eq!(jc.call(g.arg, GAS).unwrap().value, want);
        group.bench_function("jarkit-compiler", |b| b.iter(|| jc.call(g.arg, GAS).unwrap()));
        if let Some(e) = &pvm_compiler {
            let mut pc = PolkaVmGuest::load(e, g.blob).unwrap();
            assert_eq!(pc.call("run", g.arg, GAS).unwrap().value, want);
            group.bench_function("polkavm-compiler-generic", |b| b.iter(|| pc.call("run", g.arg, GAS).unwrap()));
        }
        group.finish();
    }
}

criterion_group!(benches, guests);
criterion_main!(benches);
