//! The JAR v2 program blob (jar1): a capability manifest. Parsing and validation only; running
//! the capability kernel is separate work.
//!
//! Header (10 bytes, little-endian): `"JAR\x02"`, u32 memory pages (the untyped page budget), u8
//! capability count, u8 the slot of the CODE capability that runs first. Then one 19-byte entry
//! per capability: u8 slot, u8 type (0 = CODE, 1 = DATA), u32 base page, u32 page count (DATA),
//! u8 initial access (0 = read-only, 1 = read-write), u32 offset and u32 length of its bytes in the
//! data section, which is everything after the entries. A CODE capability's bytes are a code
//! sub-blob: u32 jump-table length, u8 entry size, u32 code length, then the table, the code and
//! the bitmask.
//!
//! Rules checked at load time: known types and access values; every byte range inside the data
//! section; slots unique; the first capability to run is CODE; at most 5 CODE capabilities; DATA
//! pages inside the 32-bit address space, not overlapping, within the page budget, and holding
//! their initial bytes; every code sub-blob valid under the JAR block rules (last instruction a
//! terminator, jump-table entries and branch targets at basic-block starts).

use std::fmt;

use crate::error::LoadError;
use crate::program::{BlockRules, Code, LengthEncoding};
use crate::reader::Reader;
use crate::Numbering;

const MAGIC: &[u8; 4] = b"JAR\x02";
const HEADER: usize = 10;
const ENTRY: usize = 19;
/// At most this many CODE capabilities per invocation.
pub const MAX_CODE_CAPS: usize = 5;
/// Gas charged per DATA page when the kernel initialises the manifest.
pub const GAS_PER_PAGE: u64 = 1500;
const PAGES_IN_ADDRESS_SPACE: u64 = 1 << 20;

/// Whether a DATA capability starts read-only or read-write.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum InitAccess {
    ReadOnly,
    ReadWrite,
}

/// One capability of the manifest.
#[derive(Clone, Debug)]
pub enum Capability {
    Code { slot: u8, code: Code },
    Data { slot: u8, base_page: u32, page_count: u32, access: InitAccess, init: Vec<u8> },
}

impl Capability {
    pub fn slot(&self) -> u8 {
        match self {
            Capability::Code { slot, .. } | Capability::Data { slot, .. } => *slot,
        }
    }
}

/// A validated manifest.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub memory_pages: u32,
    /// The slot of the CODE capability that runs first.
    pub invoke: u8,
    pub caps: Vec<Capability>,
}

/// Why a manifest entry was rejected: the entry's position and the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// Byte offset of the entry (or of the header field) in the blob.
    pub offset: usize,
    pub rule: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid manifest at byte {}: {}", self.offset, self.rule)
    }
}

impl From<LoadError> for ManifestError {
    fn from(e: LoadError) -> Self {
        let offset = match &e {
            LoadError::Truncated { offset, .. } | LoadError::BadField { offset, .. } | LoadError::TrailingBytes { offset, .. } => *offset,
            LoadError::BadCode { .. } | LoadError::LayoutTooLarge { .. } => 0,
        };
        ManifestError { offset, rule: e.to_string() }
    }
}

fn fail<T>(offset: usize, rule: impl Into<String>) -> Result<T, ManifestError> {
    Err(ManifestError { offset, rule: rule.into() })
}

impl Manifest {
    /// Parses and validates a JAR v2 blob.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != MAGIC {
            return fail(0, "a JAR v2 blob starts with \"JAR\\x02\"");
        }
        let memory_pages = r.le(4, "memory pages")? as u32;
        let count = r.u8("capability count")? as usize;
        let invoke = r.u8("invoke slot")?;
        let entries = r.take(count * ENTRY, "capability entries")?;
        let data = &bytes[HEADER + count * ENTRY..];
        let mut caps: Vec<Capability> = Vec::with_capacity(count);
        let mut data_pages: Vec<(u64, u64, usize)> = Vec::new();
        for k in 0..count {
            let at = HEADER + k * ENTRY;
            let mut e = Reader::new(&entries[k * ENTRY..(k + 1) * ENTRY]);
            let slot = e.u8("slot")?;
            let kind = e.u8("type")?;
            let base_page = e.le(4, "base page")?;
            let page_count = e.le(4, "page count")?;
            let access = e.u8("initial access")?;
            let offset = e.le(4, "data offset")?;
            let len = e.le(4, "data length")?;
            if caps.iter().any(|c| c.slot() == slot) {
                return fail(at, format!("slot {slot} is used twice"));
            }
            let Some(end) = offset.checked_add(len).filter(|&end| end <= data.len() as u64) else {
                return fail(at, format!("bytes {offset}..{} lie outside the {}-byte data section", offset + len, data.len()));
            };
            let init = &data[offset as usize..end as usize];
            match kind {
                0 => {
                    if init.is_empty() {
                        return fail(at, "a CODE capability needs a code sub-blob");
                    }
                    let code = Code::parse(init, LengthEncoding::U32, Numbering::Gp, BlockRules::JAR).map_err(|e| ManifestError { offset: at, rule: format!("CODE in slot {slot}: {e}") })?;
                    caps.push(Capability::Code { slot, code });
                }
                1 => {
                    let access = match access {
                        0 => InitAccess::ReadOnly,
                        1 => InitAccess::ReadWrite,
                        a => return fail(at, format!("initial access {a} is neither 0 (read-only) nor 1 (read-write)")),
                    };
                    if base_page + page_count > PAGES_IN_ADDRESS_SPACE {
                        return fail(at, format!("pages {base_page}..{} pass the end of the 32-bit address space", base_page + page_count));
                    }
                    if len > page_count * 4096 {
                        return fail(at, format!("{len} initial bytes do not fit in {page_count} pages"));
                    }
                    if let Some(&(_, _, other)) = data_pages.iter().find(|&&(b, n, _)| base_page < b + n && b < base_page + page_count) {
                        return fail(at, format!("pages overlap those of capability entry {other}"));
                    }
                    data_pages.push((base_page, page_count, k));
                    caps.push(Capability::Data { slot, base_page: base_page as u32, page_count: page_count as u32, access, init: init.to_vec() });
                }
                t => return fail(at, format!("capability type {t} is neither 0 (CODE) nor 1 (DATA)")),
            }
        }
        let code_caps = caps.iter().filter(|c| matches!(c, Capability::Code { .. })).count();
        if code_caps > MAX_CODE_CAPS {
            return fail(8, format!("{code_caps} CODE capabilities; at most {MAX_CODE_CAPS}"));
        }
        if !caps.iter().any(|c| c.slot() == invoke && matches!(c, Capability::Code { .. })) {
            return fail(9, format!("the first capability to run (slot {invoke}) is not a CODE capability"));
        }
        let pages: u64 = data_pages.iter().map(|&(_, n, _)| n).sum();
        if pages > u64::from(memory_pages) {
            return fail(4, format!("DATA capabilities take {pages} pages; the budget is {memory_pages}"));
        }
        Ok(Manifest { memory_pages, invoke, caps })
    }

    /// The gas the kernel charges to set the manifest up: 1500 per DATA page.
    pub fn init_gas(&self) -> u64 {
        self.caps.iter().map(|c| if let Capability::Data { page_count, .. } = c { u64::from(*page_count) * GAS_PER_PAGE } else { 0 }).sum()
    }
}

/// One entry for [`encode`]: the fields of a manifest entry and its bytes.
pub struct EntrySpec<'a> {
    pub slot: u8,
    pub kind: u8,
    pub base_page: u32,
    pub page_count: u32,
    pub access: u8,
    pub bytes: &'a [u8],
}

/// Encodes a manifest (used by tests and tools): entries' bytes are laid out in order.
pub fn encode(memory_pages: u32, invoke: u8, entries: &[EntrySpec]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&memory_pages.to_le_bytes());
    out.push(entries.len() as u8);
    out.push(invoke);
    let mut offset = 0u32;
    for e in entries {
        out.push(e.slot);
        out.push(e.kind);
        out.extend_from_slice(&e.base_page.to_le_bytes());
        out.extend_from_slice(&e.page_count.to_le_bytes());
        out.push(e.access);
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&(e.bytes.len() as u32).to_le_bytes());
        offset += e.bytes.len() as u32;
    }
    for e in entries {
        out.extend_from_slice(e.bytes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> Vec<u8> {
        // `trap`, as a code sub-blob with u32 lengths.
        Code::encode(&[], &[0], &[true], LengthEncoding::U32)
    }

    fn entry(slot: u8, kind: u8, base_page: u32, page_count: u32, access: u8, bytes: &[u8]) -> EntrySpec<'_> {
        EntrySpec { slot, kind, base_page, page_count, access, bytes }
    }

    #[test]
    fn a_transpiler_style_manifest_validates() {
        let c = code();
        let blob = encode(16, 64, &[entry(64, 0, 0, 0, 0, &c), entry(65, 1, 0, 2, 1, &[]), entry(66, 1, 2, 1, 0, b"ro"), entry(0, 1, 3, 1, 1, &[])]);
        let m = Manifest::parse(&blob).unwrap();
        assert_eq!((m.memory_pages, m.invoke, m.caps.len()), (16, 64, 4));
        assert_eq!(m.init_gas(), 4 * GAS_PER_PAGE);
        assert!(matches!(&m.caps[2], Capability::Data { init, access: InitAccess::ReadOnly, .. } if init == b"ro"));
    }

    #[test]
    fn every_rule_is_enforced_with_a_location() {
        let c = code();
        let bad = |blob: Vec<u8>, needle: &str| {
            let e = Manifest::parse(&blob).unwrap_err();
            assert!(e.rule.contains(needle), "expected `{needle}` in `{e}`");
        };
        bad(encode(4, 1, &[entry(1, 0, 0, 0, 0, &c), entry(1, 1, 0, 1, 1, &[])]), "used twice");
        bad(encode(4, 1, &[entry(1, 2, 0, 0, 0, &c)]), "type 2");
        bad(encode(4, 1, &[entry(1, 0, 0, 0, 0, &c), entry(2, 1, 0, 1, 7, &[])]), "initial access 7");
        bad(encode(4, 1, &[entry(1, 0, 0, 0, 0, &c), entry(2, 1, 0, 1, 1, &[]), entry(3, 1, 0, 1, 1, &[])]), "overlap");
        bad(encode(4, 1, &[entry(1, 0, 0, 0, 0, &c), entry(2, 1, 0xFFFFF, 2, 1, &[])]), "address space");
        bad(encode(1, 1, &[entry(1, 0, 0, 0, 0, &c), entry(2, 1, 0, 2, 1, &[])]), "budget");
        bad(encode(4, 2, &[entry(1, 0, 0, 0, 0, &c), entry(2, 1, 0, 1, 1, &[])]), "not a CODE");
        bad(encode(4, 1, &[entry(1, 0, 0, 0, 0, &c), entry(2, 1, 0, 1, 1, &[0; 4097])]), "do not fit");
        bad(encode(4, 1, &[entry(1, 0, 0, 0, 0, &[])]), "needs a code sub-blob");
        // A code sub-blob whose last instruction (add_64) is not a terminator.
        let open = Code::encode(&[], &[200, 0, 0], &[true, false, false], LengthEncoding::U32);
        bad(encode(4, 1, &[entry(1, 0, 0, 0, 0, &open)]), "terminator");
        let six: Vec<EntrySpec> = (0..6).map(|s| entry(s, 0, 0, 0, 0, &c)).collect();
        bad(encode(4, 0, &six), "at most 5");
        let mut out_of_range = encode(4, 1, &[entry(1, 0, 0, 0, 0, &c)]);
        out_of_range.truncate(out_of_range.len() - 1);
        bad(out_of_range, "outside");
        let good = encode(4, 1, &[entry(1, 0, 0, 0, 0, &c)]);
        for cut in 0..HEADER + ENTRY {
            assert!(Manifest::parse(&good[..cut]).is_err(), "prefix of {cut} bytes");
        }
    }
}
