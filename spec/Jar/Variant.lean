/-!
# Variants

A variant is one complete choice of protocol behaviour: the size parameters plus the model
choices of the JAVM and the codec. Each variant is one instance in `variants/`.
-/
import Jar.Params
import Jar.Notation

namespace Jar

/-- How guest memory is laid out. -/
inductive MemoryModel where
  /-- GP 0.7.2: guard zone, read-only data, read-write data and heap, stack, arguments; per-page access. -/
  | segmented
  /-- jar080: one read-write region from address 0, no guard zone. -/
  | linear
  /-- jar1: pages come from data capabilities. -/
  | capabilityPages
  deriving BEq, Repr, Inhabited

/-- How gas is charged. -/
inductive GasModel where
  /-- One unit per executed instruction. -/
  | perInstruction
  /-- Per basic block, from the single-pass pipeline model. -/
  | basicBlockSinglePass
  /-- Per basic block, from the full pipeline model (reorder buffer and execution units). -/
  | basicBlockFull
  deriving BEq, Repr, Inhabited

/-- Whether programs run under the capability kernel. -/
inductive CapabilityModel where
  | none
  /-- JAVM v2: CALL / REPLY / RESUME between VMs, data and code as capabilities. -/
  | v2
  deriving BEq, Repr, Inhabited

/-- How a guest reaches the host. -/
inductive HostInterface where
  /-- Host calls by id through `ecalli`, heap growth through `sbrk`. -/
  | flatSbrk
  /-- Host calls by id (shifted by one), heap growth through a host call, no `sbrk`. -/
  | flatGrowHeap
  /-- Protocol capabilities called through the kernel. -/
  | kernel
  deriving BEq, Repr, Inhabited

/-- The program blob format. -/
inductive BlobFormat where
  /-- GP standard program blob with a compact-integer code blob. -/
  | gpStandard
  /-- JAR v1: fixed-width header, linear layout. -/
  | jarV1
  /-- JAR v2: capability manifest. -/
  | jarV2
  deriving BEq, Repr, Inhabited

/-- The block and state codec. -/
inductive CodecChoice where
  /-- GP codec with compact naturals. -/
  | gpCompact
  /-- Fixed-width little-endian integers, u32 length prefixes, u8 tags. -/
  | jarFixed
  deriving BEq, Repr, Inhabited

/-- Everything a variant decides. Code that depends on the variant takes `[JarVariant]`. -/
class JarVariant where
  /-- The variant's name, as users type it. -/
  name : String
  /-- The chain size parameters. -/
  params : Params
  /-- How guest memory is laid out (segmented GP map, one linear region, or capability pages). -/
  memoryModel : MemoryModel
  /-- How gas is charged (per instruction, or per basic block from a pipeline model). -/
  gasModel : GasModel
  /-- Whether programs run under the capability kernel. -/
  capabilityModel : CapabilityModel
  /-- How a guest reaches the host (flat host calls with sbrk or a heap host call, or kernel caps). -/
  hostInterface : HostInterface
  /-- The program blob format (GP standard program, JAR v1, JAR v2 manifest). -/
  blobFormat : BlobFormat
  /-- The block and state codec (GP compact naturals, or JAR fixed-width). -/
  codec : CodecChoice
  /-- Code blob lengths as compact naturals (true) or fixed u32 (false). -/
  useCompactDeblob : Bool
  /-- `ecalli` ends a basic block. -/
  ecalliEndsBlock : Bool
  /-- The validator count may vary per epoch (GP#514). -/
  variableValidators : Bool := false

/-- The gas model of the variant in scope. -/
abbrev GAS_MODEL [j : JarVariant] : GasModel := j.gasModel
/-- Whether `ecalli` ends a basic block in the variant in scope. -/
abbrev ECALLI_ENDS_BLOCK [j : JarVariant] : Bool := j.ecalliEndsBlock

end Jar
