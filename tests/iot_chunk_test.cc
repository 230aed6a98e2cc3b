// The compressed sample chunks behind a time series (crdt/series_chunk.h): every sample reads
// back bit for bit, regular readings cost a few bits, and stored bytes are checked on decode.
// Random tests print their seed; EDDY_CHUNK_SEED replays one.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

#include "crdt/series_chunk.h"

namespace eddy::crdt {
namespace {

uint64_t test_seed(uint64_t fallback) {
  const char* env = std::getenv("EDDY_CHUNK_SEED");
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

NodeIndex node(int i) { return NodeRegistry::intern(0xC0FFEE00 + static_cast<uint64_t>(i)); }

std::vector<NodeIndex> table_of(const SampleChunk& chunk) { return chunk.nodes(); }

void expect_round_trip(const std::vector<SeriesSample>& samples) {
  const SampleChunk chunk = SampleChunk::from(samples);
  ASSERT_EQ(chunk.count(), samples.size());
  EXPECT_EQ(chunk.decode(), samples);
  auto parsed =
      SampleChunk::parse(chunk.data(), chunk.bit_length(), chunk.count(), table_of(chunk));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, samples);
  if (!samples.empty()) {
    EXPECT_EQ(chunk.first_ts(), samples.front().ts);
    EXPECT_EQ(chunk.last_ts(), samples.back().ts);
  }
}

TEST(SeriesChunkTest, SpecialValuesAndExtremesRoundTrip) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<SeriesSample> samples;
  const double values[] = {0.0,
                           -0.0,
                           1.5,
                           -1.5,
                           inf,
                           -inf,
                           std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::denorm_min(),
                           1e308,
                           -1e-308,
                           0.1,
                           0.1};
  int64_t ts = 0;
  for (double v : values) {
    samples.push_back(
        {ts, v, Stamp{hlc_from_millis(1'700'000'000'000) + static_cast<uint64_t>(ts), node(1)}});
    ts += ts == 0 ? 1 : ts * 7;  // irregular, growing gaps
  }
  samples.push_back({INT64_MAX / 2, 42, Stamp{hlc_from_millis(1), node(2)}});
  expect_round_trip(samples);
}

TEST(SeriesChunkTest, RegularReadingsCostAFewBitsEach) {
  // 1 Hz readings with one decimal, written live (`*`): the dot's milliseconds are the timestamp.
  std::vector<SeriesSample> samples;
  const int64_t start = 1'700'000'000'000;
  for (int i = 0; i < 3600; ++i) {
    const int64_t ts = start + i * 1000;
    samples.push_back({ts, 20.0 + (i % 7) * 0.1, Stamp{hlc_from_millis(ts), node(1)}});
  }
  const SampleChunk chunk = SampleChunk::from(samples);
  const double bits_per_sample = static_cast<double>(chunk.bit_length()) / samples.size();
  std::cout << "1 Hz, one decimal, live: " << bits_per_sample << " bits per sample\n";
  // XOR-ed doubles of decimals change most mantissa bits: below a raw double plus its timestamp,
  // far above what the decimal codec (a later increment) will take.
  EXPECT_LT(bits_per_sample, 64);
  // Constant values: timestamp, value and dot take a bit each, plus the node and logical bits.
  for (SeriesSample& s : samples) s.value = 21.5;
  const SampleChunk flat = SampleChunk::from(samples);
  EXPECT_LT(static_cast<double>(flat.bit_length()) / samples.size(), 5.1);
  expect_round_trip(samples);
}

TEST(SeriesChunkTest, RandomSamplesRoundTrip) {
  const uint64_t seed = test_seed(std::random_device{}());
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_CHUNK_SEED)");
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    std::vector<SeriesSample> samples;
    int64_t ts = static_cast<int64_t>(rng() % 2'000'000'000'000);
    const int n = static_cast<int>(rng() % 300) + 1;
    for (int i = 0; i < n; ++i) {
      double value;
      switch (rng() % 4) {
        case 0:
          value = std::bit_cast<double>(rng());
          break;  // any bits, NaNs included
        case 1:
          value = static_cast<double>(static_cast<int64_t>(rng() % 1000) - 500) / 10;
          break;
        case 2:
          value = samples.empty() ? 1 : samples.back().value;
          break;
        default:
          value =
              std::ldexp(static_cast<double>(rng() % 1000), static_cast<int>(rng() % 200) - 100);
      }
      const uint64_t hlc = (static_cast<uint64_t>(rng() % (uint64_t{1} << 47)) << 16) |
                           (rng() % 3 ? 0 : rng() % 65536);
      samples.push_back({ts, value, Stamp{hlc == 0 ? 1 : hlc, node(static_cast<int>(rng() % 3))}});
      ts += 1 + static_cast<int64_t>(rng() % (rng() % 2 ? 10 : 1'000'000'000));
    }
    expect_round_trip(samples);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(SeriesChunkTest, ParseRefusesMalformedBytes) {
  std::vector<SeriesSample> samples;
  for (int i = 0; i < 50; ++i)
    samples.push_back({1000 + i * 10, i * 0.5, Stamp{hlc_from_millis(5000 + i), node(1)}});
  const SampleChunk chunk = SampleChunk::from(samples);
  const auto nodes = table_of(chunk);
  const std::string bits(chunk.data());
  // Too few samples or bits, too many samples, a node place outside the table.
  EXPECT_FALSE(SampleChunk::parse(bits, chunk.bit_length(), 49, nodes));
  EXPECT_FALSE(SampleChunk::parse(bits, chunk.bit_length(), 51, nodes));
  EXPECT_FALSE(SampleChunk::parse(bits, chunk.bit_length() - 1, 50, nodes));
  EXPECT_FALSE(SampleChunk::parse(bits.substr(0, bits.size() - 1), chunk.bit_length(), 50, nodes));
  EXPECT_FALSE(SampleChunk::parse(bits, chunk.bit_length(), 50, {}));
  EXPECT_FALSE(SampleChunk::parse(bits, chunk.bit_length(), 0, nodes));
  // Every single-bit flip is refused or decodes to a valid chunk (strictly increasing, dots).
  for (size_t bit = 0; bit < chunk.bit_length(); ++bit) {
    std::string flipped = bits;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (0x80 >> (bit % 8)));
    auto parsed = SampleChunk::parse(flipped, chunk.bit_length(), 50, nodes);
    if (!parsed) continue;
    for (size_t i = 1; i < parsed->size(); ++i) ASSERT_LT((*parsed)[i - 1].ts, (*parsed)[i].ts);
    expect_round_trip(*parsed);
  }
}

TEST(SeriesChunkTest, ContextIsTheGreatestDotPerReplica) {
  SampleChunk chunk;
  chunk.append({1, 1, Stamp{100, node(1)}});
  chunk.append({2, 1, Stamp{90, node(2)}});
  chunk.append({3, 1, Stamp{120, node(1)}});
  EXPECT_EQ(chunk.context().get(node(1)), 120u);
  EXPECT_EQ(chunk.context().get(node(2)), 90u);
  EXPECT_EQ(chunk.nodes().size(), 2u);
}

}  // namespace
}  // namespace eddy::crdt
