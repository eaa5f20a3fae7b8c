//! Typing: the type an expression lowers to, found from the model and the types of its parts
//! without lowering anything. Lowering asks for a type before it lowers (an operator's operands
//! decide between `Nat` and fixed-width arithmetic; a receiver's type decides whether dot
//! notation calls a spec function), and [`Cx::trial_type`] answers from here, once per
//! expression and hint. The rules mirror the lowering of each construct in `mod.rs`,
//! `library.rs` and `patterns.rs`. The test at the end holds them to it on every expression of
//! the spec, and the golden snapshot on the types lowering asks for (a type that differed would
//! change the Rust emitted).
//!
//! Typing reports nothing: an expression that does not type is `Unknown` here, and lowering,
//! which reaches it next, says why.

use super::*;

impl Cx<'_> {
    /// The type `e` has when lowered with `expected`.
    pub(super) fn type_of(&mut self, e: &Expr, expected: Option<&T>) -> T {
        match &e.kind {
            ExprKind::Nat(_) => match expected {
                Some(T::U(bits)) => T::U(*bits),
                _ => T::Nat,
            },
            ExprKind::Str(_) => T::Str,
            ExprKind::Var(n) if n == "true" || n == "false" => T::Bool,
            ExprKind::Var(n) if n == "none" => expected.cloned().unwrap_or(T::Option(Box::new(T::Unknown))),
            ExprKind::Var(n) if n == "default" && self.local(n).is_none() => expected.cloned().unwrap_or(T::Unknown),
            ExprKind::Var(n) => match self.local(n) {
                Some(l) => l.ty.clone(),
                None => self.global_type(n, &[], expected),
            },
            ExprKind::Field(base, f) => {
                if let Some(path) = dotted(e) {
                    if self.local(path.split('.').next().unwrap_or("")).is_none() {
                        return self.global_type(&path, &[], expected);
                    }
                }
                self.method_type(base, f, &[], expected)
            }
            ExprKind::App(head, args) => {
                if let ExprKind::Field(base, f) = &head.kind {
                    let is_global = dotted(head).is_some_and(|p| self.local(p.split('.').next().unwrap_or("")).is_none());
                    if !is_global {
                        return self.method_type(base, f, args, expected);
                    }
                }
                if let ExprKind::DotCtor(c) = &head.kind {
                    return self.ctor_type(c, args, expected);
                }
                match dotted(head) {
                    Some(path) => self.global_type(&path, args, expected),
                    None => T::Unknown,
                }
            }
            ExprKind::Index(a, _, mode) => {
                let aty = match self.place_type(a) {
                    Some(t) => t,
                    None => self.trial_type(a, None),
                };
                match (aty, mode) {
                    (T::Bytes, IndexMode::Bang | IndexMode::Proof) => T::U(8),
                    (T::Array(el), IndexMode::Bang | IndexMode::Proof) => *el,
                    (T::Array(el), IndexMode::Question) => T::Option(el),
                    _ => T::Unknown,
                }
            }
            ExprKind::Binary(op, l, r) => self.binary_type(op, l, r, expected),
            ExprKind::Unary(op, x) => match op.as_str() {
                "!" | "¬" => T::Bool,
                _ => self.trial_type(x, expected),
            },
            ExprKind::If(_, t, f) => {
                let tty = self.trial_type(t, expected);
                match f {
                    Some(f) => {
                        let want = if tty == T::Unknown { expected.cloned() } else { Some(tty.clone()) };
                        let fty = self.trial_type(f, want.as_ref());
                        if tty.is_vague() && !fty.is_vague() {
                            fty
                        } else {
                            tty
                        }
                    }
                    None => T::Unit,
                }
            }
            ExprKind::Block(stmts) => self.block_type(stmts, expected),
            ExprKind::Do(stmts) => {
                let monad = match expected {
                    Some(T::Option(_)) => Monad::Option,
                    Some(T::Result(..)) => Monad::Except,
                    _ => Monad::Id,
                };
                self.do_type(stmts, expected, monad)
            }
            ExprKind::Array(items) => {
                let el = match expected {
                    Some(T::Array(el)) => Some((**el).clone()),
                    _ => None,
                };
                let mut ty = el.clone().unwrap_or(T::Unknown);
                for x in items {
                    if ty != T::Unknown {
                        break;
                    }
                    ty = self.trial_type(x, el.as_ref());
                }
                T::Array(Box::new(ty))
            }
            ExprKind::Tuple(items) => {
                let exp: Vec<Option<T>> = match expected {
                    Some(T::Tuple(ts)) => ts.iter().cloned().map(Some).collect(),
                    _ => vec![],
                };
                T::Tuple(items.iter().enumerate().map(|(k, x)| self.trial_type(x, exp.get(k).cloned().flatten().as_ref())).collect())
            }
            ExprKind::Unit => T::Unit,
            ExprKind::Ascribe(_, t) => resolve(self.m, t, &self.type_params),
            ExprKind::Range(..) | ExprKind::Fun(..) => T::Unknown,
            ExprKind::DotCtor(c) => self.ctor_type(c, &[], expected),
            ExprKind::StructInst(base, _) => {
                let base_ty = base.as_ref().map(|b| self.place_type(b).unwrap_or_else(|| self.trial_type(b, None)));
                // The base's structure, else the expected one (as `struct_inst` picks it).
                let sname = match (base_ty.as_ref(), expected) {
                    (Some(T::Named(n)), _) | (_, Some(T::Named(n))) => n.clone(),
                    _ => return T::Unknown,
                };
                if self.m.structs.contains_key(&sname) {
                    T::Named(sname)
                } else {
                    T::Unknown
                }
            }
            ExprKind::Match(scrutinees, alts) => self.match_type(scrutinees, alts, expected),
            ExprKind::Anon(items) => match expected {
                Some(T::Tuple(_)) => {
                    let tuple = Expr { kind: ExprKind::Tuple(items.clone()), span: e.span };
                    self.type_of(&tuple, expected)
                }
                Some(T::Named(s)) if self.m.structs.get(s).is_some_and(|d| d.item.fields.iter().filter(|f| !matches!(f.ty, Ty::Prop)).count() == items.len()) => T::Named(s.clone()),
                _ => T::Unknown,
            },
        }
    }

    /// The type of a name applied to `args`, as [`Cx::global`] lowers it.
    fn global_type(&mut self, path: &str, args: &[Arg], expected: Option<&T>) -> T {
        let short = crate::names::last(path);
        match (path, args) {
            ("Id.run", [Arg::Positional(x)]) => {
                return match &x.kind {
                    ExprKind::Do(stmts) => self.do_type(stmts, expected, Monad::Id),
                    _ => self.trial_type(x, expected),
                };
            }
            ("pure", [_]) => return expected.cloned().or_else(|| self.run_labels.last().and_then(|(_, t, _)| t.clone())).unwrap_or(T::Unknown),
            ("guard", [_]) => return T::Unit,
            ("ByteArray.empty", []) | ("ByteArray.mk", [_]) => return T::Bytes,
            ("min" | "max" | "Nat.min" | "Nat.max", [a, _]) => {
                return match expected {
                    Some(t @ (T::Nat | T::U(_))) => t.clone(),
                    _ => match a {
                        Arg::Positional(x) => match self.trial_type(x, None) {
                            t @ T::U(_) => t,
                            _ => T::Nat,
                        },
                        Arg::Named(..) => T::Nat,
                    },
                };
            }
            ("Array.replicate", _) => {
                return T::Array(Box::new(match expected {
                    Some(T::Array(t)) => (**t).clone(),
                    _ => T::Unknown,
                }))
            }
            ("Array.range", _) => return T::Array(Box::new(T::Nat)),
            ("some", [Arg::Positional(x)]) => {
                let inner = match expected {
                    Some(T::Option(t)) => Some((**t).clone()),
                    _ => None,
                };
                return T::Option(Box::new(self.trial_type(x, inner.as_ref())));
            }
            _ => {}
        }
        if self.m.accessors.contains_key(short) {
            return self.m.accessor_types.get(short).map(|t| resolve(self.m, t, &[])).unwrap_or(T::Nat);
        }
        if let Some(f) = self.m.fns.get(path).or_else(|| self.m.fns.get(short)) {
            let tparams: Vec<String> = f.item.binders.iter().filter(|b| b.kind == BinderKind::Implicit).flat_map(|b| b.names.clone()).collect();
            let ret = f.item.ret.as_ref().map(|t| resolve(self.m, t, &tparams)).unwrap_or(T::Unknown);
            return if matches!(ret, T::Param(_) | T::Array(_)) && contains_param(&ret) { expected.cloned().unwrap_or(T::Unknown) } else { ret };
        }
        if let Some(x) = self.m.externs.get(short) {
            let (_, ret) = split_arrow(&x.item.ty);
            return resolve(self.m, &ret, &[]);
        }
        if let Some((ty, ctor)) = path.rsplit_once('.') {
            let ty = crate::names::last(ty);
            if self.m.enums.contains_key(ty) {
                return self.ctor_type(ctor, args, Some(&T::Named(ty.to_string())));
            }
        }
        T::Unknown
    }

    /// The type of constructor `c` applied to `args`, as [`Cx::ctor`] lowers it.
    fn ctor_type(&self, c: &str, args: &[Arg], expected: Option<&T>) -> T {
        match (expected, c, args.len()) {
            (Some(T::Option(_)), "none", 0) | (Some(T::Option(_)), "some", 1) => return expected.cloned().unwrap_or(T::Unknown),
            (Some(T::Result(..)), "ok" | "error", 1) => return expected.cloned().unwrap_or(T::Unknown),
            (Some(T::Option(_)), "none" | "some", _) | (Some(T::Result(..)), "ok" | "error", _) => return T::Unknown,
            _ => {}
        }
        match expected {
            Some(T::Named(en)) if self.m.enums.get(en).is_some_and(|d| d.item.ctors.iter().any(|x| x.name == c)) => T::Named(en.clone()),
            _ => T::Unknown,
        }
    }

    /// The type of `recv.m args`, as [`Cx::method`] and [`Cx::higher_order`] lower it.
    fn method_type(&mut self, recv: &Expr, m: &str, args: &[Arg], expected: Option<&T>) -> T {
        let rty = self.trial_type(recv, None);
        if let T::Named(s) = &rty {
            let is_field = args.is_empty() && self.m.structs.get(s).is_some_and(|d| d.item.fields.iter().any(|x| x.name == m));
            let f = format!("{s}.{m}");
            if !is_field && self.m.fns.contains_key(&f) {
                let mut all = vec![Arg::Positional(recv.clone())];
                all.extend(args.iter().cloned());
                return self.global_type(&f, &all, expected);
            }
        }
        if matches!(m, "map" | "filter" | "any" | "all" | "foldl") {
            return self.higher_order_type(rty, m, args, expected);
        }
        let n = args.len();
        match (&rty, m, n) {
            (T::Array(_), "size", 0) | (T::Bytes, "size", 0) => T::Nat,
            (T::Array(_), "push" | "set!" | "extract" | "pop" | "reverse", _) if n == library_arity(m) => rty.clone(),
            (T::Array(_), "isEmpty", 0) | (T::Array(_), "contains", 1) | (T::Option(_), "isSome" | "isNone", 0) => T::Bool,
            (T::Option(t), "getD", 1) => (**t).clone(),
            (T::Str, "toUTF8", 0) | (T::Octets(_), "data", 0) => T::Bytes,
            (T::Bytes, "push" | "extract" | "set!", _) if n == library_arity(m) => T::Bytes,
            (T::Tuple(ts), "1" | "fst" | "2" | "snd", 0) if ts.len() == 2 => ts[usize::from(matches!(m, "2" | "snd"))].clone(),
            (T::Nat | T::U(_), "toUInt8", 0) => T::U(8),
            (T::Nat | T::U(_), "toUInt16", 0) => T::U(16),
            (T::Nat | T::U(_), "toUInt32", 0) => T::U(32),
            (T::Nat | T::U(_), "toUInt64", 0) => T::U(64),
            (T::U(_), "toNat", 0) => T::Nat,
            (T::Named(_), f, 0) => self.field_type(&rty, f).unwrap_or(T::Unknown),
            _ => T::Unknown,
        }
    }

    /// The type of `xs.map f` and the other array methods that take a `fun`.
    fn higher_order_type(&mut self, rty: T, m: &str, args: &[Arg], expected: Option<&T>) -> T {
        let T::Array(el) = rty else { return T::Unknown };
        let (positional, init, _) = super::library::higher_order_args(m, args);
        let Some((f, rest)) = positional.split_first() else { return T::Unknown };
        let ExprKind::Fun(params, body) = &f.kind else { return T::Unknown };
        match m {
            "foldl" => {
                let Some(init) = init.or(rest.first().copied()) else { return T::Unknown };
                if params.len() != 2 {
                    return T::Unknown;
                }
                match self.trial_type(init, expected) {
                    T::Unknown => expected.cloned().unwrap_or(T::Unknown),
                    t => t,
                }
            }
            _ if params.len() != 1 => T::Unknown,
            "map" => {
                let want = match expected {
                    Some(T::Array(x)) => Some((**x).clone()),
                    _ => None,
                };
                // The body is typed with the parameter bound, as the closure lowers it.
                self.scopes.push(HashMap::new());
                self.bind_let_types(&params[0], &el);
                let labels = std::mem::take(&mut self.run_labels);
                let bty = self.trial_type(body, want.as_ref());
                self.run_labels = labels;
                self.scopes.pop();
                T::Array(Box::new(bty))
            }
            "filter" => T::Array(el),
            _ => T::Bool,
        }
    }

    /// The type of a `do` block run in `monad`: its statements' type, with `return` and `←`
    /// read against the block's expected type as [`Cx::expr`] reads them.
    fn do_type(&mut self, stmts: &[Stmt], expected: Option<&T>, monad: Monad) -> T {
        let label = syn::Lifetime::new("'typing", proc_macro2::Span::call_site());
        self.run_labels.push((label, expected.cloned(), monad));
        self.run_depths.push(self.scopes.len());
        let ty = self.block_type(stmts, expected);
        self.run_depths.pop();
        self.run_labels.pop();
        ty
    }

    /// The type of a block: its last statement's, after binding the types of its `let`s in
    /// order (nothing else a block holds can change what the last statement means).
    fn block_type(&mut self, stmts: &[Stmt], expected: Option<&T>) -> T {
        self.scopes.push(HashMap::new());
        let mut ty = T::Unit;
        for (k, s) in stmts.iter().enumerate() {
            let last = k + 1 == stmts.len();
            match s {
                Stmt::Let { pattern, ty: t, arrow, value, otherwise, .. } => {
                    let want = t.as_ref().map(|t| resolve(self.m, t, &self.type_params));
                    if *arrow {
                        let vty = self.trial_type(value, None);
                        let inner = match (self.run_labels.last().map(|(_, _, m)| *m), vty) {
                            (Some(Monad::Option), T::Option(t)) | (Some(Monad::Except), T::Result(t, _)) => *t,
                            _ => T::Unknown,
                        };
                        self.bind_let_types(pattern, &want.unwrap_or(inner));
                        continue;
                    }
                    let bty = match want {
                        Some(w) => w,
                        None => self.trial_type(value, None),
                    };
                    if otherwise.is_some() {
                        self.bind_match_types(pattern, &bty);
                    } else {
                        self.bind_let_types(pattern, &bty);
                    }
                }
                Stmt::Return(..) if last => ty = expected.cloned().unwrap_or(T::Unknown),
                Stmt::Expr(x) if last => ty = self.trial_type(x, expected),
                _ => {}
            }
        }
        self.scopes.pop();
        ty
    }

    /// The type of a `match`: the expected one, else the first alternative's that is known.
    fn match_type(&mut self, scrutinees: &[Expr], alts: &[Alt], expected: Option<&T>) -> T {
        if let Some(t) = expected.filter(|t| **t != T::Unknown) {
            return t.clone();
        }
        let stys: Vec<T> = scrutinees.iter().map(|x| self.trial_type(x, None)).collect();
        for alt in alts {
            let row_or = alt.patterns.len() == 1 && scrutinees.len() > 1 && matches!(alt.patterns[0], Pattern::Or(_));
            if !row_or && alt.patterns.len() != scrutinees.len() {
                continue;
            }
            self.scopes.push(HashMap::new());
            if row_or {
                self.bind_match_types(&alt.patterns[0], &T::Tuple(stys.clone()));
            } else {
                for (p, t) in alt.patterns.iter().zip(&stys) {
                    self.bind_match_types(p, t);
                }
            }
            let bty = self.trial_type(&alt.body, None);
            self.scopes.pop();
            if !matches!(bty, T::Unknown | T::Unit) {
                return bty;
            }
        }
        T::Unit
    }

    /// Binds the names of a `let` pattern; lowering's [`Cx::bind_pattern`] binds through this too.
    pub(super) fn bind_let_types(&mut self, p: &Pattern, ty: &T) {
        match p {
            Pattern::Var(n, _) => self.bind(n, ty.clone()),
            Pattern::Typed(n, t) => {
                let t = resolve(self.m, t, &self.type_params);
                self.bind(n, t);
            }
            Pattern::Tuple(ps) => {
                let tys = match ty {
                    T::Tuple(ts) => ts.clone(),
                    _ => vec![],
                };
                for (k, p) in ps.iter().enumerate() {
                    self.bind_let_types(p, tys.get(k).unwrap_or(&T::Unknown));
                }
            }
            Pattern::Wild | Pattern::Ctor { .. } | Pattern::Lit(_) | Pattern::Or(_) => {}
        }
    }

    /// Binds the names of a `match` pattern (as [`Cx::match_pattern`] does).
    fn bind_match_types(&mut self, p: &Pattern, ty: &T) {
        match p {
            Pattern::Var(n, _) => {
                let is_ctor = matches!(ty, T::Named(en) if self.m.enums.get(en).is_some_and(|d| d.item.ctors.iter().any(|c| c.name == *n)));
                if !is_ctor {
                    self.bind(n, ty.clone());
                }
            }
            Pattern::Typed(..) => self.bind_let_types(p, ty),
            Pattern::Or(alts) => {
                for a in alts {
                    self.bind_match_types(a, ty);
                }
            }
            Pattern::Tuple(ps) => {
                let tys = match ty {
                    T::Tuple(ts) if ts.len() == ps.len() => ts.clone(),
                    _ => vec![T::Unknown; ps.len()],
                };
                for (p, t) in ps.iter().zip(&tys) {
                    self.bind_match_types(p, t);
                }
            }
            Pattern::Ctor { name, args, .. } => {
                let c = crate::names::last(name);
                let arg_tys: Vec<T> = match (ty, c) {
                    (T::Option(t), "some") => vec![(**t).clone()],
                    (T::Result(ok, _), "ok") => vec![(**ok).clone()],
                    (T::Result(_, err), "error") => vec![(**err).clone()],
                    (T::Named(en), _) => match self.m.enums.get(en).and_then(|d| d.item.ctors.iter().find(|x| x.name == c)) {
                        Some(ctor) => ctor.args.iter().flat_map(|b| b.names.iter().map(|_| b.ty.as_ref().map(|t| resolve(self.m, t, &[])).unwrap_or(T::Unknown))).collect(),
                        None => return,
                    },
                    _ => return,
                };
                if args.len() == arg_tys.len() {
                    for (p, t) in args.iter().zip(&arg_tys) {
                        self.bind_match_types(p, t);
                    }
                }
            }
            Pattern::Wild | Pattern::Lit(_) => {}
        }
    }
}

/// How many arguments the library method `m` takes (`push 1`, `set! 2`, …).
fn library_arity(m: &str) -> usize {
    match m {
        "push" => 1,
        "set!" | "extract" => 2,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lowers every function of the repository's spec with the check on: for every expression,
    /// the type typing gives must be the type lowering produced. The golden snapshot only sees
    /// the types lowering asks typing for; this sees them all.
    #[test]
    fn typing_agrees_with_lowering_on_every_expression_of_the_spec() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut paths = Vec::new();
        for dir in ["spec", "variants"] {
            crate::lean_files(&root.join(dir), &mut paths).unwrap();
        }
        let parsed: Vec<_> = paths.iter().enumerate().map(|(i, p)| (i, crate::syntax::parse_file(i, &std::fs::read_to_string(p).unwrap()).unwrap())).collect();
        let mut diags = Vec::new();
        let m = Model::build(&parsed, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let mut disagreements = Vec::new();
        let mut checked = 0;
        for f in m.fns.values() {
            let mut cx = Cx::new(&m, vec![], f.item.variant_generic);
            cx.typing_disagreements = Some(Vec::new());
            cx.function(&f.item);
            assert!(cx.diags.is_empty(), "{}: {:?}", f.item.name, cx.diags);
            checked += cx.trial_types.len();
            disagreements.extend(cx.typing_disagreements.unwrap_or_default().into_iter().map(|d| format!("{}: {d}", f.item.name)));
        }
        assert!(checked > 10_000, "only {checked} expressions were typed");
        assert!(disagreements.is_empty(), "{} disagreements, first: {:#?}", disagreements.len(), &disagreements[..disagreements.len().min(20)]);
    }
}
