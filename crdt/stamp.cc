#include "crdt/stamp.h"

#include <random>
#include <unordered_map>

namespace eddy::crdt {
namespace {

// Process-wide: every replica in a process (the simulator runs several) shares the same
// interning, so stamps can be compared and moved between them without translation.
struct Interning {
  std::vector<uint64_t> ids{0};
  std::unordered_map<uint64_t, NodeIndex> index;
};

Interning& interning() {
  static Interning table;
  return table;
}

}  // namespace

uint64_t NodeRegistry::new_replica_id() {
  std::random_device rd;
  uint64_t id = 0;
  while (id == 0) id = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return id;
}

NodeIndex NodeRegistry::intern(uint64_t replica_id) {
  Interning& t = interning();
  auto [it, inserted] = t.index.try_emplace(replica_id, static_cast<NodeIndex>(t.ids.size()));
  if (inserted) t.ids.push_back(replica_id);
  return it->second;
}

uint64_t NodeRegistry::id(NodeIndex index) {
  const Interning& t = interning();
  return index < t.ids.size() ? t.ids[index] : 0;
}

size_t NodeRegistry::size() { return interning().ids.size() - 1; }

}  // namespace eddy::crdt
