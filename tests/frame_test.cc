// The frames of the edge/hub protocol: every message comes back equal, large batches are
// compressed, any damaged, truncated or foreign frame is refused with its reason, and a SET costs
// at most half its RESP bytes on the wire.
#include "sync/frame.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "compact/lz4.h"
#include "compact/varint.h"
#include "crdt/clock.h"
#include "crdt/codec.h"
#include "crdt/replica.h"

namespace eddy::sync {
namespace {

using crdt::ListSide;
using crdt::Unit;
namespace op = crdt::op;

// A replica whose local units are kept, as the journal would get them.
struct Writer {
  explicit Writer(uint64_t id) : replica(clock, crdt::ReplicaOptions{id, 16, false}) {
    replica.set_sink(&sink);
  }
  const Unit& write(crdt::Op op) {
    replica.write(std::move(op));
    return sink.units.back();
  }

  struct Capture : crdt::EffectSink {
    std::vector<Unit> units;
    void append(const Unit& unit) override { units.push_back(unit); }
  };
  crdt::ManualClock clock;
  Capture sink;
  crdt::Replica replica;
};

// Units of every shape a batch carries: string, counter, list and hash ops, a removal with its
// context, a MULTI/EXEC unit of several effects, and (from `b`) units naming two replicas.
std::vector<Unit> varied_units(Writer& a, Writer& b) {
  a.write(op::SetString{
      0, "str", std::string("bin\0ary", 7), crdt::ExpiryAction::kSet, 1'700'000'100'000, {}});
  a.clock.advance_ms(3);
  a.write(op::CounterAdd{1, "counter", crdt::Decimal::from_int(-7), {}, {}});
  a.write(op::CounterAdd{1, "counter", *crdt::Decimal::parse("2.5"), {}, {}});
  a.write(op::ListPush{2, "list", ListSide::kTail, {"a", "", std::string(300, 'x')}, {}});
  a.write(op::ListPush{2, "list", ListSide::kHead, {"z"}, {}});
  a.write(op::HashSet{3, "hash", {{"f1", "v1", {}, {}}, {"f2", "v2", {}, {}}}, {}});
  a.clock.advance_ms(70'000);
  a.replica.begin_unit();
  a.replica.write(op::HashRemove{3, "hash", {{"f1", {}}}, {}});
  a.replica.write(op::RemoveKey{0, "str", {}});
  a.replica.write(op::SwapDb{4, 5});
  a.replica.commit_unit();
  for (const Unit& unit : a.sink.units) b.replica.apply_remote(unit);
  b.write(op::ListPush{2, "list", ListSide::kTail, {"from b"}, {}});
  b.write(op::RemoveKey{2, "list", {}});
  b.write(op::CounterAdd{1, "counter", crdt::Decimal::from_int(1), {}, {}});
  std::vector<Unit> units = a.sink.units;
  units.insert(units.end(), b.sink.units.begin(), b.sink.units.end());
  return units;
}

Message decoded(std::string_view frame) {
  auto result = decode_frame(frame);
  if (auto* error = std::get_if<FrameError>(&result)) {
    ADD_FAILURE() << "refused: " << error->text;
    return {};
  }
  return std::get<Message>(std::move(result));
}

std::string refusal(std::string_view frame) {
  auto result = decode_frame(frame);
  if (auto* error = std::get_if<FrameError>(&result)) return error->text;
  return "(accepted)";
}

template <class M>
void expect_round_trip(const M& message) {
  const std::string frame = encode_frame(message);
  ASSERT_GE(frame.size(), kFrameHeaderBytes);
  EXPECT_EQ(frame[0], static_cast<char>(kFrameVersion));
  const Message back = decoded(frame);
  ASSERT_TRUE(std::holds_alternative<M>(back));
  EXPECT_TRUE(std::get<M>(back) == message);
  EXPECT_EQ(encode_frame(Message(message)), frame);
}

TEST(FrameTest, EveryMessageRoundTrips) {
  expect_round_trip(Hello{0xFEDCBA9876543210ull, 7, 123'456, 123'000, 99'999'999'999,
                          uint64_t{1'700'000'000'123} << 16 | 5, -42, "edge-7 \r\n",
                          std::string("tok\0en", 6)});
  expect_round_trip(HelloReply{0x8000000000000001ull, 500, 1'000'000, 3, 77, 1'700'000'000'000,
                               CatchUp::kFullMerge});
  expect_round_trip(HelloReply{1, 0, 0, 0, 0, -1, CatchUp::kStateSince});
  expect_round_trip(Pull{UINT64_MAX, 1 << 20, 30'000});
  expect_round_trip(Ack{1ull << 40});

  Writer a(0x1111222233334444ull), b(0x9E3779B97F4A7C15ull);
  const std::vector<Unit> units = varied_units(a, b);
  ASSERT_EQ(units.size(), 10u);
  expect_round_trip(Push{a.sink.units});
  expect_round_trip(PullReply{41, 51, units});
  expect_round_trip(Push{});
  expect_round_trip(PullReply{5, 5, {}});
  // Seqs in any order and far apart (a PullReply relays many origins).
  std::vector<Unit> shuffled = {units[9], units[0], units[4]};
  shuffled[0].seq = UINT64_MAX;
  shuffled[1].seq = 0;
  expect_round_trip(PullReply{0, UINT64_MAX, shuffled});
}

TEST(FrameTest, DecodedUnitsApplyAsTheOriginalsDo) {
  Writer a(0x5555666677778888ull), b(0x0123456789ABCDEFull);
  const std::vector<Unit> units = varied_units(a, b);
  const Message back = decoded(encode_frame(PullReply{0, 10, units}));
  const auto& reply = std::get<PullReply>(back);
  crdt::ManualClock clock;
  crdt::Replica direct(clock, crdt::ReplicaOptions{77, 16, false});
  crdt::Replica wired(clock, crdt::ReplicaOptions{78, 16, false});
  for (const Unit& unit : units) direct.apply_remote(unit);
  for (const Unit& unit : reply.units) wired.apply_remote(unit);
  for (int db = 0; db < 16; ++db) {
    ASSERT_EQ(direct.size(db), wired.size(db)) << db;
    direct.table(db).for_each([&](std::string_view key, const crdt::KeyState& s) {
      const crdt::KeyState* other = wired.peek_any(db, key);
      ASSERT_TRUE(other) << key;
      EXPECT_EQ(other->debug_string(), s.debug_string()) << key;
    });
  }
}

std::string key_of(size_t i) {
  char key[16];
  std::snprintf(key, sizeof key, "key:%06zu", i);
  return key;
}

// Random letters and digits: incompressible for LZ4, as real values often are.
std::string random_value(std::mt19937_64& rng, size_t size) {
  static constexpr std::string_view kChars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string v(size, ' ');
  for (char& c : v) c = kChars[rng() % kChars.size()];
  return v;
}

std::string resp(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args)
    out += "$" + std::to_string(a.size()) + "\r\n" + std::string(a) + "\r\n";
  return out;
}

// A push of 1,000 SETs, one millisecond apart.
std::vector<Unit> set_units(size_t n, uint64_t seed, int64_t ms_apart = 1) {
  Writer w(0xA5A5A5A5DEADBEEFull);
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < n; ++i) {
    w.write(op::SetString{0, key_of(i), random_value(rng, 16)});
    w.clock.advance_ms(ms_apart);
  }
  return w.sink.units;
}

TEST(FrameTest, LargePushIsCompressedAndRoundTrips) {
  const Push push{set_units(1000, 1)};
  std::string plain;
  crdt::encode_units(push.units, plain);
  const std::string frame = encode_frame(push);
  EXPECT_TRUE(static_cast<uint8_t>(frame[1]) & kFrameCompressed);
  EXPECT_EQ(static_cast<uint8_t>(frame[1]) & ~kFrameCompressed, uint8_t{3});
  EXPECT_LT(frame.size(), kFrameHeaderBytes + plain.size());
  std::cout << "1,000 SETs: " << plain.size() << " bytes encoded, " << frame.size()
            << " bytes framed\n";
  const Message back = decoded(frame);
  ASSERT_TRUE(std::holds_alternative<Push>(back));
  EXPECT_TRUE(std::get<Push>(back) == push);

  // Small messages, and large ones LZ4 cannot shrink, go as they are.
  EXPECT_FALSE(static_cast<uint8_t>(encode_frame(Push{set_units(3, 2)})[1]) & kFrameCompressed);
  std::mt19937_64 rng(3);
  std::string noise(4000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  const std::string hello = encode_frame(Hello{1, 1, 0, 0, 0, 0, 0, noise, ""});
  EXPECT_FALSE(static_cast<uint8_t>(hello[1]) & kFrameCompressed);
  EXPECT_EQ(std::get<Hello>(decoded(hello)).node_name, noise);
}

// Every frame a test damages: a plain one and a compressed one.
std::vector<std::string> sample_frames() {
  Writer a(0x1111222233334444ull), b(0x9E3779B97F4A7C15ull);
  std::vector<std::string> frames = {
      encode_frame(Hello{0xFEDCBA9876543210ull, 1, 10, 9, 8, 7, 6, "edge", "secret"}),
      encode_frame(PullReply{3, 13, varied_units(a, b)}), encode_frame(Push{set_units(60, 4)}),
      encode_frame(Ack{5})};
  EXPECT_FALSE(static_cast<uint8_t>(frames[0][1]) & kFrameCompressed);
  EXPECT_TRUE(static_cast<uint8_t>(frames[2][1]) & kFrameCompressed);
  return frames;
}

TEST(FrameTest, EverySingleByteCorruptionIsRefused) {
  for (const std::string& frame : sample_frames()) {
    for (size_t i = 0; i < frame.size(); ++i) {
      for (int bit = 0; bit <= 8; ++bit) {
        std::string damaged = frame;
        damaged[i] = static_cast<char>(bit < 8 ? damaged[i] ^ (1 << bit) : ~damaged[i]);
        const std::string text = refusal(damaged);
        if (i == 0)
          ASSERT_EQ(text.rfind("unsupported version ", 0), 0u) << text;
        else
          ASSERT_EQ(text, "bad checksum") << "byte " << i << " of " << frame.size();
      }
    }
  }
}

TEST(FrameTest, EveryTruncationIsRefused) {
  for (const std::string& frame : sample_frames()) {
    for (size_t n = 0; n < frame.size(); ++n) {
      const std::string text = refusal(std::string_view(frame).substr(0, n));
      ASSERT_EQ(text, n < kFrameHeaderBytes ? "truncated" : "bad checksum") << n;
    }
    EXPECT_EQ(refusal(frame + '\0'), "bad checksum");
  }
}

TEST(FrameTest, ForeignVersionsAndTypesAreRefused) {
  std::string frame = encode_frame(Ack{5});
  frame[0] = 2;
  EXPECT_EQ(refusal(frame), "unsupported version 2");
  frame[0] = 0;
  EXPECT_EQ(refusal(frame), "unsupported version 0");
  EXPECT_EQ(refusal(seal_frame(9, "\x05")), "unknown frame type 9");
  EXPECT_EQ(refusal(seal_frame(0, "\x05")), "unknown frame type 0");
  EXPECT_EQ(refusal(seal_frame(0x87, "\x05")), "unknown frame type 7");
  EXPECT_EQ(std::get<Ack>(decoded(seal_frame(6, "\x05"))).cursor, 5u);
}

std::string varint(uint64_t v) {
  std::string out;
  compact::put_varint(out, v);
  return out;
}

TEST(FrameTest, MalformedPayloadsAreRefused) {
  EXPECT_EQ(refusal(seal_frame(6, "")), "malformed ack payload");
  EXPECT_EQ(refusal(seal_frame(6, std::string("\x05\x00", 2))), "malformed ack payload");
  EXPECT_EQ(refusal(seal_frame(6, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")),
            "malformed ack payload");  // a varint of 11 bytes
  EXPECT_EQ(refusal(seal_frame(4, "\x01\x02")), "malformed pull payload");
  // HELLO's proto version is 32 bits; HELLO reply's mode one of three.
  std::string hello(8, '\x01');
  hello += varint(1ull << 32) + std::string(5, '\0') + varint(0) + varint(0);
  EXPECT_EQ(refusal(seal_frame(1, hello)), "malformed hello payload");
  std::string reply(8, '\x01');
  reply += std::string(5, '\0') + '\x03';
  EXPECT_EQ(refusal(seal_frame(2, reply)), "malformed hello reply payload");
  reply.back() = '\x02';
  EXPECT_EQ(std::get<HelloReply>(decoded(seal_frame(2, reply))).mode, CatchUp::kFullMerge);
  // A name longer than the frame.
  std::string named(8, '\x01');
  named += std::string(6, '\0') + varint(1000) + "abc";
  EXPECT_EQ(refusal(seal_frame(1, named)), "malformed hello payload");

  // Unit batches: counts beyond what the input holds, bad units, trailing bytes.
  EXPECT_EQ(refusal(seal_frame(3, varint(0) + varint(1'000'000'000))), "malformed push payload");
  EXPECT_EQ(refusal(seal_frame(3, varint(1'000'000) + std::string(16, '\x01'))),
            "malformed push payload");
  Writer a(0x1111222233334444ull), b(0x9E3779B97F4A7C15ull);
  std::string payload = varint(1) + varint(11);
  crdt::encode_units(varied_units(a, b), payload);
  ASSERT_TRUE(std::holds_alternative<PullReply>(decoded(seal_frame(5, payload))));
  EXPECT_EQ(refusal(seal_frame(5, payload + '\0')), "malformed pull reply payload");
  for (size_t n = 0; n < payload.size(); ++n)
    ASSERT_EQ(refusal(seal_frame(5, payload.substr(0, n))), "malformed pull reply payload") << n;
  // An op byte beyond the ops there are, in the first unit's first effect.
  std::string units;
  crdt::encode_units(std::vector<Unit>{a.sink.units[0]}, units);
  std::string bad = units;
  // Table (1, the id's 8 bytes), count, seq delta, origin, effect count, then the op byte:
  // kStampByOrigin | SetString.
  const size_t head = 13;
  ASSERT_EQ(bad[head], '\x10');
  bad[head] = '\x1f';
  EXPECT_EQ(refusal(seal_frame(3, bad)), "malformed push payload");
  EXPECT_TRUE(std::holds_alternative<Push>(decoded(seal_frame(3, units))));
}

TEST(FrameTest, CompressedPayloadsAreCheckedBeforeAllocating) {
  auto compressed = [](std::string_view payload) { return seal_frame(3 | 0x80, payload); };
  EXPECT_EQ(refusal(compressed("")), "bad compressed payload");
  EXPECT_EQ(refusal(compressed(varint(0))), "bad compressed payload");
  EXPECT_EQ(refusal(compressed(varint(kMaxFramePayload + 1) + "x")), "payload too large");
  EXPECT_EQ(refusal(compressed(varint(1 << 20) + "0123456789")), "bad compressed payload");
  EXPECT_EQ(refusal(compressed(varint(300) + std::string(200, '\xff'))), "bad compressed payload");
  // A valid block that expands to other than the size claimed.
  std::string plain;
  crdt::encode_units(set_units(30, 5), plain);
  std::string block;
  ASSERT_TRUE(compact::lz4_append(block, plain));
  EXPECT_TRUE(std::holds_alternative<Push>(decoded(compressed(varint(plain.size()) + block))));
  EXPECT_EQ(refusal(compressed(varint(plain.size() + 1) + block)), "bad compressed payload");
  EXPECT_EQ(refusal(compressed(varint(plain.size() - 1) + block)), "bad compressed payload");
  // What the block expands to must be a valid payload of the type.
  EXPECT_EQ(refusal(seal_frame(6 | 0x80, varint(plain.size()) + block)), "malformed ack payload");
}

// --- Wire cost -----------------------------------------------------------------------------

struct Cost {
  double wire = 0;         // bytes per unit in a PUSH frame of all the units
  double resp = 0;         // bytes per command in RESP
  double singles = 0;      // bytes per unit as encode_unit writes them, length-prefixed
  double singles_lz4 = 0;  // the same, LZ4-compressed
};

// `n` commands written on one replica, one millisecond apart as a busy edge writes them; what
// they cost as one PUSH frame, and as RESP.
Cost cost_of(size_t n, const std::function<crdt::Op(size_t, std::mt19937_64&)>& make,
             const std::function<std::string(const crdt::Op&)>& resp_of) {
  Writer w(0xA5A5A5A5DEADBEEFull);
  std::mt19937_64 rng(7);
  size_t resp_bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    crdt::Op op = make(i, rng);
    resp_bytes += resp_of(op).size();
    w.write(std::move(op));
    w.clock.advance_ms(1);
  }
  const std::string frame = encode_frame(Push{w.sink.units});
  std::string singles;
  for (const Unit& unit : w.sink.units) {
    std::string one;
    crdt::encode_unit(unit, one);
    compact::put_varint(singles, one.size());
    singles += one;
  }
  std::string packed;
  if (!compact::lz4_append(packed, singles)) packed = singles;
  EXPECT_TRUE(std::get<Push>(decoded(frame)).units == w.sink.units);
  const auto per_unit = [&](size_t bytes) { return static_cast<double>(bytes) / n; };
  return {per_unit(frame.size()), per_unit(resp_bytes), per_unit(singles.size()),
          per_unit(packed.size())};
}

// The frame's cost, and for comparison what units encoded one by one (each with its own replica
// table and first HLC, as in the journal) would cost, plain and compressed.
void report(const char* what, const Cost& c) {
  std::printf(
      "%-34s %5.1f wire bytes/unit vs %4.1f RESP bytes (%2.0f%%); unit by unit %4.1f, "
      "with LZ4 %4.1f\n",
      what, c.wire, c.resp, 100 * c.wire / c.resp, c.singles, c.singles_lz4);
}

TEST(FrameTest, WireCostAgainstResp) {
  const Cost set = cost_of(
      1000,
      [](size_t i, std::mt19937_64& rng) {
        return op::SetString{0, key_of(i), random_value(rng, 16)};
      },
      [](const crdt::Op& op) {
        const auto& s = std::get<op::SetString>(op);
        return resp({"SET", s.key, s.value});
      });
  report("SET (10-byte key, 16-byte value)", set);
  EXPECT_EQ(set.resp, 53.0);
  EXPECT_LE(set.wire, 0.5 * set.resp);

  const Cost incr = cost_of(
      1000,
      [](size_t i, std::mt19937_64&) {
        return op::CounterAdd{0, key_of(i % 100), crdt::Decimal::from_int(1), {}, {}};
      },
      [](const crdt::Op& op) {
        return resp({"INCR", std::get<op::CounterAdd>(op).key});
      });
  report("INCR (10-byte key, 100 keys)", incr);

  const Cost rpush = cost_of(
      1000,
      [](size_t i, std::mt19937_64& rng) {
        return op::ListPush{0, key_of(i % 100), ListSide::kTail, {random_value(rng, 16)}, {}};
      },
      [](const crdt::Op& op) {
        const auto& p = std::get<op::ListPush>(op);
        return resp({"RPUSH", p.key, p.values[0]});
      });
  report("RPUSH (10-byte key, 16-byte value)", rpush);
}

}  // namespace
}  // namespace eddy::sync
