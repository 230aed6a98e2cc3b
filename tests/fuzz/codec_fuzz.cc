// libFuzzer target: arbitrary bytes as a journal record's unit (first byte even) or a snapshot's
// key state (odd) never crash the decoder; whatever decodes encodes and decodes back to itself, a
// decoded unit applies, and a decoded key state answers every read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "compact/codec.h"
#include "crdt/clock.h"
#include "crdt/codec.h"
#include "crdt/replica.h"

namespace {

using namespace eddy::crdt;

// Every read a command can make of a state, so that a state breaking an invariant the readers
// rely on shows up here rather than in a server.
void read_everything(const KeyState& s) {
  std::string scratch;
  (void)s.debug_string();
  (void)s.type();
  (void)s.string_value(scratch);
  (void)s.expire_at();
  (void)s.expiry_author();
  (void)s.observe();
  (void)s.heap_bytes();
  if (const ListState* l = s.list()) {
    for (size_t i = 0; i < l->size(); ++i) {
      (void)l->value(i, scratch);
      (void)l->path(i);
    }
  }
  if (const HashState* h = s.hash()) {
    h->for_each([&](std::string_view name, const HashField& f) {
      (void)f.cell.value(scratch);
      (void)h->find(name);
    });
  }
}

// A decoded unit is also applied, twice (a duplicate delivery), as journal replay would: what
// decode_unit lets through must be safe to apply.
void check_unit(std::string_view bytes) {
  auto unit = decode_unit(bytes);
  if (!unit) return;
  std::string again;
  encode_unit(*unit, again);
  auto back = decode_unit(again);
  if (!back || !(*back == *unit)) std::abort();
  if (!fits_databases(*unit, 2)) return;
  static const ManualClock clock;
  Replica replica(clock, ReplicaOptions{1, 2, true});
  unit->seq = 1;  // the first unit of its origin here, so that it applies, then as a duplicate
  replica.apply_remote(*unit);
  replica.apply_remote(*unit);
  for (int db = 0; db < 2; ++db)
    replica.table(db).for_each([](std::string_view, const KeyState& s) { read_everything(s); });
}

void check_key_state(std::string_view bytes) {
  // A snapshot's table of eight replicas, then this process's own for the second decode.
  static const std::vector<NodeIndex> snapshot_nodes = [] {
    std::vector<NodeIndex> nodes{0};
    for (uint64_t id = 1; id <= 8; ++id)
      nodes.push_back(NodeRegistry::intern(id * 0x9E3779B97F4A7C15ull));
    return nodes;
  }();
  eddy::compact::Decoder in(bytes);
  KeyState state;
  if (!decode_key_state(in, snapshot_nodes, state)) return;
  read_everything(state);
  std::vector<NodeIndex> own(NodeRegistry::size() + 1);
  std::iota(own.begin(), own.end(), NodeIndex{0});
  std::string again;
  eddy::compact::Encoder out(again);
  encode_key_state(state, out);
  eddy::compact::Decoder reread(again);
  KeyState back;
  if (!decode_key_state(reread, own, back) || !reread.done() || !(back == state)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0)
    check_unit(bytes);
  else
    check_key_state(bytes);
  return 0;
}
