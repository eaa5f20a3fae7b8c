//! Running a guest on the peer, PolkaVM 0.37, through its public API: the same blob, the same
//! export, synchronous gas metering with its full pipeline cost model (memory accesses as L2
//! hits, 25 cycles) — the model jarkit's spec defines in `spec/Jar/JAVM/Pipeline.lean`.

use polkavm::{BackendKind, CacheModel, Caller, Config, CostModelKind, Engine, GasMeteringKind, Linker, Module, ModuleConfig, ProgramBlob, SandboxKind};

use crate::jarkit_vm::CallResult;

/// Which PolkaVM backend runs the guest.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Interpreter,
    /// The compiler in the in-process generic sandbox (experimental in PolkaVM).
    CompilerGeneric,
    /// The compiler in the Linux sandbox (a separate process; its host thread busy-waits).
    CompilerLinux,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Interpreter => "polkavm interpreter",
            Backend::CompilerGeneric => "polkavm compiler (generic sandbox)",
            Backend::CompilerLinux => "polkavm compiler (linux sandbox)",
        }
    }
}

/// Host-side state: counts host calls.
#[derive(Default)]
pub struct HostState {
    pub host_calls: u64,
}

pub struct PolkaVmGuest {
    instance: polkavm::Instance<HostState, String>,
    state: HostState,
}

/// The engine for `backend`, or why this machine cannot run it.
pub fn engine(backend: Backend) -> Result<Engine, String> {
    let mut config = Config::new();
    match backend {
        Backend::Interpreter => {
            config.set_backend(Some(BackendKind::Interpreter));
        }
        Backend::CompilerGeneric => {
            config.set_backend(Some(BackendKind::Compiler));
            config.set_sandbox(Some(SandboxKind::Generic));
            config.set_allow_experimental(true);
        }
        Backend::CompilerLinux => {
            config.set_backend(Some(BackendKind::Compiler));
            config.set_sandbox(Some(SandboxKind::Linux));
        }
    }
    Engine::new(&config).map_err(|e| e.to_string())
}

impl PolkaVmGuest {
    pub fn load(engine: &Engine, blob: &[u8]) -> Result<PolkaVmGuest, String> {
        let blob = ProgramBlob::parse(blob.to_vec().into()).map_err(|e| e.to_string())?;
        let mut module_config = ModuleConfig::new();
        module_config.set_gas_metering(Some(GasMeteringKind::Sync));
        module_config.set_cost_model(Some(CostModelKind::Full(CacheModel::L2Hit)));
        let module = Module::from_blob(engine, &module_config, blob).map_err(|e| e.to_string())?;
        let mut linker: Linker<HostState, String> = Linker::new();
        linker
            .define_typed("host_increment", |caller: Caller<HostState>, x: u64| -> u64 {
                caller.user_data.host_calls += 1;
                x.wrapping_add(1)
            })
            .map_err(|e| e.to_string())?;
        let pre = linker.instantiate_pre(&module).map_err(|e| e.to_string())?;
        let instance = pre.instantiate().map_err(|e| e.to_string())?;
        Ok(PolkaVmGuest { instance, state: HostState::default() })
    }

    pub fn call(&mut self, export: &str, arg: u64, gas: i64) -> Result<CallResult, String> {
        self.state.host_calls = 0;
        self.instance.set_gas(gas);
        let value: u64 = self.instance.call_typed_and_get_result(&mut self.state, export, (arg,)).map_err(|e| format!("{e:?}"))?;
        Ok(CallResult { value, gas_used: gas - self.instance.gas(), host_calls: self.state.host_calls })
    }
}
