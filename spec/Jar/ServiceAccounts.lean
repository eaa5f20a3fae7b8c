/-!
# Service accounts as accumulation sees them (Gray Paper §9, D.1)

The state commits to a service's storage, preimages and preimage requests only through the keys
of its trie entries: C(s, h) hashes the item's name. So an account here is its record (the
`ServiceInfo` the state stores under C(255, s)) and its items, each under its state key; an item
may also carry its name (the storage key, the preimage's hash, the request's hash and length)
where it is known, which a vector needs to print the item and the trie never does. Every rule
finds an item by computing its state key from the name it is given, so an account loaded from a
trie (names unknown) and one loaded from a vector (names known) behave the same.

The record's `items` and `bytes` (a_i, a_o) are kept as the state stores them and moved by each
change: a storage entry counts one item and 34 + |key| + |value| bytes, a preimage request two
items and 81 + its length bytes; provided preimages count nothing.
-/
import Jar.AccumulateQueue

namespace Jar

variable [JarVariant]

/-- What a service item is, where that is known. -/
inductive ItemName where
  | unknown
  /-- A storage entry, by its key. -/
  | storage (key : ByteArray)
  /-- A provided preimage, by its hash. -/
  | preimage (hash : Hash)
  /-- A preimage request (its timeslots), by the preimage's hash and length. -/
  | request (hash : Hash) (length : Nat)
  deriving BEq, Repr, Inhabited

/-- One item of a service: its state key (31 bytes), value and name. -/
structure ServiceItem where
  key : ByteArray
  value : ByteArray
  name : ItemName
  deriving BEq, Repr, Inhabited

/-- A service account: its record and its items. -/
structure ServiceAccount where
  info : ServiceInfo
  items : Array ServiceItem
  deriving BEq, Repr, Inhabited

/-- δ as accumulation sees it: accounts by service id, in id order. -/
structure AccountEntry where
  id : ServiceId
  account : ServiceAccount
  deriving BEq, Repr, Inhabited

/-- A lookup record's timeslots (E(↕[E₄(t)]), at most three), or `none` if the bytes are not one. -/
def decodeTimeslots (bytes : ByteArray) : Option (Array TimeSlot) := Id.run do
  if bytes.size == 0 then
    return none
  let n := bytes[0]!.toNat
  if n > 3 || bytes.size != 1 + 4 * n then
    return none
  let mut out : Array TimeSlot := #[]
  for k in [:n] do
    out := out.push (decodeU32LE bytes (1 + 4 * k)).toUInt32
  return some out

/-- A lookup record's encoding. -/
def encodeTimeslots (slots : Array TimeSlot) : ByteArray := Id.run do
  let mut out := encodeCompactNat slots.size
  for t in slots do
    out := out ++ encodeU32LE t.toNat
  return out

/-- 2⁶⁴ − 1: balances and gas are 64-bit quantities (N_B, N_G). -/
def U64_MAX : Nat := 18446744073709551615

/-- a + b, held at 2⁶⁴ − 1. Sums of balances or gas that a valid state keeps far below 2⁶⁴
can reach it in a hostile one; capping keeps every such sum a 64-bit quantity, so the
arithmetic is the GP's wherever the GP's values fit. -/
def capAdd (a b : Nat) : Nat := if a > U64_MAX - b then U64_MAX else a + b

/-- a_t (GP 9.8): the balance an account must keep, B_S + B_I·a_i + B_L·a_o less its gratis
offset, never below zero. -/
def minBalance (i : ServiceInfo) : Nat :=
  capAdd B_S (capAdd (B_I * i.items.toNat) (B_L * i.bytes.toNat)) - i.depositOffset.toNat

/-- The account of service `s` in `d`. -/
def findAccount (d : Array AccountEntry) (s : ServiceId) : Option ServiceAccount := Id.run do
  for e in d do
    if e.id == s then
      return some e.account
  return none

/-- Whether `d` has an account for `s`. -/
def hasAccount (d : Array AccountEntry) (s : ServiceId) : Bool := (findAccount d s).isSome

/-- `d` with the account of `s` set to `a` (replaced, or inserted in id order). -/
def setAccount (d : Array AccountEntry) (s : ServiceId) (a : ServiceAccount) : Array AccountEntry := Id.run do
  let mut out : Array AccountEntry := #[]
  let mut placed := false
  for e in d do
    if !placed && s <= e.id then
      out := out.push { id := s, account := a }
      placed := true
      if e.id != s then
        out := out.push e
    else
      out := out.push e
  if !placed then
    out := out.push { id := s, account := a }
  return out

/-- `d` without the account of `s`. -/
def removeAccount (d : Array AccountEntry) (s : ServiceId) : Array AccountEntry :=
  d.filter (fun e => e.id != s)

/-- The value of the item at state key `key`. -/
def ServiceAccount.itemAt (a : ServiceAccount) (key : ByteArray) : Option ByteArray := Id.run do
  for i in a.items do
    if i.key == key then
      return some i.value
  return none

/-- The account with the item at `key` set to `value` (replaced, or inserted in key order). -/
def ServiceAccount.putItem (a : ServiceAccount) (key value : ByteArray) (name : ItemName) : ServiceAccount := Id.run do
  let mut out : Array ServiceItem := #[]
  let mut placed := false
  for i in a.items do
    if !placed && key <= i.key then
      out := out.push { key := key, value := value, name := name }
      placed := true
      if i.key != key then
        out := out.push i
    else
      out := out.push i
  if !placed then
    out := out.push { key := key, value := value, name := name }
  return { a with items := out }

/-- The account without the item at `key`. -/
def ServiceAccount.dropItem (a : ServiceAccount) (key : ByteArray) : ServiceAccount :=
  { a with items := a.items.filter (fun i => i.key != key) }

/-- a_s[k] of service `s`'s account `a`. -/
def ServiceAccount.storageValue (a : ServiceAccount) (s : ServiceId) (k : ByteArray) : Option ByteArray :=
  a.itemAt (storageKey s k)

/-- a_p[h]. -/
def ServiceAccount.preimageOf (a : ServiceAccount) (s : ServiceId) (h : Hash) : Option ByteArray :=
  a.itemAt (preimageKey s h)

/-- a_l[(h, z)]: the request's timeslots, `none` if there is no request (or its bytes are not a
lookup record). -/
def ServiceAccount.requestOf (a : ServiceAccount) (s : ServiceId) (h : Hash) (z : Nat) : Option (Array TimeSlot) :=
  match a.itemAt (lookupKey s h z) with
  | none => none
  | some v => decodeTimeslots v

/-- The account with storage entry `k` set to `v` (`v` empty: removed), its record's counts moved. -/
def ServiceAccount.writeStorage (a : ServiceAccount) (s : ServiceId) (k v : ByteArray) : ServiceAccount :=
  let key := storageKey s k
  let info := match a.itemAt key with
    | none => a.info
    | some old => { a.info with items := a.info.items - 1, bytes := a.info.bytes - (34 + k.size + old.size).toUInt64 }
  let a' := a.dropItem key
  if v.size == 0 then
    { a' with info := info }
  else
    let info' := { info with items := info.items + 1, bytes := info.bytes + (34 + k.size + v.size).toUInt64 }
    ({ a' with info := info' }).putItem key v (.storage k)

/-- The account with request (h, z) set to `slots`; a new request adds two items and 81 + z bytes. -/
def ServiceAccount.setRequest (a : ServiceAccount) (s : ServiceId) (h : Hash) (z : Nat) (slots : Array TimeSlot) : ServiceAccount :=
  let key := lookupKey s h z
  let info := match a.itemAt key with
    | none => { a.info with items := a.info.items + 2, bytes := a.info.bytes + (81 + z).toUInt64 }
    | some _ => a.info
  ({ a with info := info }).putItem key (encodeTimeslots slots) (.request h z)

/-- The account without request (h, z), its counts moved back. -/
def ServiceAccount.dropRequest (a : ServiceAccount) (s : ServiceId) (h : Hash) (z : Nat) : ServiceAccount :=
  let key := lookupKey s h z
  match a.itemAt key with
  | none => a
  | some _ =>
    let a' := a.dropItem key
    { a' with info := { a'.info with items := a'.info.items - 2, bytes := a'.info.bytes - (81 + z).toUInt64 } }

/-- The account with preimage `blob` of hash `h` stored. -/
def ServiceAccount.putPreimage (a : ServiceAccount) (s : ServiceId) (h : Hash) (blob : ByteArray) : ServiceAccount :=
  a.putItem (preimageKey s h) blob (.preimage h)

/-- The account without the preimage of hash `h`. -/
def ServiceAccount.dropPreimage (a : ServiceAccount) (s : ServiceId) (h : Hash) : ServiceAccount :=
  a.dropItem (preimageKey s h)

/-! The vectors print an account with its items by name (storage, preimage blobs, requests);
these convert between that view and the account. -/

/-- The account of service `s` that a vector's view gives (every item's name known). -/
def accountOfView (s : ServiceId) (v : AccountView) : ServiceAccount := Id.run do
  let mut a : ServiceAccount := { info := v.service, items := #[] }
  for e in v.storage do
    a := a.putItem (storageKey s e.key) e.value (.storage e.key)
  for p in v.preimageBlobs do
    a := a.putItem (preimageKey s p.hash) p.blob (.preimage p.hash)
  for r in v.preimageRequests do
    a := a.putItem (lookupKey s r.key.hash r.key.length.toNat) (encodeTimeslots r.value) (.request r.key.hash r.key.length.toNat)
  return a

/-- `entries` with `e` inserted in key order. -/
def insertStorageEntry (entries : Array StorageMapEntry) (e : StorageMapEntry) : Array StorageMapEntry := Id.run do
  let mut out : Array StorageMapEntry := #[]
  let mut placed := false
  for x in entries do
    if !placed && e.key < x.key then
      out := out.push e
      placed := true
    out := out.push x
  if !placed then
    out := out.push e
  return out

/-- Whether request key `a` comes before `b` (by hash, then length). -/
def requestBefore (a b : LookupMetaMapKey) : Bool :=
  a.hash < b.hash || (a.hash == b.hash && a.length < b.length)

/-- `entries` with `e` inserted in key order. -/
def insertRequest (entries : Array LookupMetaMapEntry) (e : LookupMetaMapEntry) : Array LookupMetaMapEntry := Id.run do
  let mut out : Array LookupMetaMapEntry := #[]
  let mut placed := false
  for x in entries do
    if !placed && requestBefore e.key x.key then
      out := out.push e
      placed := true
    out := out.push x
  if !placed then
    out := out.push e
  return out

/-- The view of an account: its named items, each kind sorted by its name. Items whose name is
unknown cannot be shown and are left out. -/
def viewOfAccount (a : ServiceAccount) : AccountView := Id.run do
  let mut storage : Array StorageMapEntry := #[]
  let mut blobs : Array PreimagesMapEntry := #[]
  let mut requests : Array LookupMetaMapEntry := #[]
  for i in a.items do
    match i.name with
    | .storage k => storage := insertStorageEntry storage { key := k, value := i.value }
    | .preimage h => blobs := insertPreimage blobs h i.value
    | .request h z =>
      requests := insertRequest requests { key := { hash := h, length := z.toUInt32 }, value := (decodeTimeslots i.value).getD #[] }
    | .unknown => storage := storage
  return { service := a.info, storage := storage, preimageBlobs := blobs, preimageRequests := requests }

end Jar
