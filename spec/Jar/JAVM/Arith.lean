/-!
# JAVM arithmetic

The integer operations of the JAVM (Gray Paper A.6) on 64-bit registers, written with unsigned
64-bit arithmetic only: signed comparisons, division and the high half of 128-bit products are
defined through their unsigned counterparts, so that every step is ordinary wrapping arithmetic.
-/
import Jar.JAVM.Isa

namespace Jar.JAVM

/-- The sign bit of a 64-bit value. -/
def SIGN64 : UInt64 := 0x8000000000000000

/-- The low `n` bytes (0 ≤ n ≤ 8) of `x`, sign-extended to 64 bits (X_n); zero for n = 0. -/
def sextBytes (x : UInt64) (n : Nat) : UInt64 :=
  if n == 0 then 0
  else if n >= 8 then x
  else
    let shift := (64 - 8 * n).toUInt64
    let shifted := x <<< shift
    -- Arithmetic shift right by `shift`, via the sign bit.
    let logical := shifted >>> shift
    if shifted &&& SIGN64 == 0 then logical
    else logical ||| (0xFFFFFFFFFFFFFFFF <<< (64 - shift))

/-- The low 32 bits of `x`, sign-extended: the result of every 32-bit operation. -/
def sext32 (x : UInt64) : UInt64 := sextBytes x 4

/-- Signed less-than on two's-complement 64-bit values. -/
def slt (a b : UInt64) : Bool := (a ^^^ SIGN64) < (b ^^^ SIGN64)

/-- Two's-complement negation. -/
def neg (a : UInt64) : UInt64 := 0 - a

/-- |a| of a signed value, as an unsigned number (|MIN| = MIN). -/
def absS (a : UInt64) : UInt64 := if a &&& SIGN64 == 0 then a else neg a

/-- Unsigned division; x / 0 = 2⁶⁴ − 1. -/
def divU (a b : UInt64) : UInt64 := if b == 0 then 0xFFFFFFFFFFFFFFFF else a / b

/-- Unsigned remainder; x % 0 = x. -/
def remU (a b : UInt64) : UInt64 := if b == 0 then a else a % b

/-- Signed division rounding toward zero; x / 0 = 2⁶⁴ − 1 and MIN / −1 = MIN. -/
def divS (a b : UInt64) : UInt64 :=
  if b == 0 then 0xFFFFFFFFFFFFFFFF
  else if a == SIGN64 && b == 0xFFFFFFFFFFFFFFFF then a
  else
    let q := absS a / absS b
    if (a ^^^ b) &&& SIGN64 == 0 then q else neg q

/-- Signed remainder with the sign of the dividend; x % 0 = x and MIN % −1 = 0. -/
def remS (a b : UInt64) : UInt64 :=
  if b == 0 then a
  else if a == SIGN64 && b == 0xFFFFFFFFFFFFFFFF then 0
  else
    let r := absS a % absS b
    if a &&& SIGN64 == 0 then r else neg r

/-- 32-bit signed division of the low halves, sign-extended. -/
def divS32 (a b : UInt64) : UInt64 := divS (sext32 a) (sext32 b) |> sext32

/-- 32-bit signed remainder of the low halves, sign-extended. -/
def remS32 (a b : UInt64) : UInt64 := remS (sext32 a) (sext32 b) |> sext32

/-- The high 64 bits of the unsigned 128-bit product a · b, by 32-bit limbs. -/
def mulUpperUU (a b : UInt64) : UInt64 :=
  let mask : UInt64 := 0xFFFFFFFF
  let (a0, a1) := (a &&& mask, a >>> 32)
  let (b0, b1) := (b &&& mask, b >>> 32)
  let p00 := a0 * b0
  let p01 := a0 * b1
  let p10 := a1 * b0
  let p11 := a1 * b1
  let middle := (p00 >>> 32) + (p01 &&& mask) + (p10 &&& mask)
  p11 + (p01 >>> 32) + (p10 >>> 32) + (middle >>> 32)

/-- The high 64 bits of the signed 128-bit product. -/
def mulUpperSS (a b : UInt64) : UInt64 :=
  let hi := mulUpperUU a b
  let hi := if a &&& SIGN64 == 0 then hi else hi - b
  if b &&& SIGN64 == 0 then hi else hi - a

/-- The high 64 bits of the product of signed `a` and unsigned `b`. -/
def mulUpperSU (a b : UInt64) : UInt64 :=
  let hi := mulUpperUU a b
  if a &&& SIGN64 == 0 then hi else hi - b

/-- Rotate left by `n` mod 64. -/
def rotl64 (x n : UInt64) : UInt64 :=
  let k := n &&& 63
  if k == 0 then x else (x <<< k) ||| (x >>> (64 - k))

/-- Rotate right by `n` mod 64. -/
def rotr64 (x n : UInt64) : UInt64 :=
  let k := n &&& 63
  if k == 0 then x else (x >>> k) ||| (x <<< (64 - k))

/-- Rotate the low 32 bits left by `n` mod 32; the result is sign-extended. -/
def rotl32 (x n : UInt64) : UInt64 :=
  let lo := x &&& 0xFFFFFFFF
  let k := n &&& 31
  if k == 0 then sext32 lo else sext32 ((lo <<< k) ||| (lo >>> (32 - k)))

/-- Rotate the low 32 bits right by `n` mod 32; the result is sign-extended. -/
def rotr32 (x n : UInt64) : UInt64 :=
  let lo := x &&& 0xFFFFFFFF
  let k := n &&& 31
  if k == 0 then sext32 lo else sext32 ((lo >>> k) ||| (lo <<< (32 - k)))

/-- Arithmetic shift right by `n` mod 64. -/
def sar64 (x n : UInt64) : UInt64 :=
  let k := n &&& 63
  let logical := x >>> k
  if x &&& SIGN64 == 0 || k == 0 then logical else logical ||| (0xFFFFFFFFFFFFFFFF <<< (64 - k))

/-- Arithmetic shift right of the low 32 bits by `n` mod 32, sign-extended. -/
def sar32 (x n : UInt64) : UInt64 := sar64 (sext32 x) (n &&& 31) |> sext32

/-- The number of set bits. -/
def popcount (x : UInt64) (bits : Nat) : UInt64 := Id.run do
  let mut n : UInt64 := 0
  for i in [:bits] do
    n := n + ((x >>> i.toUInt64) &&& 1)
  return n

/-- The number of leading zero bits among the low `bits` bits. -/
def clz (x : UInt64) (bits : Nat) : UInt64 := Id.run do
  let mut n : UInt64 := 0
  for k in [:bits] do
    if (x >>> (bits - 1 - k).toUInt64) &&& 1 == 1 then
      return n
    n := n + 1
  return n

/-- The number of trailing zero bits among the low `bits` bits. -/
def ctz (x : UInt64) (bits : Nat) : UInt64 := Id.run do
  let mut n : UInt64 := 0
  for k in [:bits] do
    if (x >>> k.toUInt64) &&& 1 == 1 then
      return n
    n := n + 1
  return n

/-- The bytes of `x` in reverse order. -/
def reverseBytes (x : UInt64) : UInt64 := Id.run do
  let mut out : UInt64 := 0
  for k in [:8] do
    out := (out <<< 8) ||| ((x >>> (8 * k).toUInt64) &&& 0xFF)
  return out

end Jar.JAVM
