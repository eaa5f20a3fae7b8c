//! The engine behind the spec's seam (`spec/Jar/JAVM/Seam.lean`): `pvmRun` and `pvmResume`.
//!
//! By default the generated reference runs (`jar::run` / `jar::resume`, the spec itself). A
//! crate that has a faster engine (the `javm` interpreter or recompiler, which depend on this
//! crate and so cannot be called from it) installs it for the current thread with
//! [`with_engine`]; the spec's code does not change, only who executes it.

use std::cell::Cell;

use crate::jar;
use crate::prelude::Nat;

/// An engine: run `machine` (`resume_after: None`) or resume it after the exit given, exactly
/// as `jar::run` / `jar::resume` would.
pub type Engine = fn(&jar::Program, &jar::GasCharge, &jar::Machine, Option<&jar::Exit>) -> Option<jar::Outcome>;

thread_local! {
    static ENGINE: Cell<Option<Engine>> = const { Cell::new(None) };
}

/// Runs `f` with `engine` behind the seam on this thread (`None`: the reference), restoring the
/// previous choice afterwards, even if `f` panics.
pub fn with_engine<R>(engine: Option<Engine>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Engine>);
    impl Drop for Restore {
        fn drop(&mut self) {
            ENGINE.with(|e| e.set(self.0));
        }
    }
    let _restore = Restore(ENGINE.with(|e| e.replace(engine)));
    f()
}

/// The fuel that bounds the reference: gas pays for every instruction under the per-instruction
/// model; per-block charges may leave blocks free, so allow a generous multiple.
pub fn fuel(g: &jar::GasCharge, m: &jar::Machine) -> Nat {
    match g {
        jar::GasCharge::PerInstruction => Nat(m.gas.0.saturating_add(2)),
        jar::GasCharge::PerBlock(_) => Nat(m.gas.0.saturating_mul(64).saturating_add(1 << 20)),
    }
}

/// `jarkit_pvm_run`.
pub fn pvm_run(p: jar::Program, g: jar::GasCharge, m: jar::Machine) -> Option<jar::Outcome> {
    match ENGINE.with(Cell::get) {
        Some(engine) => engine(&p, &g, &m, None),
        None => {
            let f = fuel(&g, &m);
            jar::run(&p, &g, &m, f)
        }
    }
}

/// `jarkit_pvm_resume`.
pub fn pvm_resume(p: jar::Program, g: jar::GasCharge, o: jar::Outcome) -> Option<jar::Outcome> {
    match ENGINE.with(Cell::get) {
        Some(engine) => engine(&p, &g, &o.machine, Some(&o.exit)),
        None => {
            let f = fuel(&g, &o.machine);
            jar::resume(&p, &g, &o, f)
        }
    }
}
