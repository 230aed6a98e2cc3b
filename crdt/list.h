#pragma once

#include <compare>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compact/compact_string.h"
#include "crdt/effect.h"
#include "crdt/stamp.h"
#include "crdt/version_vector.h"

namespace eddy::crdt {

// The list CRDT with path positions (DESIGN.md section 3). Every element's id is the stamp of the
// write that created it, and its position is a path of steps from the root: an LPUSHed element
// hangs off HEAD (newest first), an RPUSHed one off TAIL (newest nearest TAIL), an LINSERTed one
// off its pivot's path, BEFORE (newest nearest the pivot) or AFTER (newest nearest it too). The
// list is the elements in path order, so every replica holding the same elements shows them in
// the same order, and a sequential history orders them exactly as Redis does. A removed element
// leaves nothing behind.
// Redis's list-max-listpack-size: a positive value caps the elements of one packed chunk, a
// negative one its bytes (-1 4 KiB, -2 8 KiB, ... -5 64 KiB).
struct ListLimits {
  int64_t max_chunk = -2;
};
ListLimits& list_limits();

// Elements are stored packed (Redis's listpack idea) in chunks of a few KiB: per element a head
// byte (side, flags, a small replica index), the id's HLC as a delta from the chunk's base, the
// value (LZ4-compressed from 64 bytes when compression is on), and a backward length so that
// chunks are walked from either end. A 10-byte element
// pushed by one replica takes 16 to 18 bytes, its CRDT metadata included.
class ListState {
 public:
  ListState() = default;
  ListState(ListState&&) noexcept = default;
  ListState& operator=(ListState&&) noexcept = default;
  ListState clone() const;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Sequential indexes (LRANGE, LREM, LPOS) cost O(1) each after the first.
  std::string_view value(size_t index, std::string& scratch) const;
  Stamp id(size_t index) const;
  // The element's whole path, which an LINSERT next to it ships as its pivot.
  std::vector<PathStep> path(size_t index) const;

  Stamp latest() const;
  void add_context(VersionVector& vv) const;

  // `last` is the stamp of the push: the elements' ids are the consecutive stamps ending there,
  // in argument order.
  void push(const Stamp& last, ListSide side, std::span<const std::string> values, bool compress);
  void insert(const Stamp& id, std::span<const PathStep> pivot, ListSide side,
              std::string_view value, bool compress);
  // LSET: a per-element LWW register; an element already removed stays removed.
  void set(const Stamp& stamp, const Stamp& id, std::string_view value, bool compress);
  void remove(std::span<const Stamp> ids);
  void remove_covered(const VersionVector& seen);

  static ListState join(const ListState& a, const VersionVector& a_context, const ListState& b,
                        const VersionVector& b_context);
  friend bool operator==(const ListState& a, const ListState& b);
  std::string debug_string() const;
  size_t heap_bytes() const;

 private:
  friend struct StateCodec;  // snapshots write and rebuild the representation (crdt/codec.cc)

  // One element, decoded: views into its chunk, ancestors only for LINSERTed elements.
  struct Element {
    ListSide side = ListSide::kHead;
    Stamp id;
    Stamp value_stamp;  // empty unless LSET changed the value
    std::vector<PathStep> ancestors;
    std::string_view value;  // as stored: LZ4 bytes when `compressed`
    bool compressed = false;
    size_t plain_size = 0;   // of a compressed value
    bool compress = false;   // encode: try LZ4 on a plain value
    size_t bytes = 0;        // encoded size, backward length included

    Stamp current_stamp() const { return value_stamp.empty() ? id : value_stamp; }
  };
  struct Chunk {
    std::string bytes;
    uint64_t base = 0;  // the HLC that ids are deltas from
    uint32_t count = 0;
  };
  // Where element `index` is: its chunk and its offset there.
  struct Position {
    size_t chunk = 0;
    size_t first = 0;  // index of the chunk's first element
    size_t offset = 0;
  };
  // A path as its ancestors plus its last step, compared without building it.
  struct PathView {
    std::span<const PathStep> prefix;
    PathStep last;
    size_t size() const { return prefix.size() + 1; }
    const PathStep& operator[](size_t i) const { return i < prefix.size() ? prefix[i] : last; }
  };
  static PathView path_of(const Element& e) { return {e.ancestors, PathStep{e.side, e.id}}; }
  static std::strong_ordering compare(const PathView& a, const PathView& b);

  static Element decode(const Chunk& chunk, size_t offset);
  static std::string_view plain(const Element& e, std::string& scratch);
  static void encode(std::string& out, uint64_t base, const Element& e);
  Position locate(size_t index) const;
  Element at(size_t index) const;
  // Index of the first element whose path is not less than `path`.
  size_t lower_bound(const PathView& path) const;
  // Inserts an encoded element at `index` (splitting a full chunk).
  void insert_at(size_t index, const Element& e);
  void place(const Element& e);
  // The index of the element with this id, or size() when it is gone.
  size_t find(const Stamp& id) const;
  // Keeps the elements for which keep(element) is true; one pass.
  template <class Keep>
  void filter(Keep keep);
  void append(const Element& e);
  bool chunk_full(const Chunk& c) const;

  std::vector<Chunk> chunks_;
  size_t size_ = 0;
  size_t inserted_ = 0;  // elements with ancestors: only they defeat the binary search by id
  mutable Position cursor_;  // the last position located, for sequential access
  mutable size_t cursor_index_ = SIZE_MAX;
};

}  // namespace eddy::crdt
