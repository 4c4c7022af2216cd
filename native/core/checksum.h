// CRC-32C (Castagnoli), table-driven slice-by-8, no ISA flags. Used to seal every file maxsim
// writes, so a flipped bit or a truncated tail is caught before anything is parsed.
#pragma once
#include <cstddef>
#include <cstdint>

namespace maxsim {

uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);

}  // namespace maxsim
