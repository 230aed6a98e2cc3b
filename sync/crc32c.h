#pragma once

#include <cstdint>
#include <string_view>

namespace eddy::sync {

// CRC-32C (Castagnoli), the checksum of journal records, snapshots and sync frames: hardware
// instructions where the CPU has them (SSE 4.2), a table otherwise. `crc` continues a running
// checksum, so a large file is checked piece by piece.
uint32_t crc32c(std::string_view bytes, uint32_t crc = 0);

}  // namespace eddy::sync
