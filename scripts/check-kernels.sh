#!/usr/bin/env bash
# Builds native/tests/kernel_check.cpp with the core sources (no Node) and runs it.
#   scripts/check-kernels.sh                       # this machine's compiler and CPU
#   scripts/check-kernels.sh aarch64-linux-gnu-    # cross-build for arm64 (NEON), run under qemu
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cxx="${prefix}g++"
flags=(-std=c++17 -O2 -pthread)
objs=()
for f in $(node scripts/sources.js core); do
  o="$out/$(echo "$f" | tr '/' '_').o"
  "$cxx" "${flags[@]}" -c "$f" -o "$o"
  objs+=("$o")
done
if [ -z "$prefix" ] && [ "$(uname -m)" = "x86_64" ]; then
  declare -A isaflags=(
    [avx2]="-mavx2 -mfma -mf16c -mpopcnt"
    [avx512]="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma -mf16c -mpopcnt"
    [avx512_vnni]="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni -mavx2 -mfma"
    [avx512_bf16]="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mavx2 -mfma"
    [avx512_popcnt]="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vpopcntdq -mavx2 -mpopcnt"
  )
  for isa in "${!isaflags[@]}"; do
    for f in $(node scripts/sources.js "$isa"); do
      o="$out/$(echo "$f" | tr '/' '_').o"
      # shellcheck disable=SC2086
      "$cxx" "${flags[@]}" ${isaflags[$isa]} -c "$f" -o "$o"
      objs+=("$o")
    done
  done
else
  flags+=(-DMAXSIM_NO_X86_KERNELS)
fi
"$cxx" "${flags[@]}" native/tests/kernel_check.cpp "${objs[@]}" -o "$out/kernel_check" ${prefix:+-static}
if [ -n "$prefix" ]; then
  arch="${prefix%%-*}"
  runner="$(command -v "qemu-$arch-static" || command -v "qemu-$arch" || true)"
  [ -n "$runner" ] || { echo "no qemu-$arch to run the cross-built check"; exit 3; }
  "$runner" "$out/kernel_check"
else
  "$out/kernel_check"
fi
