//! The checked model of a spec: every declaration by name, with its file, namespace and whether it
//! is generic over the variant. Built from the parsed files; name resolution and arity checks read it.

use std::collections::BTreeMap;

use crate::ast::*;

#[derive(Clone, Debug)]
pub struct Located<T> {
    pub file: usize,
    pub doc: Option<String>,
    /// The Lean name, fully qualified (`Jar.Params.tiny`).
    pub lean_name: String,
    pub span: Span,
    pub item: T,
}

#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub params: Vec<Binder>,
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    pub ctors: Vec<Ctor>,
}

#[derive(Clone, Debug)]
pub struct FnDef {
    pub name: String,
    pub binders: Vec<Binder>,
    pub ret: Option<Ty>,
    pub body: Expr,
    /// Takes `[JarVariant]` (from its binders or the section's `variable`).
    pub variant_generic: bool,
}

#[derive(Clone, Debug)]
pub struct ExternDef {
    pub name: String,
    pub symbol: String,
    pub ty: Ty,
    /// Declared with an explicit `[JarVariant]` binder: the primitive depends on the variant (a
    /// codec, say) and is called as `prim::<V>`.
    pub variant_generic: bool,
}

#[derive(Clone, Debug)]
pub struct InstanceDef {
    pub name: String,
    pub class: String,
    pub assigns: Vec<Assign>,
}

/// Everything declared in the spec and variants.
#[derive(Default, Debug)]
pub struct Model {
    pub structs: BTreeMap<String, Located<StructDef>>,
    pub classes: BTreeMap<String, Located<StructDef>>,
    pub enums: BTreeMap<String, Located<EnumDef>>,
    /// Type aliases (`abbrev Hash := OctetSeq 32`).
    pub aliases: BTreeMap<String, Located<Ty>>,
    /// Config accessors (`abbrev V [j : JarVariant] : Nat := j.params.V`): name → field path.
    pub accessors: BTreeMap<String, Vec<String>>,
    /// The declared type of each config accessor (`Nat` for the size parameters; `Bool` or a
    /// model enum for the variant's other fields).
    pub accessor_types: BTreeMap<String, Ty>,
    pub fns: BTreeMap<String, Located<FnDef>>,
    pub externs: BTreeMap<String, Located<ExternDef>>,
    pub instances: Vec<Located<InstanceDef>>,
    /// Declaration order, for stable output.
    pub order: Vec<(Kind, String)>,
    /// Zero-argument definitions already asked about: whether codegen evaluates them to a Rust
    /// constant (see `lower_fn::evaluates_now`). A cache, filled on demand.
    pub evaluated: std::cell::RefCell<BTreeMap<String, bool>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Struct,
    Class,
    Enum,
    Alias,
    Fn,
    Extern,
}

/// Names that codegen provides itself (the Lean prelude and `OctetSeq`).
pub const BUILTIN_TYPES: &[&str] =
    &["Nat", "Bool", "String", "UInt8", "UInt16", "UInt32", "UInt64", "ByteArray", "Array", "Option", "OctetSeq", "SeqN", "BytesN", "CompactNat", "Except", "Type", "Prop", "Unit"];

/// Codec-annotated aliases that Notation.lean declares and codegen provides itself: `SeqN n T` is
/// an `Array T` and `BytesN n` a `ByteArray` whose codec writes exactly `n` items, no length.
pub const CODEC_ALIASES: &[&str] = &["SeqN", "BytesN", "CompactNat"];

pub fn is_builtin_type(name: &str) -> bool {
    BUILTIN_TYPES.contains(&name)
}

/// Converts an expression that denotes a type (the body of a type `abbrev`) into a type.
pub fn expr_as_type(e: &Expr) -> Option<Ty> {
    match &e.kind {
        ExprKind::Var(n) => Some(Ty::Name(n.clone(), e.span)),
        ExprKind::Nat(v) => Some(Ty::Lit(*v as u64, e.span)),
        ExprKind::Field(b, f) => {
            let base = expr_as_type(b)?;
            match base {
                Ty::Name(n, s) => Some(Ty::Name(format!("{n}.{f}"), s)),
                _ => None,
            }
        }
        ExprKind::App(h, args) => {
            let head = expr_as_type(h)?;
            let args = args
                .iter()
                .map(|a| match a {
                    Arg::Positional(x) => expr_as_type(x),
                    Arg::Named(..) => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Ty::App(Box::new(head), args, e.span))
        }
        _ => None,
    }
}

impl Model {
    /// Whether `name` (as written) names a type.
    pub fn is_type_name(&self, name: &str) -> bool {
        let n = crate::names::last(name);
        is_builtin_type(n) || self.structs.contains_key(n) || self.enums.contains_key(n) || self.aliases.contains_key(n)
    }

    /// Whether a structure, class, inductive or alias of this name exists: all of them become
    /// Rust types in one module, so their names must differ.
    fn is_declared_type(&self, name: &str) -> bool {
        self.structs.contains_key(name) || self.classes.contains_key(name) || self.enums.contains_key(name) || self.aliases.contains_key(name)
    }

    /// Builds the model from parsed files. Returns the model and any diagnostics (duplicate names).
    pub fn build(files: &[(usize, Vec<Command>)], diags: &mut Vec<crate::diagnostics::Diagnostic>) -> Model {
        let mut m = Model::default();
        for (file, commands) in files {
            // Scope stack: namespace components and sections (with their variant-generic flag).
            let mut ns: Vec<(Option<String>, bool)> = Vec::new();
            let mut generic = false;
            for c in commands {
                match c {
                    Command::Namespace(n) => ns.push((Some(n.clone()), generic)),
                    Command::Section => ns.push((None, generic)),
                    Command::End => {
                        if let Some((_, g)) = ns.pop() {
                            generic = g;
                        }
                    }
                    Command::Variable(bs) => {
                        if bs.iter().any(|b| b.kind == BinderKind::Instance && is_variant_class(b)) {
                            generic = true;
                        }
                    }
                    Command::Decl(d) => {
                        let prefix: Vec<&str> = ns.iter().filter_map(|(n, _)| n.as_deref()).collect();
                        m.add_decl(*file, &prefix, generic, d, diags);
                    }
                    Command::Ignored => {}
                }
            }
        }
        m
    }

    fn add_decl(&mut self, file: usize, prefix: &[&str], generic: bool, d: &Decl, diags: &mut Vec<crate::diagnostics::Diagnostic>) {
        let qualify = |n: &str| {
            let mut p = prefix.join(".");
            if !p.is_empty() {
                p.push('.');
            }
            p + n
        };
        let loc = |name: &str| (qualify(name), d.doc.clone());
        let mut dup = |key: &str, exists: bool| {
            if exists {
                diags.push(
                    crate::diagnostics::Diagnostic::error(d.span, format!("`{key}` is declared twice"))
                        .with_hint("jarkit flattens namespaces into one Rust module; give the declarations distinct names"),
                );
            }
        };
        match &d.kind {
            DeclKind::Structure { name, params, fields, is_class } => {
                if name == "OctetSeq" {
                    return; // provided by the prelude
                }
                let (lean_name, doc) = loc(name);
                let key = crate::names::last(name).to_string();
                let item = Located {
                    file,
                    doc,
                    lean_name,
                    span: d.span,
                    item: StructDef { name: key.clone(), params: params.clone(), fields: fields.clone() },
                };
                if *is_class {
                    dup(&key, self.classes.contains_key(&key));
                    self.classes.insert(key.clone(), item);
                    self.order.push((Kind::Class, key));
                } else {
                    dup(&key, self.is_declared_type(&key));
                    self.structs.insert(key.clone(), item);
                    self.order.push((Kind::Struct, key));
                }
            }
            DeclKind::Inductive { name, ctors, .. } => {
                let (lean_name, doc) = loc(name);
                let key = crate::names::last(name).to_string();
                dup(&key, self.is_declared_type(&key));
                self.enums.insert(key.clone(), Located { file, doc, lean_name, span: d.span, item: EnumDef { name: key.clone(), ctors: ctors.clone() } });
                self.order.push((Kind::Enum, key));
            }
            DeclKind::Def { name, .. } if CODEC_ALIASES.contains(&name.as_str()) => {}
            DeclKind::Def { is_abbrev, name, binders, ret, body } => {
                let (lean_name, doc) = loc(name);
                let variant_generic = generic || binders.iter().any(|b| b.kind == BinderKind::Instance && is_variant_class(b));
                // A config accessor: `abbrev X [j : JarVariant] : T := j.params.F`.
                if *is_abbrev && binders.iter().all(|b| b.kind == BinderKind::Instance) && !binders.is_empty() {
                    if let Some(path) = accessor_path(binders, body) {
                        self.accessors.insert(name.clone(), path);
                        if let Some(t) = ret {
                            self.accessor_types.insert(name.clone(), t.clone());
                        }
                        return;
                    }
                }
                // A type alias: no binders, result is a type.
                let returns_type = matches!(ret, None | Some(Ty::Name(_, _))) && ret.as_ref().is_none_or(|t| matches!(t, Ty::Name(n, _) if n == "Type"));
                if binders.is_empty() && returns_type {
                    if let Some(t) = expr_as_type(body) {
                        let key = name.clone();
                        dup(&key, self.is_declared_type(&key));
                        self.aliases.insert(key.clone(), Located { file, doc, lean_name, span: d.span, item: t });
                        self.order.push((Kind::Alias, key));
                        return;
                    }
                }
                let key = name.clone();
                dup(&key, self.fns.contains_key(&key));
                self.fns.insert(
                    key.clone(),
                    Located {
                        file,
                        doc,
                        lean_name,
                        span: d.span,
                        item: FnDef { name: key.clone(), binders: binders.clone(), ret: ret.clone(), body: body.clone(), variant_generic },
                    },
                );
                self.order.push((Kind::Fn, key));
            }
            DeclKind::Opaque { name, ty, binders } => {
                let (lean_name, doc) = loc(name);
                let symbol = d
                    .attrs
                    .iter()
                    .find(|(a, _)| a == "extern")
                    .and_then(|(_, s)| s.clone());
                let Some(symbol) = symbol else {
                    diags.push(
                        crate::diagnostics::Diagnostic::error(d.span, format!("`opaque {name}` has no `@[extern \"…\"]` attribute"))
                            .with_hint("primitives are `@[extern \"jarkit_name\"] opaque name : A → B`, implemented in the runtime"),
                    );
                    return;
                };
                let key = name.clone();
                let variant_generic = binders.iter().any(|b| b.kind == BinderKind::Instance && is_variant_class(b));
                self.externs.insert(key.clone(), Located { file, doc, lean_name, span: d.span, item: ExternDef { name: key.clone(), symbol, ty: ty.clone(), variant_generic } });
                self.order.push((Kind::Extern, key));
            }
            DeclKind::Instance { name: Some(name), class, assigns: Some(assigns) } => {
                let (lean_name, doc) = loc(name);
                let class = match class {
                    Ty::Name(n, _) => n.clone(),
                    _ => String::new(),
                };
                self.instances.push(Located { file, doc, lean_name, span: d.span, item: InstanceDef { name: name.clone(), class, assigns: assigns.clone() } });
            }
            _ => {}
        }
    }
}

/// Whether an instance binder names the variant class (`[JarVariant]` / `[j : JarVariant]`).
pub fn is_variant_class(b: &Binder) -> bool {
    matches!(&b.ty, Some(Ty::Name(n, _)) if crate::names::last(n) == "JarVariant")
}

fn accessor_path(binders: &[Binder], body: &Expr) -> Option<Vec<String>> {
    let inst = binders.iter().find(|b| is_variant_class(b))?;
    let inst_name = inst.names.first().cloned().unwrap_or_default();
    let mut path = Vec::new();
    let mut e = body;
    loop {
        match &e.kind {
            ExprKind::Field(b, f) => {
                path.push(f.clone());
                e = b;
            }
            ExprKind::Var(v) if *v == inst_name => break,
            _ => return None,
        }
    }
    path.reverse();
    Some(path)
}
