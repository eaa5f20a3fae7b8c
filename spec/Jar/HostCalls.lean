/-!
# The host calls of accumulation (Gray Paper B.7, appendix B "General functions" and
"Accumulate functions")

A service's accumulate code reaches the state through `ecalli n`. Each host call first charges
its gas (10; `transfer` 10 plus the gas it sends): a guest that cannot pay stops out of
gas. Then its checks run in the GP's order, and the order is the contract: a memory range the
call must read or write that is not accessible panics the guest before any privilege or
existence check answers with an error code in φ₇. A call the accumulation context does not know
answers WHAT.

The context is the GP's pair of implications (x, y): x is what the service has done so far, y
what survives if it panics or runs out of gas (`checkpoint` copies x to y).
-/
import Jar.ServiceAccounts
import Jar.JAVM.Seam
import Jar.JAVM.Standard

namespace Jar

open Jar.JAVM

variable [JarVariant]

/-! ## Result codes (GP B.1) -/

def HOST_NONE : UInt64 := 0xFFFFFFFFFFFFFFFF
def HOST_WHAT : UInt64 := 0xFFFFFFFFFFFFFFFE
def HOST_OOB : UInt64 := 0xFFFFFFFFFFFFFFFD
def HOST_WHO : UInt64 := 0xFFFFFFFFFFFFFFFC
def HOST_FULL : UInt64 := 0xFFFFFFFFFFFFFFFB
def HOST_CORE : UInt64 := 0xFFFFFFFFFFFFFFFA
def HOST_CASH : UInt64 := 0xFFFFFFFFFFFFFFF9
def HOST_LOW : UInt64 := 0xFFFFFFFFFFFFFFF8
def HOST_HUH : UInt64 := 0xFFFFFFFFFFFFFFF7
def HOST_OK : UInt64 := 0

/-- φ₇ = 2⁶⁴ − 1 names the calling service itself in `lookup`, `read`, `info` and `provide`. -/
def SELF_ID : Nat := 18446744073709551615

/-- The gas every host call costs. -/
def HOST_CALL_GAS : Nat := 10

/-! ## The accumulation context -/

/-- A deferred transfer (GP 12.14): sent during accumulation, delivered to its destination's
accumulation in the next round of the same block. -/
structure DeferredTransfer where
  source : ServiceId
  dest : ServiceId
  amount : UInt64
  /-- W_T bytes. -/
  memo : BytesN 128
  gas : Gas
  deriving BEq, Repr, Inhabited

/-- The part of the state accumulation may change (GP 12.13): accounts, the staging validator
keys ι, the authorizer queues φ and the privileges χ. -/
structure PartialState where
  accounts : Array AccountEntry
  staging : Array ValidatorKeys
  authQueues : Array (Array Hash)
  privileges : Privileges
  deriving BEq, Repr, Inhabited

/-- A preimage a service provides to service `service` (GP `provide`). -/
structure Provision where
  service : ServiceId
  blob : ByteArray
  deriving BEq, Repr, Inhabited

/-- The implications of an accumulation so far (GP B.7, X). -/
structure Implications where
  id : ServiceId
  state : PartialState
  nextFreeId : ServiceId
  transfers : Array DeferredTransfer
  yield : Option Hash
  provisions : Array Provision
  deriving BEq, Repr, Inhabited

/-- An operand of accumulation (GP 12.15): one work digest with its report's context. -/
structure Operand where
  packageHash : Hash
  segmentRoot : Hash
  authorizerHash : Hash
  payloadHash : Hash
  gasLimit : CompactNat 8
  result : WorkExecResult
  authOutput : ByteArray
  deriving BEq, Repr, Inhabited

/-- One input of a service's accumulation: an operand or a transfer to it. The codec's tag (0, 1)
is the GP's. -/
inductive AccumulateInput where
  | operand (o : Operand)
  | transfer (t : DeferredTransfer)
  deriving BEq, Repr, Inhabited

/-- E(↕i): the inputs in the variant's codec, as `fetch` hands them out. -/
@[extern "jarkit_encode_accumulate_inputs"]
opaque encodeAccumulateInputs [JarVariant] : Array AccumulateInput → ByteArray

/-- E(i): one input in the variant's codec. -/
@[extern "jarkit_encode_accumulate_input"]
opaque encodeAccumulateInput [JarVariant] : AccumulateInput → ByteArray

/-- The 32 bytes `b` as a hash (`b` has 32 bytes wherever the spec calls this; shorter input is
padded with zeros, longer cut). -/
@[extern "jarkit_hash_of_bytes"]
opaque hashOfBytes : ByteArray → Hash

/-- A validator's keys from their 336-byte encoding. -/
@[extern "jarkit_validator_keys_of_bytes"]
opaque validatorKeysOfBytes : ByteArray → ValidatorKeys

/-- The accumulating service's own account (x_s). -/
def Implications.own (x : Implications) : ServiceAccount := (findAccount x.state.accounts x.id).getD default

/-- x with the accumulating service's account replaced. -/
def Implications.withSelf (x : Implications) (a : ServiceAccount) : Implications :=
  { x with state := { x.state with accounts := setAccount x.state.accounts x.id a } }

/-! ## Guest memory as host calls see it -/

/-- Whether every byte of `[addr, addr + n)` is readable (or writable, if `write`); a range past
2³² is not. The empty range always is. -/
def rangeAccessible (mem : Memory) (addr n : Nat) (write : Bool) : Bool := Id.run do
  if n == 0 then
    return true
  -- Written so that no intermediate value passes 64 bits in the Rust.
  if addr >= 2 ^ 32 || n > 2 ^ 32 - addr then
    return false
  for p in [addr / PAGE_BYTES:(addr + n - 1) / PAGE_BYTES + 1] do
    match mem.accessOf p with
    | none => return false
    | some writable =>
      if write && !writable then
        return false
  return true

/-- The bytes `[addr, addr + n)` of an accessible range, a page at a time. -/
def readBytes (mem : Memory) (addr n : Nat) : ByteArray := Id.run do
  let mut out := ByteArray.empty
  let mut pos := 0
  for _ in [:n / PAGE_BYTES + 2] do
    if pos >= n then
      break
    let a := addr + pos
    let off := a % PAGE_BYTES
    let len := min (PAGE_BYTES - off) (n - pos)
    match mem.findPage (a / PAGE_BYTES) with
    | some i => out := out ++ mem.pages[i]!.data.extract off (off + len)
    | none => out := out ++ zeroBytes len
    pos := pos + len
  return out

/-- The memory with `data` written at `addr` (a writable range), a page at a time. -/
def writeBytes (mem : Memory) (addr : Nat) (data : ByteArray) : Memory := Id.run do
  let mut out := mem
  let mut pos := 0
  for _ in [:data.size / PAGE_BYTES + 2] do
    if pos >= data.size then
      break
    let a := addr + pos
    let off := a % PAGE_BYTES
    let len := min (PAGE_BYTES - off) (data.size - pos)
    let chunk := data.extract pos (pos + len)
    match out.findPage (a / PAGE_BYTES) with
    | some i =>
      let page := out.pages[i]!
      out := { out with pages := out.pages.set! i { page with data := page.data.extract 0 off ++ chunk ++ page.data.extract (off + len) PAGE_BYTES } }
    | none =>
      out := { out with pages := out.pages.push { index := a / PAGE_BYTES, data := zeroBytes off ++ chunk ++ zeroBytes (PAGE_BYTES - off - len) } }
    pos := pos + len
  return out

/-- The `n`-byte (at most 8) little-endian number at `pos` of `b`, in 64 bits. -/
def decodeLE (b : ByteArray) (pos n : Nat) : UInt64 := Id.run do
  let mut acc : UInt64 := 0
  for k in [:n] do
    acc := acc ||| (b[pos + k]!.toUInt64 <<< (8 * k).toUInt64)
  return acc

/-- E_n(x): `x` as `n` little-endian bytes. -/
def encodeLE (x n : Nat) : ByteArray := Id.run do
  let mut out := ByteArray.empty
  let mut v := x
  for _ in [:n] do
    out := out.push (v % 256).toUInt8
    v := v / 256
  return out

/-! ## One host call -/

/-- How a host call ends for the guest. -/
inductive HostOutcome where
  | proceed
  | panic
  | outOfGas
  deriving BEq, Repr, Inhabited

/-- The guest and the context after one host call. -/
structure HostStep where
  outcome : HostOutcome
  machine : Machine
  x : Implications
  y : Implications
  deriving Inhabited

/-- Register `r` as a number. -/
def hostReg (m : Machine) (r : Nat) : Nat := m.regs[r]!.toNat

/-- The machine with φ_r set. -/
def withReg (m : Machine) (r : Nat) (v : UInt64) : Machine := { m with regs := m.regs.set! r v }

/-- Goes on with φ₇ = `v` and context x. -/
def answer (m : Machine) (v : UInt64) (x y : Implications) : HostStep :=
  { outcome := .proceed, machine := withReg m 7 v, x := x, y := y }

/-- Panics the guest; the context is dropped with it. -/
def hostPanic (m : Machine) (x y : Implications) : HostStep :=
  { outcome := .panic, machine := m, x := x, y := y }

/-- The common end of `fetch`, `lookup`, `read` and `info`: the slice [f, f + l) of `v` (f = φ_a,
l = φ_b, each clamped) written at `o`, φ₇ = |v|; NONE without a value; a panic if the slice's
range is not writable. -/
def answerBlob (m : Machine) (v : Option ByteArray) (o fReg lReg : Nat) (x y : Implications) : HostStep :=
  let size := match v with
    | some b => b.size
    | none => 0
  let f := min (hostReg m fReg) size
  let l := min (hostReg m lReg) (size - f)
  if !rangeAccessible m.memory o l true then hostPanic m x y
  else match v with
    | none => answer m HOST_NONE x y
    | some b => answer { m with memory := writeBytes m.memory o (b.extract f (f + l)) } size.toUInt64 x y

/-- The hash at `φ_r`, if its 32 bytes are readable. -/
def hashAt (m : Machine) (r : Nat) : Option Hash :=
  if rangeAccessible m.memory (hostReg m r) 32 false then some (hashOfBytes (readBytes m.memory (hostReg m r) 32)) else none

/-- The protocol configuration `fetch` gives in mode 0 (GP B.5): every constant a service may
depend on, in a fixed order and width. -/
def configBlob : ByteArray :=
  encodeLE B_I 8 ++ encodeLE B_L 8 ++ encodeLE B_S 8 ++ encodeLE C 2 ++ encodeLE D_EXPUNGE 4 ++ encodeLE E 4
    ++ encodeLE G_A 8 ++ encodeLE G_I 8 ++ encodeLE G_R 8 ++ encodeLE G_T 8
    ++ encodeLE H_RECENT 2 ++ encodeLE I_MAX_ITEMS 2 ++ encodeLE J 2 ++ encodeLE K_MAX_TICKETS 2
    ++ encodeLE L_MAX_ANCHOR 4 ++ encodeLE N_TICKETS 2 ++ encodeLE O_POOL 2 ++ encodeLE P_SLOT_SECONDS 2
    ++ encodeLE Q_QUEUE 2 ++ encodeLE R_ROTATION 2 ++ encodeLE T_MAX_EXTRINSICS 2 ++ encodeLE U_TIMEOUT 2
    ++ encodeLE V 2 ++ encodeLE W_A 4 ++ encodeLE W_B 4 ++ encodeLE W_C 4 ++ encodeLE W_E 4 ++ encodeLE W_M 4
    ++ encodeLE W_P 4 ++ encodeLE W_R 4 ++ encodeLE W_T 4 ++ encodeLE W_X 4 ++ encodeLE Y_TAIL 4

/-- `fetch` (1) in accumulation: mode φ₁₀ 0 the configuration, 1 the entropy η′₀, 14 all
inputs, 15 input φ₁₁; anything else has no value. -/
def hostFetch (m : Machine) (x y : Implications) (eta0 : Hash) (inputs : Array AccumulateInput) : HostStep :=
  let mode := hostReg m 10
  let v : Option ByteArray :=
    if mode == 0 then some configBlob
    else if mode == 1 then some eta0.data
    else if mode == 14 then some (encodeAccumulateInputs inputs)
    else if mode == 15 && hostReg m 11 < inputs.size then some (encodeAccumulateInput inputs[hostReg m 11]!)
    else none
  answerBlob m v (hostReg m 7) 8 9 x y

/-- The account a `lookup`/`read` names by φ₇ (2⁶⁴ − 1 or its own id: the service itself), with
its id. -/
def namedAccount (x : Implications) (r : Nat) : Option (ServiceId × ServiceAccount) :=
  if r == SELF_ID || r == x.id.toNat then some (x.id, x.own)
  else if r >= 2 ^ 32 then none
  else match findAccount x.state.accounts r.toUInt32 with
    | none => none
    | some a => some (r.toUInt32, a)

/-- `lookup` (2): the preimage of the hash at φ₈ in the named account, written at φ₉. -/
def hostLookup (m : Machine) (x y : Implications) : HostStep :=
  match hashAt m 8 with
  | none => hostPanic m x y
  | some h =>
    let v := match namedAccount x (hostReg m 7) with
      | none => none
      | some (s, a) => a.preimageOf s h
    answerBlob m v (hostReg m 9) 10 11 x y

/-- `read` (3): the storage value under the key at [φ₈, φ₈ + φ₉) of the named account, written
at φ₁₀. -/
def hostRead (m : Machine) (x y : Implications) : HostStep :=
  if !rangeAccessible m.memory (hostReg m 8) (hostReg m 9) false then hostPanic m x y
  else
    let k := readBytes m.memory (hostReg m 8) (hostReg m 9)
    let v := match namedAccount x (hostReg m 7) with
      | none => none
      | some (s, a) => a.storageValue s k
    answerBlob m v (hostReg m 10) 11 12 x y

/-- `write` (4): sets (φ₁₀ = 0: removes) the storage value under the key at [φ₇, φ₇ + φ₈) to
[φ₉, φ₉ + φ₁₀); φ₇ = the old value's length or NONE; FULL if the account could no longer afford
its deposit. -/
def hostWrite (m : Machine) (x y : Implications) : HostStep :=
  let kO := hostReg m 7
  let kZ := hostReg m 8
  let vO := hostReg m 9
  let vZ := hostReg m 10
  if !rangeAccessible m.memory kO kZ false then hostPanic m x y
  else if vZ != 0 && !rangeAccessible m.memory vO vZ false then hostPanic m x y
  else
    let k := readBytes m.memory kO kZ
    let own := x.own
    let old := match own.storageValue x.id k with
      | some v => v.size.toUInt64
      | none => HOST_NONE
    let value := if vZ == 0 then ByteArray.empty else readBytes m.memory vO vZ
    let a := own.writeStorage x.id k value
    if minBalance a.info > a.info.balance.toNat then answer m HOST_FULL x y
    else answer m old (x.withSelf a) y

/-- The 96 bytes `info` gives of an account. -/
def encodeAccountInfo (i : ServiceInfo) : ByteArray :=
  i.codeHash.data ++ encodeLE i.balance.toNat 8 ++ encodeLE (minBalance i) 8 ++ encodeLE i.minItemGas.toNat 8
    ++ encodeLE i.minMemoGas.toNat 8 ++ encodeLE i.bytes.toNat 8 ++ encodeLE i.items.toNat 4
    ++ encodeLE i.depositOffset.toNat 8 ++ encodeLE i.creationSlot.toNat 4 ++ encodeLE i.lastAccumulationSlot.toNat 4
    ++ encodeLE i.parentService.toNat 4

/-- `info` (5): the record of service φ₇ (2⁶⁴ − 1: itself), written at φ₈. -/
def hostInfo (m : Machine) (x y : Implications) : HostStep :=
  let r := hostReg m 7
  let s := if r == SELF_ID then x.id.toNat else r
  let a : Option ServiceAccount := if s >= 2 ^ 32 then none else findAccount x.state.accounts s.toUInt32
  let v := match a with
    | none => none
    | some acc => some (encodeAccountInfo acc.info)
  answerBlob m v (hostReg m 8) 9 10 x y

/-- `entries` with `e` inserted in id order. -/
def insertAlwaysAccumulate (entries : Array AlwaysAccumulate) (e : AlwaysAccumulate) : Array AlwaysAccumulate := Id.run do
  let mut out : Array AlwaysAccumulate := #[]
  let mut placed := false
  for x in entries do
    if !placed && e.id < x.id then
      out := out.push e
      placed := true
    out := out.push x
  if !placed then
    out := out.push e
  return out

/-- `bless` (14): sets the manager φ₇, the assigners (C ids at φ₈), the designator φ₉, the
registrar φ₁₀ and the always-accumulate services (φ₁₂ pairs of E₄ id, E₈ gas at φ₁₁). -/
def hostBless (m : Machine) (x y : Implications) : HostStep := Id.run do
  let n := hostReg m 12
  if !rangeAccessible m.memory (hostReg m 8) (4 * C) false then
    return hostPanic m x y
  if n > 2 ^ 32 || !rangeAccessible m.memory (hostReg m 11) (12 * n) false then
    return hostPanic m x y
  if hostReg m 7 >= 2 ^ 32 || hostReg m 9 >= 2 ^ 32 || hostReg m 10 >= 2 ^ 32 then
    return answer m HOST_WHO x y
  let aBytes := readBytes m.memory (hostReg m 8) (4 * C)
  let mut assign : Array ServiceId := #[]
  for c in [:C] do
    assign := assign.push (decodeLE aBytes (4 * c) 4).toUInt32
  let zBytes := readBytes m.memory (hostReg m 11) (12 * n)
  let mut always : Array AlwaysAccumulate := #[]
  for i in [:n] do
    let s := (decodeLE zBytes (12 * i) 4).toUInt32
    let g := (decodeLE zBytes (12 * i + 4) 8).toUInt64
    always := (always.filter (fun e => e.id != s))
    always := insertAlwaysAccumulate always { id := s, gas := g }
  let p : Privileges := { bless := (hostReg m 7).toUInt32, assign := assign, designate := (hostReg m 9).toUInt32,
    register := (hostReg m 10).toUInt32, alwaysAcc := always }
  return answer m HOST_OK { x with state := { x.state with privileges := p } } y

/-- `assign` (15): core φ₇'s authorizer queue (Q hashes at φ₈) and its assigner φ₉, by the
core's current assigner. -/
def hostAssign (m : Machine) (x y : Implications) : HostStep := Id.run do
  let c := hostReg m 7
  if !rangeAccessible m.memory (hostReg m 8) (32 * Q_QUEUE) false then
    return hostPanic m x y
  if c >= C then
    return answer m HOST_CORE x y
  if x.id != x.state.privileges.assign[c]! then
    return answer m HOST_HUH x y
  if hostReg m 9 >= 2 ^ 32 then
    return answer m HOST_WHO x y
  let bytes := readBytes m.memory (hostReg m 8) (32 * Q_QUEUE)
  let mut q : Array Hash := #[]
  for i in [:Q_QUEUE] do
    q := q.push (hashOfBytes (bytes.extract (32 * i) (32 * i + 32)))
  let p := x.state.privileges
  let state' := { x.state with authQueues := x.state.authQueues.set! c q,
    privileges := { p with assign := p.assign.set! c (hostReg m 9).toUInt32 } }
  return answer m HOST_OK { x with state := state' } y

/-- The bytes of one validator's keys. -/
def VALIDATOR_KEYS_BYTES : Nat := 336

/-- `designate` (16): the staging validator keys (V records at φ₇), by the designator. -/
def hostDesignate (m : Machine) (x y : Implications) : HostStep := Id.run do
  if !rangeAccessible m.memory (hostReg m 7) (VALIDATOR_KEYS_BYTES * V) false then
    return hostPanic m x y
  if x.id != x.state.privileges.designate then
    return answer m HOST_HUH x y
  let bytes := readBytes m.memory (hostReg m 7) (VALIDATOR_KEYS_BYTES * V)
  let mut keys : Array ValidatorKeys := #[]
  for i in [:V] do
    keys := keys.push (validatorKeysOfBytes (bytes.extract (VALIDATOR_KEYS_BYTES * i) (VALIDATOR_KEYS_BYTES * (i + 1))))
  return answer m HOST_OK { x with state := { x.state with staging := keys } } y

/-- check (GP B.10): the first index from `i` on, stepping through the public range, that no
account in `d` has. The fuel bounds the search by the accounts there are. -/
def checkIndex (d : Array AccountEntry) (i : Nat) : ServiceId := Id.run do
  let mut cur := i
  for _ in [:d.size + 1] do
    if !hasAccount d cur.toUInt32 then
      return cur.toUInt32
    cur := (cur - S_MIN + 1) % (2 ^ 32 - S_MIN - 2 ^ 8) + S_MIN
  return cur.toUInt32

/-- `new` (18): creates a service with code hash at φ₇ of length φ₈, gas limits φ₉ and φ₁₀ and
gratis φ₁₁, funded by the creator with its deposit; the registrar may choose an index φ₁₂ below
S. φ₇ = the new index. -/
def hostNew (m : Machine) (x y : Implications) (t : TimeSlot) : HostStep := Id.run do
  let l := hostReg m 8
  let gratis := hostReg m 11
  let desired := hostReg m 12
  let some c := hashAt m 7 | return hostPanic m x y
  if l >= 2 ^ 32 then
    return hostPanic m x y
  let p := x.state.privileges
  if gratis != 0 && x.id != p.bless then
    return answer m HOST_HUH x y
  let info : ServiceInfo := { version := 0, codeHash := c, balance := 0, minItemGas := (hostReg m 9).toUInt64,
    minMemoGas := (hostReg m 10).toUInt64, bytes := (81 + l).toUInt64, depositOffset := (hostReg m 11).toUInt64, items := 2,
    creationSlot := t, lastAccumulationSlot := 0, parentService := x.id }
  let cost := minBalance info
  let own := x.own
  if own.info.balance.toNat < cost || own.info.balance.toNat - cost < minBalance own.info then
    return answer m HOST_CASH x y
  let own' := { own with info := { own.info with balance := (own.info.balance.toNat - cost).toUInt64 } }
  let d := x.state.accounts
  let registrarPick := x.id == p.register && desired < S_MIN
  if registrarPick && hasAccount d desired.toUInt32 then
    return answer m HOST_FULL x y
  let id := if registrarPick then desired.toUInt32 else x.nextFreeId
  let fresh : ServiceAccount := { info := { info with balance := cost.toUInt64 }, items := #[] }
  let fresh' := fresh.putItem (lookupKey id c l) (encodeTimeslots #[]) (ItemName.request c l)
  let d' := setAccount (setAccount d x.id own') id fresh'
  let next := if registrarPick then x.nextFreeId
    else checkIndex d' (S_MIN + (x.nextFreeId.toNat - S_MIN + 42) % (2 ^ 32 - S_MIN - 2 ^ 8))
  return answer m id.toUInt64 { x with state := { x.state with accounts := d' }, nextFreeId := next } y

/-- `upgrade` (19): the service's code hash (at φ₇) and gas limits φ₈, φ₉. -/
def hostUpgrade (m : Machine) (x y : Implications) : HostStep :=
  match hashAt m 7 with
  | none => hostPanic m x y
  | some c =>
    let own := x.own
    let own' := { own with info := { own.info with codeHash := c, minItemGas := (hostReg m 8).toUInt64, minMemoGas := (hostReg m 9).toUInt64 } }
    answer m HOST_OK (x.withSelf own') y

/-- `transfer` (20): sends φ₈ to service φ₇ with gas φ₉ and the memo at φ₁₀, deferred to the
next round (the gas sent was charged with the call). -/
def hostTransfer (m : Machine) (x y : Implications) : HostStep := Id.run do
  let dest := hostReg m 7
  let amount := hostReg m 8
  let l := hostReg m 9
  if !rangeAccessible m.memory (hostReg m 10) W_T false then
    return hostPanic m x y
  let d := x.state.accounts
  let target := if dest >= 2 ^ 32 then none else findAccount d dest.toUInt32
  let some t := target | return answer m HOST_WHO x y
  if l < t.info.minMemoGas.toNat then
    return answer m HOST_LOW x y
  let own := x.own
  if own.info.balance.toNat < amount || own.info.balance.toNat - amount < minBalance own.info then
    return answer m HOST_CASH x y
  let tr : DeferredTransfer := { source := x.id, dest := dest.toUInt32, amount := amount.toUInt64,
    memo := readBytes m.memory (hostReg m 10) W_T, gas := l.toUInt64 }
  let own' := { own with info := { own.info with balance := (own.info.balance.toNat - amount).toUInt64 } }
  let x' := (x.withSelf own')
  return answer m HOST_OK { x' with transfers := x'.transfers.push tr } y

/-- E₃₂(s): a service id as a 32-byte code hash (an account whose code hash is its parent's id
has been marked for ejection by it). -/
def idAsCodeHash (s : ServiceId) : Hash := hashOfBytes (encodeLE s.toNat 32)

/-- `eject` (21): removes service φ₇, whose code hash names this service and whose only item is
the request for the preimage at φ₈ forgotten long enough ago; its balance comes here. -/
def hostEject (m : Machine) (x y : Implications) (t : TimeSlot) : HostStep := Id.run do
  let some h := hashAt m 8 | return hostPanic m x y
  let dId := hostReg m 7
  let d := x.state.accounts
  let target := if dId == x.id.toNat || dId >= 2 ^ 32 then none else findAccount d dId.toUInt32
  let some acc := target | return answer m HOST_WHO x y
  if acc.info.codeHash != idAsCodeHash x.id then
    return answer m HOST_WHO x y
  let l := max 81 acc.info.bytes.toNat - 81
  if acc.info.items != 2 then
    return answer m HOST_HUH x y
  match acc.requestOf dId.toUInt32 h l with
  | none => return answer m HOST_HUH x y
  | some slots =>
    if slots.size == 2 && slots[1]!.toNat < t.toNat - D_EXPUNGE then
      let own := x.own
      let own' := { own with info := { own.info with balance := own.info.balance + acc.info.balance } }
      let d' := setAccount (removeAccount d dId.toUInt32) x.id own'
      return answer m HOST_OK { x with state := { x.state with accounts := d' } } y
    return answer m HOST_HUH x y

/-- `query` (22): the state of the request for the preimage at φ₇ of length φ₈, packed into φ₇
and φ₈. -/
def hostQuery (m : Machine) (x y : Implications) : HostStep := Id.run do
  let some h := hashAt m 7 | return hostPanic m x y
  let z := hostReg m 8
  let slots := if z >= 2 ^ 32 then none else x.own.requestOf x.id h z
  let some a := slots | return { outcome := .proceed, machine := withReg (withReg m 7 HOST_NONE) 8 0, x := x, y := y }
  let first : UInt64 := if a.size == 0 then 0 else a[0]!.toUInt64 <<< 32
  let r7 : UInt64 := a.size.toUInt64 + first
  let r8 : UInt64 :=
    if a.size == 2 then a[1]!.toUInt64
    else if a.size == 3 then a[1]!.toUInt64 + (a[2]!.toUInt64 <<< 32)
    else 0
  return { outcome := .proceed, machine := withReg (withReg m 7 r7) 8 r8, x := x, y := y }

/-- `solicit` (23): asks for the preimage at φ₇ of length φ₈ (a new request), or asks again for
one that was provided and forgotten. -/
def hostSolicit (m : Machine) (x y : Implications) (t : TimeSlot) : HostStep := Id.run do
  let some h := hashAt m 7 | return hostPanic m x y
  let z := hostReg m 8
  -- Preimage lengths are 32-bit (the request's key holds E₄ of it): no longer one can be asked for.
  if z >= 2 ^ 32 then
    return answer m HOST_HUH x y
  let own := x.own
  let a' := match own.requestOf x.id h z with
    | none => some (own.setRequest x.id h z #[])
    | some slots => if slots.size == 2 then some (own.setRequest x.id h z (slots.push t)) else none
  let some a := a' | return answer m HOST_HUH x y
  if a.info.balance.toNat < minBalance a.info then
    return answer m HOST_FULL x y
  return answer m HOST_OK (x.withSelf a) y

/-- `forget` (24): withdraws the request for the preimage at φ₇ of length φ₈: dropped with its
preimage if never provided or unavailable long enough, otherwise marked unavailable now. -/
def hostForget (m : Machine) (x y : Implications) (t : TimeSlot) : HostStep := Id.run do
  let some h := hashAt m 7 | return hostPanic m x y
  let z := hostReg m 8
  let own := x.own
  let slots := if z >= 2 ^ 32 then none else own.requestOf x.id h z
  let some r := slots | return answer m HOST_HUH x y
  let old := t.toNat - D_EXPUNGE
  let a' :=
    if r.size == 0 || (r.size == 2 && r[1]!.toNat < old) then some ((own.dropRequest x.id h z).dropPreimage x.id h)
    else if r.size == 1 then some (own.setRequest x.id h z #[r[0]!, t])
    else if r.size == 3 && r[1]!.toNat < old then some (own.setRequest x.id h z #[r[2]!, t])
    else none
  let some a := a' | return answer m HOST_HUH x y
  return answer m HOST_OK (x.withSelf a) y

/-- `yield` (25): the hash at φ₇ becomes the accumulation's output. -/
def hostYield (m : Machine) (x y : Implications) : HostStep :=
  match hashAt m 7 with
  | none => hostPanic m x y
  | some h => answer m HOST_OK { x with yield := some h } y

/-- `provide` (26): offers the preimage at [φ₈, φ₈ + φ₉) to service φ₇ (2⁶⁴ − 1: itself), which
must have asked for it and not yet have it; it is stored after the round. -/
def hostProvide (m : Machine) (x y : Implications) : HostStep := Id.run do
  let r := hostReg m 7
  let s := if r == SELF_ID then x.id.toNat else r
  let z := hostReg m 9
  if !rangeAccessible m.memory (hostReg m 8) z false then
    return hostPanic m x y
  let target := if s >= 2 ^ 32 then none else findAccount x.state.accounts s.toUInt32
  let some a := target | return answer m HOST_WHO x y
  let blob := readBytes m.memory (hostReg m 8) z
  match a.requestOf s.toUInt32 (blake2b256 blob) z with
  | some slots =>
    if !slots.isEmpty then
      return answer m HOST_HUH x y
  | none => return answer m HOST_HUH x y
  let p : Provision := { service := s.toUInt32, blob := blob }
  if x.provisions.contains p then
    return answer m HOST_HUH x y
  return answer m HOST_OK { x with provisions := x.provisions.push p } y

/-- The host-call ids of accumulation (GP B.7; `log` is JIP-1's). -/
def CALL_GAS : Nat := 0
def CALL_FETCH : Nat := 1
def CALL_LOOKUP : Nat := 2
def CALL_READ : Nat := 3
def CALL_WRITE : Nat := 4
def CALL_INFO : Nat := 5
def CALL_BLESS : Nat := 14
def CALL_ASSIGN : Nat := 15
def CALL_DESIGNATE : Nat := 16
def CALL_CHECKPOINT : Nat := 17
def CALL_NEW : Nat := 18
def CALL_UPGRADE : Nat := 19
def CALL_TRANSFER : Nat := 20
def CALL_EJECT : Nat := 21
def CALL_QUERY : Nat := 22
def CALL_SOLICIT : Nat := 23
def CALL_FORGET : Nat := 24
def CALL_YIELD : Nat := 25
def CALL_PROVIDE : Nat := 26
def CALL_LOG : Nat := 100

/-- One host call `n` of accumulation at block slot `t` (GP B.7's F): charges its gas, then runs
the call on the context pair. -/
def accumulateHostCall (n : Nat) (m0 : Machine) (x y : Implications) (t : TimeSlot) (eta0 : Hash)
    (inputs : Array AccumulateInput) : HostStep :=
  -- `transfer` costs the gas it sends on top (g = 10 + φ₉), charged like the rest: up front,
  -- whatever the call then answers.
  let cost := if n == CALL_TRANSFER then capAdd HOST_CALL_GAS (hostReg m0 9) else HOST_CALL_GAS
  if m0.gas < cost then { outcome := .outOfGas, machine := { m0 with gas := 0 }, x := x, y := y }
  else
    let m := { m0 with gas := m0.gas - cost }
    if n == CALL_GAS then answer m m.gas.toUInt64 x y
    else if n == CALL_FETCH then hostFetch m x y eta0 inputs
    else if n == CALL_LOOKUP then hostLookup m x y
    else if n == CALL_READ then hostRead m x y
    else if n == CALL_WRITE then hostWrite m x y
    else if n == CALL_INFO then hostInfo m x y
    else if n == CALL_BLESS then hostBless m x y
    else if n == CALL_ASSIGN then hostAssign m x y
    else if n == CALL_DESIGNATE then hostDesignate m x y
    else if n == CALL_CHECKPOINT then answer m m.gas.toUInt64 x x
    else if n == CALL_NEW then hostNew m x y t
    else if n == CALL_UPGRADE then hostUpgrade m x y
    else if n == CALL_TRANSFER then hostTransfer m x y
    else if n == CALL_EJECT then hostEject m x y t
    else if n == CALL_QUERY then hostQuery m x y
    else if n == CALL_SOLICIT then hostSolicit m x y t
    else if n == CALL_FORGET then hostForget m x y t
    else if n == CALL_YIELD then hostYield m x y
    else if n == CALL_PROVIDE then hostProvide m x y
    -- A debug message for the node's log: nothing the state sees.
    else if n == CALL_LOG then { outcome := .proceed, machine := m, x := x, y := y }
    else answer m HOST_WHAT x y

end Jar
