//! A bounds-checked cursor over untrusted bytes. Every read either succeeds or returns a
//! [`LoadError::Truncated`] naming the field and the offset; nothing here can panic.

use crate::error::LoadError;

pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LoadError> {
        if n > self.remaining() {
            return Err(LoadError::Truncated {
                what,
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            });
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, LoadError> {
        Ok(self.take(1, what)?[0])
    }

    /// A little-endian unsigned integer of `n` ≤ 8 bytes.
    pub fn le(&mut self, n: usize, what: &'static str) -> Result<u64, LoadError> {
        let b = self.take(n, what)?;
        Ok(b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64))
    }

    /// A JAM compact natural (Gray Paper C.6): the count of leading one bits of the first byte
    /// is the number of extra little-endian bytes; the rest of the first byte holds the high bits.
    pub fn compact(&mut self, what: &'static str) -> Result<u64, LoadError> {
        let first = self.u8(what)?;
        let extra = first.leading_ones() as usize;
        if extra == 8 {
            return self.le(8, what);
        }
        let low = self.le(extra, what)?;
        let high = (first as u64) & (0xFFu64 >> (extra + 1));
        Ok((high << (8 * extra)) | low)
    }

    pub fn finish(self) -> Result<(), LoadError> {
        if self.remaining() != 0 {
            return Err(LoadError::TrailingBytes { offset: self.pos, count: self.remaining() });
        }
        Ok(())
    }
}

/// Encodes a JAM compact natural (inverse of [`Reader::compact`]).
pub fn encode_compact(value: u64, out: &mut Vec<u8>) {
    for extra in 0..8usize {
        if value < 1u64 << (7 * (extra + 1)) {
            let prefix = !(0xFFu8 >> extra);
            let high = (value >> (8 * extra)) as u8;
            out.push(prefix | high);
            out.extend_from_slice(&value.to_le_bytes()[..extra]);
            return;
        }
    }
    out.push(0xFF);
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn compact_round_trips(v: u64) {
            let mut buf = Vec::new();
            encode_compact(v, &mut buf);
            let mut r = Reader::new(&buf);
            prop_assert_eq!(r.compact("v").unwrap(), v);
            prop_assert!(r.finish().is_ok());
        }
    }

    #[test]
    fn compact_known_values() {
        for (v, bytes) in [(0u64, vec![0u8]), (127, vec![0x7f]), (128, vec![0x80, 0x80]), (0x3fff, vec![0xbf, 0xff])] {
            let mut buf = Vec::new();
            encode_compact(v, &mut buf);
            assert_eq!(buf, bytes, "{v}");
        }
    }
}
