//! jarkit-codegen: translates the extractable Lean 4 subset of the JAR spec into Rust.
//!
//! Pipeline: layout (`layout.rs`) → pest grammar (`lean.pest`, `syntax.rs`) → spanned AST
//! (`ast.rs`) → model and name resolution (`model.rs`) → constant evaluation (`eval.rs`) →
//! lowering with `quote!` (`emit.rs`, `lower_fn/`), which asks typing (`lower_fn/typing.rs`,
//! types from the model and the types of the parts, nothing lowered) for the types it needs
//! before it lowers → `syn` → `prettyplease`. Every problem is a
//! [`Diagnostic`]; all of them are collected and returned together. Codegen never panics on input.

pub mod ast;
pub mod diagnostics;
pub mod codec;
pub mod emit;
pub mod eval;
pub mod layout;
pub mod lower_fn;
pub mod model;
pub mod names;
pub mod syntax;

use std::path::{Path, PathBuf};

pub use diagnostics::{Diagnostic, Diagnostics, SourceFile};

/// Where the Lean sources are.
#[derive(Clone, Debug)]
pub struct Options {
    /// The spec tree (`spec/`), searched recursively for `.lean` files.
    pub spec_dir: PathBuf,
    /// The variants (`variants/`), one instance per file.
    pub variants_dir: PathBuf,
}

impl Options {
    /// The repository's own spec, relative to a repository root.
    pub fn for_repo(root: &Path) -> Options {
        Options { spec_dir: root.join("spec"), variants_dir: root.join("variants") }
    }
}

/// Generated Rust, ready to write.
#[derive(Clone, Debug)]
pub struct Output {
    /// (file name, contents).
    pub files: Vec<(String, String)>,
    /// Every Lean file read, for `cargo:rerun-if-changed`.
    pub inputs: Vec<PathBuf>,
    /// How many Rust items of each kind were generated ("structures", "functions", …), in a
    /// fixed order, for a summary.
    pub counts: Vec<(&'static str, usize)>,
}

/// The items of `file` by kind: top-level structures, enums, constants, functions and traits,
/// and the functions and constants inside `impl` blocks.
fn count_items(file: &syn::File) -> Vec<(&'static str, usize)> {
    let mut counts = [("structures", 0), ("enums", 0), ("constants", 0), ("functions", 0), ("traits", 0), ("impl blocks", 0), ("methods and associated constants", 0), ("macros", 0)];
    let mut bump = |kind: &str| {
        if let Some(c) = counts.iter_mut().find(|(k, _)| *k == kind) {
            c.1 += 1;
        }
    };
    for item in &file.items {
        match item {
            syn::Item::Struct(_) => bump("structures"),
            syn::Item::Enum(_) => bump("enums"),
            syn::Item::Const(_) => bump("constants"),
            syn::Item::Fn(_) => bump("functions"),
            syn::Item::Trait(_) => bump("traits"),
            syn::Item::Macro(_) => bump("macros"),
            syn::Item::Impl(i) => {
                bump("impl blocks");
                for _ in i.items.iter().filter(|x| matches!(x, syn::ImplItem::Fn(_) | syn::ImplItem::Const(_))) {
                    bump("methods and associated constants");
                }
            }
            _ => {}
        }
    }
    counts.to_vec()
}

fn lean_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            lean_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "lean") {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads the sources named by `opts` and generates Rust.
pub fn generate(opts: &Options) -> Result<Output, Diagnostics> {
    let mut paths = Vec::new();
    let mut io_errors = Vec::new();
    for dir in [&opts.spec_dir, &opts.variants_dir] {
        if let Err(e) = lean_files(dir, &mut paths) {
            io_errors.push(format!("{}: {e}", dir.display()));
        }
    }
    let mut files = Vec::new();
    for p in &paths {
        match std::fs::read_to_string(p) {
            Ok(text) => {
                let display = display_path(p, opts);
                files.push(SourceFile { display, text });
            }
            Err(e) => io_errors.push(format!("{}: {e}", p.display())),
        }
    }
    if !io_errors.is_empty() {
        let files = vec![SourceFile { display: "<io>".into(), text: String::new() }];
        let items = io_errors.into_iter().map(|m| Diagnostic::error(ast::Span::default(), m)).collect();
        return Err(Diagnostics { items, files });
    }
    let mut out = generate_sources(files)?;
    out.inputs = paths;
    Ok(out)
}

fn display_path(p: &Path, opts: &Options) -> String {
    for dir in [&opts.spec_dir, &opts.variants_dir] {
        if let (Ok(rel), Some(name)) = (p.strip_prefix(dir), dir.file_name()) {
            return Path::new(name).join(rel).to_string_lossy().replace('\\', "/");
        }
    }
    p.to_string_lossy().into_owned()
}

/// Generates Rust from in-memory sources (used by `generate`, the fixtures and the fuzz tests).
pub fn generate_sources(files: Vec<SourceFile>) -> Result<Output, Diagnostics> {
    // Every pass walks expressions recursively; the size limits of `syntax` bound the depth,
    // and this stack (reserved, touched only as deep as a spec goes) holds the deepest they
    // allow on every platform's main-thread default.
    const STACK_BYTES: usize = 512 << 20;
    let job = std::thread::Builder::new().name("jarkit-codegen".into()).stack_size(STACK_BYTES);
    match job.spawn(move || generate_on_this_thread(files)) {
        Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        Err(e) => Err(Diagnostics {
            items: vec![Diagnostic::error(ast::Span::default(), format!("cannot start the codegen thread: {e}"))],
            files: vec![SourceFile { display: "<codegen>".into(), text: String::new() }],
        }),
    }
}

fn generate_on_this_thread(files: Vec<SourceFile>) -> Result<Output, Diagnostics> {
    let mut diags = Vec::new();
    let mut parsed = Vec::new();
    for (i, f) in files.iter().enumerate() {
        match syntax::parse_file(i, &f.text) {
            Ok(cmds) => parsed.push((i, cmds)),
            Err(d) => diags.push(d),
        }
    }
    // A file that does not parse contributes no declarations, so errors found in other files
    // could be mere consequences ("unknown name" for what it declares): report the syntax errors
    // alone.
    if !diags.is_empty() {
        diags.sort_by_key(|d| (d.span.file, d.span.start));
        return Err(Diagnostics { items: diags, files });
    }
    let model = model::Model::build(&parsed, &mut diags);
    let types = emit::emit_types(&model, &files, &mut diags);
    let variants = emit::emit_variants(&model, &files, &mut diags);
    let (consts, fns) = lower_fn::emit_fns(&model, &files, &mut diags);
    let codecs = codec::emit_codecs(&model, &mut diags);
    if !diags.is_empty() {
        diags.sort_by_key(|d| (d.span.file, d.span.start));
        diags.dedup();
        return Err(Diagnostics { items: diags, files });
    }
    let tokens = quote::quote! {
        use crate::prelude::*;
        use crate::codec::{self, Codec, Decoder, DecodeError};
        #types
        #variants
        #consts
        #fns
        #codecs
    };
    let (text, counts) = match syn::parse2::<syn::File>(tokens) {
        Ok(f) => (prettyplease::unparse(&f), count_items(&f)),
        Err(e) => {
            let d = Diagnostic::error(ast::Span::default(), format!("internal codegen error: generated Rust does not parse: {e}"));
            return Err(Diagnostics { items: vec![d], files });
        }
    };
    let header = "// @generated by jarkit-codegen from the Lean spec. Do not edit: change the .lean files\n// and rebuild. Each item's doc comment names its Lean declaration and source line.\n\n";
    Ok(Output { files: vec![("jar.rs".into(), format!("{header}{text}"))], inputs: vec![], counts })
}
