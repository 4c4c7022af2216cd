// Runtime CPU feature detection and the SIMD level the kernels run at.
#pragma once
#include <string>
#include <vector>

namespace maxsim {

enum class SimdLevel { Scalar = 0, Neon = 1, Avx2 = 2, Avx512 = 3 };

struct CpuFeatures {
  bool sse42 = false, popcnt = false;
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512bf16 = false, avx512vpopcntdq = false;
  bool osAvx = false, osAvx512 = false;  // XCR0 says the OS saves the registers
  bool neon = false;

  bool hasAvx2Level() const { return osAvx && avx2 && fma && f16c && popcnt; }
  bool hasAvx512Level() const {
    return hasAvx2Level() && osAvx512 && avx512f && avx512bw && avx512vl && avx512dq;
  }
  std::vector<std::string> names() const;
};

// What the hardware and OS allow, read once.
const CpuFeatures& detectedFeatures();

// The best level the hardware allows.
SimdLevel bestSimdLevel();

// The level in use: bestSimdLevel(), lowered by MAXSIM_SIMD=scalar|avx2|avx512|neon when
// set. A request above what the CPU supports is clamped down, never raised.
SimdLevel activeSimdLevel();

// Forces a level at run time (tests and benchmarks). Returns the level actually set,
// clamped to what the CPU supports.
SimdLevel setSimdLevel(SimdLevel level);

const char* simdLevelName(SimdLevel level);
bool parseSimdLevel(const std::string& s, SimdLevel* out);

}  // namespace maxsim
