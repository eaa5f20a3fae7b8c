//! Lowering of `match`: scrutinees, alternatives and patterns (constructors, literals, tuples,
//! or-patterns) into a Rust `match`.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;

impl Cx<'_> {
    /// `match x, y with | p, q => e …` as a Rust `match` on the value (or tuple of values).
    pub(super) fn match_expr(&mut self, e: &Expr, scrutinees: &[Expr], alts: &[Alt], expected: Option<&T>) -> (TokenStream, T) {
        let mut sts = Vec::new();
        let mut stys = Vec::new();
        for x in scrutinees {
            let (t, ty) = self.expr(x, None);
            sts.push(t);
            stys.push(ty);
        }
        let scrut = if sts.len() == 1 { sts[0].clone() } else { quote!((#(#sts),*)) };
        let mut ty = expected.cloned().filter(|t| *t != T::Unknown);
        let mut arms = Vec::new();
        for alt in alts {
            // `| a, b | c, d =>`: one or-pattern of rows, matched against the tuple of values.
            let row_or = alt.patterns.len() == 1 && scrutinees.len() > 1 && matches!(alt.patterns[0], Pattern::Or(_));
            if row_or {
                self.scopes.push(HashMap::new());
                let pat = self.match_pattern(&alt.patterns[0], &T::Tuple(stys.clone()));
                let (bt, bty) = self.expr(&alt.body, ty.as_ref());
                if ty.is_none() && !matches!(bty, T::Unknown | T::Unit) {
                    ty = Some(bty);
                }
                self.scopes.pop();
                arms.push(quote!(#pat => #bt,));
                continue;
            }
            if alt.patterns.len() != scrutinees.len() {
                self.err(Diagnostic::error(alt.span, format!("this alternative has {} patterns for {} values", alt.patterns.len(), scrutinees.len())));
                continue;
            }
            self.scopes.push(HashMap::new());
            let pats: Vec<TokenStream> = alt.patterns.iter().zip(&stys).map(|(p, t)| self.match_pattern(p, t)).collect();
            let pat = if pats.len() == 1 { pats[0].clone() } else { quote!((#(#pats),*)) };
            let (bt, bty) = self.expr(&alt.body, ty.as_ref());
            if ty.is_none() && !matches!(bty, T::Unknown | T::Unit) {
                ty = Some(bty);
            }
            self.scopes.pop();
            arms.push(quote!(#pat => #bt,));
        }
        let _ = e;
        (quote!(match #scrut { #(#arms)* }), ty.unwrap_or(T::Unit))
    }

    /// A pattern of a `match` alternative against a value of type `ty`, binding its variables.
    pub(super) fn match_pattern(&mut self, p: &Pattern, ty: &T) -> TokenStream {
        match p {
            Pattern::Wild => quote!(_),
            Pattern::Var(n, span) => {
                // A bare constructor name (`| red`) is a constructor, not a binding.
                if let T::Named(en) = ty {
                    if self.m.enums.get(en).is_some_and(|d| d.item.ctors.iter().any(|c| c.name == *n)) {
                        return self.ctor_pattern(n, &[], ty, *span);
                    }
                }
                self.bind_pattern(p, ty)
            }
            Pattern::Typed(..) => self.bind_pattern(p, ty),
            Pattern::Or(alts) => {
                let parts: Vec<TokenStream> = alts.iter().map(|a| self.match_pattern(a, ty)).collect();
                quote!(#(#parts)|*)
            }
            Pattern::Lit(x) => match (&x.kind, ty) {
                (ExprKind::Nat(v), T::U(_)) => {
                    let lit = proc_macro2::Literal::u64_unsuffixed(*v as u64);
                    quote!(#lit)
                }
                (ExprKind::Nat(v), _) => {
                    let lit = proc_macro2::Literal::u64_unsuffixed(*v as u64);
                    quote!(Nat(#lit))
                }
                _ => {
                    self.err(Diagnostic::error(x.span, "only number literals can be matched").with_hint("compare strings with `==` in an `if`"));
                    quote!(_)
                }
            },
            Pattern::Tuple(ps) => {
                let tys = match ty {
                    T::Tuple(ts) if ts.len() == ps.len() => ts.clone(),
                    _ => vec![T::Unknown; ps.len()],
                };
                let parts: Vec<TokenStream> = ps.iter().zip(&tys).map(|(p, t)| self.match_pattern(p, t)).collect();
                quote!((#(#parts),*))
            }
            Pattern::Ctor { name, args, span, .. } => self.ctor_pattern(name, args, ty, *span),
        }
    }

    pub(super) fn ctor_pattern(&mut self, name: &str, args: &[Pattern], ty: &T, span: Span) -> TokenStream {
        let c = crate::names::last(name);
        let (head, arg_tys): (TokenStream, Vec<T>) = match (ty, c) {
            (T::Bool, "true") => return quote!(true),
            (T::Bool, "false") => return quote!(false),
            (T::Option(_), "none") => return quote!(None),
            (T::Option(t), "some") => (quote!(Some), vec![(**t).clone()]),
            (T::Result(ok, _), "ok") => (quote!(Ok), vec![(**ok).clone()]),
            (T::Result(_, err), "error") => (quote!(Err), vec![(**err).clone()]),
            (T::Named(en), _) => {
                let Some(ctor) = self.m.enums.get(en).and_then(|d| d.item.ctors.iter().find(|x| x.name == c)).cloned() else {
                    self.err(Diagnostic::error(span, format!("`{en}` has no constructor `{c}`")));
                    return quote!(_);
                };
                let (ei, ci) = (ident(&camel(en)), ident(&camel(c)));
                let tys = ctor.args.iter().flat_map(|b| b.names.iter().map(|_| b.ty.as_ref().map(|t| resolve(self.m, t, &[])).unwrap_or(T::Unknown))).collect();
                (quote!(#ei::#ci), tys)
            }
            _ => {
                self.err(Diagnostic::error(span, format!("cannot match constructor `{c}` against a value of type {ty:?}")).with_hint("match on an inductive, an Option, an Except or a Bool"));
                return quote!(_);
            }
        };
        if args.len() != arg_tys.len() {
            self.err(Diagnostic::error(span, format!("constructor `{c}` has {} arguments, the pattern gives {}", arg_tys.len(), args.len())));
            return quote!(_);
        }
        if args.is_empty() {
            return head;
        }
        let parts: Vec<TokenStream> = args.iter().zip(&arg_tys).map(|(p, t)| self.match_pattern(p, t)).collect();
        quote!(#head(#(#parts),*))
    }
}
