//! Lowering of definitions (functions and constants) to Rust, with the small amount of type
//! inference needed to keep Lean's meaning: `Nat` versus fixed-width arithmetic, literals of the
//! right type, `a[i]!` and `set!` with Lean's out-of-bounds rules, and `return` inside `Id.run do`.
//! A type needed before lowering (an operator's operands, a method's receiver) comes from
//! `typing.rs`, which lowers nothing; a unit test there holds typing and lowering to the same
//! type for every expression of the spec.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::*;
use crate::diagnostics::{Diagnostic, SourceFile};
use crate::emit::{docs, ident, rust_type, value_tokens};
use crate::eval::{dotted, type_name, Evaluator};
use crate::model::{FnDef, Kind, Model};
use crate::names::{camel, screaming, snake};

mod library;
mod patterns;
mod typing;

/// Inferred types (enough to pick the right Rust for each operation).
#[derive(Clone, Debug, PartialEq)]
enum T {
    Nat,
    Bool,
    Str,
    U(u8),
    Bytes,
    Octets(u64),
    Array(Box<T>),
    Option(Box<T>),
    /// `Except ε α`: `Result<α, ε>` (ok type first).
    Result(Box<T>, Box<T>),
    Tuple(Vec<T>),
    Named(String),
    Param(String),
    Unit,
    Unknown,
}

impl T {
    fn is_copy(&self) -> bool {
        matches!(self, T::Nat | T::Bool | T::U(_) | T::Octets(_) | T::Unit)
    }

    /// Whether the type is not fully known (`none`, `#[]` without an expected type).
    fn is_vague(&self) -> bool {
        match self {
            T::Unknown => true,
            T::Array(t) | T::Option(t) => t.is_vague(),
            T::Result(a, b) => a.is_vague() || b.is_vague(),
            T::Tuple(ts) => ts.iter().any(T::is_vague),
            _ => false,
        }
    }
}

/// The monad of a `do` block: `Id.run do` (plain control flow), or a `do` whose value is an
/// `Option` or an `Except`, where `←` unwraps or leaves with the failure, `return`/`pure` wrap,
/// and `guard c` fails the block when `c` is false.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Monad {
    Id,
    Option,
    Except,
}

/// Whether values of `t` are `Copy` in the generated Rust: the primitive types, and inductives
/// whose constructors have no arguments (emitted as `Copy` enums).
fn copy_ty(m: &Model, t: &T) -> bool {
    match t {
        T::Named(n) => m.enums.get(n).is_some_and(|e| e.item.ctors.iter().all(|c| c.args.is_empty())),
        t => t.is_copy(),
    }
}

struct Local {
    ty: T,
}

struct Cx<'a> {
    m: &'a Model,
    diags: Vec<Diagnostic>,
    scopes: Vec<HashMap<String, Local>>,
    type_params: Vec<String>,
    variant_generic: bool,
    /// Label of the innermost `Id.run do` block, for `return`.
    /// with the type the block produces (what `return e` must have).
    run_labels: Vec<(syn::Lifetime, Option<T>, Monad)>,
    /// Set by `Id.run` for the `do` block it runs.
    next_do_is_id: bool,
    next_label: usize,
    /// The variable of `x := x.set! i v` / `x := x.push v` while its value is lowered: the
    /// update then happens in place instead of on a copy (see `method`).
    in_place: Option<String>,
    /// For each open `do` block (as `run_labels`), how many scopes were open when it started:
    /// locals in deeper scopes die when the block is left.
    run_depths: Vec<usize>,
    /// The type typing found for an expression with a hint (see [`Cx::trial_type`]). Typing
    /// asks for the types of an expression's parts through the same memo, so each expression is
    /// typed once per hint, and a chain `a ++ b ++ … ++ z` costs its length. Keyed by the
    /// expression's source span and kind, not its address: a clone (dot notation passes its
    /// receiver on as a cloned argument) is the same source and has the same type.
    trial_types: HashMap<(usize, usize, usize, std::mem::Discriminant<ExprKind>, String), T>,
    /// Whether calls to spec functions are timed (`crate::profile`): inside the block
    /// transition, whose callees are its phases.
    profile_calls: bool,
    /// Where typing and lowering disagree on an expression's type, when checked (a test
    /// lowers the whole spec so; see `typing.rs`).
    typing_disagreements: Option<Vec<String>>,
}

/// The function whose calls `jarkit import --stats` splits the block's time by.
const PROFILED: &str = "importBlock";

fn resolve(m: &Model, t: &Ty, params: &[String]) -> T {
    match t {
        Ty::Name(n, _) => {
            if params.contains(n) {
                return T::Param(n.clone());
            }
            match n.as_str() {
                "Nat" => T::Nat,
                "Bool" => T::Bool,
                "String" => T::Str,
                "UInt8" => T::U(8),
                "UInt16" => T::U(16),
                "UInt32" => T::U(32),
                "UInt64" => T::U(64),
                "ByteArray" => T::Bytes,
                _ => match m.aliases.get(n) {
                    Some(a) => resolve(m, &a.item, params),
                    None => T::Named(crate::names::last(n).to_string()),
                },
            }
        }
        Ty::App(h, args, _) => match (type_name(h).as_deref(), args.as_slice()) {
            (Some("Array"), [a]) => T::Array(Box::new(resolve(m, a, params))),
            (Some("Option"), [a]) => T::Option(Box::new(resolve(m, a, params))),
            (Some("SeqN"), [_, a]) => T::Array(Box::new(resolve(m, a, params))),
            (Some("Except"), [e, a]) => T::Result(Box::new(resolve(m, a, params)), Box::new(resolve(m, e, params))),
            (Some("BytesN"), [_]) => T::Bytes,
            (Some("CompactNat"), [_]) => T::Nat,
            (Some("OctetSeq"), [Ty::Lit(n, _)]) => T::Octets(*n),
            _ => T::Unknown,
        },
        Ty::Prod(ps) => T::Tuple(ps.iter().map(|p| resolve(m, p, params)).collect()),
        _ => T::Unknown,
    }
}

/// Lowers a constant expression of type `t` in a non-generic context (structure field defaults).
pub fn lower_const_expr(m: &Model, e: &Expr, t: &Ty, diags: &mut Vec<Diagnostic>) -> TokenStream {
    let mut cx = Cx::new(m, vec![], false);
    let expected = resolve(m, t, &[]);
    let (ts, _) = cx.expr(e, Some(&expected));
    diags.append(&mut cx.diags);
    ts
}

/// Lowers a length written in a type (`SeqN V T`, `BytesN availBitfieldBytes`) to a `Nat`
/// expression inside a function generic over the variant `V`.
pub fn lower_len(m: &Model, t: &Ty, diags: &mut Vec<Diagnostic>) -> TokenStream {
    let Some(e) = ty_as_expr(t) else {
        diags.push(Diagnostic::error(t.span(), "a sequence length must be a number or a name").with_hint("write `SeqN V T`, or define the length with `abbrev` and use its name"));
        return quote!(Nat(0));
    };
    let mut cx = Cx::new(m, vec![], true);
    let (ts, _) = cx.expr(&e, Some(&T::Nat));
    diags.append(&mut cx.diags);
    ts
}

fn ty_as_expr(t: &Ty) -> Option<Expr> {
    let kind = match t {
        Ty::Name(n, _) => ExprKind::Var(n.clone()),
        Ty::Lit(v, _) => ExprKind::Nat(*v as u128),
        Ty::App(h, args, _) => {
            let args = args.iter().map(|a| ty_as_expr(a).map(Arg::Positional)).collect::<Option<Vec<_>>>()?;
            ExprKind::App(Box::new(ty_as_expr(h)?), args)
        }
        _ => return None,
    };
    Some(Expr { kind, span: t.span() })
}

/// Emits every function and constant definition.
pub fn emit_fns(m: &Model, files: &[SourceFile], diags: &mut Vec<Diagnostic>) -> (TokenStream, TokenStream) {
    let mut consts = TokenStream::new();
    let mut fns = TokenStream::new();
    // Two Lean names may spell the same Rust function (`hostFetch` and `HOST_FETCH` are both
    // `host_fetch`): reported here, at the second definition, rather than by rustc.
    let mut rust_names: HashMap<String, String> = HashMap::new();
    let mut claim = |rust: String, lean: &str, span: Span, diags: &mut Vec<Diagnostic>| {
        if let Some(first) = rust_names.get(&rust) {
            diags.push(
                Diagnostic::error(span, format!("`{lean}` becomes the Rust function `{rust}`, as `{first}` does"))
                    .with_hint("rename one of the two definitions"),
            );
        } else {
            rust_names.insert(rust, lean.to_string());
        }
    };
    for (kind, name) in &m.order {
        match kind {
            Kind::Fn => {
                let f = &m.fns[name];
                let d = docs(&f.doc, &f.lean_name, files, f.file, f.span);
                // A constant: no binders, not variant-generic, and evaluable now. Otherwise a
                // zero-argument function (uses call it: see `evaluates_now`).
                if f.item.binders.is_empty() && !f.item.variant_generic {
                    let mut ev = Evaluator::new(m);
                    let ret_name = f.item.ret.as_ref().and_then(type_name);
                    if let Ok(v) = ev.eval(&f.item.body, ret_name.as_deref()) {
                        let ty = f.item.ret.as_ref().map(|t| rust_type(m, t, &[], diags)).unwrap_or(quote!(Nat));
                        let fixed_width = f.item.ret.as_ref().is_some_and(|t| matches!(resolve(m, t, &[]), T::U(_)));
                        let v = match (&v, fixed_width) {
                            // A `UIntN` constant: a plain literal of the declared type.
                            (crate::eval::Value::Nat(n), true) => {
                                let lit = proc_macro2::Literal::u64_unsuffixed(*n as u64);
                                quote!(#lit)
                            }
                            _ => value_tokens(&v),
                        };
                        // `Params.full` becomes `Params::FULL`; a plain name a module constant.
                        match name.rsplit_once('.') {
                            Some((owner, short)) if m.structs.contains_key(owner) => {
                                let (o, k) = (ident(&camel(owner)), ident(&screaming(short)));
                                consts.extend(quote!(impl #o { #d pub const #k: #ty = #v; }));
                            }
                            _ => {
                                let k = ident(&screaming(name));
                                consts.extend(quote!(#d pub const #k: #ty = #v;));
                            }
                        }
                        continue;
                    }
                }
                claim(fn_rust_name(m, &f.item.name), &f.lean_name, f.span, diags);
                let mut cx = Cx::new(m, vec![], f.item.variant_generic);
                cx.profile_calls = f.item.name == PROFILED;
                let item = cx.function(&f.item);
                diags.append(&mut cx.diags);
                fns.extend(quote!(#d #item));
            }
            Kind::Extern => {
                let x = &m.externs[name];
                let d = docs(&x.doc, &x.lean_name, files, x.file, x.span);
                claim(snake(name), &x.lean_name, x.span, diags);
                let fname = ident(&snake(name));
                let prim = ident(x.item.symbol.trim_start_matches("jarkit_"));
                let (args, ret) = split_arrow(&x.item.ty);
                let arg_names: Vec<_> = (0..args.len()).map(|i| quote::format_ident!("a{}", i)).collect();
                let arg_tys: Vec<_> = args.iter().map(|t| rust_type(m, t, &[], diags)).collect();
                let ret = rust_type(m, &ret, &[], diags);
                if x.item.variant_generic {
                    fns.extend(quote! {
                        #d
                        pub fn #fname<V: Variant>(#(#arg_names: #arg_tys),*) -> #ret { crate::prims::#prim::<V>(#(#arg_names),*) }
                    });
                } else {
                    fns.extend(quote! {
                        #d
                        pub fn #fname(#(#arg_names: #arg_tys),*) -> #ret { crate::prims::#prim(#(#arg_names),*) }
                    });
                }
            }
            _ => {}
        }
    }
    (consts, fns)
}

/// Whether a zero-argument definition is evaluated at codegen time (and emitted as a Rust
/// constant) rather than emitted as a function (its body builds arrays, calls functions, …).
fn evaluates_now(m: &Model, f: &crate::model::FnDef) -> bool {
    if let Some(&known) = m.evaluated.borrow().get(&f.name) {
        return known;
    }
    let ret_name = f.ret.as_ref().and_then(type_name);
    let known = Evaluator::new(m).eval(&f.body, ret_name.as_deref()).is_ok();
    m.evaluated.borrow_mut().insert(f.name.clone(), known);
    known
}

fn split_arrow(t: &Ty) -> (Vec<Ty>, Ty) {
    match t {
        Ty::Arrow(a, b) => {
            let (mut rest, r) = split_arrow(b);
            rest.insert(0, (**a).clone());
            (rest, r)
        }
        t => (vec![], t.clone()),
    }
}

impl<'a> Cx<'a> {
    fn new(m: &'a Model, type_params: Vec<String>, variant_generic: bool) -> Self {
        Cx { m, diags: vec![], scopes: vec![HashMap::new()], type_params, variant_generic, run_labels: vec![], next_do_is_id: false, next_label: 0, in_place: None, run_depths: vec![], trial_types: HashMap::new(), profile_calls: false, typing_disagreements: None }
    }

    /// The type `e` lowers to with `hint`, found once by typing (`typing.rs`, which lowers
    /// nothing) and remembered.
    pub(super) fn trial_type(&mut self, e: &Expr, hint: Option<&T>) -> T {
        let key = (e.span.file, e.span.start, e.span.end, std::mem::discriminant(&e.kind), format!("{hint:?}"));
        if let Some(t) = self.trial_types.get(&key) {
            return t.clone();
        }
        let t = self.type_of(e, hint);
        self.trial_types.insert(key, t.clone());
        t
    }

    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn bind(&mut self, name: &str, ty: T) {
        self.scopes.last_mut().unwrap().insert(name.to_string(), Local { ty });
    }

    fn local(&self, name: &str) -> Option<&Local> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    /// Whether `name` is a local declared inside the innermost open `do` block.
    fn declared_inside_run(&self, name: &str) -> bool {
        let Some(&depth) = self.run_depths.last() else { return false };
        match self.scopes.iter().rposition(|s| s.contains_key(name)) {
            Some(i) => i >= depth,
            None => false,
        }
    }

    fn rty(&mut self, t: &Ty) -> TokenStream {
        let mut d = Vec::new();
        let ts = rust_type(self.m, t, &self.type_params, &mut d);
        for x in d {
            self.err(x);
        }
        ts
    }

    fn function(&mut self, f: &FnDef) -> TokenStream {
        let name = ident(&fn_rust_name(self.m, &f.name));
        let mut generics = Vec::new();
        if f.variant_generic {
            generics.push(quote!(V: Variant));
        }
        let mut params = Vec::new();
        for b in &f.binders {
            match b.kind {
                BinderKind::Implicit => {
                    for n in &b.names {
                        self.type_params.push(n.clone());
                        let i = ident(&camel(n));
                        generics.push(quote!(#i: Clone + Default + PartialEq + std::fmt::Debug));
                    }
                }
                BinderKind::Instance => {}
                BinderKind::Explicit => {
                    for n in &b.names {
                        let t = b.ty.clone().unwrap_or(Ty::Prop);
                        if matches!(t, Ty::Prop) {
                            continue;
                        }
                        let rt = self.rty(&t);
                        let ty = resolve(self.m, &t, &self.type_params);
                        // Values that are not `Copy` are passed by reference: a function that
                        // only reads its argument (the common case) then copies nothing.
                        let rt = if copy_ty(self.m, &ty) { rt } else { quote!(&#rt) };
                        self.bind(n, ty);
                        let pn = ident(&snake(n));
                        params.push(quote!(#pn: #rt));
                    }
                }
            }
        }
        let ret_ty = f.ret.as_ref().map(|t| resolve(self.m, t, &self.type_params));
        let ret = match &f.ret {
            Some(t) => self.rty(t),
            None => {
                self.err(Diagnostic::error(f.body.span, format!("`{}` needs a result type", f.name)).with_hint("write `def f (x : A) : B := …`"));
                quote!(())
            }
        };
        let (body, _) = self.expr(&f.body, ret_ty.as_ref());
        let generics = if generics.is_empty() { quote!() } else { quote!(<#(#generics),*>) };
        quote! {
            #[allow(unused_mut, unused_variables, unused_assignments, clippy::all)]
            pub fn #name #generics (#(#params),*) -> #ret { #body }
        }
    }

    /// Lowers `e` trying to produce `expected`; returns the tokens and the inferred type.
    fn expr(&mut self, e: &Expr, expected: Option<&T>) -> (TokenStream, T) {
        // The `do` block of `Id.run` is typed with its `Id.run`, which decides its monad.
        let run_by_id = self.next_do_is_id && matches!(e.kind, ExprKind::Do(_));
        let lowered = self.lower_expr(e, expected);
        if self.typing_disagreements.is_some() && !run_by_id {
            let typed = self.trial_type(e, expected);
            if typed != lowered.1 {
                let d = format!("{}:{}: typed {typed:?}, lowered {:?} (expected {expected:?})", e.span.file, e.span.start, lowered.1);
                self.typing_disagreements.get_or_insert_with(Vec::new).push(d);
            }
        }
        lowered
    }

    fn lower_expr(&mut self, e: &Expr, expected: Option<&T>) -> (TokenStream, T) {
        match &e.kind {
            ExprKind::Nat(v) => {
                let v = *v;
                match expected {
                    Some(T::U(bits)) => {
                        let lit = proc_macro2::Literal::u64_unsuffixed(v as u64);
                        let t = match bits {
                            8 => quote!(u8),
                            16 => quote!(u16),
                            32 => quote!(u32),
                            _ => quote!(u64),
                        };
                        (quote!((#lit as #t)), T::U(*bits))
                    }
                    _ => {
                        if v > u64::MAX as u128 {
                            self.err(Diagnostic::error(e.span, "number does not fit in 64 bits").with_hint("jarkit's Nat is 64-bit"));
                        }
                        let v = proc_macro2::Literal::u64_unsuffixed(v as u64);
                        (quote!(Nat(#v)), T::Nat)
                    }
                }
            }
            ExprKind::Str(s) => (quote!(String::from(#s)), T::Str),
            ExprKind::Var(n) if n == "true" || n == "false" => {
                let b = n == "true";
                (quote!(#b), T::Bool)
            }
            ExprKind::Var(n) if n == "none" => (quote!(None), expected.cloned().unwrap_or(T::Option(Box::new(T::Unknown)))),
            // `default` of `Inhabited`: Rust's `Default`, which codegen derives to agree.
            ExprKind::Var(n) if n == "default" && self.local(n).is_none() => {
                (quote!(Default::default()), expected.cloned().unwrap_or(T::Unknown))
            }
            ExprKind::Var(n) => {
                if let Some(l) = self.local(n) {
                    let ty = l.ty.clone();
                    let i = ident(&snake(n));
                    let ts = if copy_ty(self.m, &ty) { quote!(#i) } else { quote!(#i.clone()) };
                    return (ts, ty);
                }
                self.global(e, n, &[], expected)
            }
            ExprKind::Field(base, f) => {
                if let Some(path) = dotted(e) {
                    let head = path.split('.').next().unwrap_or("");
                    if self.local(head).is_none() {
                        return self.global(e, &path, &[], expected);
                    }
                }
                self.method(e, base, f, &[], expected)
            }
            ExprKind::App(head, args) => {
                if let ExprKind::Field(base, f) = &head.kind {
                    let is_global = dotted(head).is_some_and(|p| self.local(p.split('.').next().unwrap_or("")).is_none());
                    if !is_global {
                        return self.method(e, base, f, args, expected);
                    }
                }
                if let ExprKind::DotCtor(c) = &head.kind {
                    return self.ctor(e, c, args, expected);
                }
                match dotted(head) {
                    Some(path) => self.global(e, &path, args, expected),
                    None => {
                        self.err(Diagnostic::error(head.span, "only named functions can be applied").with_hint("bind the function with `def` and call it by name"));
                        (quote!(()), T::Unknown)
                    }
                }
            }
            ExprKind::Index(a, i, mode) => {
                // The indexed array is read in place (`m.pages[i]!.data[k]!` copies nothing).
                let (at, aty) = if self.place_type(a).is_some() { self.place(a) } else { self.expr_ref(a) };
                let (it, _) = self.expr(i, Some(&T::Nat));
                match (aty, mode) {
                    (T::Bytes, IndexMode::Bang | IndexMode::Proof) => (quote!(#at.get_bang(#it)), T::U(8)),
                    (T::Array(el), IndexMode::Bang | IndexMode::Proof) => (quote!(array::get_bang(&#at, #it)), *el),
                    (T::Array(el), IndexMode::Question) => (quote!(array::get_opt(&#at, #it)), T::Option(el)),
                    (t, _) => {
                        self.err(Diagnostic::error(e.span, format!("cannot index a value of type {t:?}")).with_hint("indexing works on Array and ByteArray"));
                        (quote!(()), T::Unknown)
                    }
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(e, op, l, r, expected),
            ExprKind::Unary(op, x) => {
                let (xt, ty) = self.expr(x, expected);
                match op.as_str() {
                    "!" | "¬" => (quote!(!#xt), T::Bool),
                    _ => {
                        self.err(Diagnostic::error(e.span, "unary minus is not supported on Nat or UIntN").with_hint("write `0 - x` (truncating) or use a fixed-width wrapping operation"));
                        (xt, ty)
                    }
                }
            }
            ExprKind::If(c, t, f) => {
                let (ct, _) = self.expr(c, Some(&T::Bool));
                let (tt, tty) = self.expr(t, expected);
                let want = if tty == T::Unknown { expected.cloned() } else { Some(tty.clone()) };
                match f {
                    Some(f) => {
                        let (ft, fty) = self.expr(f, want.as_ref());
                        // `if c then none else some a`: the else branch says what the then
                        // branch could not.
                        let ty = if tty.is_vague() && !fty.is_vague() { fty } else { tty };
                        (quote!(if #ct { #tt } else { #ft }), ty)
                    }
                    None => (quote!(if #ct { #tt; }), T::Unit),
                }
            }
            ExprKind::Block(stmts) => self.block(stmts, expected),
            ExprKind::Do(stmts) => {
                let label = syn::Lifetime::new(&format!("'run{}", self.next_label), proc_macro2::Span::call_site());
                self.next_label += 1;
                let monad = match (std::mem::take(&mut self.next_do_is_id), expected) {
                    (true, _) => Monad::Id,
                    (false, Some(T::Option(_))) => Monad::Option,
                    (false, Some(T::Result(..))) => Monad::Except,
                    _ => Monad::Id,
                };
                self.run_labels.push((label.clone(), expected.cloned(), monad));
                self.run_depths.push(self.scopes.len());
                let (body, ty) = self.block(stmts, expected);
                self.run_depths.pop();
                self.run_labels.pop();
                (quote!(#label: #body), ty)
            }
            ExprKind::Array(items) => {
                let el = match expected {
                    Some(T::Array(el)) => Some((**el).clone()),
                    _ => None,
                };
                let mut ty = el.clone().unwrap_or(T::Unknown);
                let its: Vec<TokenStream> = items
                    .iter()
                    .map(|x| {
                        let (t, xt) = self.expr(x, el.as_ref());
                        if ty == T::Unknown {
                            ty = xt;
                        }
                        t
                    })
                    .collect();
                (quote!(vec![#(#its),*]), T::Array(Box::new(ty)))
            }
            ExprKind::Tuple(items) => {
                let exp: Vec<Option<T>> = match expected {
                    Some(T::Tuple(ts)) => ts.iter().cloned().map(Some).collect(),
                    _ => vec![None; items.len()],
                };
                let mut tys = Vec::new();
                let its: Vec<TokenStream> = items
                    .iter()
                    .zip(exp.iter().chain(std::iter::repeat(&None)))
                    .map(|(x, t)| {
                        let (ts, ty) = self.expr(x, t.as_ref());
                        tys.push(ty);
                        ts
                    })
                    .collect();
                (quote!((#(#its),*)), T::Tuple(tys))
            }
            ExprKind::Unit => (quote!(()), T::Unit),
            ExprKind::Ascribe(x, t) => {
                let want = resolve(self.m, t, &self.type_params);
                let (xt, _) = self.expr(x, Some(&want));
                (xt, want)
            }
            ExprKind::Range(..) => {
                self.err(Diagnostic::error(e.span, "a range is only supported as the collection of a `for` loop"));
                (quote!(()), T::Unknown)
            }
            ExprKind::DotCtor(c) => self.ctor(e, c, &[], expected),
            ExprKind::StructInst(base, fields) => self.struct_inst(e, base.as_deref(), fields, expected),
            ExprKind::Match(scrutinees, alts) => self.match_expr(e, scrutinees, alts, expected),
            ExprKind::Anon(items) => match expected {
                Some(T::Tuple(_)) => {
                    let tuple = Expr { kind: ExprKind::Tuple(items.clone()), span: e.span };
                    self.expr(&tuple, expected)
                }
                // `⟨a, b⟩` for a structure: its fields in declaration order (propositions skipped).
                Some(T::Named(sname)) if self.m.structs.contains_key(sname) => {
                    let fields: Vec<Field> = self.m.structs[sname].item.fields.iter().filter(|f| !matches!(f.ty, Ty::Prop)).cloned().collect();
                    if fields.len() != items.len() {
                        self.err(Diagnostic::error(e.span, format!("`{sname}` has {} fields, `⟨…⟩` gives {}", fields.len(), items.len())).with_hint("give every field, in declaration order, or use `{ f := … }`"));
                        return (quote!(()), T::Unknown);
                    }
                    let inits = fields.iter().zip(items).map(|(f, x)| (f.name.clone(), x.clone(), x.span)).collect::<Vec<_>>();
                    self.struct_inst(e, None, &inits, expected)
                }
                _ => {
                    self.err(Diagnostic::error(e.span, "cannot tell what `⟨…⟩` builds").with_hint("`⟨…⟩` builds a pair or a structure whose type is known here; add a type annotation"));
                    (quote!(()), T::Unknown)
                }
            },
            ExprKind::Fun(..) => {
                self.err(
                    Diagnostic::error(e.span, "a `fun` is lowered only as the argument of an array method")
                        .with_hint("see codegen/SUBSET.md: `fun` is lowered as the argument of `map`, `filter`, `any`, `all` and `foldl`; otherwise name the function with `def`"),
                );
                (quote!(()), T::Unknown)
            }
        }
    }

    /// Lowers an expression that is only read: a local, or a field path from a local
    /// (`m.memory.pages`), is used in place, without a clone.
    fn expr_ref(&mut self, e: &Expr) -> (TokenStream, T) {
        match self.field_path(e) {
            Some(lowered) => lowered,
            None => self.expr(e, None),
        }
    }

    /// A local, or a path of structure fields from one (`m.memory.pages`), as a place and its
    /// type; `None` for anything else (a method in dot notation, say). Nothing is lowered on
    /// the way, so a long chain costs its length.
    fn field_path(&mut self, e: &Expr) -> Option<(TokenStream, T)> {
        match &e.kind {
            ExprKind::Var(n) => {
                let ty = self.local(n)?.ty.clone();
                let i = ident(&snake(n));
                Some((quote!(#i), ty))
            }
            ExprKind::Field(base, f) => {
                let (bt, bty) = self.field_path(base)?;
                let ty = self.field_type(&bty, f)?;
                let fi = ident(&snake(f));
                Some((quote!(#bt.#fi), ty))
            }
            _ => None,
        }
    }

    /// The type of field `f` of a value of type `t`, if `t` is a structure that has one.
    pub(super) fn field_type(&self, t: &T, f: &str) -> Option<T> {
        let T::Named(sn) = t else { return None };
        let fty = &self.m.structs.get(sn)?.item.fields.iter().find(|x| x.name == f)?.ty;
        Some(resolve(self.m, fty, &[]))
    }

    /// The type of a place that can be read without copying it: a field path from a local, in
    /// which an element `a[i]!` of an array may also stand (`m.pages[i]!.data`). Found from
    /// types alone, so [`Self::place`] lowers it only when it will succeed.
    pub(super) fn place_type(&mut self, e: &Expr) -> Option<T> {
        match &e.kind {
            ExprKind::Var(n) => Some(self.local(n)?.ty.clone()),
            ExprKind::Field(base, f) => {
                let bty = self.place_type(base)?;
                self.field_type(&bty, f)
            }
            ExprKind::Index(a, _, IndexMode::Bang | IndexMode::Proof) => match self.place_type(a)? {
                T::Array(el) => Some(*el),
                _ => None,
            },
            _ => None,
        }
    }

    /// A place whose [`Self::place_type`] is known, lowered to an expression that reads it in
    /// place: an array element through `array::get_ref` (a borrow, or the default past the
    /// end, as `a[i]!` reads), never a clone of the element.
    pub(super) fn place(&mut self, e: &Expr) -> (TokenStream, T) {
        match &e.kind {
            ExprKind::Index(a, i, _) => {
                let (at, aty) = self.place(a);
                let (it, _) = self.expr(i, Some(&T::Nat));
                let T::Array(el) = aty else { unreachable!("place_type checked it") };
                (quote!(array::get_ref(&#at, #it)), *el)
            }
            ExprKind::Field(base, f) => {
                let (bt, bty) = self.place(base);
                let ty = self.field_type(&bty, f).unwrap_or(T::Unknown);
                let fi = ident(&snake(f));
                (quote!(#bt.#fi), ty)
            }
            _ => self.field_path(e).unwrap_or_else(|| unreachable!("place_type checked it")),
        }
    }

    fn args(&mut self, args: &[Arg], tys: &[T]) -> Vec<TokenStream> {
        args.iter()
            .enumerate()
            .map(|(k, a)| match a {
                Arg::Positional(x) => self.expr(x, tys.get(k)).0,
                Arg::Named(n, x) => {
                    self.err(Diagnostic::error(x.span, format!("named argument `({n} := …)` is not supported yet")).with_hint("pass the argument positionally"));
                    quote!(())
                }
            })
            .collect()
    }

    /// Arguments of a call to a spec function: `Copy` values as they are, others by reference
    /// (a local is lent without cloning).
    fn args_by_ref(&mut self, args: &[Arg], tys: &[T]) -> Vec<TokenStream> {
        args.iter()
            .enumerate()
            .map(|(k, a)| {
                let ty = tys.get(k).cloned().unwrap_or(T::Unknown);
                match a {
                    Arg::Positional(x) if copy_ty(self.m, &ty) => self.expr(x, Some(&ty)).0,
                    Arg::Positional(x) => match &x.kind {
                        ExprKind::Var(n) if self.local(n).is_some() => {
                            let i = ident(&snake(n));
                            quote!(&#i)
                        }
                        // A field path from a local (`m.memory`) is lent in place, not cloned.
                        _ => match self.field_path(x) {
                            Some((t, _)) => quote!(&#t),
                            None => {
                                let (t, _) = self.expr(x, Some(&ty));
                                quote!(&#t)
                            }
                        },
                    },
                    Arg::Named(n, x) => {
                        self.err(Diagnostic::error(x.span, format!("named argument `({n} := …)` is not supported yet")).with_hint("pass the argument positionally"));
                        quote!(())
                    }
                }
            })
            .collect()
    }

    fn global(&mut self, e: &Expr, path: &str, args: &[Arg], expected: Option<&T>) -> (TokenStream, T) {
        let short = crate::names::last(path);
        // Builtins of the Lean prelude.
        match path {
            "Id.run" => {
                if let [Arg::Positional(x)] = args {
                    self.next_do_is_id = matches!(x.kind, ExprKind::Do(_));
                    return self.expr(x, expected);
                }
            }
            // `pure x` / `guard c` inside a monadic `do`.
            "pure" if args.len() == 1 => {
                let (_, run_ty, monad) = self.run_labels.last().cloned().unwrap_or((syn::Lifetime::new("'none", proc_macro2::Span::call_site()), None, Monad::Id));
                let want = expected.cloned().or(run_ty);
                let (inner, wrap) = match (&want, monad) {
                    (Some(T::Option(t)), Monad::Option) => (Some((**t).clone()), quote!(Some)),
                    (Some(T::Result(t, _)), Monad::Except) => (Some((**t).clone()), quote!(Ok)),
                    _ => (want.clone(), quote!()),
                };
                let a = self.args(args, &[inner.unwrap_or(T::Unknown)]);
                let x = &a[0];
                return (quote!(#wrap(#x)), want.unwrap_or(T::Unknown));
            }
            "guard" if args.len() == 1 => {
                let a = self.args(args, &[T::Bool]);
                let c = &a[0];
                match self.run_labels.last().cloned() {
                    Some((l, _, Monad::Option)) => return (quote!(if !(#c) { break #l None; }), T::Unit),
                    _ => {
                        self.err(Diagnostic::error(e.span, "`guard` is supported in a `do` block whose value is an Option").with_hint("write `if !c then return none`"));
                        return (quote!(()), T::Unit);
                    }
                }
            }
            "ByteArray.empty" if args.is_empty() => return (quote!(ByteArray::empty()), T::Bytes),
            "ByteArray.mk" if args.len() == 1 => {
                let a = self.args(args, &[T::Array(Box::new(T::U(8)))]);
                let x = &a[0];
                return (quote!(ByteArray::new(#x)), T::Bytes);
            }
            "min" | "max" | "Nat.min" | "Nat.max" if args.len() == 2 => {
                // The operand type: the expected one, else whatever the first operand has.
                let ty = match expected {
                    Some(t @ (T::Nat | T::U(_))) => t.clone(),
                    _ => {
                        let t = match &args[0] {
                            Arg::Positional(x) => self.trial_type(x, None),
                            Arg::Named(..) => T::Nat,
                        };
                        if matches!(t, T::U(_)) { t } else { T::Nat }
                    }
                };
                let a = self.args(args, &[ty.clone(), ty.clone()]);
                let f = ident(short);
                let (x, y) = (&a[0], &a[1]);
                return (quote!(#x.#f(#y)), ty);
            }
            "Array.replicate" => {
                let el = match expected {
                    Some(T::Array(t)) => (**t).clone(),
                    _ => T::Unknown,
                };
                let a = self.args(args, &[T::Nat, el.clone()]);
                return (quote!(array::replicate(#(#a),*)), T::Array(Box::new(el)));
            }
            "Array.range" => {
                let a = self.args(args, &[T::Nat]);
                return (quote!(array::range(#(#a),*)), T::Array(Box::new(T::Nat)));
            }
            "some" => {
                let inner = match expected {
                    Some(T::Option(t)) => Some((**t).clone()),
                    _ => None,
                };
                if let [Arg::Positional(x)] = args {
                    let (t, ty) = self.expr(x, inner.as_ref());
                    return (quote!(Some(#t)), T::Option(Box::new(ty)));
                }
            }
            _ => {}
        }
        // Config accessors and variant fields.
        if let Some(p) = self.m.accessors.get(short) {
            if !self.variant_generic {
                self.err(Diagnostic::error(e.span, format!("`{short}` depends on the variant, but this definition is not variant-generic")).with_hint("add `[JarVariant]` to the definition or `variable [JarVariant]` to its section"));
            }
            let k = ident(&screaming(p.last().map(String::as_str).unwrap_or(short)));
            let ty = self.m.accessor_types.get(short).map(|t| resolve(self.m, t, &[])).unwrap_or(T::Nat);
            return (quote!(V::#k), ty);
        }
        if let Some(f) = self.m.fns.get(path).or_else(|| self.m.fns.get(short)) {
            let f = f.item.clone();
            let explicit: Vec<&Binder> = f.binders.iter().filter(|b| b.kind == BinderKind::Explicit).collect();
            let arity: usize = explicit.iter().map(|b| b.names.len()).sum();
            if args.len() != arity {
                self.err(
                    Diagnostic::error(e.span, format!("`{short}` takes {arity} argument{}, given {}", if arity == 1 { "" } else { "s" }, args.len()))
                        .with_hint(format!("call it as `{short}{}`", explicit.iter().flat_map(|b| b.names.iter().map(|n| format!(" {n}"))).collect::<String>())),
                );
            }
            let tparams: Vec<String> = f.binders.iter().filter(|b| b.kind == BinderKind::Implicit).flat_map(|b| b.names.clone()).collect();
            let ptys: Vec<T> = explicit.iter().flat_map(|b| b.names.iter().map(|_| b.ty.as_ref().map(|t| resolve(self.m, t, &tparams)).unwrap_or(T::Unknown))).collect();
            let a = self.args_by_ref(args, &ptys);
            let ret = f.ret.as_ref().map(|t| resolve(self.m, t, &tparams)).unwrap_or(T::Unknown);
            let ret = if matches!(ret, T::Param(_) | T::Array(_)) && contains_param(&ret) {
                expected.cloned().unwrap_or(T::Unknown)
            } else {
                ret
            };
            if f.variant_generic && !self.variant_generic {
                self.err(Diagnostic::error(e.span, format!("`{short}` depends on the variant, but this definition is not variant-generic")).with_hint("add `[JarVariant]` to the definition"));
            }
            // A zero-argument definition that evaluated to a constant.
            if f.binders.is_empty() && !f.variant_generic && evaluates_now(self.m, &f) {
                let k = match path.rsplit_once('.') {
                    Some((o, s)) if self.m.structs.contains_key(o) => {
                        let (o, s) = (ident(&camel(o)), ident(&screaming(s)));
                        quote!(#o::#s)
                    }
                    _ => {
                        let k = ident(&screaming(short));
                        quote!(#k)
                    }
                };
                return (k, ret);
            }
            let name = ident(&fn_rust_name(self.m, &f.name));
            let mut turbofish = Vec::new();
            if f.variant_generic {
                turbofish.push(quote!(V));
            }
            for _ in &tparams {
                turbofish.push(quote!(_));
            }
            let tf = if turbofish.is_empty() { quote!() } else { quote!(::<#(#turbofish),*>) };
            if self.profile_calls {
                let label = short.to_string();
                return (quote!({ let _phase = crate::profile::Phase::enter(#label); #name #tf (#(#a),*) }), ret);
            }
            return (quote!(#name #tf (#(#a),*)), ret);
        }
        if let Some(x) = self.m.externs.get(short) {
            let (atys, ret) = split_arrow(&x.item.ty);
            let ptys: Vec<T> = atys.iter().map(|t| resolve(self.m, t, &[])).collect();
            if args.len() != ptys.len() {
                self.err(Diagnostic::error(e.span, format!("`{short}` takes {} arguments, given {}", ptys.len(), args.len())));
            }
            let a = self.args(args, &ptys);
            let name = ident(&snake(short));
            let tf = if x.item.variant_generic { quote!(::<V>) } else { quote!() };
            return (quote!(#name #tf (#(#a),*)), resolve(self.m, &ret, &[]));
        }
        // `Type.ctor args`
        if let Some((ty, ctor)) = path.rsplit_once('.') {
            if self.m.enums.contains_key(crate::names::last(ty)) {
                return self.ctor(e, ctor, args, Some(&T::Named(crate::names::last(ty).to_string())));
            }
        }
        let locals: Vec<String> = self.scopes.iter().flat_map(|s| s.keys().cloned()).collect();
        let known = locals.iter().map(String::as_str).chain(self.m.fns.keys().chain(self.m.externs.keys()).map(|k| crate::names::last(k)));
        let hint = match crate::names::closest(short, known) {
            Some(c) => format!("did you mean `{c}`?"),
            None => "declare it in the spec, or check its spelling and namespace".to_string(),
        };
        self.err(Diagnostic::error(e.span, format!("unknown name `{path}`")).with_hint(hint));
        (quote!(()), T::Unknown)
    }

    fn ctor(&mut self, e: &Expr, c: &str, args: &[Arg], expected: Option<&T>) -> (TokenStream, T) {
        // The constructors of the prelude's `Option` and `Except`.
        let prelude: Option<(TokenStream, Option<T>)> = match (expected, c) {
            (Some(T::Option(t)), "some") => Some((quote!(Some), Some((**t).clone()))),
            (Some(T::Option(_)), "none") => Some((quote!(None), None)),
            (Some(T::Result(ok, _)), "ok") => Some((quote!(Ok), Some((**ok).clone()))),
            (Some(T::Result(_, err)), "error") => Some((quote!(Err), Some((**err).clone()))),
            _ => None,
        };
        if let Some((head, arg_ty)) = prelude {
            let ty = expected.cloned().unwrap_or(T::Unknown);
            return match (arg_ty, args) {
                (None, []) => (head, ty),
                (Some(t), [_]) => {
                    let a = self.args(args, &[t]);
                    (quote!(#head(#(#a),*)), ty)
                }
                _ => {
                    self.err(Diagnostic::error(e.span, format!("`.{c}` takes {} argument", if c == "none" { "no" } else { "one" })));
                    (quote!(()), T::Unknown)
                }
            };
        }
        let Some(T::Named(en)) = expected else {
            self.err(Diagnostic::error(e.span, format!("cannot tell which type `.{c}` belongs to")).with_hint("write `Type.ctor` or add a type annotation"));
            return (quote!(()), T::Unknown);
        };
        let Some(def) = self.m.enums.get(en) else {
            self.err(Diagnostic::error(e.span, format!("`{en}` is not an inductive type")));
            return (quote!(()), T::Unknown);
        };
        let Some(ctor) = def.item.ctors.iter().find(|x| x.name == c).cloned() else {
            self.err(Diagnostic::error(e.span, format!("`{en}` has no constructor `{c}`")));
            return (quote!(()), T::Unknown);
        };
        let tys: Vec<T> = ctor.args.iter().flat_map(|b| b.names.iter().map(|_| b.ty.as_ref().map(|t| resolve(self.m, t, &[])).unwrap_or(T::Unknown))).collect();
        let (ei, ci) = (ident(&camel(en)), ident(&camel(c)));
        let ty = T::Named(en.clone());
        if tys.is_empty() {
            return (quote!(#ei::#ci), ty);
        }
        if args.len() != tys.len() {
            self.err(Diagnostic::error(e.span, format!("`{en}.{c}` takes {} arguments, given {}", tys.len(), args.len())));
        }
        let a = self.args(args, &tys);
        (quote!(#ei::#ci(#(#a),*)), ty)
    }

    fn struct_inst(&mut self, e: &Expr, base: Option<&Expr>, fields: &[(String, Expr, Span)], expected: Option<&T>) -> (TokenStream, T) {
        // The base is borrowed, and only the fields not given are copied out of it (cloning the
        // whole structure would copy the replaced fields too).
        let (base_ts, base_ty) = match base {
            Some(b) => {
                let (t, ty) = self.expr_ref(b);
                (Some(t), Some(ty))
            }
            None => (None, None),
        };
        let sname = match (base_ty.as_ref(), expected) {
            (Some(T::Named(n)), _) | (_, Some(T::Named(n))) => n.clone(),
            _ => {
                self.err(Diagnostic::error(e.span, "cannot tell which structure this literal builds").with_hint("add a type annotation: `({ … } : S)`"));
                return (quote!(()), T::Unknown);
            }
        };
        let Some(def) = self.m.structs.get(&sname).map(|d| d.item.clone()) else {
            self.err(Diagnostic::error(e.span, format!("`{sname}` is not a structure")));
            return (quote!(()), T::Unknown);
        };
        let mut inits = Vec::new();
        for (n, v, fspan) in fields {
            match def.fields.iter().find(|f| f.name == *n) {
                Some(f) => {
                    let want = resolve(self.m, &f.ty, &[]);
                    let (vt, _) = self.expr(v, Some(&want));
                    let fi = ident(&snake(n));
                    inits.push(quote!(#fi: #vt));
                }
                None => self.err(Diagnostic::error(*fspan, format!("`{sname}` has no field `{n}`"))),
            }
        }
        let given: Vec<&str> = fields.iter().map(|(n, _, _)| n.as_str()).collect();
        let missing: Vec<&Field> = def.fields.iter().filter(|f| !given.contains(&f.name.as_str()) && !matches!(f.ty, Ty::Prop)).collect();
        let si = ident(&camel(&sname));
        let rest = match (&base_ts, missing.is_empty()) {
            (Some(_), _) => {
                let copies = missing.iter().map(|f| {
                    let fi = ident(&snake(&f.name));
                    let fty = resolve(self.m, &f.ty, &[]);
                    if copy_ty(self.m, &fty) { quote!(#fi: __with_base.#fi) } else { quote!(#fi: __with_base.#fi.clone()) }
                });
                quote!(#(#copies),*)
            }
            (None, true) => quote!(),
            (None, false) => {
                for f in missing.iter().filter(|f| f.default.is_none()) {
                    self.err(Diagnostic::error(e.span, format!("missing field `{}` of `{sname}`", f.name)).with_hint(format!("add `{} := …`", f.name)));
                }
                quote!(..Default::default())
            }
        };
        match base_ts {
            Some(b) => (quote!({ let __with_base = &#b; #si { #(#inits,)* #rest } }), T::Named(sname)),
            None => (quote!(#si { #(#inits,)* #rest }), T::Named(sname)),
        }
    }

    /// `x ← e` in a monadic `do`: the value of `e` (an Option or an Except), or leave the block
    /// with its failure. Returns the tokens of the unwrapped value and its type.
    fn unwrap_bind(&mut self, vt: &TokenStream, vty: &T, span: Span) -> (TokenStream, T) {
        let Some((label, _, monad)) = self.run_labels.last().cloned() else {
            self.err(Diagnostic::error(span, "`←` outside a `do` block"));
            return (quote!(()), T::Unknown);
        };
        match (monad, vty) {
            (Monad::Option, T::Option(t)) => (quote!(match #vt { Some(v) => v, None => break #label None }), (**t).clone()),
            (Monad::Except, T::Result(t, _)) => (quote!(match #vt { Ok(v) => v, Err(e) => break #label Err(e) }), (**t).clone()),
            _ => {
                self.err(
                    Diagnostic::error(span, format!("`←` needs an Option or Except value in a `do` block of the same kind (here {monad:?}, value {vty:?})"))
                        .with_hint("inside `Id.run do`, match on the value instead"),
                );
                (quote!(()), T::Unknown)
            }
        }
    }

    /// The type both operands of `l op r` are lowered at: the first side's type that is known
    /// (a literal's is not; nor a shift amount's or an exponent's), else the expected type, else
    /// `Nat`. Comparisons type their operands without the expectation (it is `Bool`).
    fn operand_type(&mut self, op: &str, l: &Expr, r: &Expr, expected: Option<&T>) -> T {
        let is_cmp = matches!(op, "==" | "!=" | "<" | ">" | "<=" | ">=" | "≠" | "≤" | "≥");
        let hint = if is_cmp { None } else { expected.cloned() };
        let lt_try = if matches!(l.kind, ExprKind::Nat(_)) { T::Unknown } else { self.trial_type(l, hint.as_ref()) };
        let rt_try = if matches!(r.kind, ExprKind::Nat(_)) || matches!(op, "^" | "<<<" | ">>>") { T::Unknown } else { self.trial_type(r, hint.as_ref()) };
        [lt_try, rt_try].into_iter().find(|t| *t != T::Unknown).or(hint).unwrap_or(T::Nat)
    }

    /// The type `binary` gives `l op r`, without lowering it.
    fn binary_type(&mut self, op: &str, l: &Expr, r: &Expr, expected: Option<&T>) -> T {
        if matches!(op, "&&" | "||" | "∧" | "∨" | "==" | "!=" | "<" | ">" | "<=" | ">=" | "≠" | "≤" | "≥") {
            return T::Bool;
        }
        self.operand_type(op, l, r, expected)
    }

    fn binary(&mut self, e: &Expr, op: &str, l: &Expr, r: &Expr, expected: Option<&T>) -> (TokenStream, T) {
        let is_cmp = matches!(op, "==" | "!=" | "<" | ">" | "<=" | ">=" | "≠" | "≤" | "≥");
        let is_bool = matches!(op, "&&" | "||" | "∧" | "∨");
        if is_bool {
            let (lt, _) = self.expr(l, Some(&T::Bool));
            let (rt, _) = self.expr(r, Some(&T::Bool));
            let o: TokenStream = if matches!(op, "&&" | "∧") { quote!(&&) } else { quote!(||) };
            return (quote!((#lt #o #rt)), T::Bool);
        }
        let ty = self.operand_type(op, l, r, expected);
        let (lt, _) = self.expr(l, Some(&ty));
        let rhs_ty = if matches!(op, "^" | "<<<" | ">>>") && ty == T::Nat { T::Nat } else { ty.clone() };
        let (rt, _) = self.expr(r, Some(&rhs_ty));
        if is_cmp {
            let o: TokenStream = match op {
                "==" => quote!(==),
                "!=" | "≠" => quote!(!=),
                "<" => quote!(<),
                ">" => quote!(>),
                "<=" | "≤" => quote!(<=),
                _ => quote!(>=),
            };
            return (quote!((#lt #o #rt)), T::Bool);
        }
        let ts = match (&ty, op) {
            (T::Nat, "+") => quote!((#lt + #rt)),
            (T::Nat, "-") => quote!((#lt - #rt)),
            (T::Nat, "*") => quote!((#lt * #rt)),
            (T::Nat, "/") => quote!((#lt / #rt)),
            (T::Nat, "%") => quote!((#lt % #rt)),
            (T::Nat, "^") => quote!(#lt.pow(#rt)),
            (T::Nat, "&&&") => quote!((#lt & #rt)),
            (T::Nat, "|||") => quote!((#lt | #rt)),
            (T::Nat, "^^^") => quote!((#lt ^ #rt)),
            (T::Nat, "<<<") => quote!(#lt.shift_left(#rt)),
            (T::Nat, ">>>") => quote!(#lt.shift_right(#rt)),
            (T::U(_), "+") => quote!(#lt.wrapping_add(#rt)),
            (T::U(_), "-") => quote!(#lt.wrapping_sub(#rt)),
            (T::U(_), "*") => quote!(#lt.wrapping_mul(#rt)),
            (T::U(_), "/") => quote!(#lt.checked_div(#rt).unwrap_or(0)),
            (T::U(_), "%") => quote!({ let (a, b) = (#lt, #rt); if b == 0 { a } else { a % b } }),
            (T::U(_), "&&&") => quote!((#lt & #rt)),
            (T::U(_), "|||") => quote!((#lt | #rt)),
            (T::U(_), "^^^") => quote!((#lt ^ #rt)),
            (T::U(b), "<<<") => {
                let bits = *b as u32;
                quote!(#lt.wrapping_shl((#rt as u32) % #bits))
            }
            (T::U(b), ">>>") => {
                let bits = *b as u32;
                quote!(#lt.wrapping_shr((#rt as u32) % #bits))
            }
            (T::Bytes, "++") => quote!(#lt.append(#rt)),
            (T::Array(_), "++") => quote!(array::append(#lt, #rt)),
            (T::Str, "++") => quote!(format!("{}{}", #lt, #rt)),
            _ => {
                self.err(Diagnostic::error(e.span, format!("operator `{op}` is not supported on {ty:?}")));
                quote!(())
            }
        };
        (ts, ty)
    }

    fn block(&mut self, stmts: &[Stmt], expected: Option<&T>) -> (TokenStream, T) {
        self.scopes.push(HashMap::new());
        let mut out = Vec::new();
        let mut ty = T::Unit;
        for (k, s) in stmts.iter().enumerate() {
            let last = k + 1 == stmts.len();
            match s {
                Stmt::Let { mutable, pattern, ty: t, arrow, value, otherwise, span } => {
                    let want = t.as_ref().map(|t| resolve(self.m, t, &self.type_params));
                    if *arrow {
                        // `let x ← e`: unwrap `e` in the block's monad, or leave with its failure.
                        let (vt, vty) = self.expr(value, None);
                        let (bind, inner) = self.unwrap_bind(&vt, &vty, *span);
                        let pat = self.bind_pattern(pattern, &want.unwrap_or(inner));
                        let m = if *mutable { quote!(mut) } else { quote!() };
                        out.push(quote!(let #m #pat = #bind;));
                        continue;
                    }
                    let (vt, vty) = self.expr(value, want.as_ref());
                    let bty = want.unwrap_or(vty);
                    if let Some(alt) = otherwise {
                        // `let pat := e | alt` becomes Rust's `let pat = e else { alt };`; the
                        // alternative must leave the block (`return`, `break`, `continue`).
                        let (at, _) = self.expr(alt, None);
                        let pat = self.match_pattern(pattern, &bty);
                        out.push(quote!(let #pat = #vt else { #at; };));
                        continue;
                    }
                    let annot = t.as_ref().map(|t| {
                        let r = self.rty(t);
                        quote!(: #r)
                    });
                    let pat = self.bind_pattern(pattern, &bty);
                    let m = if *mutable { quote!(mut) } else { quote!() };
                    out.push(quote!(let #m #pat #annot = #vt;));
                }
                Stmt::Assign { name, arrow, value, span } => {
                    let lty = self.local(name).map(|l| l.ty.clone());
                    if lty.is_none() {
                        self.err(Diagnostic::error(*span, format!("unknown variable `{name}`")).with_hint("declare it first with `let mut`"));
                    }
                    let (vt, _) = if *arrow {
                        let (vt, vty) = self.expr(value, None);
                        let (bind, inner) = self.unwrap_bind(&vt, &vty, *span);
                        (bind, inner)
                    } else {
                        self.in_place = Some(name.clone());
                        let lowered = self.expr(value, lty.as_ref());
                        self.in_place = None;
                        lowered
                    };
                    let n = ident(&snake(name));
                    out.push(quote!(#n = #vt;));
                }
                Stmt::For { pattern, iter, body, .. } => {
                    let (it, ety) = match &iter.kind {
                        ExprKind::Range(lo, hi) => {
                            let lo = match lo {
                                Some(lo) => self.expr(lo, Some(&T::Nat)).0,
                                None => quote!(Nat(0)),
                            };
                            let (hi, _) = self.expr(hi, Some(&T::Nat));
                            (quote!(range(#lo, #hi)), T::Nat)
                        }
                        // An array local the body leaves alone is iterated in place (its items
                        // copied one at a time) instead of being copied whole first.
                        ExprKind::Var(n) if self.local(n).is_some_and(|l| matches!(l.ty, T::Array(_))) && !body.assigns(n) => {
                            let (t, ty) = self.expr_ref(iter);
                            let T::Array(el) = ty else { unreachable!() };
                            (quote!(#t.iter().cloned()), *el)
                        }
                        _ => {
                            let (t, ty) = self.expr(iter, None);
                            let el = match ty {
                                T::Array(el) => *el,
                                other => {
                                    self.err(Diagnostic::error(iter.span, format!("cannot iterate over {other:?}")).with_hint("iterate over an Array or a range `[a:b]`"));
                                    T::Unknown
                                }
                            };
                            (quote!(#t), el)
                        }
                    };
                    self.scopes.push(HashMap::new());
                    let pat = self.bind_pattern(pattern, &ety);
                    let (bt, _) = self.expr(body, Some(&T::Unit));
                    self.scopes.pop();
                    out.push(quote!(for #pat in #it { #bt; }));
                }
                Stmt::Return(v, span) => {
                    let (run_ty, monad) = self.run_labels.last().map(|(_, t, m)| (t.clone(), *m)).unwrap_or((None, Monad::Id));
                    // In an Option or Except `do`, `return x` succeeds with `x`.
                    let (inner, wrap) = match (&run_ty, monad) {
                        (Some(T::Option(t)), Monad::Option) => (Some((**t).clone()), quote!(Some)),
                        (Some(T::Result(t, _)), Monad::Except) => (Some((**t).clone()), quote!(Ok)),
                        _ => (run_ty.clone(), quote!()),
                    };
                    let (vt, _) = match v {
                        // A local of the block being left is dead after it: move, don't copy.
                        Some(Expr { kind: ExprKind::Var(n), .. }) if self.declared_inside_run(n) => {
                            let ty = self.local(n).map(|l| l.ty.clone()).unwrap_or(T::Unknown);
                            { let i = ident(&snake(n)); (quote!(#i), ty) }
                        }
                        Some(v) => self.expr(v, inner.as_ref().or(expected)),
                        None => (quote!(()), T::Unit),
                    };
                    let vt = quote!(#wrap(#vt));
                    match self.run_labels.last() {
                        Some((l, _, _)) => out.push(quote!(break #l #vt;)),
                        None => {
                            self.err(Diagnostic::error(*span, "`return` outside a `do` block").with_hint("`return` is only meaningful inside `Id.run do`"));
                        }
                    }
                    if last {
                        ty = expected.cloned().unwrap_or(T::Unknown);
                    }
                }
                Stmt::Break(_) => out.push(quote!(break;)),
                Stmt::Continue(_) => out.push(quote!(continue;)),
                Stmt::Expr(x) => {
                    if last {
                        let (xt, xty) = self.expr(x, expected);
                        out.push(xt);
                        ty = xty;
                    } else {
                        let (xt, _) = self.expr(x, None);
                        out.push(quote!(#xt;));
                    }
                }
            }
        }
        self.scopes.pop();
        (quote!({ #(#out)* }), ty)
    }

    /// A `let` pattern's tokens, its names bound (by typing's rule, so both bind alike).
    fn bind_pattern(&mut self, p: &Pattern, ty: &T) -> TokenStream {
        self.bind_let_types(p, ty);
        self.let_pattern_tokens(p)
    }

    fn let_pattern_tokens(&mut self, p: &Pattern) -> TokenStream {
        match p {
            Pattern::Var(n, _) | Pattern::Typed(n, _) => {
                let i = ident(&snake(n));
                quote!(#i)
            }
            Pattern::Wild | Pattern::Or(_) => quote!(_),
            Pattern::Tuple(ps) => {
                let parts: Vec<TokenStream> = ps.iter().map(|p| self.let_pattern_tokens(p)).collect();
                quote!((#(#parts),*))
            }
            Pattern::Ctor { span, .. } => {
                self.err(Diagnostic::error(*span, "constructor patterns are only supported in `match`"));
                quote!(_)
            }
            Pattern::Lit(x) => {
                self.err(Diagnostic::error(x.span, "a literal cannot be bound"));
                quote!(_)
            }
        }
    }
}

/// The Rust name of a function: `snake_case` of its last component, prefixed with its type's
/// name when it is declared in a type's namespace (`Opcode.name` → `opcode_name`), since every
/// generated item lives in one module.
pub fn fn_rust_name(m: &Model, lean: &str) -> String {
    let parts: Vec<&str> = lean.split('.').collect();
    match parts.as_slice() {
        // A keyword component (`Kernel.move`) needs no `r#` once prefixed: `kernel_move`.
        [.., owner, f] if m.structs.contains_key(*owner) || m.enums.contains_key(*owner) => {
            format!("{}_{}", snake(owner).trim_start_matches("r#"), snake(f).trim_start_matches("r#"))
        }
        _ => snake(lean),
    }
}

fn contains_param(t: &T) -> bool {
    match t {
        T::Param(_) => true,
        T::Array(x) | T::Option(x) => contains_param(x),
        T::Tuple(xs) => xs.iter().any(contains_param),
        _ => false,
    }
}
