# Sourced by with-services.sh: starts a private PostgreSQL server for the tests (Debian's
# `postgresql` package, installed by scripts/deps.sh --test): its own cluster made by initdb under
# $WAYBILL_DESK_TEST_TMP/pg, trust authentication, a unix socket in that directory and a free
# port on 127.0.0.1 only. Stopped and removed again on exit. Exports what the tests read:
#   WAYBILL_DESK_TEST_PG_URL     postgres://postgres@127.0.0.1:PORT/postgres (superuser, no password)
#   WAYBILL_DESK_TEST_PG_SOCKET  the directory of its unix socket (host=DIR port=PORT for libpq)
#   WAYBILL_DESK_TEST_PG_PORT    its port (the same for the socket and 127.0.0.1)
#   WAYBILL_DESK_TEST_PG_CTL     a script taking stop | start | restart | status: the restart
#                                tests stop the server mid-batch and start it again on the same port
#   WAYBILL_DESK_TEST_PG=1       set once all of the above works
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user the
# package creates, and every server command runs through runuser.

pg_setup() {
  local dir="$WAYBILL_DESK_TEST_TMP/pg"
  local bin=""
  local candidate
  # Debian keeps the server binaries out of PATH, one directory per major version: take the newest.
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n); do
    [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]] && bin="$candidate"
  done
  if [[ -z "$bin" ]] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    bin=$(dirname "$(command -v pg_ctl)")
  fi
  if [[ -z "$bin" ]]; then
    echo "postgres.sh: no PostgreSQL server (initdb, pg_ctl) found; run scripts/deps.sh --test" >&2
    [[ -z "${CI:-}" ]] || return 1
    return 0
  fi

  local as_owner=()
  if [[ $(id -u) -eq 0 ]]; then
    if ! id -u postgres >/dev/null 2>&1; then
      echo "postgres.sh: running as root but there is no 'postgres' user to own the cluster (Debian's postgresql package creates it)" >&2
      [[ -z "${CI:-}" ]] || return 1
      return 0
    fi
    as_owner=(runuser -u postgres --)
    # The server runs as postgres: it must be able to reach its directory below the test directory.
    chmod 0711 "$WAYBILL_DESK_TEST_TMP"
  fi

  mkdir -p "$dir"
  [[ ${#as_owner[@]} -eq 0 ]] || chown postgres: "$dir"
  chmod 0700 "$dir"
  # Removed on exit even when the server never started; the stop step is added below it (and so
  # runs before it: cleanup runs its steps last first).
  cleanup_steps+=("rm -rf '$dir'")

  # --no-sync and fsync=off: a test cluster lives seconds and an OS crash loses nothing we keep.
  # A server restart (pg_ctl stop -m fast / -m immediate) still loses nothing: the data are in
  # the page cache, and the WAL is replayed on start as after any crash.
  if ! "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync --no-instructions >"$dir/initdb.log" 2>&1; then
    echo "postgres.sh: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    return 1
  fi
  # Many test processes at once (4 stations × a pool each, several tests in parallel).
  cat >>"$dir/data/postgresql.conf" <<EOF

# waybill-desk test server (scripts/test-env/postgres.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
unix_socket_permissions = 0777
max_connections = 400
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
EOF

  # The control script the restart tests call: same cluster, same port, waits until it answers.
  local ctl="$dir/pg-ctl.sh"
  local owner_words=""
  [[ ${#as_owner[@]} -eq 0 ]] || owner_words="runuser -u postgres --"
  cat >"$ctl" <<EOF
#!/usr/bin/env bash
# Controls the private test PostgreSQL server: stop | start | restart | status.
# stop uses -m fast (open connections are cut, as when IT restarts the server).
set -euo pipefail
case "\${1:-}" in
  stop) $owner_words "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >>"$dir/server.log" 2>&1 ;;
  start) $owner_words "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null ;;
  restart) $owner_words "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 30 restart >/dev/null ;;
  status) $owner_words "$bin/pg_ctl" -D "$dir/data" status ;;
  *) echo "usage: \$0 stop|start|restart|status" >&2; exit 2 ;;
esac
EOF
  chmod 0755 "$ctl"
  # The server log and the control script are written as postgres when root runs the tests.
  [[ ${#as_owner[@]} -eq 0 ]] || { touch "$dir/server.log"; chown postgres: "$dir/server.log"; chmod 0666 "$dir/server.log"; }

  # A free port: postgres cannot bind port 0 and tell us, so try random ones and keep the first
  # it could bind (another program may take a port between any check and the bind).
  local port="" try
  for try in $(seq 20); do
    try=$((20000 + RANDOM % 40000))
    # Something answers there already: not free.
    if (exec 3<>"/dev/tcp/127.0.0.1/$try") 2>/dev/null; then continue; fi
    sed -i "/^port = /d" "$dir/data/postgresql.conf"
    echo "port = $try" >>"$dir/data/postgresql.conf"
    if "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null 2>&1; then
      port=$try
      break
    fi
  done
  if [[ -z "$port" ]]; then
    echo "postgres.sh: the test server did not start; its log:" >&2
    tail -n 30 "$dir/server.log" >&2
    return 1
  fi
  cleanup_steps+=("${as_owner[*]} '$bin/pg_ctl' -D '$dir/data' -m immediate -w -t 30 stop >/dev/null 2>&1")

  export WAYBILL_DESK_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export WAYBILL_DESK_TEST_PG_SOCKET="$dir"
  export WAYBILL_DESK_TEST_PG_PORT="$port"
  export WAYBILL_DESK_TEST_PG_CTL="$ctl"
  export WAYBILL_DESK_TEST_PG=1
  echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port and $dir (restart: $ctl restart)" >&2
}
pg_setup
