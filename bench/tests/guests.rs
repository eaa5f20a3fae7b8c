//! Every guest builds (the blob is committed, CI rebuilds it), imports, and returns the right
//! result on jarkit; on PolkaVM's interpreter it returns the same result and uses the same gas
//! (both meter with the full pipeline cost model: the spec's on jarkit, PolkaVM's own on the peer,
//! so equal gas cross-checks the spec's model against PolkaVM on every block these guests run).
//! No timing here.

use jarkit_bench::harness::{run_once, Vm};
use jarkit_bench::jarkit_vm::Engine;
use jarkit_bench::polkavm_vm::Backend;
use jarkit_bench::GUESTS;

#[test]
fn every_guest_returns_the_expected_result_on_jarkit() {
    for g in GUESTS {
        let r = run_once(g, Vm::Jarkit(Engine::Interpreter)).unwrap_or_else(|e| panic!("{}: {e}", g.name));
        assert!(r.gas_used > 0, "{}", g.name);
        if g.name == "hostcall" {
            assert_eq!(r.host_calls, g.arg);
        }
    }
}

#[test]
fn jarkit_and_the_polkavm_interpreter_agree_on_result_and_gas() {
    for g in GUESTS {
        let j = run_once(g, Vm::Jarkit(Engine::Interpreter)).unwrap_or_else(|e| panic!("{} on jarkit: {e}", g.name));
        let p = run_once(g, Vm::PolkaVm(Backend::Interpreter)).unwrap_or_else(|e| panic!("{} on polkavm: {e}", g.name));
        assert_eq!(j.value, p.value, "{}", g.name);
        assert_eq!(j.host_calls, p.host_calls, "{}", g.name);
        assert_eq!(j.gas_used, p.gas_used, "{}: gas used differs", g.name);
    }
}

/// The recompiler returns what the interpreter returns, with the same gas and host calls, on
/// every guest (each call resumes after every host call: 100K times for `hostcall`).
#[test]
fn the_recompiler_agrees_with_the_interpreter_on_every_guest() {
    for g in GUESTS {
        let i = run_once(g, Vm::Jarkit(Engine::Interpreter)).unwrap_or_else(|e| panic!("{} on the interpreter: {e}", g.name));
        let c = run_once(g, Vm::Jarkit(Engine::Compiler)).unwrap_or_else(|e| panic!("{} on the recompiler: {e}", g.name));
        assert_eq!(i, c, "{}", g.name);
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

/// The ed25519 guest's expected result assumes entries 0–2 of its table are valid signatures and
/// entry 3 is not: checked here with `ed25519-zebra` (the spec's Ed25519 primitive) on the bytes
/// of the C source.
#[test]
fn the_ed25519_guest_table_is_what_its_expected_result_assumes() {
    use jarkit_spec::prelude::{ByteArray, OctetSeq};
    let src = include_str!("../../guests/src/ed25519.c");
    let table = &src[src.find("ENTRIES[4] = {").unwrap()..];
    let table = &table[..table.find("};").unwrap()];
    let bytes: Vec<u8> = table.split("0x").skip(1).map(|t| u8::from_str_radix(&t[..2], 16).unwrap()).collect();
    assert_eq!(bytes.len(), 4 * 128);
    let valid: Vec<bool> = bytes
        .chunks(128)
        .map(|e| {
            let key = OctetSeq(e[..32].try_into().unwrap());
            let sig = OctetSeq(e[64..].try_into().unwrap());
            jarkit_spec::prims::ed25519_verify(key, ByteArray::new(e[32..64].to_vec()), sig)
        })
        .collect();
    assert_eq!(valid, [true, true, true, false]);
}
