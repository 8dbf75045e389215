#!/usr/bin/env bash
# Installs what RFIDGate builds and runs against (Debian 12), and with --tests everything the
# whole test suite needs, so a newcomer's green means what CI's green means:
#   ./scripts/setup.sh            Debian packages for the build (libusb, SQLite, libsystemd)
#   ./scripts/setup.sh --tests    + the tools the tests drive (umockdev, stunnel4, openssl,
#                                 python3 venvs) and the pinned PyPI peers: invenio-sip2 and
#                                 pysip2 (SIP2 servers), llrpkit (LLRP reader emulator),
#                                 and the kiosk's browser tests (chromium, chromedriver,
#                                 espeak-ng, CJK fonts; selenium + axe in .build/kiosk-venv),
#                                 and for `make deb` and its checks: make, binutils, dpkg-dev, lintian,
#                                 help2man, debootstrap, systemd-container
# Idempotent; uses sudo when not already root. Nothing is skipped later for want of a tool:
# a test whose tool is missing fails and names this script.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
tests=0
case "${1:-}" in
  "") ;;
  --tests) tests=1 ;;
  *) sed -n 2,11p "$0"; exit 2 ;;
esac
PKGS=(pkg-config libusb-1.0-0-dev libsqlite3-dev libsystemd-dev systemd udev)
[ "$tests" -eq 1 ] && PKGS+=(umockdev libumockdev-dev python3 python3-venv stunnel4 openssl fiu-utils
  chromium chromium-driver espeak-ng fonts-noto-cjk tmux
  make binutils dpkg-dev lintian help2man debootstrap systemd-container)
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
[ "$tests" -eq 1 ] || exit 0

# PyPI tools, pinned by lock files, in venvs under .build (the tests find them there).
if [ ! -x .build/llrpkit-venv/bin/llrpkit ]; then
  mkdir -p .build && python3 -m venv .build/llrpkit-venv
fi
.build/llrpkit-venv/bin/pip install -q --disable-pip-version-check -c scripts/locks/llrpkit.lock.txt llrpkit==0.3.0
if [ ! -x .build/kiosk-venv/bin/python ]; then
  mkdir -p .build && python3 -m venv .build/kiosk-venv
fi
.build/kiosk-venv/bin/pip install -q --disable-pip-version-check -c scripts/locks/kiosk.lock.txt \
  selenium==4.51.0 axe-selenium-python==2.1.6 schemathesis==4.32.5
bash scripts/sip2-peers.sh install
echo "setup: test tools ready (umockdev, stunnel4, openssl, libfiu, SIP2 peers, llrpkit, kiosk browser)" >&2
