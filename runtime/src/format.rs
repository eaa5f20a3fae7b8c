//! Which program format a file holds, decided from its first bytes before any parser runs, so a
//! file is never parsed as a format it does not claim (a JAR v2 manifest as a code blob, say)
//! and every tool gives the same reason for refusing it.

use std::fmt;

/// The program formats javm loads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProgramFormat {
    /// jar1's capability manifest, magic `JAR\x02`.
    JarV2,
    /// jar080's linear-layout program, magic `JAR\x01`.
    JarV1,
    /// A PolkaVM container, magic `PVM\0`.
    PolkaVm,
    /// No magic: a GP standard program (data, heap, stack, code) or a bare code blob (jump
    /// table, code, bitmask). The GP formats carry no magic, so only their parsers can tell.
    Unmarked,
}

impl ProgramFormat {
    /// The format `bytes` claims by its magic.
    pub fn detect(bytes: &[u8]) -> ProgramFormat {
        if bytes.starts_with(b"JAR\x02") {
            ProgramFormat::JarV2
        } else if bytes.starts_with(b"JAR\x01") {
            ProgramFormat::JarV1
        } else if bytes.starts_with(b"PVM\0") {
            ProgramFormat::PolkaVm
        } else {
            ProgramFormat::Unmarked
        }
    }

    /// The format's name as tools print it.
    pub fn name(self) -> &'static str {
        match self {
            ProgramFormat::JarV2 => "JAR v2 capability manifest",
            ProgramFormat::JarV1 => "JAR v1 program",
            ProgramFormat::PolkaVm => "PolkaVM container",
            ProgramFormat::Unmarked => "GP standard program or code blob",
        }
    }
}

impl fmt::Display for ProgramFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a file without magic is, decided by trying the two GP parsers in a fixed order (standard
/// program first: its header is the stricter test). The error names both reasons.
pub fn unmarked_reason(as_standard: &crate::LoadError, as_code: &crate::LoadError) -> String {
    format!("not a known program format (no JAR, JAR v2 or PolkaVM magic; as a GP standard program: {as_standard}; as a code blob: {as_code})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_decides_the_format() {
        assert_eq!(ProgramFormat::detect(b"JAR\x02rest"), ProgramFormat::JarV2);
        assert_eq!(ProgramFormat::detect(b"JAR\x01"), ProgramFormat::JarV1);
        assert_eq!(ProgramFormat::detect(b"PVM\0\x01"), ProgramFormat::PolkaVm);
        assert_eq!(ProgramFormat::detect(b"JAR"), ProgramFormat::Unmarked);
        assert_eq!(ProgramFormat::detect(b""), ProgramFormat::Unmarked);
    }
}
