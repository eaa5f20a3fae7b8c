//! The typed syntax tree of the Lean subset. Every node that can be the subject of a diagnostic
//! carries a [`Span`] in original-source offsets.

/// A byte range in one source file (original offsets, before layout).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub file: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug)]
pub enum Command {
    Namespace(String),
    Section,
    End,
    Variable(Vec<Binder>),
    Decl(Decl),
    Ignored,
}

#[derive(Clone, Debug)]
pub struct Decl {
    pub doc: Option<String>,
    pub attrs: Vec<(String, Option<String>)>,
    pub kind: DeclKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum DeclKind {
    Structure { name: String, params: Vec<Binder>, fields: Vec<Field>, is_class: bool },
    Inductive { name: String, params: Vec<Binder>, ctors: Vec<Ctor> },
    Instance { name: Option<String>, class: Ty, assigns: Option<Vec<Assign>> },
    Def { is_abbrev: bool, name: String, binders: Vec<Binder>, ret: Option<Ty>, body: Expr },
    Opaque { name: String, binders: Vec<Binder>, ty: Ty },
    Erased,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub doc: Option<String>,
    pub name: String,
    pub ty: Ty,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Ctor {
    pub doc: Option<String>,
    pub name: String,
    pub args: Vec<Binder>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Assign {
    pub name: String,
    pub value: Expr,
    pub span: Span,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BinderKind {
    Explicit,
    Implicit,
    Instance,
}

#[derive(Clone, Debug)]
pub struct Binder {
    pub kind: BinderKind,
    pub names: Vec<String>,
    pub ty: Option<Ty>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Ty {
    Name(String, Span),
    App(Box<Ty>, Vec<Ty>, Span),
    Arrow(Box<Ty>, Box<Ty>),
    Prod(Vec<Ty>),
    Lit(u64, Span),
    /// A proposition (`a = b`): erased.
    Prop,
}

impl Ty {
    pub fn span(&self) -> Span {
        match self {
            Ty::Name(_, s) | Ty::App(_, _, s) | Ty::Lit(_, s) => *s,
            Ty::Arrow(a, _) => a.span(),
            Ty::Prod(v) => v.first().map(Ty::span).unwrap_or_default(),
            Ty::Prop => Span::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IndexMode {
    /// `a[i]!`: default when out of bounds.
    Bang,
    /// `a[i]?`: an `Option`.
    Question,
    /// `a[i]` with a proof: emitted like `!`.
    Proof,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Nat(u128),
    Str(String),
    Var(String),
    DotCtor(String),
    Field(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>, IndexMode),
    App(Box<Expr>, Vec<Arg>),
    Binary(String, Box<Expr>, Box<Expr>),
    Unary(String, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    Match(Vec<Expr>, Vec<Alt>),
    Fun(Vec<Pattern>, Box<Expr>),
    Block(Vec<Stmt>),
    /// `do` block: the same statements, but `return` leaves the block (Id.run) not the function.
    Do(Vec<Stmt>),
    Array(Vec<Expr>),
    Range(Option<Box<Expr>>, Box<Expr>),
    Tuple(Vec<Expr>),
    Unit,
    Ascribe(Box<Expr>, Ty),
    StructInst(Option<Box<Expr>>, Vec<(String, Expr, Span)>),
    Anon(Vec<Expr>),
}

#[derive(Clone, Debug)]
pub enum Arg {
    Positional(Expr),
    Named(String, Expr),
}

#[derive(Clone, Debug)]
pub struct Alt {
    pub patterns: Vec<Pattern>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    /// `otherwise` is the alternative of `let pat := e | alt` (taken when `pat` does not match).
    Let { mutable: bool, pattern: Pattern, ty: Option<Ty>, arrow: bool, value: Expr, otherwise: Option<Expr>, span: Span },
    Assign { name: String, arrow: bool, value: Expr, span: Span },
    For { pattern: Pattern, iter: Expr, body: Expr, span: Span },
    Return(Option<Expr>, Span),
    Break(Span),
    Continue(Span),
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub enum Pattern {
    Wild,
    Var(String, Span),
    Lit(Expr),
    Tuple(Vec<Pattern>),
    Ctor { name: String, dotted: bool, args: Vec<Pattern>, span: Span },
    Typed(String, Ty),
    /// `p | q`: either (the alternatives bind no names).
    Or(Vec<Pattern>),
}

impl Expr {
    /// Whether a statement anywhere inside this expression reassigns the local `name`.
    pub fn assigns(&self, name: &str) -> bool {
        let any = |es: &[Expr]| es.iter().any(|e| e.assigns(name));
        match &self.kind {
            ExprKind::Nat(_) | ExprKind::Str(_) | ExprKind::Var(_) | ExprKind::DotCtor(_) | ExprKind::Unit => false,
            ExprKind::Field(e, _) | ExprKind::Unary(_, e) | ExprKind::Ascribe(e, _) => e.assigns(name),
            ExprKind::Index(a, b, _) | ExprKind::Binary(_, a, b) => a.assigns(name) || b.assigns(name),
            ExprKind::App(f, args) => {
                f.assigns(name)
                    || args.iter().any(|a| match a {
                        Arg::Positional(e) | Arg::Named(_, e) => e.assigns(name),
                    })
            }
            ExprKind::If(c, t, e) => c.assigns(name) || t.assigns(name) || e.as_ref().is_some_and(|e| e.assigns(name)),
            ExprKind::Match(scrutinees, alts) => any(scrutinees) || alts.iter().any(|a| a.body.assigns(name)),
            ExprKind::Fun(_, body) => body.assigns(name),
            ExprKind::Block(stmts) | ExprKind::Do(stmts) => stmts.iter().any(|s| s.assigns(name)),
            ExprKind::Array(es) | ExprKind::Tuple(es) | ExprKind::Anon(es) => any(es),
            ExprKind::Range(lo, hi) => lo.as_ref().is_some_and(|e| e.assigns(name)) || hi.assigns(name),
            ExprKind::StructInst(base, fields) => base.as_ref().is_some_and(|b| b.assigns(name)) || fields.iter().any(|(_, e, _)| e.assigns(name)),
        }
    }
}

impl Stmt {
    /// Whether this statement (or one inside it) reassigns the local `name`.
    pub fn assigns(&self, name: &str) -> bool {
        match self {
            Stmt::Assign { name: n, value, .. } => n == name || value.assigns(name),
            Stmt::Let { value, otherwise, .. } => value.assigns(name) || otherwise.as_ref().is_some_and(|o| o.assigns(name)),
            Stmt::For { iter, body, .. } => iter.assigns(name) || body.assigns(name),
            Stmt::Return(e, _) => e.as_ref().is_some_and(|e| e.assigns(name)),
            Stmt::Break(_) | Stmt::Continue(_) => false,
            Stmt::Expr(e) => e.assigns(name),
        }
    }
}
