// Google Benchmark of sync's merge path: a replica applying a backlog of another replica's units,
// as a hub does with an edge's pushes, with and without looking the keys up ahead.
// Run: build-release/bench/bench_sync
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "crdt/clock.h"
#include "crdt/replica.h"
#include "sync/messages.h"

namespace {

using namespace eddy::crdt;

struct Capture : EffectSink {
  std::vector<Unit> units;
  void append(const Unit& unit) override { units.push_back(unit); }
};

// One SET of a distinct key with a 16-byte value per unit, written by one edge.
const std::vector<Unit>& backlog() {
  static const std::vector<Unit> units = [] {
    constexpr int kUnits = 1 << 20;
    ManualClock clock(1'700'000'000'000);
    Replica edge(clock, ReplicaOptions{0xED6E, 16, false});
    Capture sink;
    sink.units.reserve(kUnits);
    edge.set_sink(&sink);
    for (int i = 0; i < kUnits; ++i) {
      if (i % 64 == 0) {
        clock.advance_ms(1);
        edge.refresh_time();
      }
      edge.write(op::SetString{0, "key:" + std::to_string(i), "vvvvvvvvvvvvvvvv"});
    }
    return std::move(sink.units);
  }();
  return units;
}

// state.range(0): 1 to prefetch the keys of the unit kPrefetchAhead ahead, as Hub::push does.
void BM_ApplyBacklogOfSets(benchmark::State& state) {
  const std::vector<Unit>& units = backlog();
  const bool prefetch = state.range(0) != 0;
  ManualClock clock(1'700'000'100'000);
  for (auto _ : state) {
    state.PauseTiming();
    auto hub = std::make_unique<Replica>(clock, ReplicaOptions{0x4B5B, 16, false});
    state.ResumeTiming();
    for (size_t i = 0; i < units.size(); ++i) {
      if (prefetch && i + eddy::sync::kPrefetchAhead < units.size())
        hub->prefetch(units[i + eddy::sync::kPrefetchAhead]);
      benchmark::DoNotOptimize(hub->apply_remote(units[i]));
    }
    state.PauseTiming();
    hub.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(units.size()));
}
BENCHMARK(BM_ApplyBacklogOfSets)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
