//! Lowering of the checked model to Rust tokens (`quote!` lives only here and in `lower_fn`).

use proc_macro2::{Ident, Span as PSpan, TokenStream};
use quote::quote;

use crate::ast::*;
use crate::diagnostics::{Diagnostic, SourceFile};
use crate::eval::{type_name, Evaluator, Value};
use crate::model::{Kind, Model};
use crate::names::{camel, screaming, snake};

pub fn ident(s: &str) -> Ident {
    match s.strip_prefix("r#") {
        // The keywords a raw identifier cannot spell (`self`, `super`, `crate`, `Self`) get a
        // trailing underscore instead: a Lean local may be named `self`.
        Some(raw) if matches!(raw, "self" | "super" | "crate" | "Self") => Ident::new(&format!("{raw}_"), PSpan::call_site()),
        Some(raw) => Ident::new_raw(raw, PSpan::call_site()),
        None => Ident::new(s, PSpan::call_site()),
    }
}

/// A `#[doc]` attribute for an optional Lean docstring (fields, constructors, trait items).
pub fn doc_attr(doc: &Option<String>) -> TokenStream {
    match doc {
        Some(d) => {
            let d = format!(" {d}");
            quote!(#[doc = #d])
        }
        None => quote!(),
    }
}

/// The doc attributes of a generated item: the Lean docstring and where it came from.
pub fn docs(doc: &Option<String>, lean_name: &str, files: &[SourceFile], file: usize, span: Span) -> TokenStream {
    let mut out = doc_attr(doc);
    if doc.is_some() {
        out.extend(quote!(#[doc = ""]));
    }
    let (line, _) = files[file].line_col(span.start);
    let origin = format!(" Lean: `{lean_name}` at {}:{line}", files[file].display);
    out.extend(quote!(#[doc = #origin]));
    out
}

/// A Lean type as Rust tokens. `params` are the type parameters in scope.
pub fn rust_type(m: &Model, t: &Ty, params: &[String], diags: &mut Vec<Diagnostic>) -> TokenStream {
    match t {
        Ty::Name(n, span) => {
            if params.contains(n) {
                let i = ident(&camel(n));
                return quote!(#i);
            }
            match n.as_str() {
                "Nat" => quote!(Nat),
                "Bool" => quote!(bool),
                "String" => quote!(String),
                "UInt8" => quote!(u8),
                "UInt16" => quote!(u16),
                "UInt32" => quote!(u32),
                "UInt64" => quote!(u64),
                "ByteArray" => quote!(ByteArray),
                "Unit" => quote!(()),
                _ if m.is_type_name(n) => {
                    let i = ident(&camel(n));
                    quote!(#i)
                }
                _ => {
                    diags.push(Diagnostic::error(*span, format!("unknown type `{n}`")).with_hint("declare it with `structure`, `inductive` or `abbrev`"));
                    quote!(())
                }
            }
        }
        Ty::App(h, args, span) => {
            let head = type_name(h).unwrap_or_default();
            match (head.as_str(), args.as_slice()) {
                ("Array", [a]) | ("List", [a]) => {
                    let a = rust_type(m, a, params, diags);
                    quote!(Vec<#a>)
                }
                ("Option", [a]) => {
                    let a = rust_type(m, a, params, diags);
                    quote!(Option<#a>)
                }
                ("SeqN", [_, a]) => {
                    let a = rust_type(m, a, params, diags);
                    quote!(Vec<#a>)
                }
                ("BytesN", [_]) => quote!(ByteArray),
                ("CompactNat", [_]) => quote!(Nat),
                ("Except", [e, a]) => {
                    let e = rust_type(m, e, params, diags);
                    let a = rust_type(m, a, params, diags);
                    quote!(Result<#a, #e>)
                }
                ("OctetSeq", [Ty::Lit(n, _)]) => {
                    let n = *n as usize;
                    quote!(OctetSeq<#n>)
                }
                _ => {
                    diags.push(
                        Diagnostic::error(*span, format!("unsupported type application `{head}` with {} arguments", args.len()))
                            .with_hint("supported: Array T, Option T, OctetSeq n, SeqN n T, BytesN n, CompactNat n, and user types without parameters"),
                    );
                    quote!(())
                }
            }
        }
        Ty::Prod(parts) => {
            let ps: Vec<TokenStream> = parts.iter().map(|p| rust_type(m, p, params, diags)).collect();
            quote!((#(#ps),*))
        }
        Ty::Arrow(a, b) => {
            let a = rust_type(m, a, params, diags);
            let b = rust_type(m, b, params, diags);
            quote!(fn(#a) -> #b)
        }
        Ty::Lit(_, span) => {
            diags.push(Diagnostic::error(*span, "a number is not a type"));
            quote!(())
        }
        Ty::Prop => quote!(()),
    }
}

/// A constant value as Rust tokens of type `t`.
pub fn value_tokens(v: &Value) -> TokenStream {
    match v {
        Value::Nat(n) => {
            let n = proc_macro2::Literal::u64_unsuffixed(*n as u64);
            quote!(Nat(#n))
        }
        Value::Bool(b) => quote!(#b),
        Value::Str(s) => quote!(#s),
        Value::Ctor(e, c) => {
            let e = ident(&camel(e));
            let c = ident(&camel(c));
            quote!(#e::#c)
        }
        Value::Struct(s, fields) => {
            let s = ident(&camel(s));
            let fs = fields.iter().map(|(k, v)| {
                let k = ident(&snake(k));
                let v = value_tokens(v);
                quote!(#k: #v)
            });
            quote!(#s { #(#fs),* })
        }
    }
}

/// Emits the structures, enums and aliases.
pub fn emit_types(m: &Model, files: &[SourceFile], diags: &mut Vec<Diagnostic>) -> TokenStream {
    let mut out = TokenStream::new();
    for (kind, name) in &m.order {
        match kind {
            Kind::Struct => {
                let s = &m.structs[name];
                let d = docs(&s.doc, &s.lean_name, files, s.file, s.span);
                let sname = ident(&camel(name));
                let mut fields = Vec::new();
                let mut defaults = Vec::new();
                let mut has_defaults = false;
                for f in &s.item.fields {
                    if matches!(f.ty, Ty::Prop) {
                        continue;
                    }
                    let fname = ident(&snake(&f.name));
                    let fty = rust_type(m, &f.ty, &[], diags);
                    let fdoc = doc_attr(&f.doc);
                    fields.push(quote!(#fdoc pub #fname: #fty));
                    match &f.default {
                        Some(e) => {
                            has_defaults = true;
                            let v = crate::lower_fn::lower_const_expr(m, e, &f.ty, diags);
                            defaults.push(quote!(#fname: #v));
                        }
                        None => defaults.push(quote!(#fname: Default::default())),
                    }
                }
                if has_defaults {
                    out.extend(quote! {
                        #d
                        #[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
                        pub struct #sname { #(#fields),* }
                        impl Default for #sname {
                            fn default() -> Self { #sname { #(#defaults),* } }
                        }
                    });
                } else {
                    out.extend(quote! {
                        #d
                        #[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
                        pub struct #sname { #(#fields),* }
                    });
                }
            }
            Kind::Enum => {
                let e = &m.enums[name];
                let d = docs(&e.doc, &e.lean_name, files, e.file, e.span);
                let ename = ident(&camel(name));
                let payload = e.item.ctors.iter().any(|c| !c.args.is_empty());
                let ctors = e.item.ctors.iter().enumerate().map(|(i, c)| {
                    let cname = ident(&camel(&c.name));
                    let cdoc = doc_attr(&c.doc);
                    let default = if i == 0 && !payload { quote!(#[default]) } else { quote!() };
                    let rename = snake(&c.name);
                    let tys: Vec<TokenStream> = c
                        .args
                        .iter()
                        .flat_map(|b| b.names.iter().map(move |_| b.ty.clone()))
                        .map(|t| t.map(|t| rust_type(m, &t, &[], diags)).unwrap_or(quote!(())))
                        .collect();
                    if tys.is_empty() {
                        quote!(#cdoc #default #[serde(rename = #rename)] #cname)
                    } else {
                        quote!(#cdoc #[serde(rename = #rename)] #cname(#(#tys),*))
                    }
                });
                // A unit constructor beside payload constructors is written `{"name": null}` in
                // the vectors' JSON, which serde's derive does not produce: hand-emit Serialize.
                let mixed = payload && e.item.ctors.iter().any(|c| c.args.is_empty());
                let derives = if mixed {
                    quote!(#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)])
                } else if payload {
                    quote!(#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)])
                } else {
                    // `repr(u8)`: discriminants are the constructor indices (compact tables, and the
                    // runtime stores opcodes as bytes).
                    quote!(#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)] #[repr(u8)])
                };
                let names: Vec<&str> = e.item.ctors.iter().map(|c| c.name.as_str()).collect();
                let idents: Vec<Ident> = e.item.ctors.iter().map(|c| ident(&camel(&c.name))).collect();
                let name_fn = if payload {
                    quote!()
                } else {
                    let count = idents.len();
                    quote! {
                        impl #ename {
                            /// Every constructor, in declaration order (the discriminant is the index).
                            pub const ALL: [#ename; #count] = [#(#ename::#idents),*];
                            /// The Lean name of the constructor.
                            pub const fn lean_name(self) -> &'static str {
                                match self { #(#ename::#idents => #names),* }
                            }
                        }
                    }
                };
                let ser = if mixed { mixed_enum_serialize(&ename, &e.item.ctors) } else { quote!() };
                // Lean's `Inhabited` default of an inductive: its first constructor, with
                // default arguments.
                let default = match e.item.ctors.first() {
                    Some(c) if payload => {
                        let c0 = ident(&camel(&c.name));
                        let n: usize = c.args.iter().map(|b| b.names.len()).sum();
                        let args = (0..n).map(|_| quote!(Default::default()));
                        let value = if n == 0 { quote!(#ename::#c0) } else { quote!(#ename::#c0(#(#args),*)) };
                        quote!(impl Default for #ename { fn default() -> Self { #value } })
                    }
                    _ => quote!(),
                };
                out.extend(quote! { #d #derives pub enum #ename { #(#ctors),* } #name_fn #ser #default });
            }
            Kind::Alias => {
                let a = &m.aliases[name];
                let d = docs(&a.doc, &a.lean_name, files, a.file, a.span);
                let aname = ident(&camel(name));
                let t = rust_type(m, &a.item, &[], diags);
                out.extend(quote!(#d pub type #aname = #t;));
            }
            _ => {}
        }
    }
    out
}

/// `Serialize` for an inductive mixing unit and payload constructors: every constructor is a
/// one-entry object, `{"name": null}` or `{"name": payload}` (a tuple for several arguments).
fn mixed_enum_serialize(ename: &Ident, ctors: &[Ctor]) -> TokenStream {
    let arms = ctors.iter().map(|c| {
        let cname = ident(&camel(&c.name));
        let key = snake(&c.name);
        let n: usize = c.args.iter().map(|b| b.names.len()).sum();
        let binds: Vec<Ident> = (0..n).map(|i| quote::format_ident!("a{}", i)).collect();
        match n {
            0 => quote!(#ename::#cname => m.serialize_entry(#key, &())?,),
            1 => quote!(#ename::#cname(a0) => m.serialize_entry(#key, a0)?,),
            _ => quote!(#ename::#cname(#(#binds),*) => m.serialize_entry(#key, &(#(#binds),*))?,),
        }
    });
    quote! {
        impl serde::Serialize for #ename {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                match self { #(#arms)* }
                m.end()
            }
        }
    }
}

/// Emits the `Variant` trait (from the class), one zero-sized type per instance, and `VariantId`.
pub fn emit_variants(m: &Model, files: &[SourceFile], diags: &mut Vec<Diagnostic>) -> TokenStream {
    let Some(class) = m.classes.get("JarVariant") else {
        return quote!();
    };
    // Trait items: class fields; a field whose type is a structure is flattened into its fields.
    struct Item {
        konst: Ident,
        ty: TokenStream,
        path: Vec<String>,
        doc: Option<String>,
    }
    let mut items: Vec<Item> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for f in &class.item.fields {
        let tn = type_name(&f.ty).unwrap_or_default();
        if let Some(s) = m.structs.get(&tn) {
            for g in &s.item.fields {
                let k = screaming(&g.name);
                if !seen.insert(k.clone()) {
                    diags.push(Diagnostic::error(g.span, format!("variant constant `{k}` would be defined twice")).with_hint("rename one of the fields"));
                }
                items.push(Item { konst: ident(&k), ty: rust_type(m, &g.ty, &[], diags), path: vec![f.name.clone(), g.name.clone()], doc: g.doc.clone() });
            }
        } else {
            let ty = if tn == "String" { quote!(&'static str) } else { rust_type(m, &f.ty, &[], diags) };
            let k = screaming(&f.name);
            if !seen.insert(k.clone()) {
                diags.push(Diagnostic::error(f.span, format!("variant constant `{k}` would be defined twice")).with_hint("rename one of the fields"));
            }
            items.push(Item { konst: ident(&k), ty, path: vec![f.name.clone()], doc: f.doc.clone() });
        }
    }
    let cdoc = docs(&class.doc, &class.lean_name, files, class.file, class.span);
    let trait_items = items.iter().map(|it| {
        let (k, t) = (&it.konst, &it.ty);
        let d = doc_attr(&it.doc);
        quote!(#d const #k: #t;)
    });
    let describe_names: Vec<String> = items.iter().map(|it| it.path.last().cloned().unwrap_or_default()).collect();
    let describe_vals = items.iter().map(|it| {
        let k = &it.konst;
        quote!(format!("{:?}", Self::#k))
    });
    let mut out = quote! {
        #cdoc
        pub trait Variant: Copy + Default + Send + Sync + 'static {
            #(#trait_items)*
            /// Every parameter and model choice as (Lean name, value), in declaration order.
            fn describe() -> Vec<(&'static str, String)> {
                vec![#((#describe_names, #describe_vals)),*]
            }
        }
    };
    // Instances.
    let mut ev = Evaluator::new(m);
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for inst in m.instances.iter().filter(|i| i.item.class == "JarVariant") {
        let value = ev.build_struct("JarVariant", None, inst.item.assigns.iter().map(|a| (a.name.as_str(), &a.value, a.span)), inst.span);
        let value = match value {
            Ok(Value::Struct(_, fields)) => fields,
            Ok(_) => continue,
            Err(mut d) => {
                d.message = format!("variant `{}`: {}", inst.item.name, d.message);
                diags.push(d);
                continue;
            }
        };
        let tname = ident(&camel(&inst.item.name));
        let d = docs(&inst.doc, &inst.lean_name, files, inst.file, inst.span);
        let consts = items.iter().map(|it| {
            let mut v = value.get(&it.path[0]).cloned();
            if it.path.len() == 2 {
                v = match v {
                    Some(Value::Struct(_, f)) => f.get(&it.path[1]).cloned(),
                    _ => None,
                };
            }
            let (k, t) = (&it.konst, &it.ty);
            let v = v.map(|v| value_tokens(&v)).unwrap_or(quote!(Default::default()));
            quote!(const #k: #t = #v;)
        });
        out.extend(quote! {
            #d
            #[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
            pub struct #tname;
            impl Variant for #tname { #(#consts)* }
        });
        ids.push(tname);
        names.push(inst.item.name.clone());
    }
    let count = ids.len();
    // What each row of `describe` means: the field's doc comment, whitespace folded to one line,
    // with its unit split off when the comment names one (`Unit: timeslots.`).
    let (meanings, units): (Vec<String>, Vec<String>) = items
        .iter()
        .map(|it| {
            let text = it.doc.as_deref().map(|d| d.split_whitespace().collect::<Vec<_>>().join(" ")).unwrap_or_default();
            match text.split_once(" Unit: ") {
                Some((meaning, unit)) => (meaning.to_string(), unit.trim_end_matches('.').to_string()),
                None => (text, String::new()),
            }
        })
        .unzip();
    let param_count = items.len();
    out.extend(quote! {
        /// A variant chosen at run time, by its Lean name. Match it once at the API edge and call
        /// generic code with the corresponding type (see [`with_variant!`]).
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum VariantId { #(#ids),* }

        impl VariantId {
            /// Every variant the spec defines.
            pub const ALL: [VariantId; #count] = [#(VariantId::#ids),*];
            /// The variant's Lean name.
            pub const fn name(self) -> &'static str {
                match self { #(VariantId::#ids => #names),* }
            }
            /// What each entry of [`VariantId::describe`] means (its Lean doc comment) and its
            /// unit (empty if it has none), in the same order.
            pub const MEANINGS: [(&'static str, &'static str, &'static str); #param_count] = [#((#describe_names, #meanings, #units)),*];
            /// Every parameter and model choice of the variant.
            pub fn describe(self) -> Vec<(&'static str, String)> {
                match self { #(VariantId::#ids => <#ids as Variant>::describe()),* }
            }
        }

        impl std::str::FromStr for VariantId {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    #(#names => Ok(VariantId::#ids),)*
                    _ => Err(format!("unknown variant `{s}`; the variants are: {}", [#(#names),*].join(", "))),
                }
            }
        }

        impl std::fmt::Display for VariantId {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        /// Runs `$body` with `$V` bound to the variant type named by `$id`.
        #[macro_export]
        macro_rules! with_variant {
            ($id:expr, $V:ident => $body:expr) => {
                match $id { #($crate::jar::VariantId::#ids => { type $V = $crate::jar::#ids; $body }),* }
            };
        }
    });
    out
}
