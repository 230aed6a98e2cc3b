# The Debian 12 packages eddy builds and tests with, and a helper that installs the missing ones.
BUILD_PACKAGES=(g++ cmake ninja-build pkg-config ccache libboost-dev libhiredis-dev liblz4-dev
                libmbedtls-dev)
TEST_PACKAGES=(libgtest-dev libgmock-dev libbenchmark-dev redis-server redis-tools clang
               libclang-rt-14-dev)

install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Builds the eddy binary (Release) into build/server/eddy: what run.sh starts and the demo uses.
build_eddy() {
  install_missing "${BUILD_PACKAGES[@]}"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDDY_BUILD_TESTS=OFF \
        -DEDDY_BUILD_BENCH=OFF >/dev/null
  cmake --build build --target eddy
}
