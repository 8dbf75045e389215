#!/usr/bin/env bash
# check-units.sh: offline checks of the files RFIDGate installs into the OS:
#   systemd/rfidgated.service, systemd/rfidgate.sysusers.conf,
#   systemd/rfidgate.tmpfiles.conf, udev/70-rfidgate.rules
# No running systemd or udevd is needed, nothing on the host is changed.
#
# Usage (as root, from anywhere):  bash scripts/check-units.sh
# Prints one line per check ("ok" / "FAIL" / "skip"), then "N passed, M failed";
# exit status 0 only if nothing failed.
#
# Debian 12 packages:
#   systemd     systemd-analyze, systemd-sysusers, systemd-tmpfiles
#   udev        udevadm (+ hwdb.bin and the stock rules it loads)
#   umockdev    umockdev-run (fake sysfs devices for udevadm test)
#   util-linux  unshare, mount (essential, always installed)
#   coreutils, grep, sed, mawk or gawk (essential, always installed)
# Also needs: root (for unshare -m and mounts) and overlayfs in the kernel.
#
# Tunable: EXPOSURE_MAX (default 1.7), see check (b).
set -u

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
unit_src=$repo/systemd/rfidgated.service
sysusers_src=$repo/systemd/rfidgate.sysusers.conf
tmpfiles_src=$repo/systemd/rfidgate.tmpfiles.conf
rules_src=$repo/udev/70-rfidgate.rules
fixtures=$repo/Tests/ops-fixtures

# (b) Highest accepted "Overall exposure level" (0.0 best .. 10.0 worst).
# The unit scores 1.7 with systemd 252 (1.6 before @chown was allowed again for the
# status socket's group: see the unit). What remains is deliberate: host network
# and AF_INET/AF_INET6/AF_NETLINK/AF_UNIX (LAN readers, ILS, libusb hotplug),
# no PrivateDevices= (USB), no IPAddressAllow= (site-specific addresses), no
# PrivateUsers= (untested with device groups), host root directory, @resources
# syscalls allowed. Measured by removing one directive at a time: most are
# worth 0.1; the static user 0.3, the address-family list 0.4,
# RestrictNamespaces 0.7, the syscall filter 1.4, the capability set 2.0.
# 1.7 therefore tolerated one small, deliberate relaxation (now used by @chown) and
# fails on another, or on losing any of the big ones. Raise it only together with a comment in the
# unit explaining why.
EXPOSURE_MAX=${EXPOSURE_MAX:-1.7}

pass=0
fail=0
ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { # name [details]
  fail=$((fail + 1)); echo "FAIL $1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/       /'; fi
}
skip() { echo "skip $1"; }

scratch=$(mktemp -d /tmp/check-units.XXXXXX) || exit 2
trap 'rm -rf "$scratch"' EXIT

for f in "$unit_src" "$sysusers_src" "$tmpfiles_src" "$rules_src"; do
  [ -r "$f" ] || { echo "check-units: missing $f" >&2; exit 2; }
done

# ---------------------------------------------------------------------------
# (a) systemd-analyze verify. It refuses a unit whose ExecStart= binary does
# not exist, so verify a copy whose ExecStart points at an executable stub.
# The unit file name must stay rfidgated.service. verify exits 0 even on
# "Unknown key" / "Invalid device rights" / unknown syscall groups and only
# prints them, so any message about our unit counts as a failure.
# ---------------------------------------------------------------------------
unitdir=$scratch/unit
mkdir -p "$unitdir"
printf '#!/bin/sh\nexit 0\n' > "$unitdir/rfidgated-stub"
chmod 0755 "$unitdir/rfidgated-stub"
if ! grep -q '^ExecStart=/usr/bin/rfidgated ' "$unit_src"; then
  bad "unit: ExecStart=/usr/bin/rfidgated ... not found" "$(grep -n '^ExecStart=' "$unit_src")"
fi
sed "s|^ExecStart=/usr/bin/rfidgated |ExecStart=$unitdir/rfidgated-stub |" "$unit_src" > "$unitdir/rfidgated.service"
unit=$unitdir/rfidgated.service

out=$(cd "$scratch" && systemd-analyze verify --man=no "$unit" 2>&1); rc=$?
ours=$(printf '%s\n' "$out" | grep -E "rfidgated|$unitdir" || true)
if [ $rc -eq 0 ] && [ -z "$ours" ]; then
  ok "unit: systemd-analyze verify (no warnings)"
  # messages about other units installed on the host are shown, not failed
  printf '%s\n' "$out" | grep . | sed 's/^/     note (not about rfidgated): /'
else
  bad "unit: systemd-analyze verify (exit $rc)" "$out"
fi

# The daemon is written against these values (watchdog ping at WATCHDOG_USEC/2,
# graceful shutdown bounded below TimeoutStopSec, libusb needs the real /dev).
missing=""
for want in 'Type=notify' 'NotifyAccess=main' 'WatchdogSec=3s' 'TimeoutAbortSec=2s' \
            'Restart=on-failure' 'RestartSec=1s' 'TimeoutStopSec=15s' 'User=rfidgate' 'Group=rfidgate' 'DevicePolicy=closed' \
            'DeviceAllow=char-usb_device rw' 'DeviceAllow=char-hidraw rw'; do
  grep -qx "$want" "$unit_src" || missing="$missing
missing: $want"
done
if grep -Eq '^PrivateDevices=(yes|true|on|1)' "$unit_src"; then
  missing="$missing
PrivateDevices=yes hides /dev/bus/usb from libusb"
fi
if [ -z "$missing" ]; then ok "unit: daemon contract (notify, watchdog 3s, abort 2s, restart 1s, stop 15s, device access)"
else bad "unit: daemon contract" "${missing#?}"; fi

# The unit's directory modes must agree with the tmpfiles entries: otherwise systemd
# logs "ConfigurationDirectory 'rfidgate' already exists but the mode is different
# (750 vs 755)" at every start (and the two fight over the mode).
mismatch=""
for pair in 'ConfigurationDirectoryMode:/etc/rfidgate' 'StateDirectoryMode:/var/lib/rfidgate'; do
  key=${pair%%:*}; dir=${pair#*:}
  unit_mode=$(sed -n "s/^$key=0*\([0-7]*\)\$/\1/p" "$unit_src" | tail -1)
  tmp_mode=$(awk -v d="$dir" '$1 == "d" && $2 == d { sub(/^0*/, "", $3); print $3 }' "$tmpfiles_src" | tail -1)
  if [ -z "$unit_mode" ] || [ "$unit_mode" != "$tmp_mode" ]; then
    mismatch="$mismatch
$key=${unit_mode:-unset (0755)} but the tmpfiles entry for $dir has ${tmp_mode:-none}"
  fi
done
if [ -z "$mismatch" ]; then ok "unit: Configuration/StateDirectoryMode agree with rfidgate.tmpfiles.conf"
else bad "unit: directory modes" "${mismatch#?}"; fi

# ---------------------------------------------------------------------------
# (b) systemd-analyze security --offline=true: exposure score <= EXPOSURE_MAX
# ---------------------------------------------------------------------------
out=$(cd "$scratch" && systemd-analyze security --offline=true --no-pager "$unit" 2>&1); rc=$?
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for rfidgated\.service: \([0-9.]*\).*/\1/p' | tail -1)
noise=$(printf '%s\n' "$out" | grep -F "$unit:" || true)
if [ -z "$score" ]; then
  bad "unit: systemd-analyze security (no score, exit $rc)" "$out"
elif [ -n "$noise" ]; then
  bad "unit: systemd-analyze security (score $score, but warnings)" "$noise"
elif awk -v s="$score" -v m="$EXPOSURE_MAX" 'BEGIN { exit !(s + 0 <= m + 0) }'; then
  ok "unit: systemd-analyze security exposure $score <= $EXPOSURE_MAX"
else
  bad "unit: systemd-analyze security exposure $score > $EXPOSURE_MAX" \
      "$(printf '%s\n' "$out" | grep -E '^✗' || true)"
fi

# ---------------------------------------------------------------------------
# (c) sysusers / tmpfiles. systemd 252: systemd-sysusers has --dry-run,
# systemd-tmpfiles has none, so both are applied for real to an empty --root
# (config paths must be absolute, otherwise they are looked up inside the root).
# tmpfiles resolves user/group names from that root's /etc/passwd and /etc/group,
# which sysusers just wrote. Any "file:line:" message is a parse error.
# ---------------------------------------------------------------------------
root=$scratch/root
mkdir -p "$root/etc"
out=$(systemd-sysusers --dry-run --root="$root" "$sysusers_src" 2>&1); rc=$?
if [ $rc -eq 0 ] && ! printf '%s\n' "$out" | grep -q "rfidgate.sysusers.conf:[0-9]"; then
  ok "sysusers: --dry-run parses cleanly"
else
  bad "sysusers: --dry-run (exit $rc)" "$out"
fi

out=$(systemd-sysusers --root="$root" "$sysusers_src" 2>&1); rc=$?
pw=$(grep '^rfidgate:' "$root/etc/passwd" 2>/dev/null)
gr=$(grep '^rfidgate:' "$root/etc/group" 2>/dev/null)
uid=$(printf '%s' "$pw" | cut -d: -f3); gid=$(printf '%s' "$gr" | cut -d: -f3)
if [ $rc -eq 0 ] && [ -n "$uid" ] && [ -n "$gid" ] && [ "$uid" -lt 1000 ] && \
   [ "$(printf '%s' "$pw" | cut -d: -f4)" = "$gid" ] && \
   [ "$(printf '%s' "$pw" | cut -d: -f6)" = /var/lib/rfidgate ] && \
   [ "$(printf '%s' "$pw" | cut -d: -f7)" = /usr/sbin/nologin ]; then
  ok "sysusers: creates system user+group rfidgate (uid $uid, gid $gid, nologin)"
else
  bad "sysusers: apply to temp root (exit $rc)" "$out
passwd: $pw
group:  $gr"
fi
# The status readers' group exists, is a system group and has no members: people are added
# to it by hand; the daemon's user joins it through the unit's SupplementaryGroups=.
sg=$(grep '^rfidgate-status:' "$root/etc/group" 2>/dev/null)
if [ -n "$sg" ] && [ "$(printf '%s' "$sg" | cut -d: -f3)" -lt 1000 ] && [ -z "$(printf '%s' "$sg" | cut -d: -f4)" ] && \
   grep -qx 'SupplementaryGroups=rfidgate-status' "$unit_src"; then
  ok "sysusers: status group rfidgate-status (system group; the unit joins it)"
else
  bad "sysusers: status group rfidgate-status missing or the unit does not join it" "$sg"
fi

out=$(systemd-tmpfiles --create --root="$root" "$tmpfiles_src" 2>&1); rc=$?
st_state=$(stat -c '%a %u %g' "$root/var/lib/rfidgate" 2>/dev/null)
st_etc=$(stat -c '%a %u %g' "$root/etc/rfidgate" 2>/dev/null)
if [ $rc -eq 0 ] && [ -z "$out" ] && [ "$st_state" = "750 $uid $gid" ] && [ "$st_etc" = "750 0 $gid" ]; then
  ok "tmpfiles: /var/lib/rfidgate 0750 rfidgate:rfidgate, /etc/rfidgate 0750 root:rfidgate"
else
  bad "tmpfiles: apply to temp root (exit $rc)" "$out${out:+
}/var/lib/rfidgate: ${st_state:-missing} (want 750 $uid $gid)
/etc/rfidgate:     ${st_etc:-missing} (want 750 0 $gid)"
fi
# an existing config file is tightened to 0640 root:rfidgate
cfg=$root/etc/rfidgate/rfidgate.toml
if [ -d "$root/etc/rfidgate" ] && { [ -f "$cfg" ] || [ ! -e "$cfg" ]; }; then
  : > "$cfg"; chmod 0644 "$cfg"
  out=$(systemd-tmpfiles --create --root="$root" "$tmpfiles_src" 2>&1); rc=$?
  st=$(stat -c '%F %a %u %g' "$cfg")
  if [ $rc -eq 0 ] && [ "$st" = "regular empty file 640 0 $gid" ]; then
    ok "tmpfiles: existing rfidgate.toml tightened to 0640 root:rfidgate"
  else bad "tmpfiles: existing rfidgate.toml is '$st', want 0640 root:rfidgate (exit $rc)" "$out"; fi
else
  bad "tmpfiles: /etc/rfidgate/rfidgate.toml is not a regular file or /etc/rfidgate is missing"
fi

# ---------------------------------------------------------------------------
# (d) udev rules
# ---------------------------------------------------------------------------
# udevadm verify appeared in systemd 253; Debian 12 has 252 ("Unknown command verb").
if udevadm verify --help >/dev/null 2>&1; then
  out=$(udevadm verify "$rules_src" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then ok "udev: udevadm verify"; else bad "udev: udevadm verify (exit $rc)" "$out"; fi
else
  skip "udev: udevadm verify (not in udevadm $(udevadm --version 2>/dev/null); needs systemd >= 253)"
fi

# Static policy: never world-writable, only group rfidgate, mode 0660.
rules_body=$(grep -v '^[[:space:]]*#' "$rules_src")
policy=$(printf '%s\n' "$rules_body" | grep -oE '(GROUP|MODE|OWNER)[:+]?=+"[^"]*"' \
  | grep -vxE 'GROUP:?="rfidgate"|MODE:?="0660"' || true)
# udev 252 silently accepts a missing comma between two keys; catch it here.
commas=$(grep -nE '^[^#]*"[[:space:]]+[A-Za-z]' "$rules_src" || true)
[ -z "$commas" ] || policy="$policy${policy:+
}missing comma: $commas"
if [ -z "$policy" ]; then ok "udev: static policy (only GROUP=rfidgate, MODE=0660, no 0666, commas)"
else bad "udev: static policy" "$policy"; fi

# udevadm test against umockdev devices, isolated from the host:
#  - private mount namespace (unshare -m), tmpfs on /run: udevadm test writes
#    /run/udev/data and /run/udev/tags, and our rules go to /run/udev/rules.d
#    (with Tests/ops-fixtures/92-conflicting-usbrelay.rules);
#  - an empty dir over /etc/udev/rules.d so local admin rules cannot interfere;
#  - overlay on /dev (udevadm test creates /dev/char/MAJ:MIN links), /dev/pts
#    carried over (umockdev uses ptys);
#  - a private copy of /etc/group that has group rfidgate (udev resolves
#    GROUP= names when it loads the rules).
if [ "$(id -u)" -ne 0 ]; then
  bad "udev: udevadm test needs root (unshare -m, mount)"
else
  u=$scratch/udev
  mkdir -p "$u/rules" "$u/empty" "$u/up" "$u/work" "$u/pts" "$u/tmp"
  cp "$rules_src" "$u/rules/"
  # a later rule that tries to hand the relay to plugdev (as Debian's usbrelay
  # package does): our final (:=) GROUP/MODE must survive it
  cp "$fixtures/92-conflicting-usbrelay.rules" "$u/rules/"
  cp /etc/group "$u/group"
  ugid=$(getent group rfidgate | cut -d: -f3)
  if [ -z "$ugid" ]; then
    ugid=64123
    while getent group "$ugid" >/dev/null; do ugid=$((ugid + 1)); done
    echo "rfidgate:x:$ugid:" >> "$u/group"
  fi

  udev_test() { # fixture syspath action
    # shellcheck disable=SC2016
    unshare -m --propagation private sh -c '
      set -e
      u=$1; fixture=$2; syspath=$3; action=$4
      mount -n -t tmpfs tmpfs /run
      mkdir -p /run/udev/rules.d
      cp "$u/rules/"*.rules /run/udev/rules.d/
      if [ -d /etc/udev/rules.d ]; then mount -n --bind "$u/empty" /etc/udev/rules.d; fi
      mount -n --bind /dev/pts "$u/pts"
      mount -n -t overlay overlay -o "lowerdir=/dev,upperdir=$u/up,workdir=$u/work" /dev
      mount -n --move "$u/pts" /dev/pts
      mount -n --bind "$u/group" /etc/group
      TMPDIR=$u/tmp umockdev-run -d "$fixture" -- udevadm test --action="$action" "$syspath"
    ' sh "$u" "$1" "$2" "$3" 2>&1
  }

  # Rule lines that udev applied: "<dev>: /run/udev/rules.d/70-rfidgate.rules:NN GROUP 64123"
  ours='/run/udev/rules.d/70-rfidgate.rules:[0-9]+'
  expect_match() { # name fixture syspath expected-RFIDGATE_DEVICE
    local out last_group last_mode err=""
    out=$(udev_test "$2" "$3" add)
    last_group=$(printf '%s\n' "$out" | grep -E '^[^ ]+: [^ ]+:[0-9]+ GROUP ' | tail -1)
    last_mode=$(printf '%s\n' "$out" | grep -E '^[^ ]+: [^ ]+:[0-9]+ MODE ' | tail -1)
    printf '%s\n' "$last_group" | grep -Eq "$ours GROUP $ugid\$" || err="$err
final GROUP not rfidgate ($ugid) from 70-rfidgate.rules: ${last_group:-none}"
    printf '%s\n' "$last_mode" | grep -Eq "$ours MODE 0660\$" || err="$err
final MODE not 0660 from 70-rfidgate.rules: ${last_mode:-none}"
    printf '%s\n' "$out" | grep -Eq '^TAGS=.*:systemd:' || err="$err
no systemd tag: $(printf '%s\n' "$out" | grep '^TAGS=' || echo 'TAGS unset')"
    printf '%s\n' "$out" | grep -qx "RFIDGATE_DEVICE=$4" || err="$err
RFIDGATE_DEVICE is not $4"
    if [ -z "$err" ]; then ok "udev: $1 -> GROUP=rfidgate MODE=0660 TAG systemd"
    else bad "udev: $1" "${err#?}
--- udevadm test (tail) ---
$(printf '%s\n' "$out" | grep -E 'rules:[0-9]+|^[A-Z_]+=' | tail -25)"; fi
  }
  expect_no_match() { # name fixture syspath action
    local out hits
    out=$(udev_test "$2" "$3" "$4")
    hits=$(printf '%s\n' "$out" | grep -E "$ours|^RFIDGATE_DEVICE=" || true)
    # guard against a vacuous pass: udevadm test must have run to the end
    if ! printf '%s\n' "$out" | grep -q "^DEVPATH=${3#/sys}\$"; then
      bad "udev: $1 (udevadm test did not run)" "$(printf '%s\n' "$out" | tail -15)"
    elif [ -z "$hits" ]; then ok "udev: $1 -> not matched"
    else bad "udev: $1 matched but must not" "$hits"; fi
  }

  usb=/sys/devices/pci0000:00/0000:00:14.0/usb2
  # load check: no warnings about our file (syntax, unknown group, ...)
  out=$(udev_test "$fixtures/feig-obid-0002.umockdev" "$usb/2-1" add)
  if ! printf '%s\n' "$out" | grep -q '^Reading rules file: /run/udev/rules.d/70-rfidgate.rules'; then
    bad "udev: rules file loaded" "$(printf '%s\n' "$out" | tail -15)"
  else
    warn=$(printf '%s\n' "$out" | grep -F '70-rfidgate.rules' | grep -Ei 'invalid|unknown|error|fail|ignor|not ' || true)
    if [ -z "$warn" ]; then ok "udev: rules load without warnings"
    else bad "udev: rules load with warnings" "$warn"; fi
  fi

  expect_match "FEIG 0ab1:0002 usb_device" "$fixtures/feig-obid-0002.umockdev" "$usb/2-1" feig-obid
  expect_match "FEIG 0ab1:0004 usb_device" "$fixtures/feig-obid-0004.umockdev" "$usb/2-2" feig-obid
  expect_match "relay 16c0:05df \"USBRelay2\" usb_device, later plugdev rule present" "$fixtures/dcttech-usbrelay2.umockdev" \
    "$usb/2-3" usb-relay
  expect_match "relay 16c0:05df \"USBRelay2\" hidraw, later plugdev rule present" "$fixtures/dcttech-usbrelay2.umockdev" \
    "$usb/2-3/2-3:1.0/0003:16C0:05DF.0003/hidraw/hidraw0" usb-relay
  expect_no_match "16c0:05df \"HIDRelay\" usb_device" "$fixtures/vusb-hidrelay-other.umockdev" \
    "$usb/2-4" add
  expect_no_match "16c0:05df \"HIDRelay\" hidraw" "$fixtures/vusb-hidrelay-other.umockdev" \
    "$usb/2-4/2-4:1.0/0003:16C0:05DF.0004/hidraw/hidraw1" add
  # ID_USB_INTERFACES is not in the fixture: usb_id (50-udev-default.rules) must compute
  # it from the "descriptors" attribute, as udevd does on a station.
  expect_match "ESC/POS printer (interface class 07) usb_device" "$fixtures/escpos-printer.umockdev" \
    "$usb/2-5" receipt-printer
  expect_no_match "vendor-specific interface ff/07/01 (\":ff0701:\") usb_device" "$fixtures/vendor-ff0701.umockdev" \
    "$usb/2-6" add
  expect_no_match "FEIG 0ab1:0002 remove event" "$fixtures/feig-obid-0002.umockdev" "$usb/2-1" remove
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
