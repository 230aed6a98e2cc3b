// Google Benchmark of the hot internals: the request parser, the key table and the value
// encodings. Run: build/bench/bench_internals
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "compact/compact_string.h"
#include "compact/key_table.h"
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

}  // namespace

BENCHMARK_MAIN();
