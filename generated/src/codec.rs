//! The binary codecs for the primitive types. Codegen derives the encoding of every spec type
//! from its Lean declaration and calls into this module. A variant picks one of two codecs
//! (`codec` in its Lean file): the GP's (Appendix C) or JAR's fixed-width one (jar1; its layout
//! follows upstream's `Codec.Jar1`: no compact numbers, u32 length prefixes):
//!
//! | Lean type | GP codec | JAR fixed-width codec |
//! |---|---|---|
//! | `UInt8` … `UInt64` | fixed-width little-endian | the same |
//! | `Nat` | compact natural (C.6) | 8 bytes little-endian |
//! | `CompactNat n` | compact natural | `n` bytes little-endian |
//! | `Bool` | one byte, 0 or 1 | the same |
//! | `OctetSeq n` | the `n` bytes | the same |
//! | `ByteArray`, `Array T` | compact length, then the bytes / elements | u32 length, then … |
//! | `BytesN n`, `SeqN n T`, `n` a number | exactly `n` bytes / elements, no length | the same |
//! | `BytesN n`, `SeqN n T`, `n` a variant parameter | exactly `n`, no length | u32 length, then any number (jar1's validator count varies) |
//! | `Option T` | 0, or 1 then the value | the same |
//! | structure | the fields in declaration order | the same |
//! | inductive | the constructor index as one byte, then its arguments | the same |
//!
//! Decoding reads untrusted bytes: every failure is a [`DecodeError`] with the byte offset, and a
//! length prefix never allocates more than the remaining input could hold.

use std::fmt;

use crate::jar::{CodecChoice, Variant};
use crate::prelude::{ByteArray, Nat, OctetSeq};

/// Whether variant `V` uses JAR's fixed-width codec rather than the GP's.
pub fn fixed_width<V: Variant>() -> bool {
    matches!(V::CODEC, CodecChoice::JarFixed)
}

/// Why and where decoding failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Offset of the byte where the problem was found.
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for DecodeError {}

/// A cursor over the bytes being decoded.
pub struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Decoder { bytes, pos: 0 }
    }

    pub fn offset(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn error<T>(&self, message: impl Into<String>) -> Result<T, DecodeError> {
        Err(DecodeError { offset: self.pos, message: message.into() })
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return self.error(format!("needs {n} more bytes, {} left", self.remaining()));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn byte(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    /// A compact natural (C.6). Non-canonical encodings (a longer form than needed) are rejected
    /// so that decoding and encoding are inverse.
    pub fn compact(&mut self) -> Result<u64, DecodeError> {
        let start = self.pos;
        let head = self.byte()?;
        let len = head.leading_ones() as usize;
        let value = if len == 8 {
            le(self.take(8)?)
        } else {
            let high = u64::from(head) & (0xff >> (len + 1));
            (high << (8 * len)) | le(self.take(len)?)
        };
        if compact_len(value) != self.pos - start {
            self.pos = start;
            return self.error(format!("non-canonical compact encoding of {value}"));
        }
        Ok(value)
    }

    /// `n` bytes, little-endian, as a number (`n` ≤ 8).
    pub fn fixed(&mut self, n: usize) -> Result<u64, DecodeError> {
        Ok(le(self.take(n)?))
    }

    /// A length prefix (compact, or u32 under the fixed-width codec), bounded by the bytes left
    /// (every element takes at least one byte).
    pub fn length<V: Variant>(&mut self) -> Result<usize, DecodeError> {
        let at = self.pos;
        let n = if fixed_width::<V>() { self.fixed(4)? } else { self.compact()? };
        if n > self.remaining() as u64 {
            self.pos = at;
            return self.error(format!("length {n} exceeds the {} bytes left", self.remaining()));
        }
        Ok(n as usize)
    }

    /// Fails unless every byte was consumed.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.remaining() != 0 {
            return self.error(format!("{} trailing bytes", self.remaining()));
        }
        Ok(())
    }
}

fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

/// The number of bytes of the compact encoding of `x`.
fn compact_len(x: u64) -> usize {
    (0..8).find(|&l| x < 1u64 << (7 * (l + 1))).map_or(9, |l| l + 1)
}

/// Appends the compact encoding of `x` (C.6).
pub fn encode_compact(x: u64, out: &mut Vec<u8>) {
    let n = compact_len(x);
    if n == 9 {
        out.push(0xff);
        out.extend_from_slice(&x.to_le_bytes());
        return;
    }
    let l = n - 1;
    let prefix = (0xffu16 << (8 - l)) as u8;
    let high = if l == 0 { x } else { x >> (8 * l) } as u8;
    out.push(prefix | high);
    out.extend_from_slice(&x.to_le_bytes()[..l]);
}

/// Appends a length prefix: compact, or u32 under the fixed-width codec.
pub fn encode_len<V: Variant>(n: usize, out: &mut Vec<u8>) {
    if fixed_width::<V>() {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    } else {
        encode_compact(n as u64, out);
    }
}

/// Appends a `CompactNat width`: compact, or `width` bytes under the fixed-width codec (the
/// higher bytes of a value that does not fit are lost; `jarkit encode` checks by decoding).
pub fn encode_nat_width<V: Variant>(x: &Nat, width: usize, out: &mut Vec<u8>) {
    if fixed_width::<V>() {
        out.extend_from_slice(&x.0.to_le_bytes()[..width]);
    } else {
        encode_compact(x.0, out);
    }
}

/// Reads a `CompactNat width`.
pub fn decode_nat_width<V: Variant>(r: &mut Decoder<'_>, width: usize) -> Result<Nat, DecodeError> {
    if fixed_width::<V>() { r.fixed(width).map(Nat) } else { r.compact().map(Nat) }
}

/// A type with a binary encoding. `V` picks the codec and supplies the lengths of variant-sized
/// sequences.
pub trait Codec: Sized {
    fn encode_to<V: Variant>(&self, out: &mut Vec<u8>);
    fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError>;

    fn encode<V: Variant>(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_to::<V>(&mut out);
        out
    }

    /// Decodes exactly the whole of `bytes`.
    fn decode<V: Variant>(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Decoder::new(bytes);
        let v = Self::decode_from::<V>(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

macro_rules! fixed_width {
    ($($t:ty),*) => {$(
        impl Codec for $t {
            fn encode_to<V: Variant>(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError> {
                let b = r.take(std::mem::size_of::<$t>())?;
                Ok(<$t>::from_le_bytes(b.try_into().expect("take returned the requested length")))
            }
        }
    )*};
}
fixed_width!(u8, u16, u32, u64);

impl Codec for bool {
    fn encode_to<V: Variant>(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            b => {
                r.pos -= 1;
                r.error(format!("boolean byte {b} is neither 0 nor 1"))
            }
        }
    }
}

impl Codec for Nat {
    fn encode_to<V: Variant>(&self, out: &mut Vec<u8>) {
        encode_nat_width::<V>(self, 8, out);
    }
    fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        decode_nat_width::<V>(r, 8)
    }
}

impl<const N: usize> Codec for OctetSeq<N> {
    fn encode_to<V: Variant>(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let b = r.take(N)?;
        Ok(OctetSeq(b.try_into().expect("take returned N bytes")))
    }
}

impl Codec for ByteArray {
    fn encode_to<V: Variant>(&self, out: &mut Vec<u8>) {
        encode_len::<V>(self.0.len(), out);
        out.extend_from_slice(&self.0);
    }
    fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let n = r.length::<V>()?;
        Ok(ByteArray::new(r.take(n)?.to_vec()))
    }
}

impl Codec for () {
    fn encode_to<V: Variant>(&self, _: &mut Vec<u8>) {}
    fn decode_from<V: Variant>(_: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        Ok(())
    }
}

/// `Array T` at the top level (a field's encoding comes from its declared type instead).
impl<T: Codec> Codec for Vec<T> {
    fn encode_to<V: Variant>(&self, out: &mut Vec<u8>) {
        encode_len::<V>(self.len(), out);
        for x in self {
            x.encode_to::<V>(out);
        }
    }
    fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        decode_seq::<V, T>(r, |r| T::decode_from::<V>(r))
    }
}

impl<T: Codec> Codec for Option<T> {
    fn encode_to<V: Variant>(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(x) => {
                out.push(1);
                x.encode_to::<V>(out);
            }
        }
    }
    fn decode_from<V: Variant>(r: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        decode_option(r, |r| T::decode_from::<V>(r))
    }
}

/// `BytesN n`: exactly `n` bytes.
pub fn decode_fixed_bytes(r: &mut Decoder<'_>, n: Nat) -> Result<ByteArray, DecodeError> {
    Ok(ByteArray::new(r.take(n.as_index())?.to_vec()))
}

/// `SeqN n T`: exactly `n` elements, each decoded by `item`. The element count is checked
/// against the input left before anything is allocated.
pub fn decode_fixed_seq<T>(
    r: &mut Decoder<'_>,
    n: Nat,
    mut item: impl FnMut(&mut Decoder<'_>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let n = n.as_index();
    let mut v = Vec::with_capacity(n.min(r.remaining()));
    for _ in 0..n {
        v.push(item(r)?);
    }
    Ok(v)
}

/// `BytesN n` with `n` a variant parameter: exactly `n` bytes, or a u32 length and that many
/// bytes under the fixed-width codec.
pub fn decode_variant_bytes<V: Variant>(r: &mut Decoder<'_>, n: Nat) -> Result<ByteArray, DecodeError> {
    if fixed_width::<V>() { ByteArray::decode_from::<V>(r) } else { decode_fixed_bytes(r, n) }
}

/// `SeqN n T` with `n` a variant parameter: exactly `n` elements, or a u32 count and that many
/// under the fixed-width codec.
pub fn decode_variant_seq<V: Variant, T>(
    r: &mut Decoder<'_>,
    n: Nat,
    item: impl FnMut(&mut Decoder<'_>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    if fixed_width::<V>() { decode_seq::<V, T>(r, item) } else { decode_fixed_seq(r, n, item) }
}

/// `Array T`: a length, then the elements.
pub fn decode_seq<V: Variant, T>(
    r: &mut Decoder<'_>,
    mut item: impl FnMut(&mut Decoder<'_>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let n = r.length::<V>()?;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(item(r)?);
    }
    Ok(v)
}

/// `Option T`: a 0 or 1 byte, then the value if 1.
pub fn decode_option<T>(
    r: &mut Decoder<'_>,
    item: impl FnOnce(&mut Decoder<'_>) -> Result<T, DecodeError>,
) -> Result<Option<T>, DecodeError> {
    match r.byte()? {
        0 => Ok(None),
        1 => item(r).map(Some),
        b => {
            r.pos -= 1;
            r.error(format!("option tag {b} is neither 0 nor 1"))
        }
    }
}

/// The constructor index of an inductive, checked against the number of constructors.
pub fn decode_tag(r: &mut Decoder<'_>, ctors: usize, type_name: &str) -> Result<usize, DecodeError> {
    let t = r.byte()? as usize;
    if t >= ctors {
        r.pos -= 1;
        return r.error(format!("`{type_name}` has {ctors} constructors, tag {t} is out of range"));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jar::Gp072Tiny;

    #[test]
    fn compact_round_trips_at_every_length_boundary() {
        for shift in 0..64 {
            for x in [(1u64 << shift) - 1, 1u64 << shift, (1u64 << shift) + 1] {
                let mut out = Vec::new();
                encode_compact(x, &mut out);
                assert_eq!(out.len(), compact_len(x));
                let mut r = Decoder::new(&out);
                assert_eq!(r.compact(), Ok(x), "value {x}");
                assert!(r.finish().is_ok());
            }
        }
        let mut out = Vec::new();
        encode_compact(u64::MAX, &mut out);
        assert_eq!(out[0], 0xff);
        assert_eq!(Decoder::new(&out).compact(), Ok(u64::MAX));
    }

    #[test]
    fn compact_matches_the_gray_paper_examples() {
        let enc = |x| {
            let mut o = Vec::new();
            encode_compact(x, &mut o);
            o
        };
        assert_eq!(enc(0), [0]);
        assert_eq!(enc(127), [127]);
        assert_eq!(enc(128), [0x80, 0x80]);
        assert_eq!(enc(0x3fff), [0xbf, 0xff]);
        assert_eq!(enc(0x4000), [0xc0, 0x00, 0x40]);
    }

    #[test]
    fn non_canonical_and_truncated_inputs_are_errors_with_offsets() {
        // 5 written in two bytes.
        assert_eq!(Decoder::new(&[0x80, 0x05]).compact().unwrap_err().offset, 0);
        assert_eq!(Decoder::new(&[0xc0, 0x00]).compact().unwrap_err().offset, 1);
        let e = ByteArray::decode::<Gp072Tiny>(&[0x05, 1, 2]).unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("exceeds"), "{e}");
        assert!(u32::decode::<Gp072Tiny>(&[1, 2, 3, 4, 5]).unwrap_err().message.contains("trailing"));
        assert!(bool::decode::<Gp072Tiny>(&[2]).is_err());
    }
}
