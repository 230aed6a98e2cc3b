#include "crdt/list.h"

#include <algorithm>

#include "crdt/cell.h"

namespace eddy::crdt {
namespace {

// Children of one parent: HEAD's before TAIL's at the root, BEFORE's before AFTER's under an
// element. HEAD and AFTER children sit newest first (nearest their parent), TAIL and BEFORE
// children oldest first (so the newest is again nearest TAIL or its pivot).
bool sibling_less(const PathStep& x, const PathStep& y) {
  auto rank = [](ListSide s) { return s == ListSide::kTail || s == ListSide::kAfter ? 1 : 0; };
  if (x.side != y.side) return rank(x.side) < rank(y.side);
  if (x.side == ListSide::kHead || x.side == ListSide::kAfter) return y.dot < x.dot;
  return x.dot < y.dot;
}

}  // namespace

std::strong_ordering ListState::compare(const PathView& a, const PathView& b) {
  size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i) {
    const PathStep &x = a[i], &y = b[i];
    if (x.side == y.side && x.dot == y.dot) continue;
    return sibling_less(x, y) ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  if (a.size() == b.size()) return std::strong_ordering::equal;
  // One is an ancestor of the other: its BEFORE descendants precede it, AFTER ones follow.
  if (a.size() < b.size())
    return b[common].side == ListSide::kBefore ? std::strong_ordering::greater
                                               : std::strong_ordering::less;
  return a[common].side == ListSide::kBefore ? std::strong_ordering::less
                                             : std::strong_ordering::greater;
}

ListState::Element ListState::Element::clone() const {
  Element copy;
  copy.value = value.clone();
  copy.id = id;
  copy.side = side;
  if (extra) copy.extra = std::make_unique<Extra>(*extra);
  return copy;
}

ListState ListState::clone() const {
  ListState copy;
  for (const Element& e : elements_) copy.elements_.push_back(e.clone());
  copy.inserted_ = inserted_;
  return copy;
}

std::vector<PathStep> ListState::path(size_t index) const {
  const Element& e = elements_[index];
  std::vector<PathStep> steps(e.ancestors().begin(), e.ancestors().end());
  steps.push_back(PathStep{e.side, e.id});
  return steps;
}

Stamp ListState::latest() const {
  Stamp best;
  for (const Element& e : elements_) best = std::max(best, e.value_stamp());
  return best;
}

void ListState::add_context(VersionVector& vv) const {
  for (const Element& e : elements_) {
    vv.add(e.id);
    if (e.extra && !e.extra->value_stamp.empty()) vv.add(e.extra->value_stamp);
  }
}

// Local pushes always land at an end (their stamps are the newest), so the ends are tried first.
void ListState::place(Element element) {
  PathView path = path_of(element);
  if (!element.ancestors().empty()) ++inserted_;
  if (elements_.empty() || compare(path, path_of(elements_.back())) > 0) {
    elements_.push_back(std::move(element));
    return;
  }
  if (compare(path, path_of(elements_.front())) < 0) {
    elements_.push_front(std::move(element));
    return;
  }
  auto pos = std::lower_bound(elements_.begin(), elements_.end(), path,
                              [](const Element& e, const PathView& p) {
                                return compare(path_of(e), p) < 0;
                              });
  if (pos != elements_.end() && pos->id == element.id) {  // a duplicate delivery
    forget(element);
    return;
  }
  elements_.insert(pos, std::move(element));
}

void ListState::push(const Stamp& last, ListSide side, std::span<const std::string> values,
                     bool compress) {
  uint64_t first = last.hlc - (values.size() - 1);
  for (size_t i = 0; i < values.size(); ++i) {
    Element e;
    e.value.assign(values[i], compress);
    e.id = Stamp{first + i, last.node};
    e.side = side;
    place(std::move(e));
  }
}

void ListState::insert(const Stamp& id, std::span<const PathStep> pivot, ListSide side,
                       std::string_view value, bool compress) {
  Element e;
  e.value.assign(value, compress);
  e.id = id;
  e.side = side;
  e.extra = std::make_unique<Extra>();
  e.extra->ancestors.assign(pivot.begin(), pivot.end());
  place(std::move(e));
}

size_t ListState::find(const Stamp& id) const {
  // Pops and trims name elements at the ends.
  if (elements_.empty()) return 0;
  if (elements_.front().id == id) return 0;
  if (elements_.back().id == id) return elements_.size() - 1;
  for (ListSide side : {ListSide::kHead, ListSide::kTail}) {
    PathView target{{}, PathStep{side, id}};
    auto pos = std::lower_bound(elements_.begin(), elements_.end(), target,
                                [](const Element& e, const PathView& p) {
                                  return compare(path_of(e), p) < 0;
                                });
    if (pos != elements_.end() && pos->id == id) return static_cast<size_t>(pos - elements_.begin());
  }
  if (inserted_ > 0)
    for (size_t i = 0; i < elements_.size(); ++i)
      if (elements_[i].id == id) return i;
  return elements_.size();
}

void ListState::set(const Stamp& stamp, const Stamp& id, std::string_view value, bool compress) {
  size_t i = find(id);
  if (i == elements_.size()) return;
  Element& e = elements_[i];
  if (!(e.value_stamp() < stamp)) return;
  e.value.assign(value, compress);
  if (!e.extra) e.extra = std::make_unique<Extra>();
  e.extra->value_stamp = stamp;
}

void ListState::remove(std::span<const Stamp> ids) {
  std::vector<size_t> doomed;
  doomed.reserve(ids.size());
  for (const Stamp& id : ids) {
    size_t i = find(id);
    if (i < elements_.size()) doomed.push_back(i);
  }
  std::sort(doomed.begin(), doomed.end());
  doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
  // Pops and trims remove runs at the ends: those cost nothing per remaining element.
  size_t tail = 0;
  while (tail < doomed.size() && doomed[doomed.size() - 1 - tail] == elements_.size() - 1 - tail)
    ++tail;
  for (size_t k = 0; k < tail; ++k) {
    forget(elements_.back());
    elements_.pop_back();
  }
  doomed.resize(doomed.size() - tail);
  size_t head = 0;
  while (head < doomed.size() && doomed[head] == head) ++head;
  for (size_t k = 0; k < head; ++k) {
    forget(elements_.front());
    elements_.pop_front();
  }
  if (head == doomed.size()) return;
  size_t out = doomed[head] - head, next = head;
  for (size_t in = out; in < elements_.size(); ++in) {
    if (next < doomed.size() && doomed[next] - head == in) {
      forget(elements_[in]);
      ++next;
      continue;
    }
    if (out != in) elements_[out] = std::move(elements_[in]);
    ++out;
  }
  elements_.resize(out);
}

void ListState::remove_covered(const VersionVector& seen) {
  std::erase_if(elements_, [&](const Element& e) {
    if (!seen.covers(e.id)) return false;
    forget(e);
    return true;
  });
}

ListState ListState::join(const ListState& a, const VersionVector& ac, const ListState& b,
                          const VersionVector& bc) {
  ListState out;
  auto keep = [&](const Element& e) {
    if (!e.ancestors().empty()) ++out.inserted_;
    out.elements_.push_back(e.clone());
  };
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && compare(path_of(a.elements_[i]),
                                                  path_of(b.elements_[j])) < 0)) {
      if (!bc.covers(a.elements_[i].id)) keep(a.elements_[i]);
      ++i;
    } else if (i == a.size() || compare(path_of(a.elements_[i]), path_of(b.elements_[j])) > 0) {
      if (!ac.covers(b.elements_[j].id)) keep(b.elements_[j]);
      ++j;
    } else {
      const Element& x = a.elements_[i];
      const Element& y = b.elements_[j];
      keep(x.value_stamp() < y.value_stamp() ? y : x);
      ++i, ++j;
    }
  }
  return out;
}

bool operator==(const ListState& a, const ListState& b) {
  if (a.size() != b.size()) return false;
  std::string sa, sb;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto &x = a.elements_[i], &y = b.elements_[i];
    if (!(x.id == y.id) || x.side != y.side || !(x.value_stamp() == y.value_stamp()) ||
        !std::ranges::equal(x.ancestors(), y.ancestors()) || x.value.view(sa) != y.value.view(sb))
      return false;
  }
  return true;
}

std::string ListState::debug_string() const {
  std::string out = "list=[";
  std::string scratch;
  for (const Element& e : elements_) {
    if (out.back() != '[') out += ' ';
    out += std::string(e.value.view(scratch)) + "@";
    for (const PathStep& step : e.ancestors())
      out += std::to_string(static_cast<int>(step.side)) + ":" + debug_stamp(step.dot) + "/";
    out += std::to_string(static_cast<int>(e.side)) + ":" + debug_stamp(e.id);
    if (!(e.value_stamp() == e.id)) out += "=" + debug_stamp(e.value_stamp());
  }
  return out + "]";
}

size_t ListState::heap_bytes() const {
  size_t bytes = elements_.size() * sizeof(Element);
  for (const Element& e : elements_) {
    bytes += e.value.heap_bytes();
    if (e.extra) bytes += sizeof(Extra) + e.extra->ancestors.capacity() * sizeof(PathStep);
  }
  return bytes;
}

}  // namespace eddy::crdt
