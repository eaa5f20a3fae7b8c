//! `jarkit bench --kernel`: what the capability kernel costs, on javm's kernel with each engine.
//! CALL + REPLY round trips to a server VM, and fib(n) with one VM per call (VM creation, calls,
//! and the memory of every VM left alive). Wall time, medians of repeated runs.

use std::time::{Duration, Instant};

use super::programs;
use javm::kernel::{Kernel, KernelExit};

/// The resident memory of this process, in bytes (Linux; 0 elsewhere).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).map_or(0, |pages| pages * 4096)
}

/// Runs `blob` to its end; the kernel (alive) and the time taken.
fn run_once(blob: &[u8], engine: javm::Engine) -> Result<(Kernel, KernelExit, Duration), String> {
    let m = javm::manifest::Manifest::parse(blob).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut k = Kernel::new(&m, &[], super::OP_REFINE, u64::MAX >> 2, engine).map_err(|e| e.to_string())?.map_err(|e| format!("{e:?}"))?;
    let exit = k.run().map_err(|e| e.to_string())?;
    Ok((k, exit, started.elapsed()))
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// One measurement per engine, as a table.
pub fn run(seconds: f64) -> Result<String, String> {
    let budget = Duration::from_secs_f64(seconds.max(0.01));
    let mut out = String::from("| measurement | interpreter | recompiler |\n|---|---|---|\n");
    let engines = [javm::Engine::Interpreter, javm::Engine::Compiler];
    // The fib measurement of memory comes first, before round trips warm the allocator.
    // fib with a VM per call.
    let n = 20;
    let blob = programs::fib_vms(n);
    let (mut time_cells, mut vm_cells, mut mem_cells) = (Vec::new(), Vec::new(), Vec::new());
    for engine in engines {
        let mut samples = Vec::new();
        let mut per_vm: Option<f64> = None;
        let mut vms = 0;
        let started = Instant::now();
        while samples.len() < 3 || (started.elapsed() < budget && samples.len() < 20) {
            let before = resident_bytes();
            let (k, exit, t) = run_once(&blob, engine)?;
            if exit != KernelExit::Halt(6765) {
                return Err(format!("fib({n}) ended with {exit:?}"));
            }
            vms = k.vms().len();
            // Memory of the first run only: later runs reuse what the allocator kept.
            per_vm.get_or_insert(resident_bytes().saturating_sub(before) as f64 / vms as f64);
            samples.push(t);
        }
        let per_vm = per_vm.unwrap_or(0.0);
        let t = median(samples);
        time_cells.push(format!("{:.1} ms ({:.2} µs per VM)", t.as_secs_f64() * 1e3, t.as_secs_f64() * 1e6 / vms as f64));
        vm_cells.push(format!("{vms}"));
        mem_cells.push(format!("{per_vm:.0} B"));
    }
    out.push_str(&format!("| fib({n}), one VM per call: time (create + call + reply per VM) | {} | {} |\n", time_cells[0], time_cells[1]));
    out.push_str(&format!("| fib({n}): VMs alive at the end | {} | {} |\n", vm_cells[0], vm_cells[1]));
    // Only the process's first run shows its memory (later runs reuse what the allocator kept);
    // the VMs are the same on either engine.
    out.push_str(&format!("| fib({n}): resident memory growth per live VM (first run) | {} | (same VMs) |\n", mem_cells[0]));
    // Round trips.
    const CALLS: u64 = 20_000;
    let blob = programs::round_trips(CALLS);
    let mut cells = Vec::new();
    for engine in engines {
        let mut samples = Vec::new();
        let started = Instant::now();
        while samples.len() < 3 || (started.elapsed() < budget && samples.len() < 50) {
            let (_, exit, t) = run_once(&blob, engine)?;
            if exit != KernelExit::Halt(CALLS) {
                return Err(format!("round trips ended with {exit:?}"));
            }
            samples.push(t);
        }
        cells.push(format!("{:.0} ns", median(samples).as_nanos() as f64 / CALLS as f64));
    }
    out.push_str(&format!("| CALL + REPLY round trip ({CALLS} in one run) | {} | {} |\n", cells[0], cells[1]));
    out.push('\n');
    out.push_str(&frame_feeding(budget)?);
    Ok(out)
}

/// The frame-feeding program on jar1 (frames passed between VMs as a DATA capability) against
/// the same C renderer on PolkaVM fed the GP way (the host copies each frame into the outer VM
/// and again into the inner one), per frame; and what one copy of a frame costs on the host.
fn frame_feeding(budget: Duration) -> Result<String, String> {
    use jarkit_bench::polkavm_frames::FrameModules;
    use jarkit_bench::polkavm_vm::{engine, Backend};
    const FRAMES: usize = 100;
    let frames = super::feed::frames(FRAMES, 1);
    let want = super::feed::expected(&frames);
    let manifest = javm::manifest::Manifest::parse(&super::feed::manifest()?).map_err(|e| e.to_string())?;
    let per_frame = |run: &mut dyn FnMut() -> Result<u64, String>| -> Result<f64, String> {
        let mut samples = Vec::new();
        let started = Instant::now();
        while samples.len() < 5 || (started.elapsed() < budget && samples.len() < 50) {
            let t = Instant::now();
            let got = run()?;
            samples.push(t.elapsed());
            if got != want {
                return Err(format!("the frame-feeding program returned {got}, not {want}"));
            }
        }
        Ok(median(samples).as_secs_f64() * 1e6 / FRAMES as f64)
    };
    let mut rows = Vec::new();
    for (label, jar_engine, peer) in [("interpreter", javm::Engine::Interpreter, Backend::Interpreter), ("recompiler / compiler", javm::Engine::Compiler, Backend::CompilerGeneric)] {
        let jar1 = per_frame(&mut || super::feed::run(&manifest, &frames, jar_engine))?;
        let modules = FrameModules::new(&engine(peer)?)?;
        let polkavm = per_frame(&mut || modules.run(&frames))?;
        rows.push(format!("| {label} | {jar1:.2} µs | {polkavm:.2} µs | {:.2}x | {:.2} µs |\n", polkavm / jar1, polkavm - jar1));
    }
    // One host copy of a frame, for scale.
    let mut dst = vec![0u8; super::feed::FRAME_BYTES];
    let copies = 2000;
    let t = Instant::now();
    for f in frames.iter().cycle().take(copies) {
        dst.copy_from_slice(f);
        std::hint::black_box(&mut dst);
    }
    let copy = t.elapsed().as_secs_f64() * 1e6 / copies as f64;
    let mut out = format!("Frame feeding, {FRAMES} frames of {} bytes per run, time per frame (median of runs; results checked):\n\n", super::feed::FRAME_BYTES);
    out.push_str("| engines | jar1 (DATA capability passed, 0 copies between VMs) | PolkaVM (host copies into outer, then outer → inner) | ratio | saved per frame |\n|---|---|---|---|---|\n");
    for r in rows {
        out.push_str(&r);
    }
    out.push_str(&format!("\nOne host copy of a frame (memcpy of {} bytes): {copy:.2} µs.\n", super::feed::FRAME_BYTES));
    Ok(out)
}
