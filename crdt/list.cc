#include "crdt/list.h"

#include <algorithm>

#include "compact/lz4.h"
#include "compact/varint.h"
#include "crdt/cell.h"

namespace eddy::crdt {
namespace {

using compact::get_backlen;
using compact::get_varint;
using compact::put_backlen;
using compact::put_varint;

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

ListLimits& list_limits() {
  static ListLimits limits;
  return limits;
}

// Head byte: bits 0-1 the side, bit 2 "LSET stamp follows", bit 3 "ancestors follow", bits 4-7
// the replica index when below 15 (15: a varint follows).
void ListState::encode(std::string& out, uint64_t base, const Element& e) {
  const size_t start = out.size();
  const uint32_t node = e.id.node;
  const uint8_t small = node < 15 ? static_cast<uint8_t>(node) : 15;
  out.push_back(static_cast<char>(static_cast<uint8_t>(e.side) |
                                  (e.value_stamp.empty() ? 0 : 4) |
                                  (e.ancestors.empty() ? 0 : 8) | (small << 4)));
  if (small == 15) put_varint(out, node);
  put_varint(out, compact::zigzag(static_cast<int64_t>(e.id.hlc - base)));
  if (!e.value_stamp.empty()) {
    put_varint(out, e.value_stamp.hlc);
    put_varint(out, e.value_stamp.node);
  }
  if (!e.ancestors.empty()) {
    put_varint(out, e.ancestors.size());
    for (const PathStep& step : e.ancestors) {
      out.push_back(static_cast<char>(step.side));
      put_varint(out, step.dot.hlc);
      put_varint(out, step.dot.node);
    }
  }
  // The value: its stored length with a "compressed" bit, the original length of a compressed
  // one, and the bytes.
  thread_local std::string packed;
  packed.clear();
  const bool compressed = e.compressed || (e.compress && compact::lz4_append(packed, e.value));
  std::string_view stored = e.compressed || !compressed ? e.value : std::string_view(packed);
  put_varint(out, stored.size() << 1 | compressed);
  if (compressed) put_varint(out, e.compressed ? e.plain_size : e.value.size());
  out.append(stored);
  put_backlen(out, out.size() - start);
}

ListState::Element ListState::decode(const Chunk& chunk, size_t offset) {
  const char* begin = chunk.bytes.data() + offset;
  const char* p = begin;
  const auto head = static_cast<uint8_t>(*p++);
  Element e;
  e.side = static_cast<ListSide>(head & 3);
  uint64_t node = head >> 4;
  if (node == 15) node = get_varint(p);
  const uint64_t hlc = chunk.base + static_cast<uint64_t>(compact::unzigzag(get_varint(p)));
  e.id = Stamp{hlc, static_cast<NodeIndex>(node)};
  if (head & 4) {
    const uint64_t vs_hlc = get_varint(p);
    e.value_stamp = Stamp{vs_hlc, static_cast<NodeIndex>(get_varint(p))};
  }
  if (head & 8) {
    e.ancestors.resize(get_varint(p));
    for (PathStep& step : e.ancestors) {
      step.side = static_cast<ListSide>(*p++);
      const uint64_t step_hlc = get_varint(p);
      step.dot = Stamp{step_hlc, static_cast<NodeIndex>(get_varint(p))};
    }
  }
  const uint64_t length = get_varint(p);
  e.compressed = length & 1;
  if (e.compressed) e.plain_size = get_varint(p);
  e.value = std::string_view(p, length >> 1);
  p += length >> 1;
  const auto encoded = static_cast<size_t>(p - begin);
  e.bytes = encoded + compact::varint_size(encoded);
  return e;
}

bool ListState::chunk_full(const Chunk& c) const {
  const int64_t limit = list_limits().max_chunk;
  if (limit > 0) return c.count >= static_cast<uint64_t>(limit);
  const int64_t shift = std::clamp<int64_t>(-limit, 1, 5) - 1;
  return c.bytes.size() >= (size_t{4096} << shift);
}

ListState::Position ListState::locate(size_t index) const {
  Position pos;
  size_t from = 0;  // the element of the chunk at pos.offset
  if (cursor_index_ != SIZE_MAX && index >= cursor_index_ &&
      index < cursor_.first + chunks_[cursor_.chunk].count) {
    pos = cursor_;
    from = cursor_index_ - cursor_.first;
  } else {
    if (index < size_ / 2) {
      while (pos.first + chunks_[pos.chunk].count <= index) pos.first += chunks_[pos.chunk++].count;
    } else {
      pos.chunk = chunks_.size() - 1;
      pos.first = size_ - chunks_[pos.chunk].count;
      while (index < pos.first) pos.first -= chunks_[--pos.chunk].count;
    }
    const Chunk& c = chunks_[pos.chunk];
    const size_t k = index - pos.first;
    if (k > c.count / 2) {
      // Nearer the chunk's end: walk back over the backward lengths.
      const char* end = c.bytes.data() + c.bytes.size();
      for (size_t n = c.count - k; n > 0; --n) {
        const uint64_t length = get_backlen(end);
        end -= length;
      }
      pos.offset = static_cast<size_t>(end - c.bytes.data());
      cursor_ = pos;
      cursor_index_ = index;
      return pos;
    }
  }
  const Chunk& c = chunks_[pos.chunk];
  for (size_t k = from; k < index - pos.first; ++k) pos.offset += decode(c, pos.offset).bytes;
  cursor_ = pos;
  cursor_index_ = index;
  return pos;
}

ListState::Element ListState::at(size_t index) const {
  Position pos = locate(index);
  return decode(chunks_[pos.chunk], pos.offset);
}

std::string_view ListState::plain(const Element& e, std::string& scratch) {
  return e.compressed ? compact::lz4_expand(e.value, e.plain_size, scratch) : e.value;
}

std::string_view ListState::value(size_t index, std::string& scratch) const {
  return plain(at(index), scratch);
}

Stamp ListState::id(size_t index) const { return at(index).id; }

ListState ListState::clone() const {
  ListState copy;
  copy.chunks_ = chunks_;
  copy.size_ = size_;
  copy.inserted_ = inserted_;
  return copy;
}

std::vector<PathStep> ListState::path(size_t index) const {
  Element e = at(index);
  std::vector<PathStep> steps = std::move(e.ancestors);
  steps.push_back(PathStep{e.side, e.id});
  return steps;
}

Stamp ListState::latest() const {
  Stamp best;
  for (size_t i = 0; i < size_; ++i) best = std::max(best, at(i).current_stamp());
  return best;
}

void ListState::add_context(VersionVector& vv) const {
  for (size_t i = 0; i < size_; ++i) {
    Element e = at(i);
    vv.add(e.id);
    if (!e.value_stamp.empty()) vv.add(e.value_stamp);
  }
}

size_t ListState::lower_bound(const PathView& path) const {
  // The last chunk whose first element is below the path holds the answer, or it is the next
  // chunk's start.
  size_t lo = 0, hi = chunks_.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (compare(path_of(decode(chunks_[mid], 0)), path) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0) return 0;
  size_t first = 0;
  for (size_t c = 0; c + 1 < lo; ++c) first += chunks_[c].count;
  const Chunk& c = chunks_[lo - 1];
  size_t offset = 0;
  for (size_t k = 0; k < c.count; ++k) {
    Element e = decode(c, offset);
    if (compare(path_of(e), path) >= 0) return first + k;
    offset += e.bytes;
  }
  return first + c.count;
}

void ListState::insert_at(size_t index, const Element& e) {
  cursor_index_ = SIZE_MAX;
  if (!e.ancestors.empty()) ++inserted_;
  ++size_;
  auto fresh_chunk = [&](size_t at) {
    Chunk c;
    c.base = e.id.hlc;
    encode(c.bytes, c.base, e);
    c.count = 1;
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(at), std::move(c));
  };
  if (chunks_.empty()) return fresh_chunk(0);
  if (index + 1 == size_) {  // at the end
    Chunk& last = chunks_.back();
    if (chunk_full(last)) {
      last.bytes.shrink_to_fit();  // full for good: give back the growth slack
      return fresh_chunk(chunks_.size());
    }
    encode(last.bytes, last.base, e);
    ++last.count;
    return;
  }
  if (index == 0 && chunk_full(chunks_.front())) {
    chunks_.front().bytes.shrink_to_fit();
    return fresh_chunk(0);
  }
  --size_;  // locate sees the list as it was
  Position pos = locate(index);
  ++size_;
  cursor_index_ = SIZE_MAX;
  Chunk& c = chunks_[pos.chunk];
  std::string bytes;
  encode(bytes, c.base, e);
  c.bytes.insert(pos.offset, bytes);
  ++c.count;
  if (!chunk_full(c) || c.count < 2) return;
  // Split a full chunk in two halves; element bytes do not depend on their place, so the
  // halves share the base.
  size_t offset = 0;
  for (size_t k = 0; k < c.count / 2; ++k) offset += decode(c, offset).bytes;
  Chunk tail;
  tail.base = c.base;
  tail.bytes = c.bytes.substr(offset);
  tail.count = c.count - c.count / 2;
  c.bytes.resize(offset);
  c.count /= 2;
  chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(pos.chunk + 1), std::move(tail));
}

// Local pushes always land at an end (their stamps are the newest), so the ends are tried first.
void ListState::place(const Element& e) {
  PathView path = path_of(e);
  if (size_ == 0 || compare(path, path_of(at(size_ - 1))) > 0) return insert_at(size_, e);
  if (compare(path, path_of(at(0))) < 0) return insert_at(0, e);
  size_t i = lower_bound(path);
  if (i < size_ && at(i).id == e.id) return;  // a duplicate delivery
  insert_at(i, e);
}

void ListState::push(const Stamp& last, ListSide side, std::span<const std::string> values,
                     bool compress) {
  uint64_t first = last.hlc - (values.size() - 1);
  for (size_t i = 0; i < values.size(); ++i) {
    Element e;
    e.value = values[i];
    e.id = Stamp{first + i, last.node};
    e.side = side;
    e.compress = compress;
    place(e);
  }
}

void ListState::insert(const Stamp& id, std::span<const PathStep> pivot, ListSide side,
                       std::string_view value, bool compress) {
  Element e;
  e.value = value;
  e.compress = compress;
  e.id = id;
  e.side = side;
  e.ancestors.assign(pivot.begin(), pivot.end());
  place(e);
}

size_t ListState::find(const Stamp& id) const {
  // Pops and trims name elements at the ends.
  if (size_ == 0) return 0;
  if (at(0).id == id) return 0;
  if (at(size_ - 1).id == id) return size_ - 1;
  for (ListSide side : {ListSide::kHead, ListSide::kTail}) {
    size_t i = lower_bound(PathView{{}, PathStep{side, id}});
    if (i < size_ && at(i).id == id) return i;
  }
  if (inserted_ > 0)
    for (size_t i = 0; i < size_; ++i)
      if (at(i).id == id) return i;
  return size_;
}

void ListState::set(const Stamp& stamp, const Stamp& id, std::string_view value, bool compress) {
  size_t i = find(id);
  if (i == size_) return;
  Position pos = locate(i);
  Chunk& c = chunks_[pos.chunk];
  Element e = decode(c, pos.offset);
  if (!(e.current_stamp() < stamp)) return;
  const size_t old_bytes = e.bytes;
  e.value = value;
  e.compressed = false;
  e.compress = compress;
  e.value_stamp = stamp;
  std::string bytes;
  encode(bytes, c.base, e);
  c.bytes.replace(pos.offset, old_bytes, bytes);
  cursor_index_ = SIZE_MAX;
}

template <class Keep>
void ListState::filter(Keep keep) {
  cursor_index_ = SIZE_MAX;
  std::vector<Chunk> kept;
  size_t index = 0;
  size_ = 0;
  for (Chunk& c : chunks_) {
    Chunk out;
    out.base = c.base;
    size_t offset = 0;
    for (uint32_t k = 0; k < c.count; ++k, ++index) {
      Element e = decode(c, offset);
      if (keep(index, e)) {
        out.bytes.append(c.bytes, offset, e.bytes);
        ++out.count;
      } else if (!e.ancestors.empty()) {
        --inserted_;
      }
      offset += e.bytes;
    }
    size_ += out.count;
    if (out.count > 0) kept.push_back(std::move(out));
  }
  chunks_ = std::move(kept);
}

void ListState::remove(std::span<const Stamp> ids) {
  std::vector<size_t> doomed;
  doomed.reserve(ids.size());
  for (const Stamp& id : ids) {
    size_t i = find(id);
    if (i < size_) doomed.push_back(i);
  }
  if (doomed.empty()) return;
  std::sort(doomed.begin(), doomed.end());
  doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
  // A pop removes at an end: cut the bytes there instead of rewriting the list.
  if (doomed.size() == 1 && (doomed[0] == 0 || doomed[0] + 1 == size_)) {
    Position pos = locate(doomed[0]);
    Chunk& c = chunks_[pos.chunk];
    Element e = decode(c, pos.offset);
    if (!e.ancestors.empty()) --inserted_;
    c.bytes.erase(pos.offset, e.bytes);
    --c.count;
    --size_;
    if (c.count == 0) chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(pos.chunk));
    cursor_index_ = SIZE_MAX;
    return;
  }
  size_t next = 0;
  filter([&](size_t index, const Element&) {
    if (next < doomed.size() && doomed[next] == index) {
      ++next;
      return false;
    }
    return true;
  });
}

void ListState::remove_covered(const VersionVector& seen) {
  filter([&](size_t, const Element& e) { return !seen.covers(e.id); });
}

void ListState::append(const Element& e) { insert_at(size_, e); }

ListState ListState::join(const ListState& a, const VersionVector& ac, const ListState& b,
                          const VersionVector& bc) {
  ListState out;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    Element x = i < a.size() ? a.at(i) : Element{};
    Element y = j < b.size() ? b.at(j) : Element{};
    if (j == b.size() || (i < a.size() && compare(path_of(x), path_of(y)) < 0)) {
      if (!bc.covers(x.id)) out.append(x);
      ++i;
    } else if (i == a.size() || compare(path_of(x), path_of(y)) > 0) {
      if (!ac.covers(y.id)) out.append(y);
      ++j;
    } else {
      out.append(x.current_stamp() < y.current_stamp() ? y : x);
      ++i, ++j;
    }
  }
  return out;
}

bool operator==(const ListState& a, const ListState& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    ListState::Element x = a.at(i), y = b.at(i);
    std::string sx, sy;
    if (!(x.id == y.id) || x.side != y.side || !(x.value_stamp == y.value_stamp) ||
        x.ancestors != y.ancestors || ListState::plain(x, sx) != ListState::plain(y, sy))
      return false;
  }
  return true;
}

std::string ListState::debug_string() const {
  std::string out = "list=[";
  for (size_t i = 0; i < size_; ++i) {
    Element e = at(i);
    std::string scratch;
    if (out.back() != '[') out += ' ';
    out += std::string(plain(e, scratch)) + "@";
    for (const PathStep& step : e.ancestors)
      out += std::to_string(static_cast<int>(step.side)) + ":" + debug_stamp(step.dot) + "/";
    out += std::to_string(static_cast<int>(e.side)) + ":" + debug_stamp(e.id);
    if (!e.value_stamp.empty()) out += "=" + debug_stamp(e.value_stamp);
  }
  return out + "]";
}

size_t ListState::heap_bytes() const {
  size_t bytes = chunks_.capacity() * sizeof(Chunk);
  for (const Chunk& c : chunks_) bytes += c.bytes.capacity() > 15 ? c.bytes.capacity() + 1 : 0;
  return bytes;
}

}  // namespace eddy::crdt
