//! `jarkit inspect`: what a program file holds (its format, decided from its magic as `run`
//! decides it, its parts and a disassembly), or why it is not a program.

use javm::{disasm, BlockRules, Code, LengthEncoding, Numbering, ProgramFormat};

/// The description `jarkit inspect` prints for `bytes`, or the reason they are not a program.
pub fn describe(bytes: &[u8]) -> Result<String, String> {
    let mut out = String::new();
    let code = match ProgramFormat::detect(bytes) {
        ProgramFormat::JarV2 => {
            let m = javm::manifest::Manifest::parse(bytes).map_err(|e| e.to_string())?;
            out.push_str(&format!("JAR v2 capability manifest (jar1): {} pages, runs slot {} first, init gas {}\n", m.memory_pages, m.invoke, m.init_gas()));
            let mut first = None;
            for c in &m.caps {
                match c {
                    javm::manifest::Capability::Code { slot, code } => {
                        out.push_str(&format!("  slot {slot}: CODE, {} bytes of code\n", code.code.len()));
                        if *slot == m.invoke {
                            first = Some(code.clone());
                        }
                    }
                    javm::manifest::Capability::Data { slot, base_page, page_count, access, init } => {
                        out.push_str(&format!("  slot {slot}: DATA pages {base_page}..{} {access:?}, {} initial bytes\n", base_page + page_count, init.len()));
                    }
                }
            }
            out.push_str("(`jarkit run` runs it on javm's capability kernel; below, the code the kernel runs first)\n");
            first
        }
        ProgramFormat::JarV1 => {
            let p = javm::JarV1Program::parse(bytes, BlockRules::JAR).map_err(|e| e.to_string())?;
            out.push_str(&format!(
                "JAR v1 program (jar080, linear layout): RO {} bytes, RW {} bytes, heap {}/{} pages, stack {} pages\n",
                p.ro_data.len(),
                p.rw_data.len(),
                p.heap_pages,
                p.max_heap_pages,
                p.stack_pages
            ));
            Some(p.code)
        }
        ProgramFormat::PolkaVm => {
            let p = javm::PolkaVmBlob::parse(bytes).map_err(|e| e.to_string())?;
            out.push_str(&format!(
                "PolkaVM container (JamV1): RO {} of {} bytes, RW {} of {} bytes, stack {} bytes, exports {:?}\n",
                p.ro_data.len(),
                p.ro_data_size,
                p.rw_data.len(),
                p.rw_data_size,
                p.stack_size,
                p.exports
            ));
            Some(Code::parse(&p.code, LengthEncoding::Compact, Numbering::PolkaVm, BlockRules::GP).map_err(|e| e.to_string())?)
        }
        ProgramFormat::Unmarked => match javm::StandardProgram::parse(bytes) {
            Ok(p) => {
                out.push_str(&format!(
                    "GP standard program (segmented layout; `jarkit run --standard`): RO {} bytes, RW {} bytes, {} heap pages, stack {} bytes\n",
                    p.ro_data.len(),
                    p.rw_data.len(),
                    p.heap_pages,
                    p.stack_bytes
                ));
                Some(Code::parse(&p.code, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).map_err(|e| e.to_string())?)
            }
            Err(as_standard) => {
                let c = Code::parse(bytes, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP).map_err(|as_code| javm::format::unmarked_reason(&as_standard, &as_code))?;
                out.push_str("GP code blob (jump table, code, bitmask)\n");
                Some(c)
            }
        },
    };
    if let Some(code) = code {
        out.push_str(&disasm::listing(&code));
    }
    Ok(out)
}
