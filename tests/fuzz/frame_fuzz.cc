// libFuzzer target: arbitrary bytes never crash the sync frame decoder, and whatever decodes
// encodes and decodes back to itself. The first input byte picks how the rest is used: as a whole
// frame (even: the header, checksum and decompression are fuzzed), or as a type byte and a
// payload sealed with a valid checksum (odd: the payload decoders behind it are fuzzed).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "sync/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace eddy::sync;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string frame;
  if (data[0] & 1) {
    if (input.empty()) return 0;
    frame = seal_frame(static_cast<uint8_t>(input[0]), input.substr(1));
  } else {
    frame.assign(input);
  }
  auto result = decode_frame(frame);
  const auto* message = std::get_if<Message>(&result);
  if (!message) return 0;
  auto again = decode_frame(encode_frame(*message));
  const auto* back = std::get_if<Message>(&again);
  if (!back || !(*back == *message)) std::abort();
  return 0;
}
