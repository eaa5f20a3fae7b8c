//! Splits `total` (as `jarkit bench` times it: drop the old instance, load, call) into its
//! three parts, medians of 51 rounds, µs: `total_split GUEST [interpreter|compiler]`.
use std::time::Instant;

use jarkit_bench::jarkit_vm::{Engine, JarkitGuest};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let g = jarkit_bench::guests::find(args.get(1).map(String::as_str).unwrap_or("sieve")).expect("guest");
    let engine = if args.get(2).map(String::as_str) == Some("interpreter") { Engine::Interpreter } else { Engine::Compiler };
    let mut parts: [Vec<f64>; 4] = Default::default();
    let mut old = Some(JarkitGuest::load_on(engine, g.blob, "run").unwrap());
    for _ in 0..51 {
        let t0 = Instant::now();
        drop(old.take());
        let t1 = Instant::now();
        let mut vm = JarkitGuest::load_on(engine, g.blob, "run").unwrap();
        let t2 = Instant::now();
        let r = vm.call(g.arg, i64::MAX / 2).unwrap();
        let t3 = Instant::now();
        assert_eq!(r.value, (g.expected)(g.arg));
        let again = Instant::now();
        vm.call(g.arg, i64::MAX / 2).unwrap();
        let t4 = Instant::now();
        old = Some(vm);
        for (k, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - again].into_iter().enumerate() {
            parts[k].push(d.as_secs_f64() * 1e6);
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let [d, l, c, w] = &mut parts;
    println!("{}: drop {:.0} µs, load {:.0} µs, first call {:.0} µs, second call {:.0} µs", g.name, med(d), med(l), med(c), med(w));
}
