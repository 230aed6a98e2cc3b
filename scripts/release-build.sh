#!/usr/bin/env bash
# The release binary: optimized for size, LTO, stripped (EDDY_RELEASE_LTO) -> build-release-lto/server/eddy
cd "$(dirname "$0")/.." && cmake -S . -B build-release-lto -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel -DEDDY_RELEASE_LTO=ON -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_BENCH=OFF >/dev/null && cmake --build build-release-lto --target eddy && ls -l build-release-lto/server/eddy
