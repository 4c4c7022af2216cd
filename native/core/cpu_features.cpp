#include "cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64)
#define MAXSIM_X86 1
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace maxsim {
namespace {

#if MAXSIM_X86
void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
#if defined(_MSC_VER)
  int regs[4];
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(sub));
  for (int i = 0; i < 4; ++i) r[i] = static_cast<uint32_t>(regs[i]);
#else
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#endif
}

// xgetbv is encoded by hand so this file needs no -mxsave flag.
uint64_t readXcr0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  uint32_t lo, hi;
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
#endif
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if MAXSIM_X86
  uint32_t r[4];
  cpuid(0, 0, r);
  const uint32_t maxLeaf = r[0];
  cpuid(1, 0, r);
  f.sse42 = (r[2] >> 20) & 1;
  f.popcnt = (r[2] >> 23) & 1;
  f.fma = (r[2] >> 12) & 1;
  f.f16c = (r[2] >> 29) & 1;
  const bool osxsave = (r[2] >> 27) & 1;
  const bool avx = (r[2] >> 28) & 1;
  if (osxsave && avx) {
    const uint64_t xcr0 = readXcr0();
    // SSE (bit 1) and AVX (bit 2) state; AVX-512 adds opmask, ZMM_Hi256, Hi16_ZMM (5..7).
    f.osAvx = (xcr0 & 0x6) == 0x6;
    f.osAvx512 = f.osAvx && (xcr0 & 0xe0) == 0xe0;
  }
  if (maxLeaf >= 7) {
    cpuid(7, 0, r);
    f.avx2 = (r[1] >> 5) & 1;
    f.avx512f = (r[1] >> 16) & 1;
    f.avx512dq = (r[1] >> 17) & 1;
    f.avx512bw = (r[1] >> 30) & 1;
    f.avx512vl = (r[1] >> 31) & 1;
    f.avx512vnni = (r[2] >> 11) & 1;
    f.avx512vpopcntdq = (r[2] >> 14) & 1;
    const uint32_t subLeaves = r[0];
    if (subLeaves >= 1) {
      cpuid(7, 1, r);
      f.avx512bf16 = (r[0] >> 5) & 1;
    }
  }
  if (!f.osAvx) f.avx2 = f.fma = f.f16c = false;
  if (!f.osAvx512) {
    f.avx512f = f.avx512bw = f.avx512vl = f.avx512dq = false;
    f.avx512vnni = f.avx512bf16 = f.avx512vpopcntdq = false;
  }
#elif defined(__aarch64__) || defined(_M_ARM64)
  f.neon = true;  // Advanced SIMD is mandatory on AArch64.
#endif
  return f;
}

std::atomic<int> g_forced{-1};

}  // namespace

std::vector<std::string> CpuFeatures::names() const {
  std::vector<std::string> out;
  auto add = [&](bool on, const char* n) { if (on) out.emplace_back(n); };
  add(sse42, "sse4.2");
  add(popcnt, "popcnt");
  add(avx2 && osAvx, "avx2");
  add(fma, "fma");
  add(f16c, "f16c");
  add(avx512f, "avx512f");
  add(avx512bw, "avx512bw");
  add(avx512vl, "avx512vl");
  add(avx512dq, "avx512dq");
  add(avx512vnni, "avx512vnni");
  add(avx512bf16, "avx512bf16");
  add(avx512vpopcntdq, "avx512vpopcntdq");
  add(neon, "neon");
  return out;
}

const CpuFeatures& detectedFeatures() {
  static const CpuFeatures f = detect();
  return f;
}

SimdLevel bestSimdLevel() {
  const CpuFeatures& f = detectedFeatures();
  if (f.hasAvx512Level()) return SimdLevel::Avx512;
  if (f.hasAvx2Level()) return SimdLevel::Avx2;
  if (f.neon) return SimdLevel::Neon;
  return SimdLevel::Scalar;
}

const char* simdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::Avx512: return "avx512";
    case SimdLevel::Avx2: return "avx2";
    case SimdLevel::Neon: return "neon";
    default: return "scalar";
  }
}

bool parseSimdLevel(const std::string& s, SimdLevel* out) {
  if (s == "scalar") *out = SimdLevel::Scalar;
  else if (s == "avx2") *out = SimdLevel::Avx2;
  else if (s == "avx512") *out = SimdLevel::Avx512;
  else if (s == "neon") *out = SimdLevel::Neon;
  else return false;
  return true;
}

static SimdLevel clampLevel(SimdLevel want) {
  const SimdLevel best = bestSimdLevel();
  if (want == SimdLevel::Neon) return best == SimdLevel::Neon ? best : SimdLevel::Scalar;
  if (best == SimdLevel::Neon) return want == SimdLevel::Scalar ? want : best;
  return static_cast<int>(want) < static_cast<int>(best) ? want : best;
}

SimdLevel activeSimdLevel() {
  const int forced = g_forced.load(std::memory_order_relaxed);
  if (forced >= 0) return static_cast<SimdLevel>(forced);
  static const SimdLevel fromEnv = [] {
    const char* env = std::getenv("MAXSIM_SIMD");
    SimdLevel lvl;
    if (env && parseSimdLevel(env, &lvl)) return clampLevel(lvl);
    return bestSimdLevel();
  }();
  return fromEnv;
}

SimdLevel setSimdLevel(SimdLevel level) {
  const SimdLevel got = clampLevel(level);
  g_forced.store(static_cast<int>(got), std::memory_order_relaxed);
  return got;
}

}  // namespace maxsim
