/-!
# JAVM gas: the full pipeline model (reference)

The full model charges a basic block what it would take an out-of-order core to run it, cycle
by cycle. It is the model behind the per-block costs of the polkavm-spectool vectors, and the
reference the cheaper single-pass model (`GasModel.lean`) approximates.

The machine:

* a decoder of `DECODE_WIDTH` slots per cycle; an instruction takes 1 to 4 slots and waits for
  the next cycle when too few are left, or while the reorder buffer is full;
* a reorder buffer of `ROB_SIZE` entries. An instruction waits there for the instructions that
  produce its sources (the last writer of each source register: implicit renaming), then for
  free execution units, and starts; at most `DISPATCH_WIDTH` instructions start per cycle,
  oldest first;
* execution units per cycle: 4 ALU, 4 load, 4 store, 1 multiplier, 1 divider. An instruction
  holds its units until its latency has passed;
* instructions retire in order, any number per cycle, once executed;
* `move_reg` is renaming only: it takes a decode slot and makes its destination's producer the
  source's producer, with no reorder-buffer entry;
* the instruction that ends the block drains the machine: the block ends on the cycle its last
  entry retires.

A block costs max(cycles − 3, 1).

Roles are the real ones (a three-register instruction writes its third register), unlike the
single-pass table, which copies JAR's consensus quirk. Loads and stores take 25 cycles. A
conditional branch takes 1 cycle when either way out of it (the next instruction or the target)
is a `trap` or `unlikely`, else 20 (a mispredicted branch).

When a cycle has nothing to decode, the clock jumps ahead to the next completion instead of
ticking one cycle at a time, unless an entry retired in that cycle while decoding continues.
With five or more ready instructions this skips cycles in which more of them could have started;
the vectors' costs were computed that way, so the spec keeps it.
-/
import Jar.JAVM.GasModel

namespace Jar.JAVM

def DECODE_WIDTH : Nat := 4
def ROB_SIZE : Nat := 32
def DISPATCH_WIDTH : Nat := 5
/-- More cycles than draining a full reorder buffer can take (32 entries of at most 100 cycles). -/
def TICK_BOUND : Nat := 8192

/-- Execution units, as counts. -/
structure Units where
  alu : Nat
  load : Nat
  store : Nat
  mul : Nat
  div : Nat
  deriving Inhabited

def NO_UNITS : Units := { alu := 0, load := 0, store := 0, mul := 0, div := 0 }
def ALU : Units := { alu := 1, load := 0, store := 0, mul := 0, div := 0 }
def ALU2 : Units := { alu := 2, load := 0, store := 0, mul := 0, div := 0 }
def LOAD_UNITS : Units := { alu := 1, load := 1, store := 0, mul := 0, div := 0 }
def STORE_UNITS : Units := { alu := 1, load := 0, store := 1, mul := 0, div := 0 }
def MUL_UNITS : Units := { alu := 1, load := 0, store := 0, mul := 1, div := 0 }
def DIV_UNITS : Units := { alu := 1, load := 0, store := 0, mul := 0, div := 1 }
def UNITS_PER_CYCLE : Units := { alu := 4, load := 4, store := 4, mul := 1, div := 1 }

def Units.fitsIn (need free : Units) : Bool :=
  need.alu <= free.alu && need.load <= free.load && need.store <= free.store
    && need.mul <= free.mul && need.div <= free.div

def Units.minus (a b : Units) : Units :=
  { alu := a.alu - b.alu, load := a.load - b.load, store := a.store - b.store,
    mul := a.mul - b.mul, div := a.div - b.div }

def Units.plus (a b : Units) : Units :=
  { alu := a.alu + b.alu, load := a.load + b.load, store := a.store + b.store,
    mul := a.mul + b.mul, div := a.div + b.div }

/-- How the pipeline sees one instruction. -/
structure PipeOp where
  latency : Nat
  slots : Nat
  units : Units
  dst : Option Nat
  srcs : Array Nat
  /-- `move_reg`: renaming only. -/
  isMove : Bool
  /-- Ends the block: the machine drains after it. -/
  drains : Bool
  deriving Inhabited

def pipeOp (latency slots : Nat) (units : Units) (dst : Option Nat) (srcs : Array Nat) : PipeOp :=
  { latency := latency, slots := slots, units := units, dst := dst, srcs := srcs,
    isMove := false, drains := false }

/-- Three registers: the third (`rd`) is written, the first two are read. -/
def pipe3 (i : Instr) (latency slots : Nat) (units : Units) : PipeOp :=
  pipeOp latency slots units (some i.rd) #[i.ra, i.rb]

/-- Two registers and an immediate: `ra` is written, `rb` read. -/
def pipe2i (i : Instr) (latency slots : Nat) (units : Units) : PipeOp :=
  pipeOp latency slots units (some i.ra) #[i.rb]

/-- Two registers: `rd` (the low nibble) is written, `ra` (the high nibble) read. -/
def pipe2 (i : Instr) (latency slots : Nat) (units : Units) : PipeOp :=
  pipeOp latency slots units (some i.rd) #[i.ra]

/-- `move_reg`: `rd` takes over the producer of `ra`. -/
def pipeMove (i : Instr) : PipeOp :=
  { latency := 0, slots := 1, units := NO_UNITS, dst := some i.rd, srcs := #[i.ra], isMove := true,
    drains := false }

/-- One more decode slot when the destination is not a source (a copy comes first). -/
def extra3 (i : Instr) : Nat := if i.rd != i.ra && i.rd != i.rb then 1 else 0
def extra2i (i : Instr) : Nat := if i.ra != i.rb then 1 else 0
def extra2 (i : Instr) : Nat := if i.rd != i.ra then 1 else 0

/-- Whether the raw code byte at `pos` is a `trap` or `unlikely` opcode (the bitmask is not
consulted; past the end of the code the byte reads as 0, a `trap`). -/
def Program.coldAt (p : Program) (pos : Nat) : Bool :=
  let op := match p.numbering with
    | .gp => Opcode.ofGpByte (p.byteAt pos)
    | .jamV1 => Opcode.ofJamV1Byte (p.byteAt pos)
  match op with
  | some .trap => true
  | some .unlikely => true
  | _ => false

/-- The pipeline's view of the instruction `op` at `pc`. -/
def pipeOpOf (p : Program) (pc : Nat) (op : Opcode) : PipeOp :=
  let i := p.decode pc op
  let branchLatency := if p.coldAt i.next || p.coldAt i.target then 1 else 20
  let base : PipeOp := match op with
    | .trap | .fallthrough => pipeOp 2 1 NO_UNITS none #[]
    | .unlikely => pipeOp 40 1 NO_UNITS none #[]
    -- `ecall` (JAR's) is costed as a host call like `ecalli`.
    | .ecalli | .ecall => pipeOp 100 4 ALU none #[]
    | .sbrk => pipe2 i 100 4 ALU
    | .jump | .loadImmJump => pipeOp 15 1 NO_UNITS none #[]
    | .jumpInd => pipeOp 22 1 NO_UNITS none #[i.ra]
    | .loadImmJumpInd => pipeOp 22 1 NO_UNITS none #[i.rb]
    | .loadImm => pipeOp 1 1 NO_UNITS (some i.ra) #[]
    | .loadImm64 => pipeOp 1 2 NO_UNITS (some i.ra) #[]
    | .moveReg => pipeMove i
    | .loadU8 | .loadI8 | .loadU16 | .loadI16 | .loadU32 | .loadI32 | .loadU64 =>
      pipeOp MEM_CYCLES 1 LOAD_UNITS (some i.ra) #[]
    | .loadIndU8 | .loadIndI8 | .loadIndU16 | .loadIndI16 | .loadIndU32 | .loadIndI32
    | .loadIndU64 => pipe2i i MEM_CYCLES 1 LOAD_UNITS
    | .storeU8 | .storeU16 | .storeU32 | .storeU64 => pipeOp MEM_CYCLES 1 STORE_UNITS none #[i.ra]
    | .storeIndU8 | .storeIndU16 | .storeIndU32 | .storeIndU64 =>
      pipeOp MEM_CYCLES 1 STORE_UNITS none #[i.ra, i.rb]
    | .storeImmU8 | .storeImmU16 | .storeImmU32 | .storeImmU64 =>
      pipeOp MEM_CYCLES 1 STORE_UNITS none #[]
    | .storeImmIndU8 | .storeImmIndU16 | .storeImmIndU32 | .storeImmIndU64 =>
      pipeOp MEM_CYCLES 1 STORE_UNITS none #[i.ra]
    | .branchEqImm | .branchNeImm | .branchLtUImm | .branchLeUImm | .branchGeUImm
    | .branchGtUImm | .branchLtSImm | .branchLeSImm | .branchGeSImm | .branchGtSImm =>
      pipeOp branchLatency 1 ALU none #[i.ra]
    | .branchEq | .branchNe | .branchLtU | .branchLtS | .branchGeU | .branchGeS =>
      pipeOp branchLatency 1 ALU none #[i.ra, i.rb]
    | .add64 | .sub64 | .and | .xor | .or => pipe3 i 1 (1 + extra3 i) ALU
    | .add32 | .sub32 => pipe3 i 2 (2 + extra3 i) ALU
    | .andImm | .xorImm | .orImm | .addImm64 | .shloLImm64 | .shloRImm64 | .sharRImm64
    | .rotR64Imm => pipe2i i 1 (1 + extra2i i) ALU
    | .reverseBytes => pipe2 i 1 (1 + extra2 i) ALU
    | .addImm32 | .shloLImm32 | .shloRImm32 | .sharRImm32 | .rotR32Imm =>
      pipe2i i 2 (2 + extra2i i) ALU
    | .countSetBits64 | .countSetBits32 | .leadingZeroBits64 | .leadingZeroBits32
    | .signExtend8 | .signExtend16 | .zeroExtend16 => pipe2 i 1 1 ALU
    | .trailingZeroBits64 | .trailingZeroBits32 => pipe2 i 2 1 ALU2
    | .shloL64 | .shloR64 | .sharR64 | .rotL64 | .rotR64 =>
      pipe3 i 1 (if i.rd != i.ra then 3 else 2) ALU
    | .shloL32 | .shloR32 | .sharR32 | .rotL32 | .rotR32 =>
      pipe3 i 2 (if i.rd != i.ra then 4 else 3) ALU
    | .shloLImmAlt64 | .shloRImmAlt64 | .sharRImmAlt64 | .rotR64ImmAlt => pipe2i i 1 3 ALU
    | .shloLImmAlt32 | .shloRImmAlt32 | .sharRImmAlt32 | .rotR32ImmAlt => pipe2i i 2 4 ALU
    | .setLtU | .setLtS => pipe3 i 3 3 ALU
    | .setLtUImm | .setLtSImm | .setGtUImm | .setGtSImm => pipe2i i 3 3 ALU
    -- A conditional move reads the destination it may keep (PolkaVM's simulator too).
    | .cmovIz | .cmovNz => pipeOp 2 2 ALU (some i.rd) #[i.rd, i.ra, i.rb]
    | .cmovIzImm | .cmovNzImm => pipeOp 2 3 ALU (some i.ra) #[i.ra, i.rb]
    | .max | .maxU | .min | .minU => pipe3 i 3 (2 + extra3 i) ALU
    | .andInv | .orInv => pipe3 i 2 3 ALU
    | .xnor => pipe3 i 2 (2 + extra3 i) ALU
    | .negAddImm64 => pipe2i i 2 3 ALU
    | .negAddImm32 => pipe2i i 3 4 ALU
    | .mul64 => pipe3 i 3 (1 + extra3 i) MUL_UNITS
    | .mulImm64 => pipe2i i 3 (1 + extra2i i) MUL_UNITS
    | .mul32 => pipe3 i 4 (2 + extra3 i) MUL_UNITS
    | .mulImm32 => pipe2i i 4 (2 + extra2i i) MUL_UNITS
    | .mulUpperSS | .mulUpperUU => pipe3 i 4 4 MUL_UNITS
    | .mulUpperSU => pipe3 i 6 4 MUL_UNITS
    | .divU32 | .divS32 | .remU32 | .remS32 | .divU64 | .divS64 | .remU64 | .remS64 =>
      pipe3 i 60 4 DIV_UNITS
  { base with drains := p.endsBlock op }

/-- An opcode byte that is not an instruction ends the block like a `trap`. -/
def INVALID_PIPE_OP : PipeOp :=
  { latency := 2, slots := 1, units := NO_UNITS, dst := none, srcs := #[], isMove := false,
    drains := true }

/-- Where an entry of the reorder buffer is. -/
inductive Phase where
  /-- Decoded this cycle; it can start from the next one. -/
  | decoded
  | waiting
  | executing
  /-- Its latency has passed this cycle: its result and units are available. -/
  | finished
  /-- Waiting to retire (in order). -/
  | done
  deriving BEq, Inhabited

structure RobEntry where
  phase : Phase
  /-- Cycles of latency still to run. -/
  left : Nat
  units : Units
  /-- The instructions (numbered from the block's first) producing the sources. -/
  dep1 : Option Nat
  dep2 : Option Nat
  /-- A third source: a conditional move also reads its destination (the value it keeps). -/
  dep3 : Option Nat
  deriving Inhabited

structure Pipe where
  cycle : Nat
  slotsLeft : Nat
  free : Units
  /-- The entries in flight, oldest first: `rob[k]` is instruction `retired + k`. -/
  rob : Array RobEntry
  /-- How many instructions (with a reorder-buffer entry) have retired. -/
  retired : Nat
  /-- By register: the instruction that last wrote it. -/
  producer : Array (Option Nat)
  deriving Inhabited

def Pipe.start : Pipe :=
  { cycle := 0, slotsLeft := DECODE_WIDTH, free := UNITS_PER_CYCLE, rob := #[], retired := 0,
    producer := Array.replicate 13 none }

/-- Whether instruction `dep`'s result is available (it has finished, or there is none). -/
def isAvailable (rob : Array RobEntry) (retired : Nat) (dep : Option Nat) : Bool :=
  match dep with
  | none => true
  | some n =>
    if n < retired then true
    else
      let ph := rob[n - retired]!.phase
      ph == .finished || ph == .done

/-- One cycle: retire, start, execute, and (if something was decoded this cycle) let the decoded
entries wait. Without new decodes the clock may jump to the next completion. -/
def Pipe.tick (s : Pipe) (decodedThisCycle draining : Bool) : Pipe := Id.run do
  let mut rob := s.rob
  let mut retired := s.retired
  let mut free := s.free
  -- Retire the executed prefix.
  let mut retiredNow := 0
  for e in rob do
    if e.phase == .done then
      retiredNow := retiredNow + 1
    else
      break
  if retiredNow > 0 then
    rob := rob.extract retiredNow rob.size
    retired := retired + retiredNow
  -- Start up to DISPATCH_WIDTH ready entries, oldest first, while units last.
  for _ in [:DISPATCH_WIDTH] do
    let mut chosen := rob.size
    for k in [:rob.size] do
      let e := rob[k]!
      if e.phase == .waiting && isAvailable rob retired e.dep1 && isAvailable rob retired e.dep2
          && isAvailable rob retired e.dep3 && e.units.fitsIn free then
        chosen := k
        break
    if chosen == rob.size then
      break
    free := free.minus rob[chosen]!.units
    rob := rob.set! chosen { rob[chosen]! with phase := .executing }
  -- How far the clock moves.
  let mut step := 1
  if !decodedThisCycle && (draining || retiredNow == 0) then
    let mut least := 0
    let mut anyRunning := false
    for e in rob do
      if e.phase == .executing || e.phase == .finished then
        least := if anyRunning then min least e.left else e.left
        anyRunning := true
    if anyRunning && least > 0 then
      step := least
  -- Execute.
  for k in [:rob.size] do
    let e := rob[k]!
    if e.phase == .finished then
      rob := rob.set! k { e with phase := .done }
    else if e.phase == .executing then
      if e.left <= step then
        free := free.plus e.units
        rob := rob.set! k { e with phase := .finished, left := 0 }
      else
        rob := rob.set! k { e with left := e.left - step }
  -- What was decoded this cycle may start from the next one.
  let mut slotsLeft := s.slotsLeft
  if decodedThisCycle then
    for k in [:rob.size] do
      if rob[k]!.phase == .decoded then
        rob := rob.set! k { rob[k]! with phase := .waiting }
    slotsLeft := DECODE_WIDTH
  return { s with cycle := s.cycle + step, slotsLeft := slotsLeft, free := free, rob := rob,
                  retired := retired }

/-- Waits until `slots` decode slots and a reorder-buffer entry are free. -/
def Pipe.makeRoom (s : Pipe) (slots : Nat) : Pipe := Id.run do
  if s.slotsLeft >= slots && s.rob.size < ROB_SIZE then
    return s
  let mut q := s.tick true false
  for _ in [:TICK_BOUND] do
    if q.rob.size < ROB_SIZE then
      break
    q := q.tick false false
  return q

/-- Runs until every entry has retired. -/
def Pipe.drain (s : Pipe) : Pipe := Id.run do
  let mut q := s.tick true true
  for _ in [:TICK_BOUND] do
    if q.rob.size == 0 then
      break
    q := q.tick false true
  return q

/-- Decodes one instruction (and drains if it ends the block). -/
def Pipe.feed (s : Pipe) (o : PipeOp) : Pipe := Id.run do
  let q := s.makeRoom o.slots
  if o.isMove then
    let src := o.srcs[0]!
    let dst := o.dst.getD 0
    return { q with producer := q.producer.set! dst q.producer[src]!,
                    slotsLeft := q.slotsLeft - 1 }
  let n := q.retired + q.rob.size
  let dep1 := match o.srcs[0]? with
    | some r => q.producer[r]!
    | none => none
  let dep2 := match o.srcs[1]? with
    | some r => q.producer[r]!
    | none => none
  let dep3 := match o.srcs[2]? with
    | some r => q.producer[r]!
    | none => none
  let entry : RobEntry :=
    { phase := .decoded, left := o.latency, units := o.units, dep1 := dep1, dep2 := dep2, dep3 := dep3 }
  let producer := match o.dst with
    | some d => q.producer.set! d (some n)
    | none => q.producer
  let fed := { q with rob := q.rob.push entry, producer := producer,
                      slotsLeft := q.slotsLeft - o.slots }
  if o.drains then
    return fed.drain
  return fed

/-- The cost of the basic block starting at `start` under the full pipeline model. -/
def blockCostPipeline (p : Program) (start : Nat) : Nat := Id.run do
  let mut s := Pipe.start
  let mut pc := start
  -- Each instruction moves past at least one byte and the code reads as `trap` past its end,
  -- so the block ends within this bound.
  for _ in [:p.code.size + 1] do
    let o := match p.opcodeAt pc with
      | some op => pipeOpOf p pc op
      | none => INVALID_PIPE_OP
    s := s.feed o
    if o.drains then
      break
    pc := pc + 1 + p.skip pc
  return max (s.cycle - 3) 1

/-- The cost of every basic block of `p` under the full pipeline model, by start pc. -/
def blockCostsPipeline (p : Program) : Array (Nat × Nat) := Id.run do
  let mut out : Array (Nat × Nat) := #[]
  for pc in [:p.code.size] do
    if p.isBlockStart pc then
      out := out.push (pc, blockCostPipeline p pc)
  return out

end Jar.JAVM
