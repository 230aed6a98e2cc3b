#include "sync/frame.h"

#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

#include "compact/codec.h"
#include "compact/lz4.h"
#include "compact/varint.h"
#include "crdt/codec.h"
#include "sync/crc32c.h"

namespace eddy::sync {
namespace {

using compact::Decoder;
using compact::Encoder;

constexpr uint8_t kTypeBits = 0x7f;

// A message's FrameType: its index in Message plus one.
template <class M, size_t I = 0>
constexpr uint8_t type_of() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, Message>, M>)
    return static_cast<uint8_t>(I + 1);
  else
    return type_of<M, I + 1>();
}

static_assert(type_of<Hello>() == static_cast<uint8_t>(FrameType::kHello) &&
              type_of<HelloReply>() == static_cast<uint8_t>(FrameType::kHelloReply) &&
              type_of<Push>() == static_cast<uint8_t>(FrameType::kPush) &&
              type_of<Pull>() == static_cast<uint8_t>(FrameType::kPull) &&
              type_of<PullReply>() == static_cast<uint8_t>(FrameType::kPullReply) &&
              type_of<Ack>() == static_cast<uint8_t>(FrameType::kAck));

// For error texts, indexed by FrameType.
constexpr std::string_view kTypeNames[] = {"",     "hello",      "hello reply", "push",
                                           "pull", "pull reply", "ack"};

// Everything but the checksum's own bytes: the version and type bytes, then the payload.
uint32_t frame_crc(std::string_view frame) {
  return crc32c(frame.substr(kFrameHeaderBytes), crc32c(frame.substr(0, 2)));
}

// The bytes of `payload` after what `in` has read.
std::string_view rest(std::string_view payload, const Decoder& in) {
  return payload.substr(payload.size() - in.remaining());
}

// --- Messages ------------------------------------------------------------------------------
// Replica ids are random, so fixed 64-bit; positions, seqs and HLCs are varints.

void write(Encoder& out, const Hello& m) {
  out.fixed64(m.replica_id);
  out.varint(m.proto_version);
  out.varint(m.last_seq);
  out.varint(m.acked_seq);
  out.varint(m.hub_cursor);
  out.varint(m.hlc);
  out.svarint(m.wall_ms);
  out.bytes(m.node_name);
  out.bytes(m.auth_token);
}

void write(Encoder& out, const HelloReply& m) {
  out.fixed64(m.hub_replica_id);
  out.varint(m.acked_seq);
  out.varint(m.head);
  out.varint(m.horizon);
  out.varint(m.hub_hlc);
  out.svarint(m.hub_wall_ms);
  out.u8(static_cast<uint8_t>(m.mode));
}

void write(Encoder& out, const Push& m) { crdt::encode_units(m.units, out.out()); }

void write(Encoder& out, const Pull& m) {
  out.varint(m.cursor);
  out.varint(m.max_bytes);
  out.varint(m.wait_ms);
}

void write(Encoder& out, const PullReply& m) {
  out.varint(m.from);
  out.varint(m.to);
  crdt::encode_units(m.units, out.out());
}

void write(Encoder& out, const Ack& m) { out.varint(m.cursor); }

// Each reader consumes its whole payload or fails.

bool read(std::string_view payload, Hello& m) {
  Decoder in(payload);
  uint64_t version;
  if (!in.fixed64(m.replica_id) || !in.varint(version) ||
      version > std::numeric_limits<uint32_t>::max())
    return false;
  m.proto_version = static_cast<uint32_t>(version);
  return in.varint(m.last_seq) && in.varint(m.acked_seq) && in.varint(m.hub_cursor) &&
         in.varint(m.hlc) && in.svarint(m.wall_ms) && in.bytes(m.node_name) &&
         in.bytes(m.auth_token) && in.done();
}

bool read(std::string_view payload, HelloReply& m) {
  Decoder in(payload);
  uint8_t mode;
  if (!in.fixed64(m.hub_replica_id) || !in.varint(m.acked_seq) || !in.varint(m.head) ||
      !in.varint(m.horizon) || !in.varint(m.hub_hlc) || !in.svarint(m.hub_wall_ms) ||
      !in.u8(mode) || mode > static_cast<uint8_t>(CatchUp::kFullMerge))
    return false;
  m.mode = static_cast<CatchUp>(mode);
  return in.done();
}

bool read_units(std::string_view bytes, std::vector<crdt::Unit>& units) {
  auto decoded = crdt::decode_units(bytes);
  if (!decoded) return false;
  units = std::move(*decoded);
  return true;
}

bool read(std::string_view payload, Push& m) { return read_units(payload, m.units); }

bool read(std::string_view payload, Pull& m) {
  Decoder in(payload);
  return in.varint(m.cursor) && in.varint(m.max_bytes) && in.varint(m.wait_ms) && in.done();
}

bool read(std::string_view payload, PullReply& m) {
  Decoder in(payload);
  return in.varint(m.from) && in.varint(m.to) && read_units(rest(payload, in), m.units);
}

bool read(std::string_view payload, Ack& m) {
  Decoder in(payload);
  return in.varint(m.cursor) && in.done();
}

template <size_t... I>
bool read_message(size_t index, std::string_view payload, Message& m, std::index_sequence<I...>) {
  return ((index == I && read(payload, m.emplace<I>())) || ...);
}

// --- Frames --------------------------------------------------------------------------------

std::string frame_with(uint8_t type, std::string_view payload) {
  if (payload.size() > kFrameCompressAbove && payload.size() <= kMaxFramePayload) {
    std::string packed;
    compact::put_varint(packed, payload.size());
    if (compact::lz4_append(packed, payload)) return seal_frame(type | kFrameCompressed, packed);
  }
  return seal_frame(type, payload);
}

template <class M>
std::string frame_of(const M& message) {
  std::string payload;
  Encoder enc(payload);
  write(enc, message);
  return frame_with(type_of<M>(), payload);
}

// The payload a compressed frame stands for, expanded into `scratch`. The claimed size is
// checked against the cap and against what LZ4 can make of the packed bytes (at most 255 bytes
// out per byte in, and never much less than one) before anything is allocated.
std::optional<FrameError> expand(std::string_view& payload, std::string& scratch) {
  Decoder in(payload);
  uint64_t size;
  if (!in.varint(size) || size == 0) return FrameError{"bad compressed payload"};
  if (size > kMaxFramePayload) return FrameError{"payload too large"};
  const std::string_view packed = rest(payload, in);
  if (size > 255 * packed.size() || packed.size() > size + size / 255 + 16)
    return FrameError{"bad compressed payload"};
  payload = compact::lz4_expand(packed, size, scratch);
  if (payload.size() != size) return FrameError{"bad compressed payload"};
  return std::nullopt;
}

}  // namespace

std::string seal_frame(uint8_t type, std::string_view payload) {
  std::string frame(kFrameHeaderBytes, '\0');
  frame[0] = static_cast<char>(kFrameVersion);
  frame[1] = static_cast<char>(type);
  frame.append(payload);
  compact::store_le32(frame.data() + 2, frame_crc(frame));
  return frame;
}

std::string encode_frame(const Hello& message) { return frame_of(message); }
std::string encode_frame(const HelloReply& message) { return frame_of(message); }
std::string encode_frame(const Push& message) { return frame_of(message); }
std::string encode_frame(const Pull& message) { return frame_of(message); }
std::string encode_frame(const PullReply& message) { return frame_of(message); }
std::string encode_frame(const Ack& message) { return frame_of(message); }
std::string encode_push_frame(std::string_view units) { return frame_with(type_of<Push>(), units); }
std::string encode_frame(const Message& message) {
  return std::visit([](const auto& m) { return frame_of(m); }, message);
}

std::variant<Message, FrameError> decode_frame(std::string_view bytes) {
  if (bytes.size() < kFrameHeaderBytes) return FrameError{"truncated"};
  const auto version = static_cast<uint8_t>(bytes[0]);
  if (version != kFrameVersion) return FrameError{"unsupported version " + std::to_string(version)};
  if (compact::load_le32(bytes.data() + 2) != frame_crc(bytes)) return FrameError{"bad checksum"};
  const auto type_byte = static_cast<uint8_t>(bytes[1]);
  const uint8_t type = type_byte & kTypeBits;
  if (type < static_cast<uint8_t>(FrameType::kHello) ||
      type > static_cast<uint8_t>(FrameType::kAck))
    return FrameError{"unknown frame type " + std::to_string(type)};

  std::string_view payload = bytes.substr(kFrameHeaderBytes);
  std::string scratch;
  if (type_byte & kFrameCompressed) {
    if (auto error = expand(payload, scratch)) return *std::move(error);
  }
  Message message;
  if (!read_message(type - 1, payload, message,
                    std::make_index_sequence<std::variant_size_v<Message>>()))
    return FrameError{"malformed " + std::string(kTypeNames[type]) + " payload"};
  return message;
}

}  // namespace eddy::sync
