# Sourced: pg_start DIR -> starts a PostgreSQL cluster in DIR on a free loopback port and sets
# PG_URL; pg_stop DIR stops it. As root, initdb refuses to run: the cluster then runs as `nobody`
# (runuser). Debian's server binaries live in /usr/lib/postgresql/<version>/bin.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
pg_as() { if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
pg_start() {
  local dir=$1 bin; bin=$(pg_bin)
  [ -n "$bin" ] || { echo "PostgreSQL not installed: bash tests/toolchains.sh relay" >&2; return 1; }
  mkdir -p "$dir"; [ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$dir"
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  pg_as "$bin/initdb" -D "$dir/data" -U thecal -A trust --no-sync -E UTF8 --locale=C >/dev/null
  pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=300 ${PG_OPTS:-}" start >/dev/null
  "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U thecal -d postgres -c "CREATE DATABASE relay" >/dev/null
  PG_URL="postgres://thecal@127.0.0.1:$PG_PORT/relay"
}
pg_stop() { pg_as "$(pg_bin)/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true; }
