//! Lowering of the library surface: methods on arrays, byte strings, options and fixed-width
//! numbers (`push`, `set!`, `extract`, `toNat`, …), dot notation on spec types, and the
//! higher-order array methods with their `fun` arguments.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;

impl Cx<'_> {
    pub(super) fn method(&mut self, e: &Expr, recv: &Expr, m: &str, args: &[Arg], expected: Option<&T>) -> (TokenStream, T) {
        // Dot notation: `x.f` with `x : T` calls `T.f x`, whose parameters type the arguments.
        // Decided from the receiver's (memoised) type before lowering it, so that the receiver
        // is lowered once, as the call's first argument: a chain `a.f.g.h` stays linear. It
        // comes first: a spec type's own `map` or `push` is not the library's.
        if let T::Named(s) = self.trial_type(recv, None) {
            let is_field = args.is_empty() && self.m.structs.get(&s).is_some_and(|d| d.item.fields.iter().any(|x| x.name == m));
            if !is_field && self.m.fns.contains_key(&format!("{s}.{m}")) {
                self.in_place = None;
                let mut all = vec![Arg::Positional(recv.clone())];
                all.extend(args.iter().cloned());
                return self.global(e, &format!("{s}.{m}"), &all, expected);
            }
        }
        if matches!(m, "map" | "filter" | "any" | "all" | "foldl") {
            return self.higher_order(e, recv, m, args, expected);
        }
        let consuming = matches!(m, "push" | "set!" | "pop" | "append");
        // `x := x.set! i v`: the old `x` is dead once the new one is built, so it is moved out
        // (`mem::take`) rather than cloned. The arguments are evaluated first, into locals, since
        // they may read `x`.
        let in_place = self.in_place.take();
        if let (Some(target), ExprKind::Var(n)) = (&in_place, &recv.kind) {
            let (_, rty) = self.expr_ref(recv);
            let arg_tys = match (&rty, m) {
                (T::Array(el), "push") => vec![(**el).clone()],
                (T::Array(el), "set!") => vec![T::Nat, (**el).clone()],
                (T::Bytes, "push") => vec![T::U(8)],
                (T::Bytes, "set!") => vec![T::Nat, T::U(8)],
                _ => vec![],
            };
            if n == target && !arg_tys.is_empty() && arg_tys.len() == args.len() {
                let a = self.args(args, &arg_tys);
                let temps: Vec<_> = (0..a.len()).map(|i| quote::format_ident!("arg{i}")).collect();
                let x = ident(&snake(n));
                let taken = quote!(std::mem::take(&mut #x));
                let call = match (&rty, m) {
                    (T::Array(_), "push") => quote!(array::push(#taken, #(#temps),*)),
                    (T::Array(_), _) => quote!(array::set_bang(#taken, #(#temps),*)),
                    (_, "push") => quote!(#taken.push(#(#temps),*)),
                    _ => quote!(#taken.set_bang(#(#temps),*)),
                };
                return (quote!({ #(let #temps = #a;)* #call }), rty);
            }
        }
        // A field of an array element (`m.pages[i]!.index`) is read through a borrow of the
        // element, not a copy of it.
        let element_field = args.is_empty()
            && matches!(recv.kind, ExprKind::Index(..))
            && self.place_type(recv).is_some_and(|t| self.field_type(&t, m).is_some());
        let (rt, rty) = if consuming {
            self.expr(recv, None)
        } else if element_field {
            self.place(recv)
        } else {
            self.expr_ref(recv)
        };
        let arg_tys: Vec<T> = match (&rty, m) {
            (T::Array(el), "push" | "contains") => vec![(**el).clone()],
            (T::Array(_), "extract") => vec![T::Nat, T::Nat],
            (T::Option(t), "getD") => vec![(**t).clone()],
            (T::Array(el), "set!") => vec![T::Nat, (**el).clone()],
            (T::Bytes, "push") => vec![T::U(8)],
            (T::Bytes, "extract") => vec![T::Nat, T::Nat],
            (T::Bytes, "set!") => vec![T::Nat, T::U(8)],
            _ => vec![],
        };
        let a = self.args(args, &arg_tys);
        let out = match (&rty, m, a.as_slice()) {
            (T::Array(_), "size", []) => (quote!(array::size(&#rt)), T::Nat),
            (T::Array(_), "push", [x]) => (quote!(array::push(#rt, #x)), rty.clone()),
            (T::Array(_), "pop", []) => (quote!(array::pop(#rt)), rty.clone()),
            (T::Array(_), "set!", [i, x]) => (quote!(array::set_bang(#rt, #i, #x)), rty.clone()),
            (T::Array(_), "isEmpty", []) => (quote!(#rt.is_empty()), T::Bool),
            (T::Array(_), "extract", [x, y]) => (quote!(array::extract(&#rt, #x, #y)), rty.clone()),
            (T::Array(_), "contains", [x]) => (quote!(array::contains(&#rt, &#x)), T::Bool),
            (T::Array(_), "reverse", []) => (quote!(array::reverse(#rt.clone())), rty.clone()),
            (T::Option(t), "getD", [d]) => (quote!(#rt.clone().unwrap_or(#d)), (**t).clone()),
            (T::Option(_), "isSome", []) => (quote!(#rt.is_some()), T::Bool),
            (T::Option(_), "isNone", []) => (quote!(#rt.is_none()), T::Bool),
            (T::Str, "toUTF8", []) => (quote!(ByteArray::new(#rt.as_bytes().to_vec())), T::Bytes),
            (T::Bytes, "size", []) => (quote!(#rt.size()), T::Nat),
            (T::Bytes, "push", [x]) => (quote!(#rt.push(#x)), T::Bytes),
            (T::Bytes, "extract", [x, y]) => (quote!(#rt.extract(#x, #y)), T::Bytes),
            (T::Octets(_), "data", []) => (quote!(#rt.data()), T::Bytes),
            // Pair projections (`p.1`, `p.2`, `p.fst`, `p.snd`). Lean's `A × B × C` is
            // `A × (B × C)`, so only pairs are projected here.
            (T::Tuple(ts), "1" | "fst" | "2" | "snd", []) if ts.len() == 2 => {
                let k = usize::from(matches!(m, "2" | "snd"));
                let ty = ts[k].clone();
                let i = syn::Index::from(k);
                let ts = if copy_ty(self.m, &ty) { quote!(#rt.#i) } else { quote!(#rt.#i.clone()) };
                (ts, ty)
            }
            (T::Nat, "toUInt8", []) => (quote!(#rt.to_u8()), T::U(8)),
            (T::Nat, "toUInt16", []) => (quote!(#rt.to_u16()), T::U(16)),
            (T::Nat, "toUInt32", []) => (quote!(#rt.to_u32()), T::U(32)),
            (T::Nat, "toUInt64", []) => (quote!(#rt.to_u64()), T::U(64)),
            (T::U(_), "toNat", []) => (quote!(Nat(#rt as u64)), T::Nat),
            (T::U(_), "toUInt8", []) => (quote!((#rt as u8)), T::U(8)),
            (T::U(_), "toUInt16", []) => (quote!((#rt as u16)), T::U(16)),
            (T::U(_), "toUInt32", []) => (quote!((#rt as u32)), T::U(32)),
            (T::U(_), "toUInt64", []) => (quote!((#rt as u64)), T::U(64)),
            (T::Bytes, "set!", [i, x]) => (quote!(#rt.set_bang(#i, #x)), T::Bytes),
            (T::Named(s), f, []) if self.m.structs.get(s).is_some_and(|d| d.item.fields.iter().any(|x| x.name == f)) => {
                let ft = self.m.structs[s].item.fields.iter().find(|x| x.name == f).map(|x| resolve(self.m, &x.ty, &[])).unwrap_or(T::Unknown);
                let fi = ident(&snake(f));
                let ts = if ft.is_copy() { quote!(#rt.#fi) } else { quote!(#rt.#fi.clone()) };
                (ts, ft)
            }
            _ => {
                let _ = expected;
                self.err(
                    Diagnostic::error(e.span, format!("unknown field or method `{m}` on a value of type {rty:?}"))
                        .with_hint("see codegen/SUBSET.md for the supported Array, ByteArray, Nat and UIntN operations"),
                );
                (quote!(()), T::Unknown)
            }
        };
        out
    }

    /// `xs.map f`, `xs.filter p`, `xs.any p`, `xs.all p`, `xs.foldl f init` with `f` a `fun`.
    pub(super) fn higher_order(&mut self, e: &Expr, recv: &Expr, m: &str, args: &[Arg], expected: Option<&T>) -> (TokenStream, T) {
        let (rt, rty) = self.expr_ref(recv);
        let T::Array(el) = rty else {
            self.err(Diagnostic::error(e.span, format!("`{m}` is supported on Array only, not on {rty:?}")));
            return (quote!(()), T::Unknown);
        };
        let el = *el;
        let (positional, init, unsupported) = higher_order_args(m, args);
        for (n, x) in unsupported {
            self.err(Diagnostic::error(x.span, format!("named argument `({n} := …)` is not supported here")).with_hint("`foldl` accepts `(init := …)`; pass other arguments positionally"));
        }
        let (f, rest) = match positional.split_first() {
            Some((f, rest)) => (*f, rest.to_vec()),
            None => {
                self.err(Diagnostic::error(e.span, format!("`{m}` needs a function argument")));
                return (quote!(()), T::Unknown);
            }
        };
        let ExprKind::Fun(params, body) = &f.kind else {
            self.err(Diagnostic::error(f.span, format!("the argument of `{m}` must be a `fun`")).with_hint("write `xs.map (fun x => f x)`"));
            return (quote!(()), T::Unknown);
        };
        if m == "foldl" {
            let init = init.or(rest.first().copied());
            let Some(init) = init else {
                self.err(Diagnostic::error(e.span, "`foldl` needs an initial value").with_hint("write `xs.foldl (fun acc x => …) init`"));
                return (quote!(()), T::Unknown);
            };
            let (it, ity) = self.expr(init, expected);
            let acc_ty = if ity == T::Unknown { expected.cloned().unwrap_or(T::Unknown) } else { ity };
            if params.len() != 2 {
                self.err(Diagnostic::error(f.span, "the function of `foldl` takes the accumulator and the element"));
                return (quote!(()), T::Unknown);
            }
            let (closure, _) = self.closure(params, &[acc_ty.clone(), el], body, Some(&acc_ty));
            return (quote!(#rt.iter().cloned().fold(#it, #closure)), acc_ty);
        }
        if params.len() != 1 {
            self.err(Diagnostic::error(f.span, format!("the function of `{m}` takes one argument")));
            return (quote!(()), T::Unknown);
        }
        let want = if m == "map" { expected.and_then(|t| if let T::Array(x) = t { Some((**x).clone()) } else { None }) } else { Some(T::Bool) };
        let (closure, bty) = self.closure(params, std::slice::from_ref(&el), body, want.as_ref());
        match m {
            "map" => (quote!(#rt.iter().cloned().map(#closure).collect::<Vec<_>>()), T::Array(Box::new(bty))),
            // `filter` hands the closure a reference: take the element by value, as Lean does.
            "filter" => (quote!(#rt.iter().cloned().filter(|x| { let f = #closure; f(x.clone()) }).collect::<Vec<_>>()), T::Array(Box::new(el))),
            "any" => (quote!(#rt.iter().cloned().any(#closure)), T::Bool),
            _ => (quote!(#rt.iter().cloned().all(#closure)), T::Bool),
        }
    }

    /// A Rust closure for a Lean `fun` whose parameters have the types `tys`.
    pub(super) fn closure(&mut self, params: &[Pattern], tys: &[T], body: &Expr, want: Option<&T>) -> (TokenStream, T) {
        self.scopes.push(HashMap::new());
        // Parameters carry their types: closures passed to generic adapters (`filter`) cannot
        // infer them from the body.
        let pats: Vec<TokenStream> = params
            .iter()
            .zip(tys)
            .map(|(p, t)| {
                let pat = self.bind_pattern(p, t);
                let ty = self.rust_of(t);
                quote!(#pat: #ty)
            })
            .collect();
        // `return` inside a `fun` would leave the closure, not the `do` block: not allowed.
        let labels: Vec<(syn::Lifetime, Option<T>, Monad)> = std::mem::take(&mut self.run_labels);
        let (bt, bty) = self.expr(body, want);
        self.run_labels = labels;
        self.scopes.pop();
        (quote!(|#(#pats),*| #bt), bty)
    }

    /// The Rust type of an inferred type (`_` where it is not known).
    pub(super) fn rust_of(&self, t: &T) -> TokenStream {
        match t {
            T::Nat => quote!(Nat),
            T::Bool => quote!(bool),
            T::Str => quote!(String),
            T::U(8) => quote!(u8),
            T::U(16) => quote!(u16),
            T::U(32) => quote!(u32),
            T::U(_) => quote!(u64),
            T::Bytes => quote!(ByteArray),
            T::Octets(n) => {
                let n = *n as usize;
                quote!(OctetSeq<#n>)
            }
            T::Array(e) => {
                let e = self.rust_of(e);
                quote!(Vec<#e>)
            }
            T::Option(e) => {
                let e = self.rust_of(e);
                quote!(Option<#e>)
            }
            T::Result(a, e) => {
                let (a, e) = (self.rust_of(a), self.rust_of(e));
                quote!(Result<#a, #e>)
            }
            T::Tuple(ts) => {
                let ts: Vec<TokenStream> = ts.iter().map(|t| self.rust_of(t)).collect();
                quote!((#(#ts),*))
            }
            T::Named(n) if self.m.structs.contains_key(n) || self.m.enums.contains_key(n) => {
                let i = ident(&camel(n));
                quote!(#i)
            }
            T::Unit => quote!(()),
            T::Named(_) | T::Param(_) | T::Unknown => quote!(_),
        }
    }
}

/// The arguments of a higher-order array method `m`: the positional ones, `foldl`'s
/// `(init := …)`, and every other named argument (which is not supported).
pub(super) fn higher_order_args<'e>(m: &str, args: &'e [Arg]) -> (Vec<&'e Expr>, Option<&'e Expr>, Vec<(&'e str, &'e Expr)>) {
    let (mut positional, mut init, mut unsupported) = (Vec::new(), None, Vec::new());
    for a in args {
        match a {
            Arg::Positional(x) => positional.push(x),
            Arg::Named(n, x) if n == "init" && m == "foldl" => init = Some(x),
            Arg::Named(n, x) => unsupported.push((n.as_str(), x)),
        }
    }
    (positional, init, unsupported)
}
