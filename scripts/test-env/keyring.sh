# Sourced by with-services.sh: starts an unlocked GNOME Keyring (Secret Service) on this D-Bus
# session for the credential tests, with its keyrings in the test's temporary directory (never
# the developer's own). Exports WAYBILL_DESK_TEST_KEYRING=1 when it runs: the credential tests
# then require it (as they do whenever CI is set).

keyring_start() {
  if ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
    echo "keyring.sh: gnome-keyring-daemon is not installed (scripts/deps.sh installs it)" >&2
    [[ -z "${CI:-}" ]] || return 1
    return 0
  fi
  local dir="$WAYBILL_DESK_TEST_TMP/keyring"
  mkdir -p "$dir/data" "$dir/runtime" "$dir/config"
  chmod 700 "$dir/runtime"
  # --unlock reads the password from stdin and creates the "login" keyring with it, which
  # becomes the default collection. No DISPLAY: an unexpected unlock prompt must fail at once,
  # not wait on the Xvfb screen.
  printf '%s' "waybill-desk-test" |
    env -u DISPLAY -u GNOME_KEYRING_CONTROL \
      XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/runtime" XDG_CONFIG_HOME="$dir/config" \
      gnome-keyring-daemon --foreground --unlock --components=secrets \
      >"$WAYBILL_DESK_TEST_TMP/keyring.log" 2>&1 &
  keyring_pid=$!
  cleanup_steps+=("kill $keyring_pid")
  local i owner=""
  for i in $(seq 100); do
    owner=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -o 'true' || true)
    [[ "$owner" == true ]] && break
    sleep 0.1
  done
  if [[ "$owner" != true ]]; then
    echo "keyring.sh: GNOME Keyring did not come up on the session bus:" >&2
    cat "$WAYBILL_DESK_TEST_TMP/keyring.log" >&2
    return 1
  fi
  local alias
  for i in $(seq 50); do
    alias=$(dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
      org.freedesktop.Secret.Service.ReadAlias string:default 2>/dev/null | grep -o '"/[^"]*"' || true)
    [[ -n "$alias" && "$alias" != '"/"' ]] && break
    sleep 0.1
  done
  if [[ -z "$alias" || "$alias" == '"/"' ]]; then
    echo "keyring.sh: GNOME Keyring has no default collection (alias default = ${alias:-none})" >&2
    cat "$WAYBILL_DESK_TEST_TMP/keyring.log" >&2
    return 1
  fi
  export WAYBILL_DESK_TEST_KEYRING=1
  echo "keyring.sh: GNOME Keyring (pid $keyring_pid) unlocked, default collection $alias" >&2
}

keyring_start
