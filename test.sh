#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), builds eddy and runs every test: once in a
# release build with -Werror, once with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")"
source ./deps.sh
install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
# Debian starts redis-server as a service on 6379, eddy's own default port; the tests start their
# own redis-server on free ports, so the service is not needed.
if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDDY_WERROR=ON
cmake --build build -j "$jobs"
(cd build && ctest -j "$jobs" --output-on-failure --timeout 900)

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEDDY_WERROR=ON -DEDDY_SANITIZE=ON \
      -DEDDY_BUILD_BENCH=OFF
cmake --build build-asan -j "$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest -j "$jobs" --output-on-failure --timeout 900)
# The parsers of outside bytes under libFuzzer for a short time each.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DEDDY_SANITIZE=ON -DEDDY_FUZZ=ON -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_BENCH=OFF
cmake --build build-fuzz -j "$jobs" --target resp_parser_fuzz http_request_fuzz config_fuzz acl_fuzz codec_fuzz \
      series_chunk_fuzz journal_fuzz snapshot_fuzz frame_fuzz edge_tokens_fuzz
(cd build-fuzz && ctest -j "$jobs" --output-on-failure)
echo "all tests passed"
