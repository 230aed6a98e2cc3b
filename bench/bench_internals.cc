// Google Benchmark of the hot internals: the request parser, the key table and the value
// encodings. Run: build/bench/bench_internals
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "compact/compact_string.h"
#include "compact/key_table.h"
#include "crdt/series.h"
#include "iot/aggregate.h"
#include "server/resp_parser.h"

namespace {

using eddy::compact::CompactString;
using eddy::compact::KeyTable;
using eddy::server::RespParser;

// Parsing a pipeline of 64 SET commands, as redis-benchmark -P 64 sends them.
void BM_ParsePipelinedSet(benchmark::State& state) {
  std::string batch;
  for (int i = 0; i < 64; ++i) {
    std::string key = "key:" + std::to_string(i);
    batch += "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key +
             "\r\n$3\r\nxyz\r\n";
  }
  RespParser parser;
  std::vector<std::string_view> argv;
  for (auto _ : state) {
    parser.append(batch);
    while (parser.next(argv) == RespParser::Status::kCommand) benchmark::DoNotOptimize(argv);
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_ParsePipelinedSet);

std::vector<std::string> keys(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back("key:" + std::to_string(i * 2654435761u));
  return out;
}

void BM_KeyTableFind(benchmark::State& state) {
  auto names = keys(static_cast<size_t>(state.range(0)));
  KeyTable<uint64_t> table;
  for (const auto& k : names) *table.try_emplace(k).first = 1;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.find(names[i]));
    if (++i == names.size()) i = 0;
  }
}
BENCHMARK(BM_KeyTableFind)->Arg(1000)->Arg(1000000);

void BM_UnorderedMapFind(benchmark::State& state) {
  auto names = keys(static_cast<size_t>(state.range(0)));
  std::unordered_map<std::string, uint64_t> table;
  for (const auto& k : names) table[k] = 1;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.find(names[i]));
    if (++i == names.size()) i = 0;
  }
}
BENCHMARK(BM_UnorderedMapFind)->Arg(1000)->Arg(1000000);

void BM_KeyTableInsertErase(benchmark::State& state) {
  auto names = keys(100000);
  for (auto _ : state) {
    KeyTable<uint64_t> table;
    for (const auto& k : names) *table.try_emplace(k).first = 1;
    for (const auto& k : names) table.erase(k);
  }
  state.SetItemsProcessed(state.iterations() * 100000);
}
BENCHMARK(BM_KeyTableInsertErase);

void BM_CompactStringViewSmall(benchmark::State& state) {
  CompactString s("0123456789");
  std::string scratch;
  for (auto _ : state) benchmark::DoNotOptimize(s.view(scratch));
}
BENCHMARK(BM_CompactStringViewSmall);

void BM_CompactStringRoundTrip(benchmark::State& state) {
  std::string json;
  while (json.size() < static_cast<size_t>(state.range(0))) json += "{\"temp\":21.5,\"ok\":true}";
  json.resize(static_cast<size_t>(state.range(0)));
  const bool compress = state.range(1) != 0;
  std::string scratch;
  for (auto _ : state) {
    CompactString s(json, compress);
    benchmark::DoNotOptimize(s.view(scratch));
  }
  CompactString sample(json, compress);
  state.counters["stored_bytes"] = static_cast<double>(sample.heap_bytes());
}
BENCHMARK(BM_CompactStringRoundTrip)->Args({100, 0})->Args({100, 1})->Args({1000, 0})->Args({1000, 1});

// Time series: 1 Hz readings with one decimal and +-15 ms of jitter, written live, appended to a
// series (the TS.ADD path below the command), then decoded, then folded into partial aggregates.
std::vector<eddy::crdt::SeriesPoint> readings(size_t n) {
  std::mt19937_64 rng(7);
  std::vector<eddy::crdt::SeriesPoint> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back({1'700'000'000'000 + static_cast<int64_t>(i) * 1000 + static_cast<int64_t>(rng() % 31) - 15,
                   200 + static_cast<double>(rng() % 50) / 10});
  return out;
}

void BM_SeriesAppend(benchmark::State& state) {
  const auto points = readings(86'400);
  const eddy::crdt::VersionVector none;
  const eddy::crdt::NodeIndex node = eddy::crdt::NodeRegistry::intern(0xBE);
  size_t bytes = 0;
  for (auto _ : state) {
    eddy::crdt::SeriesState series;
    for (const auto& p : points)
      series.add(eddy::crdt::Stamp{eddy::crdt::hlc_from_millis(p.ts), node}, {&p, 1}, none);
    bytes = series.heap_bytes();
    benchmark::DoNotOptimize(series);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(points.size()));
  state.counters["bytes_per_sample"] = static_cast<double>(bytes) / points.size();
}
BENCHMARK(BM_SeriesAppend)->Unit(benchmark::kMillisecond);

void BM_SeriesDecodeAndAggregate(benchmark::State& state) {
  const auto points = readings(86'400);
  const eddy::crdt::NodeIndex node = eddy::crdt::NodeRegistry::intern(0xBE);
  eddy::crdt::SeriesState series;
  for (const auto& p : points)
    series.add(eddy::crdt::Stamp{eddy::crdt::hlc_from_millis(p.ts), node}, {&p, 1}, {});
  for (auto _ : state) {
    eddy::iot::Partial partial;
    for (const auto& s : series.range(INT64_MIN, INT64_MAX)) partial.add(s.ts, s.value);
    benchmark::DoNotOptimize(partial);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(points.size()));
}
BENCHMARK(BM_SeriesDecodeAndAggregate)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
