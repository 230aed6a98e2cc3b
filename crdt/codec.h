#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compact/codec.h"
#include "crdt/effect.h"
#include "crdt/key_state.h"
#include "crdt/stamp.h"

// The bytes of effects and of key states, for the journal, snapshots and sync. Stamps are written
// as a node index and an HLC delta from the stamp written before, so that the stamps of one unit or
// one key, close in time, take two to four bytes each. Decoding trusts nothing: every length is
// checked against the input, every enum and order the CRDT code relies on is verified, and states
// are rebuilt through the same storage paths that writes use, so that a decoded state holds the
// invariants of one built by applying effects.
namespace eddy::crdt {

// A journal record's payload: seq, origin and effects, with the unit's own table of 64-bit replica
// ids so that the record means the same in any process. A SET k v takes 28 bytes, 15 of them
// the origin's id and the stamp's HLC.
void encode_unit(const Unit& unit, std::string& out);  // appends to out
// Nothing when the payload is malformed in any way, trailing bytes included. Replica ids are
// interned only once the whole payload has decoded, so corrupt input leaves no trace; interning
// takes no lock, so decoding belongs on the thread that owns the NodeRegistry.
std::optional<Unit> decode_unit(std::string_view payload);

// A batch of units, as a sync frame carries them: one replica table for the whole batch, seqs as
// deltas from the unit before, and one chain of HLC deltas through every stamp of the batch, so
// that a unit of a large batch costs little more than its key and value: a SET of a 10-byte key
// and a 16-byte value written a millisecond after the one before takes 39 bytes, where encode_unit
// takes 53. Decoding is all or nothing: decode_unit's checks, and interning only once the whole
// payload has decoded.
void encode_units(std::span<const Unit> units, std::string& out);  // appends to out
std::optional<std::vector<Unit>> decode_units(std::string_view payload);

// encode_units one unit at a time: an edge seals its durable units into push payloads as they
// come, so that pushing a backlog encodes nothing again. finish() gives exactly what
// encode_units would for the same units.
class UnitBatchWriter {
 public:
  UnitBatchWriter();
  ~UnitBatchWriter();
  UnitBatchWriter(UnitBatchWriter&&) noexcept;
  UnitBatchWriter& operator=(UnitBatchWriter&&) noexcept;

  void add(const Unit& unit);
  size_t units() const { return units_; }
  size_t bytes() const;  // the encoded units so far, without the table
  // The batch's payload; the writer is empty again.
  std::string finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
  size_t units_ = 0;
};

// Whether every database the unit names exists in a replica with `databases` databases: the
// codec cannot know the configured count, and Replica indexes its databases unchecked, so whoever
// applies a decoded unit checks this first.
bool fits_databases(const Unit& unit, int databases);

// Snapshot: one key's whole state. Stamps keep their process-local NodeIndex; the snapshot writes
// the NodeRegistry once (ids in index order) and the loader passes nodes[i] =
// NodeRegistry::intern(id of index i), with nodes[0] = 0 ("nobody"). A node index beyond `nodes`
// fails the decode. Values are written plain and stored again (compressed when they were) on load.
void encode_key_state(const KeyState& state, compact::Encoder& out);
// False, with `in` failed and `out` unchanged, when the bytes are not a valid key state.
bool decode_key_state(compact::Decoder& in, std::span<const NodeIndex> nodes, KeyState& out);

}  // namespace eddy::crdt
