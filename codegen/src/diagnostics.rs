//! Diagnostics: every problem codegen finds, with `file:line:col`, the source line, a caret and a
//! hint saying what to write instead. Codegen collects them all and never panics on bad input.

use crate::ast::Span;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic { span, message: message.into(), hint: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A source file as codegen read it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as shown in diagnostics and doc lines (relative to the spec root's parent).
    pub display: String,
    pub text: String,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        (line, self.text[line_start..offset].chars().count() + 1)
    }

    fn line_text(&self, line: usize) -> &str {
        self.text.lines().nth(line - 1).unwrap_or("")
    }
}

/// All diagnostics of one codegen run, renderable against the sources.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
    pub files: Vec<SourceFile>,
}

impl Diagnostics {
    /// `file:line:col` of a diagnostic.
    pub fn location(&self, d: &Diagnostic) -> String {
        match self.files.get(d.span.file) {
            Some(f) => {
                let (l, c) = f.line_col(d.span.start);
                format!("{}:{l}:{c}", f.display)
            }
            None => "<unknown>".to_string(),
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{}: error: {}", self.location(d), d.message)?;
            if let Some(file) = self.files.get(d.span.file) {
                let (line, col) = file.line_col(d.span.start);
                let text = file.line_text(line);
                let width = file.text[d.span.start.min(file.text.len())..d.span.end.min(file.text.len())]
                    .lines()
                    .next()
                    .map(|s| s.chars().count())
                    .unwrap_or(1)
                    .max(1);
                // A window of the line around the column: a long line is not echoed whole.
                const BEFORE: usize = 40;
                const WINDOW: usize = 120;
                let chars: Vec<char> = text.chars().collect();
                let from = if chars.len() <= WINDOW { 0 } else { (col - 1).saturating_sub(BEFORE).min(chars.len()) };
                let to = (from + WINDOW).min(chars.len());
                let lead = if from > 0 { "…" } else { "" };
                let tail = if to < chars.len() { "…" } else { "" };
                let shown: String = chars[from..to].iter().collect();
                let caret_at = col - 1 - from + lead.chars().count();
                let width = width.min((to + lead.chars().count()).saturating_sub(caret_at).max(1));
                writeln!(f, "{line:>5} | {lead}{shown}{tail}")?;
                writeln!(f, "      | {}{}", " ".repeat(caret_at), "^".repeat(width))?;
            }
            if let Some(h) = &d.hint {
                writeln!(f, "      = hint: {h}")?;
            }
        }
        write!(f, "{} error{}", self.items.len(), if self.items.len() == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}
