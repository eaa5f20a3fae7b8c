/-!
# Block-import traces (the conformance traces' containers)

A trace step is a block between two states; each state is given raw, as the key-value pairs of
the state trie (GP Appendix D) and their root. The genesis of a trace is a header and the state
it commits to.
-/
import Jar.Block

namespace Jar

variable [JarVariant]

/-- A state-trie key: the first 31 bytes of a state key (GP D.1), written with no length
prefix. -/
abbrev StateKey := BytesN 31

/-- One entry of the state trie. -/
structure KeyValue where
  key : StateKey
  value : ByteArray
  deriving BEq, Repr, Inhabited

/-- A state as its trie entries and the root they commit to. -/
structure RawState where
  stateRoot : Hash
  keyvals : Array KeyValue
  deriving BEq, Repr, Inhabited

/-- One step of a trace: the state before, the block, the state after. -/
structure TraceStep where
  preState : RawState
  block : Block
  postState : RawState
  deriving BEq, Repr, Inhabited

/-- The start of a trace: the genesis header and state. -/
structure Genesis where
  header : Header
  state : RawState
  deriving BEq, Repr, Inhabited

end Jar
