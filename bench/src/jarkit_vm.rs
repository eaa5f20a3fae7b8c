//! Running a `.polkavm` guest's export on jarkit's interpreter or recompiler: import the
//! container, predecode with PolkaVM's numbering and block-metered gas from the spec's full
//! pipeline model (the cost model PolkaVM's side is configured with), and serve host calls.

use std::sync::Arc;

use javm::{BlockRules, Code, Exit, GasCosts, LengthEncoding, Machine, Numbering, PagedMemory, PolkaVmBlob, Predecoded};

pub use javm::Engine;

const RA: usize = 0;
const SP: usize = 1;
const A0: usize = 7;

/// A `.polkavm` container and its code predecoded as jarkit runs it.
pub fn predecode(blob: &[u8]) -> Result<(PolkaVmBlob, Arc<Predecoded>), String> {
    let container = PolkaVmBlob::parse(blob).map_err(|e| e.to_string())?;
    // PolkaVM's JamV1: `ecalli` does not end a basic block; the last instruction need not be a
    // terminator (the linker ends code with one anyway).
    let rules = BlockRules { ecalli_ends_block: false, strict: false };
    let code = Code::parse(&container.code, LengthEncoding::Compact, Numbering::PolkaVm, rules).map_err(|e| e.to_string())?;
    // The full pipeline model: PolkaVM's side meters with the same model.
    let gas = GasCosts::pipeline(&code);
    Ok((container, Arc::new(Predecoded::new(code, &gas))))
}

/// A guest loaded and ready to call.
pub struct JarkitGuest {
    vm: Box<dyn Machine<Mem = PagedMemory>>,
    entry: u32,
    stack_high: u32,
}

/// What a call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallResult {
    pub value: u64,
    pub gas_used: i64,
    pub host_calls: u64,
}

impl JarkitGuest {
    /// Imports `blob` and prepares its export `export` on the interpreter.
    pub fn load(blob: &[u8], export: &str) -> Result<JarkitGuest, String> {
        Self::load_on(Engine::Interpreter, blob, export)
    }

    /// Imports `blob` and prepares its export `export` on `engine` (the recompiler compiles the
    /// whole program here).
    pub fn load_on(engine: Engine, blob: &[u8], export: &str) -> Result<JarkitGuest, String> {
        let (container, program) = predecode(blob)?;
        let entry = container.export(export).ok_or_else(|| format!("no export `{export}`"))?;
        let (memory, map) = container.memory().map_err(|e| e.to_string())?;
        let vm = javm::machine::start(engine, program, memory, 0)?;
        Ok(JarkitGuest { vm, entry, stack_high: map.stack_high })
    }

    /// Calls the export with `arg` and `gas`; host call 0 returns its argument plus one.
    pub fn call(&mut self, arg: u64, gas: i64) -> Result<CallResult, String> {
        let vm = &mut self.vm;
        for r in 0..javm::REGISTER_COUNT {
            vm.set_reg(r, 0);
        }
        vm.set_reg(RA, u64::from(javm::polkavm_blob::RETURN_TO_HOST));
        vm.set_reg(SP, u64::from(self.stack_high));
        vm.set_reg(A0, arg);
        vm.set_gas(gas);
        if !vm.set_pc(self.entry) {
            return Err(format!("export pc {} is not an instruction", self.entry));
        }
        let mut host_calls = 0;
        loop {
            match vm.run() {
                Exit::Halt => return Ok(CallResult { value: vm.reg(A0), gas_used: gas - vm.gas(), host_calls }),
                Exit::HostCall(0) => {
                    host_calls += 1;
                    vm.set_reg(A0, vm.reg(A0).wrapping_add(1));
                }
                other => return Err(format!("guest stopped with {other:?} at pc {}", vm.exit_pc())),
            }
        }
    }
}
