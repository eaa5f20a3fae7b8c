//! Every guest builds (the blob is committed, CI rebuilds it), imports, and returns the right
//! result on jarkit; on PolkaVM's interpreter it returns the same result and uses the same gas
//! (both meter with the full pipeline cost model: the spec's on jarkit, PolkaVM's own on the peer,
//! so equal gas cross-checks the spec's model against PolkaVM on every block these guests run).
//! No timing here.

use jarkit_bench::harness::{run_once, Vm};
use jarkit_bench::polkavm_vm::Backend;
use jarkit_bench::GUESTS;

#[test]
fn every_guest_returns_the_expected_result_on_jarkit() {
    for g in GUESTS {
        let r = run_once(g, Vm::Jarkit).unwrap_or_else(|e| panic!("{}: {e}", g.name));
        assert!(r.gas_used > 0, "{}", g.name);
        if g.name == "hostcall" {
            assert_eq!(r.host_calls, g.arg);
        }
    }
}

#[test]
fn jarkit_and_the_polkavm_interpreter_agree_on_result_and_gas() {
    for g in GUESTS {
        let j = run_once(g, Vm::Jarkit).unwrap_or_else(|e| panic!("{} on jarkit: {e}", g.name));
        let p = run_once(g, Vm::PolkaVm(Backend::Interpreter)).unwrap_or_else(|e| panic!("{} on polkavm: {e}", g.name));
        assert_eq!(j.value, p.value, "{}", g.name);
        assert_eq!(j.host_calls, p.host_calls, "{}", g.name);
        assert_eq!(j.gas_used, p.gas_used, "{}: gas used differs", g.name);
    }
}

#[test]
fn a_guest_out_of_gas_stops_cleanly() {
    let g = jarkit_bench::guests::find("fib").unwrap();
    let mut vm = jarkit_bench::jarkit_vm::JarkitGuest::load(g.blob, "run").unwrap();
    let e = vm.call(g.arg, 1000).unwrap_err();
    assert!(e.contains("OutOfGas"), "{e}");
    assert!(jarkit_bench::jarkit_vm::JarkitGuest::load(g.blob, "nope").is_err());
    assert!(jarkit_bench::jarkit_vm::JarkitGuest::load(&g.blob[..20], "run").is_err());
}
