//! The `jarkit bench` harness: every guest on every VM in one process, correctness checked first,
//! then two timings per pair (load + compile + execute, and execute only), as medians of repeated
//! samples. Ratios are PolkaVM time / jarkit time, so above 1 means jarkit is faster.

use std::time::{Duration, Instant};

use crate::guests::Guest;
use crate::jarkit_vm::{CallResult, JarkitGuest};
use crate::polkavm_vm::{engine, Backend, PolkaVmGuest};

/// Enough gas for every workload; both VMs report how much they used.
pub const GAS: i64 = 10_000_000_000;

/// A VM under test.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Vm {
    Jarkit,
    PolkaVm(Backend),
}

impl Vm {
    pub fn label(self) -> &'static str {
        match self {
            Vm::Jarkit => "jarkit interpreter",
            Vm::PolkaVm(b) => b.label(),
        }
    }
}

/// The timings of one guest on one VM.
#[derive(Clone, Debug)]
pub struct Timing {
    pub total: Duration,
    pub execute: Duration,
    pub gas_used: i64,
}

/// Loads `guest` on `vm` and calls it once, checking the result.
pub fn run_once(guest: &Guest, vm: Vm) -> Result<CallResult, String> {
    let result = match vm {
        Vm::Jarkit => JarkitGuest::load(guest.blob, "run")?.call(guest.arg, GAS)?,
        Vm::PolkaVm(b) => PolkaVmGuest::load(&engine(b)?, guest.blob)?.call("run", guest.arg, GAS)?,
    };
    let want = (guest.expected)(guest.arg);
    if result.value != want {
        return Err(format!("{} returned {:#x}, expected {want:#x}", guest.name, result.value));
    }
    Ok(result)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Samples `f` until `budget` is spent (at least 3, at most 51 samples) and returns the median.
fn sample(budget: Duration, mut f: impl FnMut() -> Result<(), String>) -> Result<Duration, String> {
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < 3 || (start.elapsed() < budget && times.len() < 51) {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    Ok(median(times))
}

/// Times `guest` on `vm`, after checking its result.
pub fn time(guest: &Guest, vm: Vm, budget: Duration) -> Result<Timing, String> {
    let first = run_once(guest, vm)?;
    let check = |r: CallResult| if r.value == first.value { Ok(()) } else { Err(format!("{} changed its result between calls", guest.name)) };
    let (total, execute) = match vm {
        Vm::Jarkit => {
            let total = sample(budget, || check(JarkitGuest::load(guest.blob, "run")?.call(guest.arg, GAS)?))?;
            let mut g = JarkitGuest::load(guest.blob, "run")?;
            let execute = sample(budget, || check(g.call(guest.arg, GAS)?))?;
            (total, execute)
        }
        Vm::PolkaVm(b) => {
            let engine = engine(b)?;
            let total = sample(budget, || check(PolkaVmGuest::load(&engine, guest.blob)?.call("run", guest.arg, GAS)?))?;
            let mut g = PolkaVmGuest::load(&engine, guest.blob)?;
            let execute = sample(budget, || check(g.call("run", guest.arg, GAS)?))?;
            (total, execute)
        }
    };
    Ok(Timing { total, execute, gas_used: first.gas_used })
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

    /// PolkaVM time / jarkit time for `backend` (execute only, or total).
    pub fn ratio(&self, backend: Backend, execute: bool) -> Option<f64> {
        let j = self.timing(Vm::Jarkit)?;
        let p = self.timing(Vm::PolkaVm(backend))?;
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

/// The report as a Markdown table plus a summary.
pub fn render(rows: &[Row], vms: &[Vm]) -> String {
    let mut out = String::new();
    out.push_str("Times are medians in milliseconds: exec = execute only (loaded instance), total = load + compile + execute.\n");
    out.push_str("Ratio = PolkaVM time / jarkit time (above 1: jarkit is faster).\n\n");
    out.push_str("| guest | gas |");
    for vm in vms {
        out.push_str(&format!(" {} exec | total |", vm.label()));
    }
    out.push_str(" interp ratio exec | interp ratio total |\n|---|---|");
    for _ in vms {
        out.push_str("---|---|");
    }
    out.push_str("---|---|\n");
    for row in rows {
        let gas = row.timing(Vm::Jarkit).map(|t| t.gas_used.to_string()).unwrap_or_else(|| "-".into());
        out.push_str(&format!("| {} | {gas} |", row.guest.name));
        for vm in vms {
            match row.results.iter().find(|(v, _)| v == vm).map(|(_, t)| t) {
                Some(Ok(t)) => out.push_str(&format!(" {} | {} |", ms(t.execute), ms(t.total))),
                Some(Err(e)) => out.push_str(&format!(" n/a ({}) | |", e.lines().next().unwrap_or(""))),
                None => out.push_str(" - | - |"),
            }
        }
        let r = |e| row.ratio(Backend::Interpreter, e).map(|x| format!("{x:.2}x")).unwrap_or_else(|| "-".into());
        out.push_str(&format!(" {} | {} |\n", r(true), r(false)));
    }
    let exec: Vec<f64> = rows.iter().filter_map(|r| r.ratio(Backend::Interpreter, true)).collect();
    let total: Vec<f64> = rows.iter().filter_map(|r| r.ratio(Backend::Interpreter, false)).collect();
    if let (Some(ge), Some(gt)) = (geomean(&exec), geomean(&total)) {
        out.push_str(&format!("\nInterpreter vs interpreter, geometric mean: {ge:.2}x (execute only), {gt:.2}x (total).\n"));
        if let Some((row, worst)) = rows.iter().filter_map(|r| r.ratio(Backend::Interpreter, true).map(|x| (r, x))).min_by(|a, b| a.1.total_cmp(&b.1)) {
            out.push_str(&format!("Slowest workload for jarkit (execute only): {} at {worst:.2}x.\n", row.guest.name));
        }
    }
    out
}

/// A horizontal bar chart (SVG) of the interpreter ratios, execute only, with a line at 1.
pub fn svg(rows: &[Row]) -> String {
    let data: Vec<(&str, f64)> = rows.iter().filter_map(|r| r.ratio(Backend::Interpreter, true).map(|x| (r.guest.name, x))).collect();
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
