// The time series substate as a CRDT (crdt/series.h): replicas that applied the same effects in
// any causal order hold the same series; a sample is identified by its timestamp and concurrent
// writes of one timestamp resolve by stamp; TS.DEL and DEL remove only what their writer saw.
// Random histories print their seed; EDDY_SERIES_SEED replays one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "tests/cluster.h"

namespace eddy::crdt {
namespace {

using testing::Cluster;

uint64_t test_seed(uint64_t fallback) {
  const char* env = std::getenv("EDDY_SERIES_SEED");
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

op::SeriesAdd add(std::string key, std::vector<SeriesPoint> samples) {
  return op::SeriesAdd{0, std::move(key), std::move(samples), {}};
}

const SeriesState* series(Cluster& c, int i, std::string_view key) {
  const KeyState* s = c.replica(i).peek(0, key);
  return s ? s->series() : nullptr;
}

TEST(SeriesCrdtTest, ConcurrentWritesOfOneTimestampResolveByStamp) {
  Cluster c(2, 1);
  c.write(0, op::SeriesMeta{0, "t", SeriesConfig{}, {}});
  c.deliver_all();
  c.write(0, add("t", {{100, 1.0}}));
  c.write(1, add("t", {{100, 2.0}, {200, 3.0}}));
  c.deliver_all();
  ASSERT_TRUE(series(c, 0, "t") && series(c, 1, "t"));
  EXPECT_TRUE(*series(c, 0, "t") == *series(c, 1, "t"));
  SeriesSample scratch;
  const SeriesSample* s = series(c, 0, "t")->find(100, scratch);
  ASSERT_TRUE(s);
  // Replica 1 wrote later on its clock (ids break ties): its value wins everywhere.
  const Stamp a = series(c, 0, "t")->find(100, scratch)->dot;
  EXPECT_EQ(series(c, 1, "t")->find(100, scratch)->dot, a);
  EXPECT_EQ(series(c, 0, "t")->size(), 2u);
}

TEST(SeriesCrdtTest, RemovalTakesOnlyWhatItsWriterSaw) {
  Cluster c(2, 2);
  c.write(0, add("t", {{10, 1}, {20, 2}, {30, 3}}));
  c.deliver_all();
  c.write(0, op::SeriesRemove{0, "t", 0, 100, {}});  // TS.DEL t 0 100
  c.write(1, add("t", {{25, 9}}));                   // concurrent: survives
  c.deliver_all();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(series(c, i, "t"));
    auto samples = series(c, i, "t")->range(INT64_MIN, INT64_MAX);
    ASSERT_EQ(samples.size(), 1u);
    EXPECT_EQ(samples[0].ts, 25);
  }
  // DEL of the key || an add: the add survives alone.
  c.write(0, op::RemoveKey{0, "t", {}});
  c.write(1, add("t", {{40, 4}}));
  c.deliver_all();
  for (int i = 0; i < 2; ++i) EXPECT_EQ(series(c, i, "t")->range(INT64_MIN, INT64_MAX).size(), 1u);
}

TEST(SeriesCrdtTest, RetentionHidesOldSamples) {
  Cluster c(1, 3);
  SeriesConfig config;
  config.retention_ms = 100;
  c.write(0, op::SeriesMeta{0, "t", config, {}});
  c.write(0, add("t", {{0, 0}, {50, 1}, {100, 2}, {150, 3}}));
  const auto visible = series(c, 0, "t")->range(INT64_MIN, INT64_MAX);
  ASSERT_EQ(visible.size(), 3u);  // 50 is exactly at the cutoff 150 - 100
  EXPECT_EQ(visible.front().ts, 50);
}

// Random histories of every series op on three replicas: after delivery everyone holds the same
// state, and the state join of any two replicas' states gives it too.
TEST(SeriesCrdtTest, RandomHistoriesConverge) {
  const uint64_t base = test_seed(std::random_device{}());
  for (int round = 0; round < 150; ++round) {
    const uint64_t seed = base + static_cast<uint64_t>(round);
    SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with EDDY_SERIES_SEED)");
    Cluster c(3, seed);
    auto& rng = c.rng();
    for (int w = 0; w < 60; ++w) {
      const int i = static_cast<int>(rng() % 3);
      const std::string key = rng() % 4 ? "t" : "u";
      const unsigned pick = rng() % 20;
      if (pick < 12) {
        std::vector<SeriesPoint> points;
        int64_t ts = static_cast<int64_t>(rng() % 400);
        for (unsigned n = 1 + rng() % 5; n > 0; --n) {
          points.push_back({ts, static_cast<double>(rng() % 100) / 4});
          ts += 1 + static_cast<int64_t>(rng() % 50);
        }
        c.write(i, add(key, points));
      } else if (pick < 15) {
        const int64_t from = static_cast<int64_t>(rng() % 400);
        c.write(i, op::SeriesRemove{0, key, from, from + static_cast<int64_t>(rng() % 200), {}});
      } else if (pick < 18) {
        SeriesConfig config;
        config.chunk_size = 48 + 8 * static_cast<int64_t>(rng() % 4);  // tiny: many chunks
        config.labels = {{"site", std::to_string(rng() % 3)}};
        c.write(i, op::SeriesMeta{0, key, config, {}});
      } else if (pick == 18) {
        c.write(i, op::RemoveKey{0, key, {}});
      } else {
        c.write(i, op::SetString{0, key, "v", ExpiryAction::kClear, 0, {}});
      }
      if (rng() % 3 == 0) c.deliver_one();
    }
    // Joins of the states as they are now, before delivery completes.
    std::vector<std::pair<KeyState, VersionVector>> before;
    for (int i = 0; i < 3; ++i) {
      const KeyState* s = c.replica(i).peek_any(0, "t");
      before.emplace_back(s ? s->clone() : KeyState{}, c.context(i));
    }
    c.deliver_all();
    for (const std::string key : {"t", "u"}) {
      const KeyState* s0 = c.replica(0).peek_any(0, key);
      for (int i = 1; i < 3; ++i) {
        const KeyState* si = c.replica(i).peek_any(0, key);
        ASSERT_EQ(s0 == nullptr, si == nullptr) << key;
        if (s0) {
          ASSERT_TRUE(*s0 == *si) << s0->debug_string() << "\nvs\n" << si->debug_string();
        }
      }
    }
    KeyState joined = before[0].first.clone();
    VersionVector context = before[0].second;
    for (int i = 1; i < 3; ++i) {
      joined = KeyState::join(joined, context, before[i].first, before[i].second);
      context.merge(before[i].second);
    }
    const KeyState* final_state = c.replica(0).peek_any(0, "t");
    const KeyState none;
    ASSERT_TRUE(joined == (final_state ? *final_state : none))
        << joined.debug_string() << "\nvs\n"
        << (final_state ? final_state->debug_string() : "");
  }
}

}  // namespace
}  // namespace eddy::crdt
