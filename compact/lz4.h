#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace eddy::compact {

// The one compression policy of the store: LZ4, for values of at least kCompressMin bytes, kept
// only when it saves at least an eighth.
inline constexpr size_t kCompressMin = 64;

// Appends the compressed form of `s` to `out` and returns true, or leaves `out` as it was and
// returns false when compression is not worth it.
bool lz4_append(std::string& out, std::string_view s);

// The `size` original bytes of `packed`, decompressed into `scratch`; empty if `packed` is not a
// valid LZ4 block of that size.
std::string_view lz4_expand(std::string_view packed, size_t size, std::string& scratch);

}  // namespace eddy::compact
