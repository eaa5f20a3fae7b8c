//! Lean's standard library as the generated code sees it: `Nat` with Lean's arithmetic, byte
//! strings with hex JSON, and the `Array` operations the spec uses with Lean's out-of-bounds rules.
//! Hand-written, small, and the only Rust the generated code calls besides itself and `prims`.

use std::fmt;
use std::ops::{Add, Div, Mul, Rem, Sub};

/// Lean's `Nat`, held in 64 bits. Subtraction truncates at 0, `x / 0 = 0`, `x % 0 = x`, as in
/// Lean. A result that does not fit in 64 bits is reported loudly (a panic naming the
/// operation), never wrapped.
#[derive(Copy, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nat(pub u64);

impl Nat {
    pub const fn new(v: u64) -> Nat {
        Nat(v)
    }
    pub fn pow(self, e: Nat) -> Nat {
        let e = u32::try_from(e.0).unwrap_or(u32::MAX);
        Nat(self.0.checked_pow(e).unwrap_or_else(|| overflow("^")))
    }
    pub fn to_u8(self) -> u8 {
        self.0 as u8
    }
    pub fn to_u16(self) -> u16 {
        self.0 as u16
    }
    pub fn to_u32(self) -> u32 {
        self.0 as u32
    }
    pub fn to_u64(self) -> u64 {
        self.0
    }
    pub fn as_index(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
    /// `x <<< n`.
    pub fn shift_left(self, n: Nat) -> Nat {
        if self.0 == 0 {
            return self;
        }
        let n = u32::try_from(n.0).unwrap_or(u32::MAX);
        match self.0.checked_shl(n) {
            Some(v) if v >> n == self.0 => Nat(v),
            _ => overflow("<<<"),
        }
    }
    /// `x >>> n`.
    pub fn shift_right(self, n: Nat) -> Nat {
        Nat(self.0.checked_shr(u32::try_from(n.0).unwrap_or(u32::MAX)).unwrap_or(0))
    }
    pub fn min(self, o: Nat) -> Nat {
        Ord::min(self, o)
    }
    pub fn max(self, o: Nat) -> Nat {
        Ord::max(self, o)
    }
}

#[cold]
fn overflow(op: &str) -> ! {
    panic!("Nat overflow in `{op}`: the result does not fit in 64 bits")
}

impl Add for Nat {
    type Output = Nat;
    fn add(self, o: Nat) -> Nat {
        Nat(self.0.checked_add(o.0).unwrap_or_else(|| overflow("+")))
    }
}
impl Sub for Nat {
    type Output = Nat;
    fn sub(self, o: Nat) -> Nat {
        Nat(self.0.saturating_sub(o.0))
    }
}
impl Mul for Nat {
    type Output = Nat;
    fn mul(self, o: Nat) -> Nat {
        Nat(self.0.checked_mul(o.0).unwrap_or_else(|| overflow("*")))
    }
}
impl Div for Nat {
    type Output = Nat;
    fn div(self, o: Nat) -> Nat {
        Nat(self.0.checked_div(o.0).unwrap_or(0))
    }
}
impl Rem for Nat {
    type Output = Nat;
    fn rem(self, o: Nat) -> Nat {
        if o.0 == 0 {
            self
        } else {
            Nat(self.0 % o.0)
        }
    }
}
impl std::ops::BitAnd for Nat {
    type Output = Nat;
    fn bitand(self, o: Nat) -> Nat {
        Nat(self.0 & o.0)
    }
}
impl std::ops::BitOr for Nat {
    type Output = Nat;
    fn bitor(self, o: Nat) -> Nat {
        Nat(self.0 | o.0)
    }
}
impl std::ops::BitXor for Nat {
    type Output = Nat;
    fn bitxor(self, o: Nat) -> Nat {
        Nat(self.0 ^ o.0)
    }
}
impl fmt::Debug for Nat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl fmt::Display for Nat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl From<u64> for Nat {
    fn from(v: u64) -> Nat {
        Nat(v)
    }
}
impl serde::Serialize for Nat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}
impl<'de> serde::Deserialize<'de> for Nat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Nat, D::Error> {
        u64::deserialize(d).map(Nat)
    }
}

/// `UIntN.toNat`.
pub trait ToNat {
    fn to_nat(self) -> Nat;
}
macro_rules! to_nat {
    ($($t:ty),*) => {$(impl ToNat for $t { fn to_nat(self) -> Nat { Nat(self as u64) } })*};
}
to_nat!(u8, u16, u32, u64);

/// `0x` and the bytes in lowercase hex, as the vectors write byte strings.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

fn unhex<E: serde::de::Error>(s: &str) -> Result<Vec<u8>, E> {
    // The vectors write `0x…`; the shuffle vectors omit the prefix.
    let h = s.strip_prefix("0x").unwrap_or(s);
    if h.len() % 2 != 0 {
        return Err(E::custom("byte string has an odd number of hex digits"));
    }
    (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).map_err(|_| E::custom("invalid hex digit")))
        .collect()
}

/// Lean's `ByteArray`. The bytes are shared between copies and copied only when a shared copy
/// is written (as Lean's runtime does when the reference count is above one): the generated code
/// is functional, so a machine state is copied at every step, and with it every page of guest
/// memory; sharing makes that copy a count per page, not 4 KiB.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteArray(pub std::sync::Arc<Vec<u8>>);

impl From<Vec<u8>> for ByteArray {
    fn from(v: Vec<u8>) -> ByteArray {
        ByteArray(std::sync::Arc::new(v))
    }
}

impl ByteArray {
    pub fn new(v: Vec<u8>) -> ByteArray {
        ByteArray::from(v)
    }
    pub fn empty() -> ByteArray {
        ByteArray::new(Vec::new())
    }
    /// The bytes, to write: copied first if another value shares them.
    pub fn bytes_mut(&mut self) -> &mut Vec<u8> {
        std::sync::Arc::make_mut(&mut self.0)
    }
    /// The bytes as an owned vector (no copy when nothing else shares them).
    pub fn into_vec(self) -> Vec<u8> {
        std::sync::Arc::unwrap_or_clone(self.0)
    }
    pub fn size(&self) -> Nat {
        Nat(self.0.len() as u64)
    }
    pub fn push(mut self, b: u8) -> ByteArray {
        self.bytes_mut().push(b);
        self
    }
    /// `b[i]!`: 0 when out of bounds.
    pub fn get_bang(&self, i: Nat) -> u8 {
        self.0.get(i.as_index()).copied().unwrap_or(0)
    }
    /// `b.set! i v`: unchanged when out of bounds.
    pub fn set_bang(mut self, i: Nat, v: u8) -> ByteArray {
        let i = i.as_index();
        if i < self.0.len() {
            self.bytes_mut()[i] = v;
        }
        self
    }
    pub fn append(mut self, o: ByteArray) -> ByteArray {
        if !o.0.is_empty() {
            self.bytes_mut().extend_from_slice(&o.0);
        }
        self
    }
    /// `extract a b`: bytes `[a, b)` clamped to the array.
    pub fn extract(&self, a: Nat, b: Nat) -> ByteArray {
        let b = b.as_index().min(self.0.len());
        let a = a.as_index().min(b);
        ByteArray::new(self.0[a..b].to_vec())
    }
}
impl fmt::Debug for ByteArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}
impl serde::Serialize for ByteArray {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(&self.0))
    }
}
impl<'de> serde::Deserialize<'de> for ByteArray {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ByteArray, D::Error> {
        let s = String::deserialize(d)?;
        unhex(&s).map(ByteArray::new)
    }
}

/// `OctetSeq n`: exactly `N` bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OctetSeq<const N: usize>(pub [u8; N]);

impl<const N: usize> OctetSeq<N> {
    /// `.data`: the bytes as a `ByteArray`.
    pub fn data(&self) -> ByteArray {
        ByteArray::new(self.0.to_vec())
    }
}
impl<const N: usize> Default for OctetSeq<N> {
    fn default() -> Self {
        OctetSeq([0; N])
    }
}
impl<const N: usize> fmt::Debug for OctetSeq<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}
impl<const N: usize> serde::Serialize for OctetSeq<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(&self.0))
    }
}
impl<'de, const N: usize> serde::Deserialize<'de> for OctetSeq<N> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let v = unhex::<D::Error>(&s)?;
        let arr: [u8; N] = v
            .try_into()
            .map_err(|v: Vec<u8>| serde::de::Error::custom(format!("expected {N} bytes, got {}", v.len())))?;
        Ok(OctetSeq(arr))
    }
}

/// `Array` operations with Lean's meaning.
pub mod array {
    use super::Nat;

    pub fn size<T>(a: &[T]) -> Nat {
        Nat(a.len() as u64)
    }
    /// `a[i]!`: `default` when out of bounds.
    pub fn get_bang<T: Clone + Default>(a: &[T], i: Nat) -> T {
        a.get(i.as_index()).cloned().unwrap_or_default()
    }
    /// `a[i]!` read in place: a borrow of the element, or the default past the end (as
    /// [`get_bang`]), so that reading one field of an element copies nothing else.
    pub fn get_ref<T: Clone + Default>(a: &[T], i: Nat) -> std::borrow::Cow<'_, T> {
        match a.get(i.as_index()) {
            Some(x) => std::borrow::Cow::Borrowed(x),
            None => std::borrow::Cow::Owned(T::default()),
        }
    }
    /// `a[i]?`.
    pub fn get_opt<T: Clone>(a: &[T], i: Nat) -> Option<T> {
        a.get(i.as_index()).cloned()
    }
    /// `a.set! i v`: unchanged when out of bounds.
    pub fn set_bang<T>(mut a: Vec<T>, i: Nat, v: T) -> Vec<T> {
        if let Some(slot) = a.get_mut(i.as_index()) {
            *slot = v;
        }
        a
    }
    pub fn push<T>(mut a: Vec<T>, v: T) -> Vec<T> {
        a.push(v);
        a
    }
    /// `a.pop`: the array without its last element (unchanged if empty).
    pub fn pop<T>(mut a: Vec<T>) -> Vec<T> {
        a.pop();
        a
    }
    pub fn append<T>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
        a.extend(b);
        a
    }
    /// `Array.range n` = `#[0, …, n − 1]`.
    pub fn range(n: Nat) -> Vec<Nat> {
        (0..n.0).map(Nat).collect()
    }
    /// `Array.replicate n v`.
    pub fn replicate<T: Clone>(n: Nat, v: T) -> Vec<T> {
        vec![v; n.as_index()]
    }
    pub fn contains<T: PartialEq>(a: &[T], v: &T) -> bool {
        a.contains(v)
    }
    /// `a.extract lo hi`: elements `[lo, hi)` clamped to the array.
    pub fn extract<T: Clone>(a: &[T], lo: Nat, hi: Nat) -> Vec<T> {
        let hi = hi.as_index().min(a.len());
        let lo = lo.as_index().min(hi);
        a[lo..hi].to_vec()
    }
    pub fn reverse<T>(mut a: Vec<T>) -> Vec<T> {
        a.reverse();
        a
    }
}

/// `[a:b]` ranges of `for` loops.
pub fn range(lo: Nat, hi: Nat) -> impl Iterator<Item = Nat> {
    (lo.0..hi.0.max(lo.0)).map(Nat)
}
