/-!
# Work packages and work reports

What a builder submits (a work package of work items) and what guarantors report after refining
it (Gray Paper §14 and §11). The field order is the order of the binary encoding (GP C.26–C.29,
0.7: variable-length items last); `CompactNat n` fields are compact naturals in the GP codec and `n`-byte integers in JAR's.
-/
import Jar.Types

namespace Jar

/-- A segment to import: the root of the segment tree and the index in it. -/
structure ImportSpec where
  treeRoot : Hash
  index : UInt16
  deriving BEq, Repr, Inhabited

/-- An extrinsic blob a work item needs: its hash and length. -/
structure ExtrinsicSpec where
  hash : Hash
  len : UInt32
  deriving BEq, Repr, Inhabited

/-- One work item of a package (GP 14.3). -/
structure WorkItem where
  service : ServiceId
  codeHash : Hash
  refineGasLimit : Gas
  accumulateGasLimit : Gas
  exportCount : UInt16
  payload : ByteArray
  importSegments : Array ImportSpec
  extrinsic : Array ExtrinsicSpec
  deriving BEq, Repr, Inhabited

/-- A work package (GP 14.2). -/
structure WorkPackage where
  authCodeHost : ServiceId
  authCodeHash : Hash
  context : RefineContext
  authorization : ByteArray
  authorizerConfig : ByteArray
  items : Array WorkItem
  deriving BEq, Repr, Inhabited

/-- The outcome of refining one work item (GP 11.7). -/
inductive WorkExecResult where
  | ok (output : ByteArray)
  | outOfGas
  | panic
  | badExports
  | badCode
  | codeOversize
  deriving BEq, Repr, Inhabited

/-- What refining one work item consumed: compact naturals in the GP codec, gas as 8 bytes and the
counts as 2 or 4 in JAR's fixed-width codec. -/
structure RefineLoad where
  gasUsed : CompactNat 8
  imports : CompactNat 2
  extrinsicCount : CompactNat 2
  extrinsicSize : CompactNat 4
  exports : CompactNat 2
  deriving BEq, Repr, Inhabited

/-- The digest of one refined work item (GP 11.6). -/
structure WorkResult where
  serviceId : ServiceId
  codeHash : Hash
  payloadHash : Hash
  accumulateGas : Gas
  result : WorkExecResult
  refineLoad : RefineLoad
  deriving BEq, Repr, Inhabited

/-- A work-package hash and the root of the segment tree it exported. -/
structure SegmentRootLookupItem where
  workPackageHash : Hash
  segmentTreeRoot : Hash
  deriving BEq, Repr, Inhabited

/-- A work report (GP 11.2). The core index and the authorizer's gas are compact naturals in the GP
codec, 2 and 8 bytes in JAR's. -/
structure WorkReport where
  packageSpec : AvailabilitySpec
  context : RefineContext
  coreIndex : CompactNat 2
  authorizerHash : Hash
  authGasUsed : CompactNat 8
  authOutput : ByteArray
  segmentRootLookup : Array SegmentRootLookupItem
  results : Array WorkResult
  deriving BEq, Repr, Inhabited

end Jar
