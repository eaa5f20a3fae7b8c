//! The layout pass: makes Lean's indentation explicit so the pest grammar can ignore newlines.
//!
//! It inserts four control characters into a copy of the source (see `lean.pest`) and keeps the
//! positions of the insertions, so every span the parser reports maps back to the original text.
//!
//! Rules, applied line by line to the first token of each line:
//! - a line at column 0 closes every open block and starts a top-level command (`VTOP`), unless
//!   it starts with a closing bracket;
//! - a block opens after `do` and `where`, after `:=` ending a top-level declaration's line, and
//!   after `then`, `else` or `=>` ending a line inside a block; its column is that of the next token;
//! - a line left of the innermost block's column closes it; a line at its column starts a new
//!   statement (`VSEP`) unless it continues the previous one (`|`, `then`, `else`, closing
//!   brackets, or the line after a docstring).

pub const VOPEN: char = '\u{1}';
pub const VSEP: char = '\u{2}';
pub const VCLOSE: char = '\u{3}';
pub const VTOP: char = '\u{4}';

/// The source with layout characters inserted, and the way back to original offsets.
pub struct Layout {
    pub text: String,
    /// Offsets (in `text`) of inserted characters, ascending.
    inserted: Vec<usize>,
}

impl Layout {
    /// Maps an offset in `text` to the original source.
    pub fn original_offset(&self, offset: usize) -> usize {
        offset - self.inserted.partition_point(|&p| p < offset)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TokKind {
    Word,
    Symbol,
    Doc,
    Str,
}

#[derive(Debug, Clone)]
struct Tok<'a> {
    offset: usize,
    line: usize,
    col: usize,
    text: &'a str,
    kind: TokKind,
}

/// A coarse tokenizer: enough to know each line's first and last token. Comments are skipped.
fn tokens(src: &str) -> Vec<Tok<'_>> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 0;
    let mut line_start = 0;
    // The column of offset `i` on the line starting at `line_start`, counted from the last
    // position asked for on that line (tokens come in order), so a long line costs linear time.
    let mut col_at: (usize, usize) = (0, 0);
    let mut col_of = |i: usize, line_start: usize| {
        if col_at.0 < line_start || col_at.0 > i {
            col_at = (line_start, 0);
        }
        col_at = (i, col_at.1 + src[col_at.0..i].chars().count());
        col_at.1
    };
    while i < bytes.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        if c == '\n' {
            i += 1;
            line += 1;
            line_start = i;
            continue;
        }
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let rest = &src[i..];
        if rest.starts_with("--") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if rest.starts_with("/-") {
            let is_doc = rest.starts_with("/--") && !rest.starts_with("/--/");
            let start = i;
            let (start_line, start_col) = (line, col_of(i, line_start));
            let mut depth = 0;
            while i < bytes.len() {
                if src[i..].starts_with("/-") {
                    depth += 1;
                    i += 2;
                } else if src[i..].starts_with("-/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if bytes[i] == b'\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    i += src[i..].chars().next().map_or(1, char::len_utf8);
                }
            }
            if is_doc {
                out.push(Tok { offset: start, line: start_line, col: start_col, text: &src[start..i], kind: TokKind::Doc });
                // The docstring's last line is where it ends; record the end for "last token".
                out.push(Tok { offset: i, line, col: col_of(i, line_start), text: "", kind: TokKind::Doc });
            }
            continue;
        }
        let start = i;
        let col = col_of(i, line_start);
        let kind;
        if c == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += src.get(i..).and_then(|r| r.chars().next()).map_or(1, char::len_utf8);
            }
            i = i.min(bytes.len());
            while !src.is_char_boundary(i) {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            kind = TokKind::Str;
        } else if c.is_alphanumeric() || c == '_' || c == '«' {
            while let Some(ch) = src[i..].chars().next() {
                if ch.is_alphanumeric() || matches!(ch, '_' | '\'' | '!' | '?' | '.' | '«' | '»') {
                    i += ch.len_utf8();
                } else {
                    break;
                }
            }
            kind = TokKind::Word;
        } else {
            let two = rest.get(..2).unwrap_or("");
            i += if matches!(two, ":=" | "=>") { 2 } else { c.len_utf8() };
            kind = TokKind::Symbol;
        }
        out.push(Tok { offset: start, line, col, text: &src[start..i], kind });
    }
    out
}

fn is_continuation(t: &Tok) -> bool {
    matches!(t.text, "|" | "then" | "else" | ")" | "]" | "}" | "⟩" | "with" | "," | ":=" | "=>")
}

/// Runs the layout pass over one file.
pub fn layout(src: &str) -> Layout {
    let toks = tokens(src);
    // Insertions: (original offset, char). Stable order for equal offsets is kept.
    let mut ins: Vec<(usize, char)> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut pending_open = false;
    let mut after_doc = false;
    let mut after_attr = false;
    let mut i = 0;
    while i < toks.len() {
        // Skip doc end markers when looking for line starts.
        let line = toks[i].line;
        let mut j = i;
        while j < toks.len() && toks[j].line == line {
            j += 1;
        }
        let line_toks: Vec<&Tok> = toks[i..j].iter().filter(|t| !(t.kind == TokKind::Doc && t.text.is_empty())).collect();
        let ends_doc = toks[i..j].last().is_some_and(|t| t.kind == TokKind::Doc && t.text.is_empty());
        i = j;
        let Some(first) = line_toks.first() else {
            after_doc = after_doc || ends_doc;
            continue;
        };
        let c = first.col;
        let mut opened_here = false;
        if pending_open {
            pending_open = false;
            let enclosing = stack.last().copied();
            if c > 0 && enclosing.is_none_or(|e| c > e) {
                ins.push((first.offset, VOPEN));
                stack.push(c);
                opened_here = true;
            } else {
                // An empty block; the parser reports it at this position.
                ins.push((first.offset, VOPEN));
                ins.push((first.offset, VCLOSE));
            }
        }
        if !opened_here {
            let closing_bracket = matches!(first.text, ")" | "]" | "}" | "⟩");
            if c == 0 && !closing_bracket {
                for _ in stack.drain(..) {
                    ins.push((first.offset, VCLOSE));
                }
                // A declaration continues after its docstring or attribute line.
                if !after_doc && !after_attr {
                    ins.push((first.offset, VTOP));
                }
            } else {
                while stack.last().is_some_and(|&b| b > c) {
                    stack.pop();
                    ins.push((first.offset, VCLOSE));
                }
                if stack.last() == Some(&c) && !is_continuation(first) && !after_doc {
                    ins.push((first.offset, VSEP));
                }
            }
        }
        after_doc = ends_doc;
        after_attr = first.text == "@" && c == 0;
        // A `do` in the middle of a line opens a block at the next token.
        for (k, t) in line_toks.iter().enumerate() {
            if t.kind == TokKind::Word && t.text == "do" {
                if let Some(next) = line_toks.get(k + 1) {
                    ins.push((next.offset, VOPEN));
                    stack.push(next.col);
                }
            }
        }
        let last = line_toks.last().unwrap();
        let opener = match last.text {
            "do" | "where" => last.kind == TokKind::Word,
            ":=" => stack.is_empty(),
            "then" | "else" | "=>" => !stack.is_empty(),
            _ => false,
        };
        if opener {
            pending_open = true;
        }
    }
    let end = src.len();
    if pending_open {
        ins.push((end, VOPEN));
        ins.push((end, VCLOSE));
    }
    for _ in stack.drain(..) {
        ins.push((end, VCLOSE));
    }
    // Build the new text.
    ins.sort_by_key(|&(o, _)| o);
    let mut text = String::with_capacity(src.len() + ins.len());
    let mut inserted = Vec::with_capacity(ins.len());
    let mut last = 0;
    for (o, ch) in ins {
        text.push_str(&src[last..o]);
        inserted.push(text.len());
        text.push(ch);
        last = o;
    }
    text.push_str(&src[last..]);
    Layout { text, inserted }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(src: &str) -> String {
        layout(src).text.replace(VOPEN, "{").replace(VSEP, ";").replace(VCLOSE, "}").replace(VTOP, "^")
    }

    #[test]
    fn do_blocks_and_statements() {
        let src = "def f : Nat := Id.run do\n  let mut x := 0\n  for i in [:3] do\n    x := x + i\n  return x\n";
        assert_eq!(show(src), "^def f : Nat := Id.run do\n  {let mut x := 0\n  ;for i in [:3] do\n    {x := x + i\n  };return x\n}");
    }

    #[test]
    fn structure_fields_with_docs() {
        let src = "structure S where\n  /-- doc -/\n  a : Nat\n  b : Nat\n  deriving BEq\n";
        assert_eq!(show(src), "^structure S where\n  {/-- doc -/\n  a : Nat\n  ;b : Nat\n  ;deriving BEq\n}");
    }

    #[test]
    fn offsets_map_back() {
        let src = "def f : Nat :=\n  1\n";
        let l = layout(src);
        let pos = l.text.find('1').unwrap();
        assert_eq!(l.original_offset(pos), src.find('1').unwrap());
    }
}
