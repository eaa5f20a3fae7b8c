/-!
# The seam: where the spec runs guest code on an engine

Whatever in the spec runs guest code (accumulation's Ψ_A; later refinement and jar1's kernel)
does it through these two primitives and nothing else. Their meaning is `run` and `resume` of
`Run.lean` on the same program, gas model and machine. The engine behind them is chosen at the
edge, per thread: the generated reference (which *is* `run` and `resume`), the hand-tuned
interpreter, or the recompiler; the cross-check holds all three to the same results, so the
choice never changes a state transition. The fuel bound that makes the reference total is
the engine's business: a guest always stops by gas first.
-/
import Jar.JAVM.Run

namespace Jar.JAVM

/-- `run p g m` (GP Ψ from machine `m`), on the engine the edge chose. `none` only where `run`
is `none` (the reference's fuel ran out). -/
@[extern "jarkit_pvm_run"]
opaque pvmRun : Program → GasCharge → Machine → Option Outcome

/-- `resume p g o` after a resumable exit whose machine the host may have changed, on the
engine the edge chose; `none` after a final exit. -/
@[extern "jarkit_pvm_resume"]
opaque pvmResume : Program → GasCharge → Outcome → Option Outcome

end Jar.JAVM
