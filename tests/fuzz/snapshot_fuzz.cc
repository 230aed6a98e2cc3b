// libFuzzer target: an arbitrary snapshot file never crashes the loader; it loads or is refused
// with an error. With the first input byte odd, the signature and checksum are made valid, so the
// fuzzer reaches the decoder of the states behind them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compact/codec.h"
#include "crdt/clock.h"
#include "crdt/replica.h"
#include "sync/crc32c.h"
#include "sync/persistence.h"
#include "sync/snapshot.h"

namespace {

class FixedClock : public eddy::crdt::Clock {
 public:
  int64_t now_us() const override { return 1'700'000'000'000'000; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace eddy;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    // Signature, version and this replica's id, then the fuzzed body and a valid checksum.
    std::string file = "EDDYSNAP";
    compact::Encoder enc(file);
    enc.fixed32(1);
    enc.fixed64(42);
    file += bytes;
    enc.fixed32(sync::crc32c(file));
    bytes = std::move(file);
  }
  static FixedClock clock;
  crdt::Replica replica(clock, crdt::ReplicaOptions{42, 16, false});
  sync::SnapshotInfo info;
  (void)sync::load_snapshot(bytes, replica, info);
  // The edge's cursor file lives beside the snapshot and is read at the same start.
  (void)sync::parse_hub_cursor(bytes);
  return 0;
}
