#!/usr/bin/env bash
# Installs the Debian packages ffleet needs to build, test and run its demo.
# Does nothing when every package is already present, so `make` stays fast.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config ccache
  libcaf-dev libyaml-cpp-dev libspdlog-dev libfmt-dev catch2
  nlohmann-json3-dev libcli11-dev libcpp-httplib-dev
  libsystemd-dev
  ffmpeg
  etcd-server etcd-client
  clang libclang-rt-14-dev llvm python3
)
# Extra packages a caller may ask for (e.g. the dashboard browser test wants chromium).
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
