//! The `jarkit bench` harness: every guest on every VM in one process, correctness checked first,
//! then two timings per pair (load + compile + execute, and execute only), as medians of repeated
//! samples. Ratios are PolkaVM time / jarkit time, so above 1 means jarkit is faster.

use std::time::{Duration, Instant};

use crate::guests::Guest;
use crate::jarkit_vm::{CallResult, Engine, JarkitGuest};
use crate::polkavm_vm::{engine, Backend, PolkaVmGuest};

/// Enough gas for every workload; both VMs report how much they used.
pub const GAS: i64 = 10_000_000_000;

/// A VM under test.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Vm {
    Jarkit(Engine),
    PolkaVm(Backend),
}

impl Vm {
    pub fn label(self) -> &'static str {
        match self {
            Vm::Jarkit(Engine::Interpreter) => "jarkit interpreter",
            Vm::Jarkit(Engine::Compiler) => "jarkit compiler",
            Vm::PolkaVm(b) => b.label(),
        }
    }
}

/// The timings of one guest on one VM.
#[derive(Clone, Debug)]
pub struct Timing {
    pub total: Duration,
    pub execute: Duration,
    /// The first and third quartiles of the samples behind `total` and `execute`: how far a
    /// median can be trusted.
    pub total_spread: (Duration, Duration),
    pub execute_spread: (Duration, Duration),
    pub gas_used: i64,
}

/// Loads `guest` on `vm` and calls it once, checking the result.
pub fn run_once(guest: &Guest, vm: Vm) -> Result<CallResult, String> {
    let result = match vm {
        Vm::Jarkit(e) => JarkitGuest::load_on(e, guest.blob, "run")?.call(guest.arg, GAS)?,
        Vm::PolkaVm(b) => PolkaVmGuest::load(&engine(b)?, guest.blob)?.call("run", guest.arg, GAS)?,
    };
    let want = (guest.expected)(guest.arg);
    if result.value != want {
        return Err(format!("{} returned {:#x}, expected {want:#x}", guest.name, result.value));
    }
    Ok(result)
}

/// The median of `v` and its first and third quartiles.
fn summary(mut v: Vec<Duration>) -> (Duration, (Duration, Duration)) {
    v.sort();
    let at = |q: usize| v[(v.len() - 1) * q / 4];
    (v[v.len() / 2], (at(1), at(3)))
}

/// A loaded instance of a guest on one VM.
enum Loaded {
    Jarkit(Box<JarkitGuest>),
    PolkaVm(Box<PolkaVmGuest>),
}

fn load(guest: &Guest, vm: Vm, engines: &[(Backend, polkavm::Engine)]) -> Result<Loaded, String> {
    Ok(match vm {
        Vm::Jarkit(e) => Loaded::Jarkit(Box::new(JarkitGuest::load_on(e, guest.blob, "run")?)),
        Vm::PolkaVm(b) => {
            let engine = &engines.iter().find(|(x, _)| *x == b).ok_or("no engine")?.1;
            Loaded::PolkaVm(Box::new(PolkaVmGuest::load(engine, guest.blob)?))
        }
    })
}

fn call(loaded: &mut Loaded, guest: &Guest) -> Result<u64, String> {
    Ok(match loaded {
        Loaded::Jarkit(g) => g.call(guest.arg, GAS)?.value,
        Loaded::PolkaVm(g) => g.call("run", guest.arg, GAS)?.value,
    })
}

/// Times `guest` on every VM in `vms`, after checking each result. Samples of the VMs are
/// interleaved (one call on each, round after round) so that a change in machine speed during
/// the run affects all of them alike and the ratios stay fair; each VM's median is reported.
pub fn time_all(guest: &Guest, vms: &[Vm], budget: Duration) -> Vec<(Vm, Result<Timing, String>)> {
    let mut engines = Vec::new();
    let mut ready: Vec<(Vm, i64)> = Vec::new();
    let mut results: Vec<(Vm, Result<Timing, String>)> = Vec::new();
    for &vm in vms {
        let prepared = (|| {
            if let Vm::PolkaVm(b) = vm {
                engines.push((b, engine(b)?));
            }
            run_once(guest, vm)
        })();
        match prepared {
            Ok(r) => ready.push((vm, r.gas_used)),
            Err(e) => results.push((vm, Err(e))),
        }
    }
    let want = (guest.expected)(guest.arg);
    if ready.is_empty() {
        return results;
    }
    let measure = |fresh: bool| -> Result<Vec<(Duration, (Duration, Duration))>, String> {
        let mut instances = ready.iter().map(|&(vm, _)| load(guest, vm, &engines)).collect::<Result<Vec<_>, _>>()?;
        let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); ready.len()];
        let start = Instant::now();
        while samples[0].len() < 3 || (start.elapsed() < budget && samples[0].len() < 51) {
            for (k, &(vm, _)) in ready.iter().enumerate() {
                let t = Instant::now();
                if fresh {
                    instances[k] = load(guest, vm, &engines)?;
                }
                if call(&mut instances[k], guest)? != want {
                    return Err(format!("{} changed its result between calls on {}", guest.name, vm.label()));
                }
                samples[k].push(t.elapsed());
            }
        }
        Ok(samples.into_iter().map(summary).collect::<Vec<_>>())
    };
    let timed = measure(true).and_then(|total| Ok((total, measure(false)?)));
    match timed {
        Ok((total, execute)) => {
            for (k, &(vm, gas_used)) in ready.iter().enumerate() {
                let ((total, total_spread), (execute, execute_spread)) = (total[k], execute[k]);
                results.push((vm, Ok(Timing { total, execute, total_spread, execute_spread, gas_used })));
            }
        }
        Err(e) => results.extend(ready.iter().map(|&(vm, _)| (vm, Err(e.clone())))),
    }
    results.sort_by_key(|(vm, _)| vms.iter().position(|v| v == vm));
    results
}

/// One row of the report.
pub struct Row {
    pub guest: &'static Guest,
    pub results: Vec<(Vm, Result<Timing, String>)>,
}

impl Row {
    pub fn timing(&self, vm: Vm) -> Option<&Timing> {
        self.results.iter().find(|(v, _)| *v == vm).and_then(|(_, t)| t.as_ref().ok())
    }

    /// PolkaVM time / jarkit time: interpreter against interpreter, or jarkit's compiler against
    /// PolkaVM's compiler in its generic sandbox (execute only, or total).
    pub fn ratio(&self, engine: Engine, execute: bool) -> Option<f64> {
        let peer = match engine {
            Engine::Interpreter => Backend::Interpreter,
            Engine::Compiler => Backend::CompilerGeneric,
        };
        let j = self.timing(Vm::Jarkit(engine))?;
        let p = self.timing(Vm::PolkaVm(peer))?;
        let pick = |t: &Timing| if execute { t.execute } else { t.total }.as_secs_f64();
        Some(pick(p) / pick(j))
    }
}

pub fn geomean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp())
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// `median [q1–q3]` in milliseconds.
fn spread(median: Duration, (q1, q3): (Duration, Duration)) -> String {
    format!("{} [{}–{}]", ms(median), ms(q1), ms(q3))
}

/// The report as a Markdown table plus a summary.
pub fn render(rows: &[Row], vms: &[Vm]) -> String {
    let mut out = String::new();
    out.push_str("Times are medians in milliseconds, with the first and third quartiles of the samples in brackets: exec = execute only (loaded instance), total = load + compile + execute.\n");
    out.push_str("Ratio = PolkaVM time / jarkit time (above 1: jarkit is faster).\n\n");
    out.push_str("| guest | gas |");
    for vm in vms {
        out.push_str(&format!(" {} exec | total |", vm.label()));
    }
    out.push_str(" interp ratio exec | interp ratio total | compiler ratio exec | compiler ratio total |\n|---|---|");
    for _ in vms {
        out.push_str("---|---|");
    }
    out.push_str("---|---|---|---|\n");
    for row in rows {
        let gas = row.timing(Vm::Jarkit(Engine::Interpreter)).map(|t| t.gas_used.to_string()).unwrap_or_else(|| "-".into());
        out.push_str(&format!("| {} | {gas} |", row.guest.name));
        for vm in vms {
            match row.results.iter().find(|(v, _)| v == vm).map(|(_, t)| t) {
                Some(Ok(t)) => out.push_str(&format!(" {} | {} |", spread(t.execute, t.execute_spread), spread(t.total, t.total_spread))),
                Some(Err(e)) => out.push_str(&format!(" n/a ({}) | |", e.lines().next().unwrap_or(""))),
                None => out.push_str(" - | - |"),
            }
        }
        let r = |engine, e| row.ratio(engine, e).map(|x| format!("{x:.2}x")).unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            " {} | {} | {} | {} |\n",
            r(Engine::Interpreter, true),
            r(Engine::Interpreter, false),
            r(Engine::Compiler, true),
            r(Engine::Compiler, false)
        ));
    }
    for (engine, what) in [(Engine::Interpreter, "Interpreter vs interpreter"), (Engine::Compiler, "Compiler vs compiler (generic sandbox)")] {
        let exec: Vec<f64> = rows.iter().filter_map(|r| r.ratio(engine, true)).collect();
        let total: Vec<f64> = rows.iter().filter_map(|r| r.ratio(engine, false)).collect();
        if let (Some(ge), Some(gt)) = (geomean(&exec), geomean(&total)) {
            out.push_str(&format!("\n{what}, geometric mean: {ge:.2}x (execute only), {gt:.2}x (total).\n"));
            if let Some((row, worst)) = rows.iter().filter_map(|r| r.ratio(engine, true).map(|x| (r, x))).min_by(|a, b| a.1.total_cmp(&b.1)) {
                out.push_str(&format!("Slowest workload for jarkit (execute only): {} at {worst:.2}x.\n", row.guest.name));
            }
        }
    }
    out
}

/// A horizontal bar chart (SVG) of the interpreter ratios, execute only, with a line at 1.
pub fn svg(rows: &[Row]) -> String {
    let data: Vec<(&str, f64)> = rows.iter().filter_map(|r| r.ratio(Engine::Interpreter, true).map(|x| (r.guest.name, x))).collect();
    let max = data.iter().map(|d| d.1).fold(2.0f64, f64::max).ceil();
    let (left, width, bar, gap) = (90.0, 420.0, 22.0, 8.0);
    let height = 40.0 + data.len() as f64 * (bar + gap) + 30.0;
    let x = |v: f64| left + v / max * width;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n",
        left + width + 60.0
    );
    s.push_str(&format!("<text x=\"{left}\" y=\"20\" font-size=\"14\">jarkit interpreter speed-up over PolkaVM's interpreter (execute only)</text>\n"));
    for (i, (name, v)) in data.iter().enumerate() {
        let y = 35.0 + i as f64 * (bar + gap);
        let color = if *v >= 1.0 { "#2a7ab0" } else { "#c0504d" };
        s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{name}</text>\n", left - 6.0, y + bar * 0.7));
        s.push_str(&format!("<rect x=\"{left}\" y=\"{y}\" width=\"{:.1}\" height=\"{bar}\" fill=\"{color}\"/>\n", x(*v) - left));
        s.push_str(&format!("<text x=\"{:.1}\" y=\"{}\">{v:.2}x</text>\n", x(*v) + 4.0, y + bar * 0.7));
    }
    let bottom = 35.0 + data.len() as f64 * (bar + gap);
    s.push_str(&format!("<line x1=\"{0:.1}\" y1=\"30\" x2=\"{0:.1}\" y2=\"{bottom}\" stroke=\"black\" stroke-dasharray=\"4 3\"/>\n", x(1.0)));
    s.push_str(&format!("<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">1x (parity)</text>\n", x(1.0), bottom + 16.0));
    s.push_str("</svg>\n");
    s
}
