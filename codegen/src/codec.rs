//! Derivation of the binary codecs from the Lean type declarations: one `Codec` impl per
//! structure and inductive, built from the field types (see the table in
//! `generated/src/codec.rs`). The spec never writes an encoder by hand; a type's layout is its
//! declaration, with `Nat` meaning compact, `SeqN` / `BytesN` meaning fixed length and
//! `CompactNat n` meaning compact or `n` bytes. The variant `V` picks the GP codec or JAR's
//! fixed-width one at compile time (`codec::fixed_width::<V>()`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::emit::{ident, rust_type};
use crate::eval::type_name;
use crate::lower_fn::lower_len;
use crate::model::{Kind, Model};
use crate::names::camel;

/// Emits `impl Codec` for every structure and inductive of the spec.
pub fn emit_codecs(m: &Model, diags: &mut Vec<Diagnostic>) -> TokenStream {
    let mut out = TokenStream::new();
    let mut names = Vec::new();
    for (kind, name) in &m.order {
        match kind {
            Kind::Struct => out.extend(struct_codec(m, name, diags)),
            Kind::Enum => out.extend(enum_codec(m, name, diags)),
            _ => continue,
        }
        names.push(ident(&camel(name)));
    }
    out.extend(quote! {
        /// Calls `$m!(T1, T2, …)` with every structure and inductive of the spec, so that tests
        /// can check a property (codec and JSON round trips) for all of them.
        #[macro_export]
        macro_rules! for_each_spec_type {
            ($m:ident) => { $m!(#(#names),*); };
        }
    });
    out
}

fn struct_codec(m: &Model, name: &str, diags: &mut Vec<Diagnostic>) -> TokenStream {
    let s = &m.structs[name];
    let sname = ident(&camel(name));
    let mut enc = Vec::new();
    let mut dec = Vec::new();
    for f in s.item.fields.iter().filter(|f| !matches!(f.ty, Ty::Prop)) {
        let fi = ident(&crate::names::snake(&f.name));
        enc.push(encode(m, &f.ty, quote!(&self.#fi), 0, diags));
        let d = decode(m, &f.ty, diags);
        dec.push(quote!(#fi: #d));
    }
    quote! {
        impl Codec for #sname {
            fn encode_to<V: Variant>(&self, out: &mut Vec<u8>) { #(#enc)* }
            fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError> {
                Ok(#sname { #(#dec),* })
            }
        }
    }
}

fn enum_codec(m: &Model, name: &str, diags: &mut Vec<Diagnostic>) -> TokenStream {
    let e = &m.enums[name];
    let ename = ident(&camel(name));
    let count = e.item.ctors.len();
    let mut enc_arms = Vec::new();
    let mut dec_arms = Vec::new();
    for (tag, c) in e.item.ctors.iter().enumerate() {
        let cname = ident(&camel(&c.name));
        let tag8 = tag as u8;
        let tys: Vec<Ty> = c.args.iter().flat_map(|b| b.names.iter().map(move |_| b.ty.clone().unwrap_or(Ty::Prop))).collect();
        if tys.is_empty() {
            enc_arms.push(quote!(#ename::#cname => out.push(#tag8),));
            dec_arms.push(quote!(#tag => #ename::#cname,));
            continue;
        }
        let binds: Vec<_> = (0..tys.len()).map(|i| format_ident!("a{}", i)).collect();
        let encs: Vec<TokenStream> = tys.iter().zip(&binds).map(|(t, b)| encode(m, t, quote!(#b), 0, diags)).collect();
        let decs: Vec<TokenStream> = tys.iter().map(|t| decode(m, t, diags)).collect();
        enc_arms.push(quote!(#ename::#cname(#(#binds),*) => { out.push(#tag8); #(#encs)* }));
        dec_arms.push(quote!(#tag => #ename::#cname(#(#decs),*),));
    }
    let lean = name.to_string();
    quote! {
        impl Codec for #ename {
            fn encode_to<V: Variant>(&self, out: &mut Vec<u8>) { match self { #(#enc_arms)* } }
            fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError> {
                Ok(match codec::decode_tag(r, #count, #lean)? {
                    #(#dec_arms)*
                    _ => return r.error("constructor tag out of range"),
                })
            }
        }
    }
}

/// Follows type aliases to the type that decides the encoding.
fn unalias<'a>(m: &'a Model, t: &'a Ty) -> &'a Ty {
    match t {
        Ty::Name(n, _) => match m.aliases.get(n).or_else(|| m.aliases.get(crate::names::last(n))) {
            Some(a) => unalias(m, &a.item),
            None => t,
        },
        _ => t,
    }
}

/// Statements appending the encoding of `v` (an expression of type `&T`) to `out`.
fn encode(m: &Model, t: &Ty, v: TokenStream, depth: usize, diags: &mut Vec<Diagnostic>) -> TokenStream {
    let x = format_ident!("x{}", depth);
    match unalias(m, t) {
        Ty::App(h, args, _) => match (type_name(h).as_deref(), args.as_slice()) {
            (Some("Array" | "List"), [a]) => {
                let inner = encode(m, a, quote!(#x), depth + 1, diags);
                quote! { codec::encode_len::<V>((#v).len(), out); for #x in (#v).iter() { #inner } }
            }
            // A variant-sized sequence is count-prefixed under the fixed-width codec.
            (Some("SeqN"), [n, a]) => {
                let inner = encode(m, a, quote!(#x), depth + 1, diags);
                let prefix = variant_sized(n).then(|| quote! { if codec::fixed_width::<V>() { codec::encode_len::<V>((#v).len(), out); } });
                quote! { #prefix for #x in (#v).iter() { #inner } }
            }
            (Some("BytesN"), [n]) => {
                let prefix = variant_sized(n).then(|| quote! { if codec::fixed_width::<V>() { codec::encode_len::<V>((#v).0.len(), out); } });
                quote! { #prefix out.extend_from_slice(&(#v).0); }
            }
            (Some("CompactNat"), [w]) => {
                let w = nat_width(w, diags);
                quote! { codec::encode_nat_width::<V>(#v, #w, out); }
            }
            (Some("Option"), [a]) => {
                let inner = encode(m, a, quote!(#x), depth + 1, diags);
                quote! { match #v { None => out.push(0), Some(#x) => { out.push(1); #inner } } }
            }
            _ => quote! { Codec::encode_to::<V>(#v, out); },
        },
        Ty::Prod(parts) => {
            let encs: Vec<TokenStream> = parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let i = syn::Index::from(i);
                    encode(m, p, quote!(&(#v).#i), depth + 1, diags)
                })
                .collect();
            quote! { #(#encs)* }
        }
        Ty::Arrow(..) | Ty::Lit(..) | Ty::Prop => {
            diags.push(Diagnostic::error(t.span(), "this type has no binary encoding").with_hint("fields of encoded types are data: numbers, byte strings, sequences, options, structures and inductives"));
            quote!()
        }
        Ty::Name(..) => quote! { Codec::encode_to::<V>(#v, out); },
    }
}

/// An expression decoding a value of type `t` from `r`, propagating errors with `?`.
fn decode(m: &Model, t: &Ty, diags: &mut Vec<Diagnostic>) -> TokenStream {
    match unalias(m, t) {
        Ty::App(h, args, _) => match (type_name(h).as_deref(), args.as_slice()) {
            (Some("Array" | "List"), [a]) => {
                let inner = decode(m, a, diags);
                quote!(codec::decode_seq::<V, _>(r, |r| Ok(#inner))?)
            }
            (Some("SeqN"), [n, a]) => {
                let len = lower_len(m, n, diags);
                let inner = decode(m, a, diags);
                if variant_sized(n) {
                    quote!(codec::decode_variant_seq::<V, _>(r, #len, |r| Ok(#inner))?)
                } else {
                    quote!(codec::decode_fixed_seq(r, #len, |r| Ok(#inner))?)
                }
            }
            (Some("BytesN"), [n]) => {
                let len = lower_len(m, n, diags);
                if variant_sized(n) {
                    quote!(codec::decode_variant_bytes::<V>(r, #len)?)
                } else {
                    quote!(codec::decode_fixed_bytes(r, #len)?)
                }
            }
            (Some("CompactNat"), [w]) => {
                let w = nat_width(w, diags);
                quote!(codec::decode_nat_width::<V>(r, #w)?)
            }
            (Some("Option"), [a]) => {
                let inner = decode(m, a, diags);
                quote!(codec::decode_option(r, |r| Ok(#inner))?)
            }
            _ => plain_decode(m, t, diags),
        },
        Ty::Prod(parts) => {
            let decs: Vec<TokenStream> = parts.iter().map(|p| decode(m, p, diags)).collect();
            quote!((#(#decs),*))
        }
        Ty::Arrow(..) | Ty::Lit(..) | Ty::Prop => quote!(Default::default()),
        Ty::Name(..) => plain_decode(m, t, diags),
    }
}

fn plain_decode(m: &Model, t: &Ty, diags: &mut Vec<Diagnostic>) -> TokenStream {
    let rt = rust_type(m, t, &[], diags);
    quote!(<#rt as Codec>::decode_from::<V>(r)?)
}

/// Whether a length written in a type depends on the variant (a parameter, not a number): such
/// sequences are count-prefixed under JAR's fixed-width codec, whose validator count varies.
fn variant_sized(n: &Ty) -> bool {
    !matches!(n, Ty::Lit(..))
}

/// The byte width of `CompactNat n` under the fixed-width codec: a number from 1 to 8.
fn nat_width(w: &Ty, diags: &mut Vec<Diagnostic>) -> usize {
    match w {
        Ty::Lit(n @ 1..=8, _) => *n as usize,
        other => {
            diags.push(Diagnostic::error(other.span(), "the width of `CompactNat` must be a number from 1 to 8").with_hint("write `CompactNat 2`, `CompactNat 4` or `CompactNat 8`"));
            8
        }
    }
}
