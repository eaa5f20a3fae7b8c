//! Gas models, as costs computed once per program.
//!
//! - per instruction (GP 0.7.2): every instruction costs 1;
//! - per basic block: each block's cost is charged when control enters it, from a table
//!   supplied by the caller (the polkavm-spectool vectors list one) or computed by the spec's
//!   single-pass model ([`GasCosts::single_pass`]) or full pipeline model
//!   ([`GasCosts::pipeline`]).

use std::collections::HashMap;

/// How gas is charged for a program.
#[derive(Clone, Debug)]
pub enum GasCosts {
    /// One unit per executed instruction.
    PerInstruction,
    /// A cost per basic-block start pc. Blocks missing from the map cost 0 — callers that compute
    /// costs list every block.
    PerBlock(HashMap<u32, u32>),
}

impl GasCosts {
    /// Each block's cost by start pc, in pc order; `None` when charged per instruction.
    pub fn block_list(&self) -> Option<Vec<(u32, u32)>> {
        let GasCosts::PerBlock(costs) = self else { return None };
        let mut list: Vec<(u32, u32)> = costs.iter().map(|(&pc, &cost)| (pc, cost)).collect();
        list.sort_unstable();
        Some(list)
    }

    /// The charge attached to the instruction at `pc`.
    pub fn charge_at(&self, pc: u32, is_block_start: bool) -> u32 {
        match self {
            GasCosts::PerInstruction => 1,
            GasCosts::PerBlock(costs) if is_block_start => costs.get(&pc).copied().unwrap_or(0),
            GasCosts::PerBlock(_) => 0,
        }
    }
}

impl GasCosts {
    /// One gas per instruction, charged per basic block on entry (PolkaVM's naive cost model
    /// with block metering): each block start costs the number of instructions in its block.
    pub fn instruction_count_per_block(code: &crate::program::Code) -> GasCosts {
        let starts = code.block_starts();
        let mut costs = HashMap::new();
        let mut current: Option<u32> = None;
        for pc in 0..code.code.len() as u32 {
            if !code.is_start(pc) {
                continue;
            }
            if starts[pc as usize] {
                current = Some(pc);
            }
            if let Some(block) = current {
                *costs.entry(block).or_insert(0) += 1;
            }
        }
        GasCosts::PerBlock(costs)
    }
}

impl GasCosts {
    /// Block costs from the spec's single-pass pipeline model (`spec/Jar/JAVM/GasModel.lean`,
    /// generated): the jar080 and jar1 consensus model.
    pub fn single_pass(code: &crate::program::Code) -> GasCosts {
        Self::from_spec(code, jarkit_spec::jar::block_costs_single_pass)
    }

    /// Block costs from the full pipeline model (`spec/Jar/JAVM/Pipeline.lean`): the model
    /// behind the polkavm-spectool vectors' costs. Computed by javm's own simulation of the
    /// spec's machine ([`crate::pipeline_gas`]), which the tests hold to [`Self::pipeline_spec`].
    pub fn pipeline(code: &crate::program::Code) -> GasCosts {
        GasCosts::PerBlock(crate::pipeline_gas::block_costs(code))
    }

    /// Block costs from the spec's full pipeline model itself (generated): the reference for
    /// [`Self::pipeline`], and slow (it copies its machine every cycle).
    pub fn pipeline_spec(code: &crate::program::Code) -> GasCosts {
        Self::from_spec(code, jarkit_spec::jar::block_costs_pipeline)
    }

    /// Per-block costs from one of the spec's block-cost functions (start pc, cost).
    fn from_spec(code: &crate::program::Code, model: fn(&jarkit_spec::jar::Program) -> Vec<(jarkit_spec::prelude::Nat, jarkit_spec::prelude::Nat)>) -> GasCosts {
        let costs = model(&spec_program(code));
        GasCosts::PerBlock(costs.into_iter().map(|(pc, cost)| (pc.0 as u32, cost.0 as u32)).collect())
    }
}

/// The spec's view of a loaded program.
pub fn spec_program(code: &crate::program::Code) -> jarkit_spec::jar::Program {
    use jarkit_spec::prelude::{ByteArray, Nat};
    let mut bitmask = vec![0u8; code.code.len().div_ceil(8)];
    for (i, _) in code.starts.iter().enumerate().filter(|(_, s)| **s) {
        bitmask[i / 8] |= 1 << (i % 8);
    }
    jarkit_spec::jar::Program {
        code: ByteArray::new(code.code.clone()),
        bitmask: ByteArray::new(bitmask),
        jump_table: code.jump_table.iter().map(|&t| Nat(t.into())).collect(),
        numbering: match code.numbering {
            crate::isa::Numbering::Gp => jarkit_spec::jar::Numbering::Gp,
            crate::isa::Numbering::PolkaVm => jarkit_spec::jar::Numbering::JamV1,
        },
        ecalli_ends_block: code.rules.ecalli_ends_block,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::{Numbering, Opcode, OpcodeInfo};
    use crate::program::{BlockRules, Code, LengthEncoding};

    fn code_of(ops: &[Vec<u8>]) -> Code {
        let mut code = Vec::new();
        let mut starts = Vec::new();
        for op in ops {
            starts.push(true);
            starts.extend(std::iter::repeat_n(false, op.len() - 1));
            code.extend(op);
        }
        let blob = Code::encode(&[], &code, &starts, LengthEncoding::Compact);
        Code::parse(&blob, LengthEncoding::Compact, Numbering::Gp, BlockRules::JAR).unwrap()
    }

    fn byte(op: Opcode) -> u8 {
        op.byte(Numbering::Gp).unwrap()
    }

    #[test]
    fn single_pass_matches_the_documented_examples() {
        // A five-deep dependency chain of one-cycle ops (add_64 r0 = r0 + r0), then trap: 2.
        let add = vec![byte(Opcode::Add64), 0x00, 0x00];
        let mut ops = vec![add.clone(); 5];
        ops.push(vec![byte(Opcode::Trap)]);
        let GasCosts::PerBlock(c) = GasCosts::single_pass(&code_of(&ops)) else { panic!() };
        assert_eq!(c.get(&0), Some(&2));
        // A short block: 1.
        let GasCosts::PerBlock(c) = GasCosts::single_pass(&code_of(&[vec![byte(Opcode::Trap)]])) else { panic!() };
        assert_eq!(c.get(&0), Some(&1));
        // A division dominates: 60 − 3.
        let GasCosts::PerBlock(c) = GasCosts::single_pass(&code_of(&[vec![byte(Opcode::DivU64), 0x21, 0x03], vec![byte(Opcode::Trap)]])) else { panic!() };
        assert_eq!(c.get(&0), Some(&57));
    }

    fn pipeline_cost(ops: &[Vec<u8>]) -> u32 {
        let GasCosts::PerBlock(c) = GasCosts::pipeline(&code_of(ops)) else { panic!() };
        c[&0]
    }

    /// Three registers, GP layout: `rd = ra op rb`.
    fn three(op: Opcode, rd: u8, ra: u8, rb: u8) -> Vec<u8> {
        vec![byte(op), ra | rb << 4, rd]
    }

    #[test]
    fn the_pipeline_model_matches_known_timelines() {
        let trap = vec![byte(Opcode::Trap)];
        // Independent adds decode and execute together: 5 cycles, cost 2.
        assert_eq!(pipeline_cost(&[three(Opcode::Add64, 7, 8, 9), three(Opcode::Add64, 8, 8, 9), trap.clone()]), 2);
        // The second add waits for the first: 6 cycles, cost 3.
        assert_eq!(pipeline_cost(&[three(Opcode::Add64, 7, 8, 9), three(Opcode::Add64, 8, 7, 9), trap.clone()]), 3);
        // Two independent multiplications share the one multiplier: 9 cycles, cost 6.
        assert_eq!(pipeline_cost(&[three(Opcode::Mul64, 7, 8, 9), three(Opcode::Mul64, 8, 10, 11), trap.clone()]), 6);
        // A multiplication waiting for an add: 7 cycles, cost 4.
        assert_eq!(pipeline_cost(&[three(Opcode::Add64, 7, 8, 9), three(Opcode::Mul64, 11, 7, 10), trap.clone()]), 4);
        // `move_reg` only renames: `r5 = 1; r7 = r5; r8 = r7 + 1` is 6 cycles, cost 3.
        let load_imm = vec![byte(Opcode::LoadImm), 5, 1];
        let mov = vec![byte(Opcode::MoveReg), 7 | 5 << 4];
        let add_imm = vec![byte(Opcode::AddImm64), 8 | 7 << 4, 1];
        assert_eq!(pipeline_cost(&[load_imm, mov, add_imm, trap.clone()]), 3);
        // An empty block: `fallthrough` alone, 5 cycles, cost 2.
        assert_eq!(pipeline_cost(&[vec![byte(Opcode::Fallthrough)], trap.clone()]), 2);
    }

    fn costs(g: GasCosts) -> Vec<(u32, u32)> {
        g.block_list().expect("block costs")
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]
        /// javm's simulation of the pipeline gives the spec's cost for every block of arbitrary
        /// code: random bytes (most are opcodes of either numbering) and a random bitmask, under
        /// both numberings and both rules for `ecalli`.
        #[test]
        fn the_fast_pipeline_model_is_the_specs(code in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..160), mask in proptest::collection::vec(proptest::prelude::any::<bool>(), 160), gp in proptest::prelude::any::<bool>(), ecalli_ends_block in proptest::prelude::any::<bool>()) {
            let mut starts: Vec<bool> = mask[..code.len()].to_vec();
            starts[0] = true;
            let numbering = if gp { Numbering::Gp } else { Numbering::PolkaVm };
            let code = Code { jump_table: vec![], code, starts, numbering, rules: BlockRules { ecalli_ends_block, strict: false } };
            proptest::prop_assert_eq!(costs(GasCosts::pipeline(&code)), costs(GasCosts::pipeline_spec(&code)));
        }
    }

    /// One well-formed instruction of a kind that stresses the pipeline: loads and stores (25
    /// cycles), multiplies and divides (one unit each), renaming moves, conditional moves
    /// (three sources) and one-cycle arithmetic, on registers drawn from a few so that
    /// dependencies are common.
    fn pipeline_instruction() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        (0u8..9, 0u8..4, 0u8..4, 0u8..4, any::<u8>()).prop_map(|(kind, d, a, b, imm)| match kind {
            0 => three(Opcode::Add64, d, a, b),
            1 => three(Opcode::Mul64, d, a, b),
            2 => three(Opcode::DivU64, d, a, b),
            3 => vec![byte(Opcode::LoadIndU64), d | a << 4, imm],
            4 => vec![byte(Opcode::StoreIndU32), d | a << 4, imm],
            5 => vec![byte(Opcode::MoveReg), d | a << 4],
            6 => three(Opcode::CmovIz, d, a, b),
            7 => vec![byte(Opcode::LoadImm), d, imm],
            _ => three(Opcode::SetLtU, d, a, b),
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]
        /// Long blocks of well-formed instructions fill the reorder buffer (32 entries) and wrap
        /// its ring many times: the fast model still gives the spec's cost.
        #[test]
        fn the_fast_pipeline_model_is_the_specs_on_long_blocks(ops in proptest::collection::vec(pipeline_instruction(), 1..200)) {
            let mut ops = ops;
            ops.push(vec![byte(Opcode::Trap)]);
            proptest::prop_assert_eq!(costs(GasCosts::pipeline(&code_of(&ops))), costs(GasCosts::pipeline_spec(&code_of(&ops))));
        }
    }

    #[test]
    fn the_pipeline_model_handles_long_dependency_chains() {
        // 200 dependent divisions (60 cycles each, one divider): about 60 cycles apiece, and the
        // simulation ends (the reorder buffer fills and drains many times).
        let mut ops = vec![three(Opcode::DivU64, 1, 1, 2); 200];
        ops.push(vec![byte(Opcode::Trap)]);
        let cost = pipeline_cost(&ops);
        assert!((200 * 60 - 3..200 * 60 + 60).contains(&cost), "{cost}");
        assert_eq!(costs(GasCosts::pipeline(&code_of(&ops))), costs(GasCosts::pipeline_spec(&code_of(&ops))));
    }
}
