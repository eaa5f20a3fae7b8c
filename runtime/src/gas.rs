//! Gas models, as costs computed once per program.
//!
//! - per instruction (GP 0.7.2): every instruction costs 1;
//! - per basic block: each block's cost is charged when control enters it, from a table
//!   supplied by the caller (the polkavm-spectool vectors list one) or computed by the
//!   single-pass pipeline model ([`single_pass_block_cost`]).

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
