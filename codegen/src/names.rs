//! The one mapping from Lean names to Rust names, used everywhere.
//!
//! `stepAdd64` → `step_add64`, `x'` → `x_p`, `set!` → `set_bang`, `find?` → `find_opt`,
//! `α` → `A`; a Rust keyword gets `r#`. Types and constructors become UpperCamelCase.

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "box", "yield", "override",
    "final", "macro", "priv", "typeof", "unsized", "virtual", "abstract", "become", "do", "try",
];

fn greek(c: char) -> Option<&'static str> {
    Some(match c {
        'α' => "A",
        'β' => "B",
        'γ' => "G",
        'δ' => "D",
        'σ' => "S",
        'τ' => "T",
        _ => return None,
    })
}

/// The last component of a dotted Lean name.
pub fn last(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// snake_case for functions, locals and fields.
pub fn snake(name: &str) -> String {
    let name = last(name);
    if let Some(g) = name.chars().next().and_then(greek) {
        if name.chars().count() == 1 {
            return g.to_lowercase();
        }
    }
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\'' => out.push_str("_p"),
            '!' => out.push_str("_bang"),
            '?' => out.push_str("_opt"),
            '₀'..='₉' => out.push((b'0' + (c as u32 - '₀' as u32) as u8) as char),
            c if c.is_uppercase() => {
                let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
                let prev_upper = i > 0 && chars[i - 1].is_uppercase();
                if i > 0 && !out.ends_with('_') && (prev_lower || (prev_upper && next_lower)) {
                    out.push('_');
                }
                out.extend(c.to_lowercase());
            }
            c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
            c => match greek(c) {
                Some(g) => out.push_str(&g.to_lowercase()),
                None => out.push('_'),
            },
        }
    }
    if RUST_KEYWORDS.contains(&out.as_str()) {
        format!("r#{out}")
    } else {
        out
    }
}

/// SCREAMING_SNAKE_CASE for constants.
pub fn screaming(name: &str) -> String {
    snake(name).trim_start_matches("r#").to_uppercase()
}

/// UpperCamelCase for types, constructors and variant types.
pub fn camel(name: &str) -> String {
    let name = last(name);
    if let Some(g) = name.chars().next().and_then(greek) {
        if name.chars().count() == 1 {
            return g.to_string();
        }
    }
    let mut out = String::new();
    let mut up = true;
    for c in name.chars() {
        if c == '_' || c == '\'' {
            up = true;
            continue;
        }
        if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    if out == "Self" {
        "Self_".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        assert_eq!(snake("Jar.JAVM.stepAdd64"), "step_add64");
        assert_eq!(snake("x''"), "x_p_p");
        assert_eq!(snake("set!"), "set_bang");
        assert_eq!(snake("ticketsEntropy"), "tickets_entropy");
        assert_eq!(snake("N_TICKETS"), "n_tickets");
        assert_eq!(snake("V"), "v");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(camel("gp072_tiny"), "Gp072Tiny");
        assert_eq!(camel("segmented"), "Segmented");
        assert_eq!(camel("α"), "A");
        assert_eq!(screaming("memoryModel"), "MEMORY_MODEL");
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely
/// misspelling (at most a third of the name's length, and at least one edit away).
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}
