//! The `jarkit` binary's larger commands, beside `main.rs` (which holds the argument
//! definitions and dispatch): running programs, describing them, the variants table, and output
//! that ends quietly when the reader goes away.

pub mod fuzz;
pub mod inspect;
pub mod run;
pub mod variants;

use std::io::Write;

/// Writes `text` to stdout. A reader that went away (`jarkit variants | head`) ends the program
/// quietly with status 0, where `print!` would panic with status 101.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if out.write_all(text.as_bytes()).and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
}

/// Writes `text` to stderr; a closed stderr is ignored (there is nowhere left to report to).
pub fn stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// The end of a `jarkit crosscheck` run, whichever kind: printed as text (details on stderr,
/// the one-line summary on stdout) or as one JSON object.
pub struct CheckReport {
    /// What was checked (`gp072_tiny`, `jar1 kernel`, `against polkavm`).
    pub label: String,
    pub cases: u64,
    pub seed: u64,
    pub seconds: f64,
    /// The first divergence, shrunk.
    pub divergence: Option<String>,
    /// Further findings that fail the run, by kind, with the first one shown (PolkaVM's gas).
    pub other_findings: Vec<(&'static str, u64, Option<String>)>,
    pub exits: std::collections::BTreeMap<&'static str, u64>,
    /// Counters worth knowing (name, value).
    pub counters: Vec<(&'static str, u64)>,
}

impl CheckReport {
    /// Prints the report; exit 1 if anything was found.
    pub fn print(&self, json: bool) -> std::process::ExitCode {
        let found = u64::from(self.divergence.is_some());
        let others: u64 = self.other_findings.iter().map(|(_, n, _)| n).sum();
        if json {
            let mut v = serde_json::json!({
                "checked": self.label,
                "cases": self.cases,
                "seed": self.seed,
                "seconds": self.seconds,
                "divergences": found,
                "divergence": self.divergence,
                "exits": self.exits,
            });
            for (kind, n, first) in &self.other_findings {
                v[*kind] = serde_json::json!({ "count": n, "first": first });
            }
            for (name, n) in &self.counters {
                v[*name] = serde_json::json!(n);
            }
            stdout(&format!("{}\n", serde_json::to_string_pretty(&v).expect("JSON values print")));
        } else {
            if let Some(d) = &self.divergence {
                stdout(&format!("divergence (shrunk):\n{d}\n"));
            }
            for (kind, _, first) in &self.other_findings {
                if let Some(f) = first {
                    stdout(&format!("first of the {}:\n{f}\n", kind.replace('_', " ")));
                }
            }
            let exits: Vec<String> = self.exits.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let counters: Vec<String> = self.counters.iter().map(|(k, n)| format!("{}: {n}", k.replace('_', " "))).collect();
            stderr(&format!("exits: {}; {}\n", exits.join(", "), counters.join("; ")));
            let more: String = self.other_findings.iter().map(|(k, n, _)| format!(", {n} {}", k.replace('_', " "))).collect();
            stdout(&format!("{} cases, {found} divergences{more} ({}, seed {}, {:.1} s)\n", self.cases, self.label, self.seed, self.seconds));
        }
        if found + others == 0 {
            std::process::ExitCode::SUCCESS
        } else {
            std::process::ExitCode::from(1)
        }
    }
}
