#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crdt/effect.h"
#include "sync/messages.h"

// The binary frames of the edge/hub protocol: every argument of EDGE.HELLO, EDGE.PUSH, EDGE.PULL
// and EDGE.ACK, and every frame reply, is one frame
//   [u8 version = 1][u8 type][u32 crc32c, little-endian][payload]
// The payload is the message in compact::Encoder's varints; when that is over
// kFrameCompressAbove bytes and LZ4 saves enough, the type byte has kFrameCompressed set and the
// payload is varint(encoded size) then the LZ4 block. The checksum covers every byte of the frame
// but its own four (the version and type bytes too), so any damaged byte is caught. Units travel
// as one batch (crdt::encode_units): one replica table for the batch, stamps as deltas.
namespace eddy::sync {

inline constexpr uint8_t kFrameVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 6;
inline constexpr uint8_t kFrameCompressed = 0x80;
inline constexpr size_t kFrameCompressAbove = 256;
// The most a compressed payload may expand to: checked before anything is allocated for it.
inline constexpr size_t kMaxFramePayload = size_t{256} << 20;

enum class FrameType : uint8_t {
  kHello = 1,
  kHelloReply = 2,
  kPush = 3,
  kPull = 4,
  kPullReply = 5,
  kAck = 6
};

// In FrameType order: a message's type is its index plus one.
using Message = std::variant<Hello, HelloReply, Push, Pull, PullReply, Ack>;

std::string encode_frame(const Hello& message);
std::string encode_frame(const HelloReply& message);
std::string encode_frame(const Push& message);
std::string encode_frame(const Pull& message);
std::string encode_frame(const PullReply& message);
std::string encode_frame(const Ack& message);
std::string encode_frame(const Message& message);
// The frame of a Push whose units are already encoded (crdt::encode_units, an OutboxBatch).
std::string encode_push_frame(std::string_view units);

// Why bytes are not a frame: "truncated", "unsupported version 2", "bad checksum",
// "unknown frame type 9", "bad compressed payload", "payload too large", "malformed push payload".
struct FrameError {
  std::string text;
  friend bool operator==(const FrameError&, const FrameError&) = default;
};

// Checks the version first (a later version may frame differently), then the checksum, then the
// type; the payload must decode exactly, trailing bytes refused. Decoded units' replica ids are
// interned into the NodeRegistry, so this runs on the thread that owns it.
std::variant<Message, FrameError> decode_frame(std::string_view bytes);

// The frame's message when it is a T (what a command or a reply expects); otherwise why not.
template <class T>
std::variant<T, FrameError> decode_frame_as(std::string_view bytes) {
  auto decoded = decode_frame(bytes);
  if (auto* error = std::get_if<FrameError>(&decoded)) return std::move(*error);
  auto* message = std::get_if<T>(&std::get<Message>(decoded));
  if (!message) return FrameError{"unexpected frame type"};
  return std::move(*message);
}

// A frame of version 1 around a payload as is, with its checksum: `type` is the whole type byte,
// the compressed flag included. For tests and fuzzing, which need valid frames of any content.
std::string seal_frame(uint8_t type, std::string_view payload);

}  // namespace eddy::sync
