//! Parsing: layout, the pest grammar, and conversion of pest pairs into the [`ast`](crate::ast).
//! Pest types never leave this module.

use pest::iterators::Pair;
use pest::Parser;

use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::layout::{layout, Layout};

#[derive(pest_derive::Parser)]
#[grammar = "lean.pest"]
struct LeanParser;

struct Ctx<'a> {
    file: usize,
    layout: &'a Layout,
    /// The first expression found past a size limit (see [`MAX_OPERATORS`]).
    too_big: std::cell::RefCell<Option<Diagnostic>>,
}

/// Brackets nested deeper than this are a diagnostic, not a stack overflow in the parser or in
/// the passes after it (no spec nests brackets beyond a dozen).
pub const MAX_NESTING: usize = 200;
/// Binary operators in one expression beyond this are a diagnostic: every later pass walks the
/// expression tree recursively, one level per operator (the spec's longest chain has about 35).
pub const MAX_OPERATORS: usize = 2000;
/// A Lean file larger than this is a diagnostic before it is parsed: the parser takes about half
/// a second per MiB of one long expression, and the spec's largest file is 30 KB.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// The first place where brackets nest deeper than [`MAX_NESTING`], skipping comments and
/// string literals (a byte offset into `text`).
fn too_deep(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let (mut i, mut depth, mut block_comments) = (0, 0usize, 0usize);
    while i < b.len() {
        let rest = &b[i..];
        if block_comments > 0 {
            if rest.starts_with(b"-/") {
                block_comments -= 1;
                i += 2;
            } else if rest.starts_with(b"/-") {
                block_comments += 1;
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if rest.starts_with(b"/-") {
            block_comments = 1;
            i += 2;
        } else if rest.starts_with(b"--") {
            i += rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            match b[i] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if rest.starts_with("⟨".as_bytes()) {
                depth += 1;
            } else if rest.starts_with("⟩".as_bytes()) {
                depth = depth.saturating_sub(1);
            }
            if depth > MAX_NESTING {
                return Some(i);
            }
            i += 1;
        }
    }
    None
}

impl Ctx<'_> {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span { file: self.file, start: self.layout.original_offset(s.start()), end: self.layout.original_offset(s.end()) }
    }
}

/// Parses one file. On a syntax error returns one diagnostic at the failing position, naming what
/// was expected.
pub fn parse_file(file: usize, src: &str) -> Result<Vec<Command>, Diagnostic> {
    if src.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(Span { file, start: 0, end: 1 }, format!("this file has {} bytes; codegen reads Lean files of at most {MAX_FILE_BYTES} bytes (1 MiB)", src.len()))
            .with_hint("split it into several files; each file is read on its own"));
    }
    let layout = layout(src);
    if let Some(at) = too_deep(&layout.text) {
        let start = layout.original_offset(at);
        return Err(Diagnostic::error(Span { file, start, end: start + 1 }, format!("brackets nest more than {MAX_NESTING} levels deep here"))
            .with_hint("name the inner parts with `let` or separate definitions"));
    }
    let pairs = LeanParser::parse(Rule::file, &layout.text).map_err(|e| {
        let pos = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        let start = layout.original_offset(pos);
        let found = src[start..].split_whitespace().next().unwrap_or("end of file");
        let found: String = found.chars().take(20).collect();
        let (message, hint) = describe_syntax_error(&e.variant, &found);
        Diagnostic::error(Span { file, start, end: start + found.len().max(1) }, message).with_hint(hint)
    })?;
    let ctx = Ctx { file, layout: &layout, too_big: std::cell::RefCell::new(None) };
    let file_pair = pairs.into_iter().next().expect("the file rule always yields one pair");
    let commands = file_pair.into_inner().filter(|p| p.as_rule() == Rule::command).map(|p| command(&ctx, p)).collect();
    match ctx.too_big.into_inner() {
        Some(d) => Err(d),
        None => Ok(commands),
    }
}

fn describe_syntax_error(variant: &pest::error::ErrorVariant<Rule>, found: &str) -> (String, String) {
    let unsupported: &[(&str, &str)] = &[
        ("termination_by", "write the recursion with an explicit fuel argument (`let rec go (fuel : Nat)`)"),
        ("decreasing_by", "write the recursion with an explicit fuel argument"),
        ("mutual", "merge the functions or pass a fuel argument; `mutual` blocks are not extracted"),
        ("while", "use `for i in [:bound] do` with an explicit bound"),
        ("notation", "use a plain `def`; custom notation is not extracted"),
        ("macro", "use a plain `def`; macros are not extracted"),
        ("syntax", "use a plain `def`; syntax extensions are not extracted"),
        ("macro_rules", "use a plain `def`; macros are not extracted"),
        ("sorry", "give a real definition; `sorry` has no Rust meaning"),
        ("HashMap", "use an association list or `Array` with a total key order"),
        ("throw", "return an explicit result inductive instead of `Except`"),
        ("try", "return an explicit result inductive instead of exceptions"),
        ("|>.", "write the method call directly: `(e).f`"),
        ("<|>", "write the alternative with `match` on the `Option`"),
    ];
    for (word, hint) in unsupported {
        if found.starts_with(word) {
            return (format!("`{word}` is outside the extractable Lean subset"), hint.to_string());
        }
    }
    let expected = match variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives
            .iter()
            .filter_map(|r| rule_name(*r))
            .collect::<Vec<_>>(),
        _ => vec![],
    };
    let mut expected: Vec<&str> = expected;
    expected.dedup();
    let message = format!("unexpected `{found}`");
    let hint = if expected.is_empty() {
        "see codegen/SUBSET.md for the constructs codegen translates".to_string()
    } else {
        format!("expected {}; see codegen/SUBSET.md for the supported constructs", expected.join(", "))
    };
    (message, hint)
}

fn rule_name(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::command | Rule::decl | Rule::decl_body => "a declaration",
        Rule::expr | Rule::op_expr | Rule::atom | Rule::postfix_expr | Rule::app_expr | Rule::unary_expr => "an expression",
        Rule::ty | Rule::ty_atom | Rule::ty_app => "a type",
        Rule::binder => "a binder",
        Rule::stmt | Rule::block => "a statement",
        Rule::pattern | Rule::simple_pattern => "a pattern",
        Rule::ident | Rule::qident => "a name",
        Rule::field | Rule::field_item => "a field",
        Rule::ctor => "a constructor `| name`",
        Rule::assign => "`field := value`",
        Rule::bin_op => "an operator",
        Rule::EOI => "end of file",
        _ => return None,
    })
}

fn command(ctx: &Ctx, p: Pair<Rule>) -> Command {
    let inner = p.into_inner().next().expect("command has one alternative");
    match inner.as_rule() {
        Rule::namespace_cmd => Command::Namespace(inner.into_inner().next().map(|q| q.as_str().to_string()).unwrap_or_default()),
        Rule::section_cmd => Command::Section,
        Rule::end_cmd => Command::End,
        Rule::variable_cmd => Command::Variable(inner.into_inner().map(|b| binder(ctx, b)).collect()),
        Rule::decl => Command::Decl(decl(ctx, inner)),
        _ => Command::Ignored,
    }
}

fn doc_text(p: Pair<Rule>) -> String {
    let raw = p.into_inner().next().map(|t| t.as_str()).unwrap_or("");
    raw.lines().map(str::trim).collect::<Vec<_>>().join(" ").trim().to_string()
}

fn decl(ctx: &Ctx, p: Pair<Rule>) -> Decl {
    let span = ctx.span(&p);
    let mut doc = None;
    let mut attrs = Vec::new();
    let mut kind = DeclKind::Erased;
    for part in p.into_inner() {
        match part.as_rule() {
            Rule::doc => doc = Some(doc_text(part)),
            Rule::attributes => {
                for a in part.into_inner() {
                    let mut it = a.into_inner();
                    let name = it.next().map(|n| n.as_str().to_string()).unwrap_or_default();
                    let arg = it.next().map(|s| unquote(s.as_str()));
                    attrs.push((name, arg));
                }
            }
            Rule::modifier => {}
            Rule::decl_body => kind = decl_body(ctx, part.into_inner().next().expect("decl body")),
            _ => {}
        }
    }
    Decl { doc, attrs, kind, span }
}

fn unquote(s: &str) -> String {
    let inner = &s[1..s.len() - 1];
    inner.replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\")
}

fn decl_body(ctx: &Ctx, p: Pair<Rule>) -> DeclKind {
    let rule = p.as_rule();
    let mut it = p.into_inner().peekable();
    match rule {
        Rule::structure_decl | Rule::class_decl => {
            let name = it.next().unwrap().as_str().to_string();
            let mut params = Vec::new();
            let mut fields = Vec::new();
            for part in it {
                match part.as_rule() {
                    Rule::binder => params.push(binder(ctx, part)),
                    Rule::field_block => {
                        for item in part.into_inner() {
                            let mut doc = None;
                            for x in item.into_inner() {
                                match x.as_rule() {
                                    Rule::doc => doc = Some(doc_text(x)),
                                    Rule::field => {
                                        let span = ctx.span(&x);
                                        let mut f = x.into_inner();
                                        let fname = f.next().unwrap().as_str().to_string();
                                        let ft = f.next().unwrap().into_inner().next().unwrap();
                                        let ty = if ft.as_rule() == Rule::prop_type { Ty::Prop } else { ty(ctx, ft) };
                                        let default = f.next().map(|e| expr(ctx, e));
                                        fields.push(Field { doc: doc.take(), name: fname, ty, default, span });
                                    }
                                    _ => {}
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            DeclKind::Structure { name, params, fields, is_class: rule == Rule::class_decl }
        }
        Rule::inductive_decl => {
            let name = it.next().unwrap().as_str().to_string();
            let mut params = Vec::new();
            let mut ctors = Vec::new();
            for part in it {
                match part.as_rule() {
                    Rule::binder => params.push(binder(ctx, part)),
                    Rule::ctor => {
                        let span = ctx.span(&part);
                        let mut doc = None;
                        let mut cname = String::new();
                        let mut args = Vec::new();
                        for x in part.into_inner() {
                            match x.as_rule() {
                                Rule::doc => doc = Some(doc_text(x)),
                                Rule::ident => cname = x.as_str().to_string(),
                                Rule::binder => args.push(binder(ctx, x)),
                                _ => {}
                            }
                        }
                        ctors.push(Ctor { doc, name: cname, args, span });
                    }
                    _ => {}
                }
            }
            DeclKind::Inductive { name, params, ctors }
        }
        Rule::instance_decl => {
            let mut name = None;
            let mut class = None;
            let mut assigns = None;
            for part in it {
                match part.as_rule() {
                    Rule::ident => name = Some(part.as_str().to_string()),
                    Rule::ty => class = Some(ty(ctx, part)),
                    Rule::instance_where => {
                        assigns = Some(
                            part.into_inner()
                                .map(|a| {
                                    let span = ctx.span(&a);
                                    let mut x = a.into_inner().filter(|y| y.as_rule() != Rule::doc);
                                    let n = x.next().unwrap().as_str().to_string();
                                    let v = expr(ctx, x.next().unwrap());
                                    Assign { name: n, value: v, span }
                                })
                                .collect(),
                        )
                    }
                    _ => {}
                }
            }
            match (name, class) {
                (Some(n), Some(c)) => DeclKind::Instance { name: Some(n), class: c, assigns },
                _ => DeclKind::Erased,
            }
        }
        Rule::def_decl => {
            let is_abbrev = it.next().unwrap().as_str() == "abbrev";
            let name = it.next().unwrap().as_str().to_string();
            let mut binders = Vec::new();
            let mut ret = None;
            let mut body = None;
            for part in it {
                match part.as_rule() {
                    Rule::binder => binders.push(binder(ctx, part)),
                    Rule::ty => ret = Some(ty(ctx, part)),
                    Rule::body => body = Some(body_expr(ctx, part)),
                    _ => {}
                }
            }
            DeclKind::Def { is_abbrev, name, binders, ret, body: body.expect("def has a body") }
        }
        Rule::opaque_decl => {
            let name = it.next().unwrap().as_str().to_string();
            let mut binders = Vec::new();
            let mut t = None;
            for part in it {
                match part.as_rule() {
                    Rule::binder => binders.push(binder(ctx, part)),
                    Rule::ty => t = Some(ty(ctx, part)),
                    _ => {}
                }
            }
            DeclKind::Opaque { name, binders, ty: t.expect("opaque has a type") }
        }
        _ => DeclKind::Erased,
    }
}

fn binder(ctx: &Ctx, p: Pair<Rule>) -> Binder {
    let span = ctx.span(&p);
    let inner = p.into_inner().next().expect("binder kind");
    let kind = match inner.as_rule() {
        Rule::explicit_binder => BinderKind::Explicit,
        Rule::implicit_binder => BinderKind::Implicit,
        _ => BinderKind::Instance,
    };
    let mut names = Vec::new();
    let mut t = None;
    for x in inner.into_inner() {
        match x.as_rule() {
            Rule::ident => names.push(x.as_str().to_string()),
            Rule::ty => t = Some(ty(ctx, x)),
            _ => {}
        }
    }
    Binder { kind, names, ty: t, span }
}

fn ty(ctx: &Ctx, p: Pair<Rule>) -> Ty {
    match p.as_rule() {
        Rule::ty => {
            let mut it = p.into_inner();
            let first = ty(ctx, it.next().unwrap());
            match it.next() {
                Some(rest) => Ty::Arrow(Box::new(first), Box::new(ty(ctx, rest))),
                None => first,
            }
        }
        Rule::ty_prod => {
            let mut parts: Vec<Ty> = p.into_inner().map(|x| ty(ctx, x)).collect();
            if parts.len() == 1 {
                parts.pop().unwrap()
            } else {
                Ty::Prod(parts)
            }
        }
        Rule::ty_app => {
            let span = ctx.span(&p);
            let mut parts: Vec<Ty> = p.into_inner().map(|x| ty(ctx, x)).collect();
            if parts.len() == 1 {
                parts.pop().unwrap()
            } else {
                let head = parts.remove(0);
                Ty::App(Box::new(head), parts, span)
            }
        }
        Rule::ty_atom => {
            let span = ctx.span(&p);
            let x = p.into_inner().next().expect("type atom");
            match x.as_rule() {
                Rule::qident => Ty::Name(x.as_str().to_string(), span),
                Rule::nat_lit => Ty::Lit(parse_nat(x.as_str()) as u64, span),
                Rule::prop_eq | Rule::prop_rel => Ty::Prop,
                _ => ty(ctx, x),
            }
        }
        _ => Ty::Prop,
    }
}

fn parse_nat(s: &str) -> u128 {
    let s = s.replace('_', "");
    if let Some(h) = s.strip_prefix("0x") {
        u128::from_str_radix(h, 16).unwrap_or(u128::MAX)
    } else if let Some(b) = s.strip_prefix("0b") {
        u128::from_str_radix(b, 2).unwrap_or(u128::MAX)
    } else {
        s.parse().unwrap_or(u128::MAX)
    }
}

fn body_expr(ctx: &Ctx, p: Pair<Rule>) -> Expr {
    let inner = p.into_inner().next().expect("body");
    match inner.as_rule() {
        Rule::block => block(ctx, inner, false),
        _ => expr(ctx, inner),
    }
}

fn block(ctx: &Ctx, p: Pair<Rule>, is_do: bool) -> Expr {
    let span = ctx.span(&p);
    let stmts = p.into_inner().map(|s| stmt(ctx, s)).collect();
    Expr { kind: if is_do { ExprKind::Do(stmts) } else { ExprKind::Block(stmts) }, span }
}

fn branch(ctx: &Ctx, p: Pair<Rule>) -> Expr {
    let inner = p.into_inner().next().expect("branch");
    match inner.as_rule() {
        Rule::block => block(ctx, inner, false),
        _ => {
            let span = ctx.span(&inner);
            match stmt(ctx, inner) {
                Stmt::Expr(e) => e,
                s => Expr { kind: ExprKind::Block(vec![s]), span },
            }
        }
    }
}

fn stmt(ctx: &Ctx, p: Pair<Rule>) -> Stmt {
    let span = ctx.span(&p);
    let inner = p.into_inner().next().expect("statement");
    match inner.as_rule() {
        Rule::let_stmt => {
            let mut mutable = false;
            let mut pattern = None;
            let mut t = None;
            let mut arrow = false;
            let mut value = None;
            let mut otherwise = None;
            for x in inner.into_inner() {
                match x.as_rule() {
                    Rule::mut_kw => mutable = true,
                    Rule::simple_pattern => pattern = Some(simple_pattern(ctx, x)),
                    Rule::ctor_pattern => pattern = Some(ctor_pattern(ctx, x)),
                    Rule::let_else => otherwise = Some(branch(ctx, x.into_inner().next().unwrap())),
                    Rule::ty => t = Some(ty(ctx, x)),
                    Rule::bind_op => arrow = x.as_str() == "←",
                    Rule::body => value = Some(body_expr(ctx, x)),
                    _ => {}
                }
            }
            Stmt::Let { mutable, pattern: pattern.unwrap(), ty: t, arrow, value: value.unwrap(), otherwise, span }
        }
        Rule::reassign_stmt => {
            let mut it = inner.into_inner();
            let name = it.next().unwrap().as_str().to_string();
            let arrow = it.next().unwrap().as_str() == "←";
            let value = body_expr(ctx, it.next().unwrap());
            Stmt::Assign { name, arrow, value, span }
        }
        Rule::for_stmt => {
            let mut it = inner.into_inner();
            let pattern = simple_pattern(ctx, it.next().unwrap());
            let iter = expr(ctx, it.next().unwrap());
            let body = branch(ctx, it.next().unwrap());
            Stmt::For { pattern, iter, body, span }
        }
        Rule::return_stmt => Stmt::Return(inner.into_inner().next().map(|e| expr(ctx, e)), span),
        Rule::break_stmt => Stmt::Break(span),
        Rule::continue_stmt => Stmt::Continue(span),
        _ => Stmt::Expr(expr(ctx, inner)),
    }
}

fn precedence(op: &str) -> (u8, bool) {
    // (binding power, right associative)
    match op {
        "|>" => (10, false),
        "||" | "∨" => (30, false),
        "&&" | "∧" => (35, false),
        "==" | "!=" | "<" | ">" | "<=" | ">=" | "≠" | "≤" | "≥" => (50, false),
        "|||" => (55, false),
        "^^^" => (58, false),
        "&&&" => (60, false),
        "++" => (65, false),
        "+" | "-" => (65, false),
        "*" | "/" | "%" => (70, false),
        "<<<" | ">>>" => (75, false),
        "^" => (75, true),
        _ => (0, false),
    }
}

fn expr(ctx: &Ctx, p: Pair<Rule>) -> Expr {
    let span = ctx.span(&p);
    match p.as_rule() {
        Rule::expr | Rule::leading_expr | Rule::index_inner => expr(ctx, p.into_inner().next().expect("expression")),
        Rule::op_expr => {
            let items: Vec<Pair<Rule>> = p.into_inner().collect();
            if items.len() > 2 * MAX_OPERATORS + 1 {
                ctx.too_big.borrow_mut().get_or_insert_with(|| {
                    Diagnostic::error(span, format!("this expression has {} operators; at most {MAX_OPERATORS} are supported in one expression", items.len() / 2))
                        .with_hint("split it into named parts with `let`")
                });
                return Expr { kind: ExprKind::Unit, span };
            }
            let mut operands = Vec::new();
            let mut ops = Vec::new();
            for it in items {
                if it.as_rule() == Rule::bin_op {
                    ops.push(it.as_str().to_string());
                } else {
                    operands.push(expr(ctx, it));
                }
            }
            climb(operands, ops, span)
        }
        Rule::unary_expr => {
            let mut it: Vec<Pair<Rule>> = p.into_inner().collect();
            let mut e = expr(ctx, it.pop().expect("operand"));
            for op in it.into_iter().rev() {
                e = Expr { kind: ExprKind::Unary(op.as_str().to_string(), Box::new(e)), span };
            }
            e
        }
        Rule::app_expr | Rule::for_iter => {
            let mut it = p.into_inner();
            let head = expr(ctx, it.next().unwrap());
            let args: Vec<Arg> = it
                .map(|a| {
                    let x = a.into_inner().next().expect("argument");
                    if x.as_rule() == Rule::named_arg {
                        let mut n = x.into_inner();
                        let name = n.next().unwrap().as_str().to_string();
                        Arg::Named(name, expr(ctx, n.next().unwrap()))
                    } else {
                        Arg::Positional(expr(ctx, x))
                    }
                })
                .collect();
            if args.is_empty() {
                head
            } else {
                Expr { kind: ExprKind::App(Box::new(head), args), span }
            }
        }
        Rule::postfix_expr => {
            let mut it = p.into_inner();
            let mut e = expr(ctx, it.next().unwrap());
            for post in it {
                let pspan = Span { start: span.start, ..ctx.span(&post) };
                let x = post.into_inner().next().unwrap();
                match x.as_rule() {
                    Rule::field_access => {
                        let name = x.into_inner().next().unwrap().as_str().to_string();
                        e = Expr { kind: ExprKind::Field(Box::new(e), name), span: pspan };
                    }
                    _ => {
                        let mut y = x.into_inner();
                        let idx = expr(ctx, y.next().unwrap());
                        let mode = match y.next().map(|m| m.as_str()) {
                            Some("!") => IndexMode::Bang,
                            Some("?") => IndexMode::Question,
                            _ => IndexMode::Proof,
                        };
                        e = Expr { kind: ExprKind::Index(Box::new(e), Box::new(idx), mode), span: pspan };
                    }
                }
            }
            e
        }
        Rule::atom => expr(ctx, p.into_inner().next().expect("atom")),
        Rule::nat_lit => Expr { kind: ExprKind::Nat(parse_nat(p.as_str())), span },
        Rule::string_lit => Expr { kind: ExprKind::Str(unquote(p.as_str())), span },
        Rule::char_lit => Expr { kind: ExprKind::Nat(p.as_str().chars().nth(1).map(|c| c as u128).unwrap_or(0)), span },
        Rule::ident => Expr { kind: ExprKind::Var(p.as_str().to_string()), span },
        Rule::dot_ctor => Expr { kind: ExprKind::DotCtor(p.into_inner().next().unwrap().as_str().to_string()), span },
        Rule::unit => Expr { kind: ExprKind::Unit, span },
        Rule::paren_expr => {
            let mut es = Vec::new();
            let mut t = None;
            for x in p.into_inner() {
                if x.as_rule() == Rule::ty {
                    t = Some(ty(ctx, x));
                } else {
                    es.push(expr(ctx, x));
                }
            }
            let e = if es.len() == 1 { es.pop().unwrap() } else { Expr { kind: ExprKind::Tuple(es), span } };
            match t {
                Some(t) => Expr { kind: ExprKind::Ascribe(Box::new(e), t), span },
                None => e,
            }
        }
        Rule::array_lit => Expr { kind: ExprKind::Array(p.into_inner().map(|x| expr(ctx, x)).collect()), span },
        Rule::range_lit => {
            let mut es: Vec<Expr> = p.into_inner().map(|x| expr(ctx, x)).collect();
            let hi = es.pop().unwrap();
            Expr { kind: ExprKind::Range(es.pop().map(Box::new), Box::new(hi)), span }
        }
        Rule::struct_inst => {
            let mut base = None;
            let mut fields = Vec::new();
            for x in p.into_inner() {
                match x.as_rule() {
                    Rule::field_init => {
                        let fspan = ctx.span(&x);
                        let mut y = x.into_inner();
                        let n = y.next().unwrap().as_str().to_string();
                        fields.push((n, expr(ctx, y.next().unwrap()), fspan));
                    }
                    _ => base = Some(Box::new(expr(ctx, x))),
                }
            }
            Expr { kind: ExprKind::StructInst(base, fields), span }
        }
        Rule::anon_ctor => Expr { kind: ExprKind::Anon(p.into_inner().map(|x| expr(ctx, x)).collect()), span },
        Rule::do_expr => block(ctx, p.into_inner().next().unwrap(), true),
        Rule::fun_expr => {
            let mut pats = Vec::new();
            let mut body = None;
            for x in p.into_inner() {
                match x.as_rule() {
                    Rule::simple_pattern => pats.push(simple_pattern(ctx, x)),
                    _ => body = Some(branch(ctx, x)),
                }
            }
            Expr { kind: ExprKind::Fun(pats, Box::new(body.unwrap())), span }
        }
        Rule::if_expr => {
            let xs: Vec<Pair<Rule>> = p.into_inner().filter(|x| x.as_rule() != Rule::ident).collect();
            let mut it = xs.into_iter();
            let c = expr(ctx, it.next().unwrap());
            let t = branch(ctx, it.next().unwrap());
            let e = it.next().map(|x| Box::new(branch(ctx, x)));
            Expr { kind: ExprKind::If(Box::new(c), Box::new(t), e), span }
        }
        Rule::match_expr => {
            let mut scrut = Vec::new();
            let mut alts = Vec::new();
            for x in p.into_inner() {
                match x.as_rule() {
                    Rule::alt => {
                        let aspan = ctx.span(&x);
                        let mut lists: Vec<Vec<Pattern>> = Vec::new();
                        let mut body = None;
                        for y in x.into_inner() {
                            match y.as_rule() {
                                Rule::alt_patterns => lists.push(y.into_inner().map(|z| pattern(ctx, z)).collect()),
                                _ => body = Some(branch(ctx, y)),
                            }
                        }
                        // `| a | b => e` with one value: an or-pattern; with several values, an or
                        // of tuples (matched against the tuple of the values).
                        let patterns = if lists.len() == 1 {
                            lists.pop().unwrap()
                        } else if lists.iter().all(|l| l.len() == 1) {
                            vec![Pattern::Or(lists.into_iter().map(|mut l| l.pop().unwrap()).collect())]
                        } else {
                            vec![Pattern::Or(lists.into_iter().map(Pattern::Tuple).collect())]
                        };
                        alts.push(Alt { patterns, body: body.unwrap(), span: aspan });
                    }
                    _ => scrut.push(expr(ctx, x)),
                }
            }
            Expr { kind: ExprKind::Match(scrut, alts), span }
        }
        Rule::let_expr => {
            let mut it = p.into_inner();
            let pat = simple_pattern(ctx, it.next().unwrap());
            let mut next = it.next().unwrap();
            let mut t = None;
            if next.as_rule() == Rule::ty {
                t = Some(ty(ctx, next));
                next = it.next().unwrap();
            }
            let value = expr(ctx, next);
            let rest = expr(ctx, it.next().unwrap());
            let lspan = span;
            Expr {
                kind: ExprKind::Block(vec![
                    Stmt::Let { mutable: false, pattern: pat, ty: t, arrow: false, value, otherwise: None, span: lspan },
                    Stmt::Expr(rest),
                ]),
                span,
            }
        }
        _ => Expr { kind: ExprKind::Unit, span },
    }
}

fn climb(mut operands: Vec<Expr>, ops: Vec<String>, span: Span) -> Expr {
    // Shunting-yard over a flat list.
    let mut out: Vec<Expr> = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    operands.reverse();
    out.push(operands.pop().unwrap());
    let reduce = |out: &mut Vec<Expr>, op: String| {
        let r = out.pop().unwrap();
        let l = out.pop().unwrap();
        let s = Span { file: l.span.file, start: l.span.start, end: r.span.end.max(span.start) };
        // `x |> f a` is the application `f a x`; `x |>.f a` is the method call `x.f a`.
        let kind = if op == "|>" {
            match r.kind {
                ExprKind::DotCtor(m) => ExprKind::Field(Box::new(l), m),
                ExprKind::App(f, args) if matches!(f.kind, ExprKind::DotCtor(_)) => {
                    let ExprKind::DotCtor(m) = f.kind else { unreachable!() };
                    let method = Expr { kind: ExprKind::Field(Box::new(l), m), span: f.span };
                    ExprKind::App(Box::new(method), args)
                }
                ExprKind::App(f, mut args) => {
                    args.push(Arg::Positional(l));
                    ExprKind::App(f, args)
                }
                _ => ExprKind::App(Box::new(r), vec![Arg::Positional(l)]),
            }
        } else {
            ExprKind::Binary(op, Box::new(l), Box::new(r))
        };
        out.push(Expr { kind, span: s });
    };
    for op in ops {
        let (p, right) = precedence(&op);
        while let Some(top) = stack.last() {
            let (tp, _) = precedence(top);
            if tp > p || (tp == p && !right) {
                let top = stack.pop().unwrap();
                reduce(&mut out, top);
            } else {
                break;
            }
        }
        stack.push(op);
        out.push(operands.pop().unwrap());
    }
    while let Some(top) = stack.pop() {
        reduce(&mut out, top);
    }
    out.pop().unwrap()
}

fn pattern(ctx: &Ctx, p: Pair<Rule>) -> Pattern {
    let inner = p.into_inner().next().expect("pattern");
    match inner.as_rule() {
        Rule::ctor_pattern => ctor_pattern(ctx, inner),
        _ => simple_pattern(ctx, inner),
    }
}

/// `.ctor p q` / `Type.ctor p q`.
fn ctor_pattern(ctx: &Ctx, p: Pair<Rule>) -> Pattern {
    let span = ctx.span(&p);
    let mut it = p.into_inner();
    let head = it.next().expect("constructor");
    let (name, dotted) = match head.as_rule() {
        Rule::dot_ctor => (head.into_inner().next().expect("name").as_str().to_string(), true),
        _ => (head.as_str().to_string(), false),
    };
    Pattern::Ctor { name, dotted, args: it.map(|x| simple_pattern(ctx, x)).collect(), span }
}

fn simple_pattern(ctx: &Ctx, p: Pair<Rule>) -> Pattern {
    let span = ctx.span(&p);
    let inner = if p.as_rule() == Rule::simple_pattern { p.into_inner().next().expect("pattern") } else { p };
    match inner.as_rule() {
        Rule::wildcard => Pattern::Wild,
        Rule::nat_lit | Rule::string_lit => Pattern::Lit(expr(ctx, inner)),
        Rule::tuple_pattern | Rule::anon_pattern => {
            let mut ps: Vec<Pattern> = inner.into_inner().map(|x| pattern(ctx, x)).collect();
            if ps.len() == 1 {
                ps.pop().unwrap()
            } else {
                Pattern::Tuple(ps)
            }
        }
        Rule::dot_ctor => Pattern::Ctor { name: inner.into_inner().next().unwrap().as_str().to_string(), dotted: true, args: vec![], span },
        Rule::typed_pattern => {
            let mut it = inner.into_inner();
            let n = it.next().unwrap().as_str().to_string();
            Pattern::Typed(n, ty(ctx, it.next().unwrap()))
        }
        Rule::pattern => pattern(ctx, inner),
        _ => {
            let name = inner.as_str().to_string();
            match name.as_str() {
                "none" | "true" | "false" => Pattern::Ctor { name, dotted: false, args: vec![], span },
                _ => Pattern::Var(name, span),
            }
        }
    }
}
