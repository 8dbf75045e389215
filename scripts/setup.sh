#!/usr/bin/env bash
# Installs the Debian packages RFIDGate builds and tests against (Debian 12).
# Idempotent; uses sudo when not already root.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS=(pkg-config libusb-1.0-0-dev libsqlite3-dev libsystemd-dev systemd udev umockdev libumockdev-dev python3-venv)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift (6.1 or newer) is not on PATH: install the Swift toolchain from swift.org first" >&2; exit 1; }
