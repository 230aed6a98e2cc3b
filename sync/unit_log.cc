#include "sync/unit_log.h"

#include <algorithm>
#include <string_view>

#include "crdt/codec.h"

namespace eddy::sync {

UnitLog::UnitLog(uint64_t first_position)
    : next_(first_position), horizon_(first_position), durable_(first_position - 1) {}

uint64_t UnitLog::append(const crdt::Unit& unit) {
  if (chunks_.empty() || chunks_.back().bytes.size() >= kChunkBytes) {
    Chunk& chunk = chunks_.emplace_back();
    chunk.first = next_;
    chunk.bytes.reserve(kChunkBytes + 256);
  }
  Chunk& chunk = chunks_.back();
  crdt::encode_unit(unit, chunk.bytes);
  chunk.ends.push_back(static_cast<uint32_t>(chunk.bytes.size()));
  chunk.origins.push_back(unit.origin);
  return next_++;
}

void UnitLog::mark_durable(uint64_t position) {
  durable_ = std::max(durable_, std::min(position, head()));
}

PullReply UnitLog::read(uint64_t after, uint64_t max_bytes, crdt::NodeIndex skip_origin) const {
  PullReply reply{after, after, {}};
  if (after + 1 < horizon_ || after >= durable_) return reply;
  // The chunk holding position after + 1: the last one starting at or before it.
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), after + 1,
                             [](uint64_t pos, const Chunk& c) { return pos < c.first; });
  if (it == chunks_.begin()) return reply;
  --it;
  uint64_t bytes = 0;
  for (uint64_t pos = after + 1; pos <= durable_; ++pos) {
    if (pos > it->last()) ++it;
    const size_t i = static_cast<size_t>(pos - it->first);
    if (it->origins[i] != skip_origin) {
      const uint32_t begin = i == 0 ? 0 : it->ends[i - 1];
      const uint32_t size = it->ends[i] - begin;
      if (!reply.units.empty() && bytes + size > max_bytes) break;
      // The bytes were encoded by append: they decode.
      auto unit = crdt::decode_unit(std::string_view(it->bytes).substr(begin, size));
      if (unit) reply.units.push_back(std::move(*unit));
      bytes += size;
    }
    reply.to = pos;
  }
  return reply;
}

void UnitLog::trim_before(uint64_t position) {
  horizon_ = std::max(horizon_, std::min(position, durable_ + 1));
  while (!chunks_.empty() && chunks_.front().last() < horizon_) chunks_.pop_front();
}

size_t UnitLog::memory_bytes() const {
  size_t total = 0;
  for (const Chunk& c : chunks_)
    total += sizeof(Chunk) + c.bytes.capacity() + c.ends.capacity() * sizeof(uint32_t) +
             c.origins.capacity() * sizeof(crdt::NodeIndex);
  return total;
}

}  // namespace eddy::sync
