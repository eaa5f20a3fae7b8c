//! The frame-feeding workload on PolkaVM 0.37, the Gray Paper way: an outer VM asks the host for
//! each frame (`next_frame`: the host copies it into the outer VM's memory), then asks it to
//! render the frame in an inner VM (`render_frame`: the host copies the frame out of the outer
//! VM and into the inner one, and calls the inner VM's `render`). The guests are
//! `guests/src/frame_outer.c` and `guests/src/frame_inner.c`; jar1's version of the same
//! workload passes the frame between VMs as a DATA capability instead (`src/kernel/feed.rs`).

use polkavm::{CacheModel, Caller, CostModelKind, Engine, GasMeteringKind, Linker, Module, ModuleConfig, ProgramBlob};

pub const OUTER: &[u8] = include_bytes!("../../guests/bin/frame_outer.polkavm");
pub const INNER: &[u8] = include_bytes!("../../guests/bin/frame_inner.polkavm");

/// Compiled modules, reused across runs.
pub struct FrameModules {
    outer: Module,
    inner: Module,
}

struct Feed<'a> {
    frames: &'a [Vec<u8>],
    next: usize,
    outer_buffer: u32,
    inner: polkavm::Instance<(), String>,
    inner_buffer: u32,
    scratch: Vec<u8>,
    error: Option<String>,
}

fn module(engine: &Engine, blob: &[u8]) -> Result<Module, String> {
    let blob = ProgramBlob::parse(blob.to_vec().into()).map_err(|e| e.to_string())?;
    let mut config = ModuleConfig::new();
    config.set_gas_metering(Some(GasMeteringKind::Sync));
    config.set_cost_model(Some(CostModelKind::Full(CacheModel::L2Hit)));
    Module::from_blob(engine, &config, blob).map_err(|e| e.to_string())
}

impl FrameModules {
    pub fn new(engine: &Engine) -> Result<FrameModules, String> {
        Ok(FrameModules { outer: module(engine, OUTER)?, inner: module(engine, INNER)? })
    }

    /// Feeds `frames` through a fresh outer and inner instance; the outer VM's result (the sum
    /// of the inner VM's results).
    pub fn run(&self, frames: &[Vec<u8>]) -> Result<u64, String> {
        const GAS: i64 = 1 << 50;
        let inner_linker: Linker<(), String> = Linker::new();
        let mut inner = inner_linker.instantiate_pre(&self.inner).map_err(|e| e.to_string())?.instantiate().map_err(|e| e.to_string())?;
        inner.set_gas(GAS);
        let inner_buffer: u64 = inner.call_typed_and_get_result(&mut (), "buffer", (0u64,)).map_err(|e| format!("{e:?}"))?;
        let mut linker: Linker<Feed, String> = Linker::new();
        linker
            .define_typed("next_frame", |caller: Caller<Feed>, address: u64| -> u64 {
                let feed = caller.user_data;
                let Some(frame) = feed.frames.get(feed.next) else { return 0 };
                feed.next += 1;
                feed.outer_buffer = address as u32;
                // Copy one: the host writes the frame into the outer VM.
                if let Err(e) = caller.instance.write_memory(address as u32, frame) {
                    feed.error = Some(format!("next_frame: {e:?}"));
                    return 0;
                }
                frame.len() as u64
            })
            .map_err(|e| e.to_string())?;
        linker
            .define_typed("render_frame", |caller: Caller<Feed>, len: u64| -> u64 {
                let feed = caller.user_data;
                feed.scratch.resize(len as usize, 0);
                // Copy two: out of the outer VM and into the inner one (PolkaVM's API has no
                // direct copy between instances).
                if let Err(e) = caller.instance.read_memory_into(feed.outer_buffer, &mut feed.scratch[..]) {
                    feed.error = Some(format!("render_frame: {e:?}"));
                    return 0;
                }
                if let Err(e) = feed.inner.write_memory(feed.inner_buffer, &feed.scratch) {
                    feed.error = Some(format!("render_frame: {e:?}"));
                    return 0;
                }
                match feed.inner.call_typed_and_get_result::<u64, (u64, u64)>(&mut (), "render", (u64::from(feed.inner_buffer), len)) {
                    Ok(v) => v,
                    Err(e) => {
                        feed.error = Some(format!("render: {e:?}"));
                        0
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        let mut outer = linker.instantiate_pre(&self.outer).map_err(|e| e.to_string())?.instantiate().map_err(|e| e.to_string())?;
        outer.set_gas(GAS);
        let mut feed = Feed { frames, next: 0, outer_buffer: 0, inner, inner_buffer: inner_buffer as u32, scratch: Vec::new(), error: None };
        let result: u64 = outer.call_typed_and_get_result(&mut feed, "run", (0u64,)).map_err(|e| format!("{e:?}"))?;
        match feed.error {
            Some(e) => Err(e),
            None => Ok(result),
        }
    }
}
