//! `cargo bench -p jarkit-bench`: criterion benchmarks of every guest on jarkit's interpreter and
//! PolkaVM's interpreter (execute only, on a loaded instance), in the same run. `jarkit bench`
//! prints the summary table with both timings and ratios.

use criterion::{criterion_group, criterion_main, Criterion};
use jarkit_bench::harness::GAS;
use jarkit_bench::jarkit_vm::JarkitGuest;
use jarkit_bench::polkavm_vm::{engine, Backend, PolkaVmGuest};
use jarkit_bench::GUESTS;

fn guests(c: &mut Criterion) {
    let pvm = engine(Backend::Interpreter).expect("PolkaVM interpreter");
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
        group.finish();
    }
}

criterion_group!(benches, guests);
criterion_main!(benches);
