#!/usr/bin/env bash
# Runs a command with the real services the tests use: an X display (Xvfb), a CUPS daemon with a
# cups-pdf queue, a D-Bus session with an unlocked GNOME Keyring (Secret Service), and a private
# PostgreSQL server (the several-stations tests).
#   scripts/test-env/with-services.sh cargo nextest run
# Each service is set up by its own file beside this one; each exports what the tests read.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ -z "${WAYBILL_DESK_IN_DBUS_SESSION:-}" ]]; then
  export WAYBILL_DESK_IN_DBUS_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

export WAYBILL_DESK_TEST_TMP
WAYBILL_DESK_TEST_TMP=$(mktemp -d /tmp/waybill-desk-test.XXXXXX)
# Logs and crash reports of the windows and commands the tests start stay with this run, not in
# the user's ~/.local/state (a crash in one run is not offered to the windows of the next).
export WAYBILL_DESK_STATE_DIR="$WAYBILL_DESK_TEST_TMP/state"
cleanup_steps=()
cleanup() {
  local i
  for ((i = ${#cleanup_steps[@]} - 1; i >= 0; i--)); do eval "${cleanup_steps[$i]}" || true; done
}
trap cleanup EXIT

# shellcheck source=xvfb.sh
source "$here/xvfb.sh"
# shellcheck source=cups.sh
source "$here/cups.sh"
# shellcheck source=keyring.sh
source "$here/keyring.sh"
# shellcheck source=postgres.sh
source "$here/postgres.sh"

"$@"
