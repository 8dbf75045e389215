#!/usr/bin/env bash
# Runs the libusb tests (Tests/ReadersTests/USBReplayTests.swift) against devices faked by
# umockdev: one umockdev-run session per scenario with its usbmon capture (pcap replay), and
# the hotplug test in-process under umockdev-wrapper. Needs: umockdev (umockdev-run,
# umockdev-wrapper, libumockdev0) and a test build (swift build --build-tests).
#   scripts/test-usb-umockdev.sh            prints "N passed, M failed"
# Skips (exit 0, says why) when umockdev is not installed; CI installs it.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v umockdev-run >/dev/null || ! command -v umockdev-wrapper >/dev/null; then
  echo "skip: umockdev is not installed (apt-get install umockdev); libusb replay tests not run"
  exit 0
fi
fx=Tests/ReadersTests/Fixtures/usb
feig_sys=/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2
relay_sys=/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3
tmp=$(mktemp -d /tmp/rfidgate-umockdev.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp   # umockdev testbeds go here, not into the repository
pass=0; fail=0
run() { # scenario filter command...
  local scenario=$1 filter=$2; shift 2
  local log="$tmp/$scenario.log"
  # libusb's event loop spins under umockdev (usbfs is a plain file): keep scenarios short.
  if RFIDGATE_USB_SCENARIO=$scenario timeout 120 "$@" swift test --skip-build --filter "$filter" >"$log" 2>&1 \
     && grep -q "passed after" "$log" && ! grep -qE "✘|failed" "$log" && ! grep -q "skipped" <(grep "Test $filter" "$log"); then
    pass=$((pass + 1)); echo "ok   usb $scenario"
  else
    fail=$((fail + 1)); echo "FAIL usb $scenario"; grep -E "✘|error|Expectation|skipped" "$log" | head -20 | sed 's/^/     /'
  fi
}
run enumerate "USBReplayTests/enumeratesTheFeigReaderWithItsStrings" umockdev-run -d $fx/feig-usb.umockdev --
for s in feig-cycle:claimsAndRunsAFullInventoryCycleOverBulkTransfers feig-split:reassemblesAnAnswerSplitOverTwoPackets \
         feig-noanswer:aReaderThatNeverAnswersIsATimeout feig-unplug:unplugWhileReadingIsADisconnect; do
  run "${s%%:*}" "USBReplayTests/${s#*:}" umockdev-run -d $fx/feig-usb.umockdev -p $feig_sys=$fx/${s%%:*}.pcap --
done
run feig-access "USBReplayTests/accessDeniedFromLibusbIsTyped" umockdev-run -d $fx/feig-usb.umockdev --
run relay-on-state "USBReplayTests/relaySwitchesThroughHidFeatureReports" \
  umockdev-run -d $fx/usbrelay2.umockdev -p $relay_sys=$fx/relay-on-state.pcap --
RFIDGATE_USB_DEVICE=$PWD/$fx/feig-usb.umockdev run hotplug "USBHotplugUmockdevTests" umockdev-wrapper
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
