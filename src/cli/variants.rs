//! `jarkit variants`: every variant side by side, one row per parameter or model choice, with
//! what it means (its Lean doc comment) and a mark where the variants differ.

use jarkit_spec::jar::VariantId;

/// The longest meaning shown before it is cut (the whole text is in the Lean file).
const MEANING_WIDTH: usize = 78;

/// The table, then the next commands to try.
pub fn table() -> String {
    let ids = VariantId::ALL;
    let columns: Vec<Vec<(&str, String)>> = ids.iter().map(|id| id.describe()).collect();
    let rows: Vec<(&str, &str, &str)> = VariantId::MEANINGS.iter().copied().filter(|(name, _, _)| *name != "name").collect();
    let value = |col: &[(&str, String)], name: &str| col.iter().find(|(n, _)| *n == name).map(|(_, v)| v.trim_matches('"').to_string()).unwrap_or_default();
    let name_w = rows.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0).max("parameter".len());
    let unit_w = rows.iter().map(|(_, _, u)| u.len()).max().unwrap_or(0).max("unit".len());
    let widths: Vec<usize> = ids
        .iter()
        .zip(&columns)
        .map(|(id, col)| rows.iter().map(|(n, _, _)| value(col, n).len()).chain([id.name().len()]).max().unwrap_or(0))
        .collect();
    let mut out = format!("{} variants, generated from variants/*.lean; * marks a row where they differ\n\n", ids.len());
    out.push_str(&format!("  {:<name_w$}", "parameter"));
    for (id, w) in ids.iter().zip(&widths) {
        out.push_str(&format!("  {:<w$}", id.name()));
    }
    out.push_str(&format!("  {:<unit_w$}  meaning\n", "unit"));
    for (name, meaning, unit) in &rows {
        let values: Vec<String> = columns.iter().map(|c| value(c, name)).collect();
        let differs = values.windows(2).any(|w| w[0] != w[1]);
        out.push_str(&format!("{} {name:<name_w$}", if differs { "*" } else { " " }));
        for (v, w) in values.iter().zip(&widths) {
            out.push_str(&format!("  {v:<w$}"));
        }
        out.push_str(&format!("  {unit:<unit_w$}  {}\n", cut(meaning)));
    }
    out.push_str(
        "\nnext:\n  \
         jarkit vectors stf safrole                 run one sub-transition's conformance vectors\n  \
         jarkit import                              import the block traces through the spec's block transition\n  \
         jarkit run guests/bin/fib.polkavm --args 20   run a guest program (any format; --trace steps it through the spec)\n  \
         jarkit crosscheck --variant jar1 --kernel  cross-check the spec, the interpreter and the recompiler\n  \
         jarkit bench --seconds 0.2                 jarkit against PolkaVM on the same guests\n  \
         jarkit gen --out /tmp/gen                  regenerate the Rust from the Lean spec\n",
    );
    out
}

/// The first sentence of `meaning` without the Gray Paper symbol it starts with (`V: `), cut to
/// [`MEANING_WIDTH`] characters.
fn cut(meaning: &str) -> String {
    let meaning = match meaning.split_once(": ") {
        Some((symbol, rest)) if !symbol.contains(' ') => rest,
        _ => meaning,
    };
    let first = match meaning.find(". ") {
        Some(i) => &meaning[..=i],
        None => meaning,
    };
    if first.chars().count() <= MEANING_WIDTH {
        first.to_string()
    } else {
        let kept: String = first.chars().take(MEANING_WIDTH - 1).collect();
        format!("{kept}…")
    }
}
