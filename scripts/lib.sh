# Shared by scripts/dev, scripts/test and scripts/bench: private PostgreSQL and Redis servers
# under a git-ignored folder, on free loopback ports, stopped by the caller's trap.
# shellcheck shell=bash

YZ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

ensure_postgres() {
  if pg_bin >/dev/null; then return 0; fi
  log "installing PostgreSQL (apt)"
  need_root_apt postgresql
}

ensure_redis() {
  if command -v redis-server >/dev/null 2>&1; then return 0; fi
  log "installing redis-server (apt)"
  need_root_apt redis-server
}

# Debian's aiosmtpd: the independent SMTP server the mail tests talk to (plain and STARTTLS).
ensure_aiosmtpd() {
  if /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1; then return 0; fi
  log "installing python3-aiosmtpd (apt)"
  need_root_apt python3-aiosmtpd
}

need_root_apt() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# start_postgres DIR PORT: a throwaway cluster in DIR; exports DATABASE_URL.
start_postgres() {
  local dir=$1 port=$2 bin
  bin=$(pg_bin) || { echo "PostgreSQL binaries not found" >&2; return 1; }
  mkdir -p "$dir"
  # PostgreSQL refuses to run as root: use the postgres user's uid when we are root.
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown -R postgres "$dir"
    chmod 755 "$(dirname "$dir")"  # mktemp makes 0700 folders the postgres user cannot enter
    as=(runuser -u postgres --)
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    "${as[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  "${as[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null
  PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$dir" -m fast -w stop)
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/yizhan"
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='yizhan'" postgres | grep -q 1 ||
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres yizhan
}

stop_postgres() {
  if [ -n "${PG_STOP+x}" ]; then "${PG_STOP[@]}" >/dev/null 2>&1 || true; unset PG_STOP; fi
}

# start_redis DIR PORT [PERSIST]: a private Redis in DIR; exports REDIS_URL. PERSIST `yes` (dev)
# keeps an append-only file, as every process expects; otherwise (tests, benches: throwaway
# data) it exports REDIS_PERSISTENCE_ACK so the processes' durability check does not warn.
start_redis() {
  local dir=$1 port=$2 persist=${3:-no}
  mkdir -p "$dir"
  if [ "$persist" != yes ]; then export REDIS_PERSISTENCE_ACK="throwaway test server"; fi
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly "$persist" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  local i
  for i in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  REDIS_PIDFILE="$dir/redis.pid"
  export REDIS_URL="redis://127.0.0.1:$port/"
}

stop_redis() {
  if [ -n "${REDIS_PIDFILE:-}" ] && [ -f "$REDIS_PIDFILE" ]; then
    kill "$(cat "$REDIS_PIDFILE")" 2>/dev/null || true
    unset REDIS_PIDFILE
  fi
}

# start_stores DIR: both servers on free ports under DIR.
start_stores() {
  local dir=$1
  ensure_postgres
  ensure_redis
  start_postgres "$dir/pg" "$(free_port)"
  start_redis "$dir/redis" "$(free_port)"
}

stop_stores() {
  stop_redis
  stop_postgres
}
