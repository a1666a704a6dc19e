#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on a loopback port.
#
#   scripts/pg-test-cluster.sh start [DIR]   start a cluster in DIR (made with mktemp -d when
#                                            omitted) and print its URL on stdout, one line:
#                                            postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/pg-test-cluster.sh stop DIR      stop the cluster in DIR and delete DIR
#
# The caller owns DIR and stops what it started, e.g. (as scripts/test.sh does):
#   pg_dir="$(mktemp -d)"
#   trap 'scripts/pg-test-cluster.sh stop "$pg_dir"' EXIT
#   OGCR_TEST_POSTGRES_URL="$(scripts/pg-test-cluster.sh start "$pg_dir")"
#
# Installs the Debian `postgresql` package when no server binaries are found under
# /usr/lib/postgresql/*/bin. The cluster lives in DIR/data (log in DIR/server.log), trusts
# every connection from 127.0.0.1, listens on the first free port from 55432 upward, has no
# Unix socket, and trades durability for speed (fsync off): it is for tests only. As root,
# initdb and pg_ctl run as the `postgres` OS user (they refuse to run as root); otherwise as
# the current user. `start` on a DIR whose cluster is running prints its URL again.
# Only the URL goes to stdout; everything else goes to stderr.
set -euo pipefail

log() { printf 'pg-test-cluster: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

usage() { die "usage: $0 start [DIR] | stop DIR"; }

# Directory of initdb/pg_ctl/postgres: the newest /usr/lib/postgresql/N/bin, else the one
# holding `initdb` on PATH; installs the Debian package if there is neither.
pg_bindir() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [ -n "$found" ] && [ -x "$found/initdb" ]; then
    echo "$found"
    return
  fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL server binaries not found; install the postgresql package (as root: apt-get install postgresql)"
  log "PostgreSQL server binaries not found: installing the Debian postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends postgresql >&2
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  [ -n "$found" ] && [ -x "$found/initdb" ] || die "installed postgresql but found no /usr/lib/postgresql/*/bin/initdb"
  echo "$found"
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

url_of() { printf 'postgres://postgres@127.0.0.1:%s/postgres\n' "$1"; }

start() {
  local dir="${1:-}"
  if [ -z "$dir" ]; then
    dir="$(mktemp -d "${TMPDIR:-/tmp}/ogcr-pg.XXXXXX")"
    log "cluster directory $dir (stop it with: $0 stop $dir)"
  fi
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  local bin
  bin="$(pg_bindir)"

  # Already running here: same URL again.
  if [ -f "$dir/port" ] && [ -f "$dir/data/postmaster.pid" ] \
    && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    url_of "$(cat "$dir/port")"
    return
  fi

  if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null || die "no 'postgres' OS user to run the server as (the postgresql package creates it)"
    chown postgres: "$dir"
    as_owner test -w "$dir" || die "user postgres cannot write to $dir (is a parent directory private?)"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initdb $dir/data ($("$bin/postgres" --version))"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi

  local port
  for port in $(seq 55432 55531); do
    port_in_use "$port" && continue
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >&2; then
      echo "$port" >"$dir/port"
      log "PostgreSQL listening on 127.0.0.1:$port (data $dir/data, log $dir/server.log)"
      url_of "$port"
      return
    fi
    # Lost a race for the port (or another failure): show why, try the next port.
    tail -n 5 "$dir/server.log" >&2 || true
  done
  die "could not start PostgreSQL on any port in 55432-55531 (see $dir/server.log)"
}

stop() {
  local dir="${1:-}"
  [ -n "$dir" ] || usage
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$(pg_bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  fi
  # Delete only what `start` made: DIR holding nothing but data/, port and the logs.
  local entry
  for entry in "$dir"/* "$dir"/.[!.]*; do
    [ -e "$entry" ] || continue
    case "${entry##*/}" in
    data | port | initdb.log | server.log) ;;
    *)
      log "not deleting $dir: it holds ${entry##*/}, which is not part of a test cluster"
      return 0
      ;;
    esac
  done
  rm -rf "$dir"
}

case "${1:-}" in
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*) usage ;;
esac
