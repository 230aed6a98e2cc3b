// The decoder of stored sample chunks (crdt/series_chunk.h), which snapshots feed: any bytes
// either fail or decode to strictly increasing samples with real dots that encode and decode
// again to themselves.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "crdt/series_chunk.h"

using eddy::crdt::NodeIndex;
using eddy::crdt::SampleChunk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  // The first bytes choose the count, the unused bits of the last byte and the table size.
  const size_t count = 1 + data[0] % 64;
  const size_t table = data[1] % 4;
  std::string_view bits(reinterpret_cast<const char*>(data) + 3, size - 3);
  const size_t unused = data[2] % 8;
  if (bits.empty() || bits.size() * 8 < unused) return 0;
  const size_t bit_length = bits.size() * 8 - unused;
  std::vector<NodeIndex> nodes;
  for (size_t i = 0; i < table; ++i) nodes.push_back(static_cast<NodeIndex>(i + 1));
  auto samples = SampleChunk::parse(bits, bit_length, count, nodes);
  if (!samples) return 0;
  for (size_t i = 1; i < samples->size(); ++i)
    if ((*samples)[i - 1].ts >= (*samples)[i].ts) std::abort();
  const SampleChunk again = SampleChunk::from(*samples);
  auto back = SampleChunk::parse(again.data(), again.bit_length(), again.count(), again.nodes());
  if (!back || *back != *samples) std::abort();
  return 0;
}
