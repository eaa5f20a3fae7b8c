/-!
# Work packages and work reports

What a builder submits (a work package of work items) and what guarantors report after refining
it (Gray Paper §14 and §11). The field order is the order of the binary encoding (GP C.26–C.29,
0.7: variable-length items last); `Nat` fields are encoded as compact naturals.
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

/-- What refining one work item consumed; every count is a compact natural. -/
structure RefineLoad where
  gasUsed : Nat
  imports : Nat
  extrinsicCount : Nat
  extrinsicSize : Nat
  exports : Nat
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

/-- A work report (GP 11.2). The core index and the authorizer's gas are compact naturals. -/
structure WorkReport where
  packageSpec : AvailabilitySpec
  context : RefineContext
  coreIndex : Nat
  authorizerHash : Hash
  authGasUsed : Nat
  authOutput : ByteArray
  segmentRootLookup : Array SegmentRootLookupItem
  results : Array WorkResult
  deriving BEq, Repr, Inhabited

end Jar
