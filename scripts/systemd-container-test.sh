#!/usr/bin/env bash
# systemd-container-test.sh: the .deb under a real systemd (issue 14). Boots a Debian 12 tree
# with systemd-nspawn (systemd as PID 1 of the container; see shared/reference/
# systemd-container.md for the flags this machine kind needs), installs the package there with
# dpkg -i, and checks:
#   1. the service reaches active (Type=notify: READY=1) on the simulated gate, with no mode
#      conflict on /etc/rfidgate;
#   2. `rfidgatectl status` works for a member of group rfidgate-status and is refused with a
#      message naming the group for anybody else;
#   3. a SIGSTOPped daemon is killed by the watchdog and its successor is READY within 10 s
#      (the figure is printed);
#   4. the daemon's journal has no seccomp or sandbox failures;
#   5. installing the package again (the upgrade path) restarts the daemon once;
#   6. `systemctl stop` ends cleanly within TimeoutStopSec;
#   7. dpkg --purge removes the store and the users.
#
# Usage (root):  bash scripts/systemd-container-test.sh [PATH.deb]   (default: dist/*.deb, the
#                newest; `make deb` builds it)
# Only build the cached tree:  bash scripts/systemd-container-test.sh --prepare
# The Debian tree is cached in $RFIDGATE_CT_CACHE (default /var/cache/rfidgate-ci/bookworm,
# about 4 minutes once); each run boots a throw-away copy of it.
# Prints one line per check ("ok" / "FAIL"), then "N passed, M failed"; exit 0 only if none failed.
set -u

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${RFIDGATE_CT_CACHE:-/var/cache/rfidgate-ci/bookworm}
replace_max=${REPLACE_MAX_S:-10}

pass=0
fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/       /'; fi; }
die() { echo "systemd-container-test: $*" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, systemd-nspawn, nsenter)"

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
fi

# --- the cached Debian 12 tree ------------------------------------------------------------
prepare() {
  if [ -e "$cache/.rfidgate-tree-complete" ]; then return 0; fi
  rm -rf "$cache"
  mkdir -p "$(dirname "$cache")"
  # The mirror apt already uses on this machine.
  local mirror
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list(.d)"
  echo "== debootstrap bookworm into $cache (once; cached)"
  # What the package Depends on is included, so dpkg -i needs no network.
  debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,dbus,udev,libusb-1.0-0,libsqlite3-0,libsystemd0,libstdc++6,zlib1g,procps \
    bookworm "$cache.tmp" "$mirror" > "$cache.debootstrap.log" 2>&1 \
    || { tail -n 20 "$cache.debootstrap.log"; rm -rf "$cache.tmp"; die "debootstrap failed"; }
  # No login prompt on the console; a machine id so journald keeps a journal.
  rm -f "$cache.tmp/etc/machine-id"; : > "$cache.tmp/etc/machine-id"
  echo rfidgate-ct > "$cache.tmp/etc/hostname"
  mv "$cache.tmp" "$cache"
  touch "$cache/.rfidgate-tree-complete"
}

prepare
if [ "${1:-}" = "--prepare" ]; then echo "tree ready: $cache"; exit 0; fi

deb=${1:-$(ls -t "$repo"/dist/rfidgate_*.deb 2>/dev/null | head -1)}
[ -n "$deb" ] && [ -f "$deb" ] || die "no .deb (run make deb, or pass its path)"

# --- boot a throw-away copy -----------------------------------------------------------------
work=$(mktemp -d /var/tmp/rfidgate-ct.XXXXXX)
root=$work/root
nspawn_pid=""
cleanup() {
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    [ -n "${P:-}" ] && nsenter -t "$P" -a systemctl poweroff >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
    kill "$nspawn_pid" 2>/dev/null
    sleep 1
    kill -9 "$nspawn_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cp -a "$cache" "$root"
cp "$deb" "$root/root/rfidgate.deb"

# NSPAWN_EXTRA: more nspawn options, e.g. --bind-ro=/opt/swift to try a package of
# dynamically linked (debug) binaries.
# shellcheck disable=SC2086
systemd-nspawn -D "$root" --register=no --keep-unit --boot --console=pipe \
  --machine=rfidgate-ct ${NSPAWN_EXTRA:-} > "$work/nspawn.log" 2>&1 < /dev/null &
nspawn_pid=$!

# PID 1 of the container: the nspawn process's child.
P=""
for _ in $(seq 100); do
  P=$(pgrep -P "$nspawn_pid" | head -1)
  [ -n "$P" ] && [ "$(cat /proc/"$P"/comm 2>/dev/null)" = systemd ] && break
  P=""; sleep 0.2
done
[ -n "$P" ] || { tail -n 30 "$work/nspawn.log"; die "the container's systemd did not start"; }
ct() { nsenter -t "$P" -a "$@"; }

# systemctl answers once PID 1 has its private socket; until then "Failed to connect to bus".
state=""
for _ in $(seq 120); do
  state=$(timeout 120 nsenter -t "$P" -a systemctl is-system-running --wait 2>&1)
  case "$state" in running|degraded) break ;; esac
  sleep 0.5
done
case "$state" in
  running|degraded) ok "container booted (systemd $(ct systemctl --version | awk 'NR==1{print $2}'), state $state)" ;;
  *) bad "container boot: $state" "$(tail -n 30 "$work/nspawn.log")"; exit 1 ;;
esac

# --- 1. install; the service comes up on the simulated gate -----------------------------------
out=$(ct env DEBIAN_FRONTEND=noninteractive dpkg -i /root/rfidgate.deb 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "dpkg -i $(basename "$deb")"; else bad "dpkg -i (exit $rc)" "$out"; exit 1; fi

active=""
for _ in $(seq 100); do
  active=$(ct systemctl is-active rfidgated 2>/dev/null)
  [ "$active" = active ] && break
  sleep 0.2
done
status_text=$(ct systemctl show -p StatusText --value rfidgated)
if [ "$active" = active ] && ct systemctl is-enabled rfidgated >/dev/null 2>&1; then
  ok "rfidgated enabled and active after dpkg -i (READY=1; status: ${status_text:-none})"
else
  bad "rfidgated after dpkg -i: ${active:-unknown}" "$(ct systemctl status rfidgated --no-pager 2>&1 | tail -n 20)"
fi
# WatchdogSec=3s must not kill a healthy daemon: 8 s (more than two intervals) without a restart.
sleep 8
n=$(ct systemctl show -p NRestarts --value rfidgated)
wd=$(ct journalctl -u rfidgated --no-pager -o cat 2>/dev/null | grep -c 'Watchdog timeout' || true)
if [ "$n" = 0 ] && [ "$wd" = 0 ] && [ "$(ct systemctl is-active rfidgated)" = active ]; then
  ok "healthy daemon fed the 3 s watchdog for 8 s (no timeout, no restart)"
else bad "healthy daemon: restarts $n, watchdog timeouts $wd" "$(ct journalctl -u rfidgated --no-pager -n 20 2>&1)"; fi
modes=$(ct stat -c '%n %a %U:%G' /etc/rfidgate /etc/rfidgate/rfidgate.toml /var/lib/rfidgate 2>&1)
if [ "$modes" = "/etc/rfidgate 750 root:rfidgate
/etc/rfidgate/rfidgate.toml 640 root:rfidgate
/var/lib/rfidgate 750 rfidgate:rfidgate" ]; then
  ok "/etc/rfidgate 0750, rfidgate.toml 0640 root:rfidgate, /var/lib/rfidgate 0750 rfidgate"
else bad "directory modes" "$modes"; fi

# --- 2. rfidgatectl status: group rfidgate-status yes, others no -------------------------------
ct useradd -m -G rfidgate-status tech >/dev/null 2>&1
ct useradd -m visitor >/dev/null 2>&1
sock=/run/rfidgate/control.sock
# No --socket: a member who cannot read the config finds the packaged daemon's socket.
out=$(ct runuser -u tech -- rfidgatectl status --interval 0 2>&1); rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q gate-1; then
  ok "rfidgatectl status as a member of rfidgate-status: exit 0, reader gate-1 listed"
else bad "rfidgatectl status as tech (exit $rc)" "$out"; fi
out=$(ct runuser -u visitor -- rfidgatectl status --socket "$sock" --interval 0 2>&1); rc=$?
if [ $rc -eq 77 ] && printf '%s\n' "$out" | grep -q 'rfidgate-status'; then
  ok "rfidgatectl status as another user: exit 77, \"$(printf '%s\n' "$out" | head -1)\""
else bad "rfidgatectl status as visitor: want exit 77 naming rfidgate-status, got $rc" "$out"; fi

# --- 3. SIGSTOP: watchdog kill and a READY successor within ${replace_max} s ---------------------
old=$(ct systemctl show -p MainPID --value rfidgated)
restarts0=$(ct systemctl show -p NRestarts --value rfidgated)
ct systemctl show -p WatchdogUSec -p TimeoutAbortUSec -p RestartUSec rfidgated | tr '\n' ' '; echo
t0=$(date +%s.%N)
ct kill -STOP "$old"
elapsed=""
for _ in $(seq 300); do
  sleep 0.1
  read -r pid st < <(ct systemctl show -p MainPID -p ActiveState --value rfidgated | tr '\n' ' ')
  if [ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "$old" ] && [ "$st" = active ]; then
    elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
    break
  fi
done
restarts1=$(ct systemctl show -p NRestarts --value rfidgated)
wd=$(ct journalctl -u rfidgated --no-pager -o cat 2>/dev/null | grep -c 'Watchdog timeout' || true)
if [ -n "$elapsed" ] && awk -v e="$elapsed" -v m="$replace_max" 'BEGIN{exit !(e <= m)}' && [ "$wd" -ge 1 ]; then
  ok "SIGSTOP -> watchdog timeout -> successor READY in ${elapsed} s (<= ${replace_max} s; restarts $restarts0 -> $restarts1)"
else
  bad "SIGSTOP -> successor READY: ${elapsed:-not within 30 s} (watchdog timeouts logged: $wd)" \
    "$(ct journalctl -u rfidgated --no-pager -n 25 2>&1)"
fi

ct journalctl -u rfidgated --no-pager -o short-monotonic 2>/dev/null \
  | grep -E 'Watchdog timeout|Killing process|Main process exited|Scheduled restart|Started ' | tail -n 6 | sed 's/^/       /'

# --- 4. no seccomp / sandbox failures in the daemon's journal ----------------------------------
journal=$(ct journalctl -u rfidgated --no-pager -o cat 2>&1)
hits=$(printf '%s\n' "$journal" | grep -Ei 'seccomp|SIGSYS|bad system call|operation not permitted|permission denied|status=2[0-9][0-9]/|failed to set up|already exists but the mode is different|read-only file system' || true)
if [ -z "$hits" ]; then ok "journal of rfidgated: no seccomp, sandbox or mode failures ($(printf '%s\n' "$journal" | wc -l) lines)"
else bad "journal of rfidgated has sandbox failures" "$hits"; fi

# --- 5. an upgrade (the same package again) restarts the daemon once, in postinst ---------------
before=$(ct systemctl show -p MainPID --value rfidgated)
out=$(ct env DEBIAN_FRONTEND=noninteractive dpkg -i /root/rfidgate.deb 2>&1); rc=$?
after=$(ct systemctl show -p MainPID --value rfidgated)
if [ $rc -eq 0 ] && [ "$(ct systemctl is-active rfidgated)" = active ] && [ "$after" != "$before" ] && [ "$after" != 0 ]; then
  ok "dpkg -i again (upgrade path): restarted in postinst, active (pid $before -> $after)"
else bad "dpkg -i again: exit $rc, pid $before -> $after, $(ct systemctl is-active rfidgated)" "$out"; fi

# --- 6. a clean stop within TimeoutStopSec -------------------------------------------------------
t0=$(date +%s.%N)
ct systemctl stop rfidgated; rc=$?
took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
result=$(ct systemctl show -p Result --value rfidgated)
stop_limit=$(ct systemctl show -p TimeoutStopUSec --value rfidgated)
if [ $rc -eq 0 ] && [ "$result" = success ] && awk -v e="$took" 'BEGIN{exit !(e < 15)}'; then
  ok "systemctl stop: ${took} s (TimeoutStopSec $stop_limit), result $result"
else bad "systemctl stop: exit $rc, ${took} s, result $result" "$(ct journalctl -u rfidgated --no-pager -n 15 2>&1)"; fi

# --- 7. purge removes the store and the users ------------------------------------------------------
out=$(ct dpkg --purge rfidgate 2>&1); rc=$?
left=$(ct sh -c 'ls -d /var/lib/rfidgate /etc/rfidgate /usr/bin/rfidgated 2>/dev/null; getent passwd rfidgate; getent group rfidgate-status' 2>&1)
if [ $rc -eq 0 ] && [ -z "$left" ]; then ok "dpkg --purge: store, configuration, binaries and users gone"
else bad "dpkg --purge (exit $rc)" "$out
left: $left"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
