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
class ListState {
 public:
  ListState() = default;
  ListState(ListState&&) noexcept = default;
  ListState& operator=(ListState&&) noexcept = default;
  ListState clone() const;

  size_t size() const { return elements_.size(); }
  bool empty() const { return elements_.empty(); }
  std::string_view value(size_t index, std::string& scratch) const {
    return elements_[index].value.view(scratch);
  }
  const compact::CompactString& stored_value(size_t index) const { return elements_[index].value; }
  Stamp id(size_t index) const { return elements_[index].id; }
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
  // Only for elements that were LINSERTed (their path is longer than one step) or LSET (their
  // value's stamp is not their id).
  struct Extra {
    std::vector<PathStep> ancestors;
    Stamp value_stamp;
    friend bool operator==(const Extra&, const Extra&) = default;
  };
  struct Element {
    compact::CompactString value;
    Stamp id;
    ListSide side = ListSide::kHead;
    std::unique_ptr<Extra> extra;

    Stamp value_stamp() const {
      return extra && !extra->value_stamp.empty() ? extra->value_stamp : id;
    }
    std::span<const PathStep> ancestors() const {
      return extra ? std::span<const PathStep>(extra->ancestors) : std::span<const PathStep>();
    }
    Element clone() const;
  };
  // A path as its ancestors plus its last step, compared without building it.
  struct PathView {
    std::span<const PathStep> prefix;
    PathStep last;
    size_t size() const { return prefix.size() + 1; }
    const PathStep& operator[](size_t i) const { return i < prefix.size() ? prefix[i] : last; }
  };
  static PathView path_of(const Element& e) { return {e.ancestors(), PathStep{e.side, e.id}}; }
  static std::strong_ordering compare(const PathView& a, const PathView& b);

  void place(Element element);
  // The index of the element with this id, or size() when it is gone.
  size_t find(const Stamp& id) const;
  void forget(const Element& e) {
    if (!e.ancestors().empty()) --inserted_;
  }

  std::deque<Element> elements_;
  size_t inserted_ = 0;  // elements with ancestors: only they defeat the binary search by id
};

}  // namespace eddy::crdt
