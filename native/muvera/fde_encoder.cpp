#include "fde_encoder.h"

#include <bitset>
#include <cmath>
#include <string>

#include "../core/error.h"
#include "../core/thread_pool.h"
#include "../kernels/kernels.h"

namespace maxsim {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double uniform01(uint64_t& state) {
  // 53 random bits, shifted off zero so log() is finite.
  return (static_cast<double>(splitmix64(state) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

double gaussian(uint64_t& state) {
  const double u1 = uniform01(state), u2 = uniform01(state);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

namespace {
// Stream ids keep the hyperplanes, projections and sketch of every repetition independent.
uint64_t streamSeed(uint64_t seed, uint64_t stream, uint64_t rep) {
  uint64_t s = seed ^ (0x51ed270b0b2f3b5dull * (stream + 1)) ^ (0x2545f4914f6cdd1dull * (rep + 1));
  splitmix64(s);
  return s;
}
}  // namespace

FdeEncoder::FdeEncoder(const FdeConfig& c) : cfg_(c) {
  if (c.dim == 0 || c.dim > 65536) throw Error(codes::kInvalidArgument, "dim must be in [1, 65536]");
  if (c.repetitions == 0 || c.repetitions > 1024) throw Error(codes::kInvalidArgument, "repetitions must be in [1, 1024]");
  if (c.simhashBits > 16) throw Error(codes::kInvalidArgument, "simhashBits must be in [0, 16]");
  projDim_ = c.projectionDim == 0 ? c.dim : c.projectionDim;
  if (projDim_ > 65536) throw Error(codes::kInvalidArgument, "projectionDim must be in [1, 65536]");
  identity_ = projDim_ == c.dim && (c.projectionDim == 0 || c.projectionDim == c.dim);
  partitions_ = 1u << c.simhashBits;
  blockDim_ = size_t(partitions_) * projDim_;
  const size_t full = blockDim_ * c.repetitions;
  if (full > (size_t(1) << 28)) throw Error(codes::kInvalidArgument, "encoding would exceed 2^28 dimensions");

  hyperplanes_.resize(size_t(c.repetitions) * c.simhashBits * c.dim);
  for (uint32_t r = 0; r < c.repetitions; ++r) {
    uint64_t s = streamSeed(c.seed, 0, r);
    float* h = hyperplanes_.data() + size_t(r) * c.simhashBits * c.dim;
    for (size_t i = 0; i < size_t(c.simhashBits) * c.dim; ++i) h[i] = static_cast<float>(gaussian(s));
  }
  if (!identity_) {
    projections_.resize(size_t(c.repetitions) * projDim_ * c.dim);
    const float scale = 1.0f / std::sqrt(static_cast<float>(projDim_));
    for (uint32_t r = 0; r < c.repetitions; ++r) {
      uint64_t s = streamSeed(c.seed, 1, r);
      float* p = projections_.data() + size_t(r) * projDim_ * c.dim;
      for (size_t i = 0; i < size_t(projDim_) * c.dim; ++i) p[i] = (splitmix64(s) >> 63) ? scale : -scale;
    }
  }
  if (c.finalDim) {
    uint64_t s = streamSeed(c.seed, 2, 0);
    sketchIndex_.resize(full);
    sketchSign_.resize(full);
    for (size_t i = 0; i < full; ++i) {
      sketchIndex_[i] = static_cast<uint32_t>(splitmix64(s) % c.finalDim);
      sketchSign_[i] = (splitmix64(s) >> 63) ? 1.f : -1.f;
    }
  }
}

// Gray-code index of the sign pattern: appending bit b to index i gives (i << 1) | (b ^ (i & 1)).
uint32_t FdeEncoder::partitionOf(const float* sketch) const {
  uint32_t idx = 0;
  for (uint32_t b = 0; b < cfg_.simhashBits; ++b) idx = (idx << 1) | ((sketch[b] > 0.f ? 1u : 0u) ^ (idx & 1u));
  return idx;
}

void FdeEncoder::encode(const float* tokens, uint32_t ntok, bool isQuery, float* out) const {
  const KernelTable& k = activeKernels();
  const uint32_t dim = cfg_.dim, bits = cfg_.simhashBits;
  const size_t full = blockDim_ * cfg_.repetitions;
  thread_local std::vector<float> fde, projected, sketch;
  thread_local std::vector<uint32_t> part, count, signBits;
  float* target = out;
  if (cfg_.finalDim) {
    fde.assign(full, 0.f);
    target = fde.data();
  } else {
    std::fill(out, out + full, 0.f);
  }
  if (ntok == 0) {
    if (cfg_.finalDim) std::fill(out, out + cfg_.finalDim, 0.f);
    return;
  }
  projected.resize(size_t(ntok) * projDim_);
  sketch.resize(bits);
  part.resize(ntok);
  signBits.resize(ntok);
  count.resize(partitions_);
  for (uint32_t r = 0; r < cfg_.repetitions; ++r) {
    const float* h = hyperplanes_.data() + size_t(r) * bits * dim;
    const float* p = identity_ ? nullptr : projections_.data() + size_t(r) * projDim_ * dim;
    float* block = target + size_t(r) * blockDim_;
    std::fill(count.begin(), count.end(), 0u);
    for (uint32_t j = 0; j < ntok; ++j) {
      const float* x = tokens + size_t(j) * dim;
      uint32_t sb = 0;
      for (uint32_t b = 0; b < bits; ++b) {
        sketch[b] = k.dotF32(x, h + size_t(b) * dim, dim);
        sb |= (sketch[b] > 0.f ? 1u : 0u) << b;
      }
      signBits[j] = sb;
      part[j] = partitionOf(sketch.data());
      float* pj = projected.data() + size_t(j) * projDim_;
      if (identity_) {
        std::copy(x, x + dim, pj);
      } else {
        for (uint32_t o = 0; o < projDim_; ++o) pj[o] = k.dotF32(x, p + size_t(o) * dim, dim);
      }
      float* dst = block + size_t(part[j]) * projDim_;
      for (uint32_t o = 0; o < projDim_; ++o) dst[o] += pj[o];
      ++count[part[j]];
    }
    if (isQuery) continue;
    for (uint32_t c = 0; c < partitions_; ++c) {
      float* dst = block + size_t(c) * projDim_;
      if (count[c] > 1) {
        const float inv = 1.f / static_cast<float>(count[c]);
        for (uint32_t o = 0; o < projDim_; ++o) dst[o] *= inv;
      } else if (count[c] == 0 && cfg_.fillEmptyPartitions) {
        // The partition's own sign bits: invert the Gray code, most significant bit first.
        // partitionOf appends g_b = bit_b ^ g_{b-1}, so bit_b = g_b ^ g_{b-1}.
        uint32_t want = 0, prevG = 0;
        for (uint32_t b = 0; b < bits; ++b) {
          const uint32_t g = (c >> (bits - 1 - b)) & 1u;
          want |= (g ^ prevG) << b;
          prevG = g;
        }
        uint32_t best = 0, bestDist = ~0u;
        for (uint32_t j = 0; j < ntok; ++j) {
          const uint32_t d = static_cast<uint32_t>(std::bitset<32>(signBits[j] ^ want).count());
          if (d < bestDist) { bestDist = d; best = j; }
        }
        const float* src = projected.data() + size_t(best) * projDim_;
        std::copy(src, src + projDim_, dst);
      }
    }
  }
  if (cfg_.finalDim) {
    std::fill(out, out + cfg_.finalDim, 0.f);
    for (size_t i = 0; i < full; ++i) out[sketchIndex_[i]] += sketchSign_[i] * fde[i];
  }
}

void FdeEncoder::encodeBatch(const float* tokens, const uint32_t* offsets, size_t n, bool isQuery, float* out) const {
  const size_t od = outputDim();
  parallelFor(n, 16, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i)
      encode(tokens + size_t(offsets[i]) * cfg_.dim, offsets[i + 1] - offsets[i], isQuery, out + i * od);
  });
}

}  // namespace maxsim
