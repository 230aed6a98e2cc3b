#include "compact/lz4.h"

#include <lz4.h>

namespace eddy::compact {

bool lz4_append(std::string& out, std::string_view s) {
  if (s.size() < kCompressMin || s.size() > LZ4_MAX_INPUT_SIZE) return false;
  const size_t start = out.size();
  const int bound = LZ4_compressBound(static_cast<int>(s.size()));
  out.resize(start + static_cast<size_t>(bound));
  const int n = LZ4_compress_default(s.data(), out.data() + start, static_cast<int>(s.size()), bound);
  if (n <= 0 || static_cast<size_t>(n) > s.size() - s.size() / 8) {
    out.resize(start);
    return false;
  }
  out.resize(start + static_cast<size_t>(n));
  return true;
}

std::string_view lz4_expand(std::string_view packed, size_t size, std::string& scratch) {
  scratch.resize(size);
  const int n = LZ4_decompress_safe(packed.data(), scratch.data(), static_cast<int>(packed.size()),
                                    static_cast<int>(size));
  if (n != static_cast<int>(size)) scratch.clear();
  return scratch;
}

}  // namespace eddy::compact
