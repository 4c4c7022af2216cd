// A borrowed view of token embeddings in one element type. Nothing here owns memory: the
// binding keeps the JS buffers alive for as long as a view is in use.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../kernels/kernels.h"

namespace maxsim {

struct TokenMatrix {
  ElementType type = ElementType::F32;
  const void* data = nullptr;     // rows x tokenBytes(type, dim)
  const float* scales = nullptr;  // int8 only: one scale per row
  uint32_t dim = 0;
  size_t rows = 0;

  const void* row(size_t r) const {
    return static_cast<const uint8_t*>(data) + r * tokenBytes(type, dim);
  }
};

// Document boundaries: offsets has ndocs + 1 entries, offsets[0] == 0, non-decreasing, and the
// last equals rows. Throws ERR_BAD_OFFSETS naming `what` otherwise.
void checkOffsets(const uint32_t* offsets, size_t count, size_t rows, const char* what);

// Throws ERR_NON_FINITE naming `what` if any value is NaN or Inf.
void checkFinite(const float* v, size_t n, const char* what);

// int8 scales must be finite and non-negative.
void checkScales(const TokenMatrix& m, const char* what);

}  // namespace maxsim
