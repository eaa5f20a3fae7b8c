//! Evaluation of constant expressions at codegen time: protocol constants and the variant
//! instances become literal Rust constants, so the generated `Variant` impls hold plain numbers.

use std::collections::BTreeMap;

use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::model::Model;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Nat(u128),
    Bool(bool),
    Str(String),
    /// An enum constructor without payload: (enum, constructor).
    Ctor(String, String),
    /// A structure value: (structure, fields in declaration order).
    Struct(String, BTreeMap<String, Value>),
}

pub struct Evaluator<'m> {
    pub model: &'m Model,
    depth: usize,
}

type R = Result<Value, Diagnostic>;

impl<'m> Evaluator<'m> {
    pub fn new(model: &'m Model) -> Self {
        Evaluator { model, depth: 0 }
    }

    /// Evaluates `e`, whose type is expected to be `expected` (a type name, used for `.ctor` and
    /// structure literals).
    pub fn eval(&mut self, e: &Expr, expected: Option<&str>) -> R {
        self.depth += 1;
        let r = if self.depth > 64 {
            Err(Diagnostic::error(e.span, "constant definitions refer to each other in a cycle"))
        } else {
            self.eval_inner(e, expected)
        };
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &Expr, expected: Option<&str>) -> R {
        let not_const = || {
            Diagnostic::error(e.span, "this expression is not a compile-time constant")
                .with_hint("variant fields and constants may use literals, other constants, `{ s with … }` and arithmetic")
        };
        match &e.kind {
            ExprKind::Nat(v) => Ok(Value::Nat(*v)),
            ExprKind::Str(s) => Ok(Value::Str(s.clone())),
            ExprKind::Var(n) if n == "true" => Ok(Value::Bool(true)),
            ExprKind::Var(n) if n == "false" => Ok(Value::Bool(false)),
            ExprKind::Var(_) | ExprKind::Field(..) => {
                let path = dotted(e).ok_or_else(not_const)?;
                if let Some(f) = self.model.fns.get(&path).or_else(|| self.model.fns.get(crate::names::last(&path))) {
                    if f.item.binders.is_empty() {
                        let ret = f.item.ret.as_ref().and_then(type_name);
                        let body = f.item.body.clone();
                        return self.eval(&body, ret.as_deref());
                    }
                }
                // `Enum.ctor`
                if let Some((ty, ctor)) = path.rsplit_once('.') {
                    if let Some(en) = self.model.enums.get(crate::names::last(ty)) {
                        if en.item.ctors.iter().any(|c| c.name == ctor) {
                            return Ok(Value::Ctor(en.item.name.clone(), ctor.to_string()));
                        }
                    }
                }
                Err(Diagnostic::error(e.span, format!("unknown constant `{path}`"))
                    .with_hint("define it with `def` (no arguments) before using it in a constant"))
            }
            ExprKind::DotCtor(c) => {
                let Some(en) = expected.and_then(|t| self.model.enums.get(crate::names::last(t))) else {
                    return Err(Diagnostic::error(e.span, format!("cannot tell which type `.{c}` belongs to"))
                        .with_hint("write the full name, `Type.ctor`"));
                };
                if !en.item.ctors.iter().any(|x| x.name == *c) {
                    let names: Vec<&str> = en.item.ctors.iter().map(|x| x.name.as_str()).collect();
                    return Err(Diagnostic::error(e.span, format!("`{}` has no constructor `{c}`", en.item.name))
                        .with_hint(format!("the constructors are: {}", names.join(", "))));
                }
                Ok(Value::Ctor(en.item.name.clone(), c.clone()))
            }
            ExprKind::StructInst(base, fields) => {
                let base_v = match base {
                    Some(b) => Some(self.eval(b, expected)?),
                    None => None,
                };
                let sname = match (&base_v, expected) {
                    (Some(Value::Struct(n, _)), _) => n.clone(),
                    (_, Some(t)) => crate::names::last(t).to_string(),
                    _ => return Err(not_const()),
                };
                self.build_struct(&sname, base_v, fields.iter().map(|(n, v, s)| (n.as_str(), v, *s)), e.span)
            }
            ExprKind::Binary(op, l, r) => {
                let (Value::Nat(a), Value::Nat(b)) = (self.eval(l, Some("Nat"))?, self.eval(r, Some("Nat"))?) else {
                    return Err(not_const());
                };
                let v = match op.as_str() {
                    "+" => a.checked_add(b),
                    "-" => Some(a.saturating_sub(b)),
                    "*" => a.checked_mul(b),
                    "/" => Some(a.checked_div(b).unwrap_or(0)),
                    "%" => Some(if b == 0 { a } else { a % b }),
                    "^" => u32::try_from(b).ok().and_then(|b| a.checked_pow(b)),
                    _ => return Err(not_const()),
                };
                v.map(Value::Nat).ok_or_else(|| Diagnostic::error(e.span, "constant overflows 128 bits"))
            }
            ExprKind::Ascribe(x, t) => self.eval(x, type_name(t).as_deref()),
            _ => Err(not_const()),
        }
    }

    /// A structure (or class instance) value from field assignments, checking that every field
    /// without a default is given and that no unknown field is named.
    pub fn build_struct<'a>(
        &mut self,
        sname: &str,
        base: Option<Value>,
        fields: impl Iterator<Item = (&'a str, &'a Expr, Span)>,
        span: Span,
    ) -> R {
        let def = self
            .model
            .structs
            .get(sname)
            .or_else(|| self.model.classes.get(sname))
            .ok_or_else(|| Diagnostic::error(span, format!("`{sname}` is not a structure")))?;
        let mut out = match base {
            Some(Value::Struct(_, m)) => m,
            _ => BTreeMap::new(),
        };
        let mut errors = Vec::new();
        // Fields written in the literal, valid or not: a wrong one is not also "missing".
        let mut given: Vec<&str> = Vec::new();
        for (name, value, fspan) in fields {
            given.push(name);
            match def.item.fields.iter().find(|f| f.name == name) {
                Some(f) => match self.eval(value, type_name(&f.ty).as_deref()) {
                    Ok(v) => match self.mismatch(&v, &f.ty) {
                        // Caught here, at the Lean line, instead of by rustc in the generated code.
                        Some(why) => errors.push(
                            Diagnostic::error(value.span, format!("`{name}` is declared `{}`, but {why}", type_name(&f.ty).unwrap_or_default()))
                                .with_hint("give a value of the declared type"),
                        ),
                        None => {
                            out.insert(name.to_string(), v);
                        }
                    },
                    Err(d) => errors.push(d),
                },
                None => errors.push(
                    Diagnostic::error(fspan, format!("`{sname}` has no field `{name}`"))
                        .with_hint(format!("the fields are: {}", def.item.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "))),
                ),
            }
        }
        for f in &def.item.fields {
            if out.contains_key(&f.name) || given.contains(&f.name.as_str()) {
                continue;
            }
            match &f.default {
                Some(d) => match self.eval(d, type_name(&f.ty).as_deref()) {
                    Ok(v) => {
                        out.insert(f.name.clone(), v);
                    }
                    Err(d) => errors.push(d),
                },
                None => errors.push(
                    Diagnostic::error(span, format!("missing field `{}` of `{sname}`", f.name))
                        .with_hint(format!("add `{} := …`", f.name)),
                ),
            }
        }
        if let Some(first) = errors.first() {
            // One diagnostic per literal, listing every problem in it.
            let mut first = first.clone();
            if errors.len() > 1 {
                let rest: Vec<String> = errors[1..].iter().map(|d| d.message.clone()).collect();
                first.message = format!("{}; also: {}", first.message, rest.join("; "));
            }
            return Err(first);
        }
        Ok(Value::Struct(sname.to_string(), out))
    }
}

/// `a.b.c` as a dotted path, if `e` is a chain of names.
pub fn dotted(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Var(v) => Some(v.clone()),
        ExprKind::Field(b, f) => Some(format!("{}.{f}", dotted(b)?)),
        _ => None,
    }
}

/// The head name of a type (`Params`, `Array`, …).
impl Evaluator<'_> {
    /// Why `v` is not a value of `t`, for the types a literal can be checked against (numbers
    /// and their widths, `Bool`, `String`, enums, structures); `None` if it is, or if `t` is
    /// none of those.
    fn mismatch(&self, v: &Value, t: &Ty) -> Option<String> {
        let tn = type_name(t)?;
        let kind = match v {
            Value::Nat(n) => format!("the value is the number {n}"),
            Value::Bool(b) => format!("the value is `{b}`"),
            Value::Str(_) => "the value is a string".to_string(),
            Value::Ctor(e, c) => format!("the value is `{e}.{c}`"),
            Value::Struct(s, _) => format!("the value is a `{s}`"),
        };
        let bits = match tn.as_str() {
            "Nat" => Some(64),
            "UInt8" => Some(8),
            "UInt16" => Some(16),
            "UInt32" => Some(32),
            "UInt64" => Some(64),
            _ => None,
        };
        match (bits, tn.as_str(), v) {
            (Some(b), _, Value::Nat(n)) => (*n >> b != 0).then(|| format!("{n} does not fit in {b} bits")),
            (Some(_), _, _) | (_, "Bool", _) | (_, "String", _) => match (tn.as_str(), v) {
                ("Bool", Value::Bool(_)) | ("String", Value::Str(_)) => None,
                _ => Some(kind),
            },
            (_, _, Value::Ctor(e, _)) if self.model.enums.contains_key(&tn) => (*e != tn).then_some(kind),
            (_, _, _) if self.model.enums.contains_key(&tn) => Some(kind),
            (_, _, Value::Struct(s, _)) if self.model.structs.contains_key(&tn) => (*s != tn).then_some(kind),
            (_, _, _) if self.model.structs.contains_key(&tn) => Some(kind),
            _ => None,
        }
    }
}

pub fn type_name(t: &Ty) -> Option<String> {
    match t {
        Ty::Name(n, _) => Some(n.clone()),
        Ty::App(h, _, _) => type_name(h),
        _ => None,
    }
}
