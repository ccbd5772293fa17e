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

# Debian's headless Chromium and its WebDriver server, for the console's browser test
# (tests/tests/console_browser.rs), and a CJK font so its screenshots show the Chinese text.
ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 &&
    { ! command -v fc-list >/dev/null 2>&1 || [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }; then
    return 0
  fi
  log "installing chromium, chromium-driver and fonts-wqy-microhei (apt)"
  need_root_apt chromium chromium-driver fonts-wqy-microhei
}

# ensure_moto: `moto_server` (moto[server] from PyPI, an S3 that no one here wrote) in a venv
# kept under the user's cache folder (not the repo); prints the venv's bin folder.
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
ensure_moto() {
  local venv="${YZ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/yizhan}/moto-$MOTO_VERSION"
  if [ ! -x "$venv/bin/moto_server" ]; then
    log "installing moto[server]==$MOTO_VERSION into $venv (pip)"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
  fi
  echo "$venv/bin"
}

# start_moto DIR: moto's S3 on a free loopback port; exports TEST_S3_ENDPOINT (any key pair works;
# the tests create their buckets).
start_moto() {
  local dir=$1 bin port i
  bin=$(ensure_moto) || return 1
  port=$(free_port)
  mkdir -p "$dir"
  "$bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
  MOTO_PID=$!
  for i in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null && break
    [ "$i" -lt 100 ] || { cat "$dir/moto.log" >&2; return 1; }
    sleep 0.1
  done
  export TEST_S3_ENDPOINT="http://127.0.0.1:$port"
}

stop_moto() {
  if [ -n "${MOTO_PID:-}" ]; then kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; unset MOTO_PID; fi
}

need_root_apt() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# start_postgres DIR PORT: a throwaway cluster in DIR; exports DATABASE_URL. Durability is off
# (fsync, synchronous_commit) for speed; PG_EXTRA_OPTS (`-c name=value …`) overrides it.
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
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c max_wal_size=256MB -c min_wal_size=32MB ${PG_EXTRA_OPTS:-}" \
    start >/dev/null
  PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$dir" -m fast -w stop)
  # For scripts that stop and start the server themselves (scripts/chaos).
  PG_CTL="${as[*]} $bin/pg_ctl -D $dir" PG_LOG="$dir/server.log"
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

# start_redis_cluster DIR: a throwaway Redis Cluster of three masters (no replicas) on free
# loopback ports under DIR; exports REDIS_URL as `redis+cluster://` listing the three nodes.
# Each node's cluster bus gets its own free port (`--cluster-port`), not port + 10000.
start_redis_cluster() {
  local dir=$1 i port nodes=()
  export REDIS_PERSISTENCE_ACK="throwaway test server"
  REDIS_CLUSTER_PIDFILES=()
  for i in 1 2 3; do
    port=$(free_port)
    mkdir -p "$dir/$i"
    redis-server --port "$port" --cluster-port "$(free_port)" --bind 127.0.0.1 --dir "$dir/$i" \
      --save "" --appendonly no --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 5000 --daemonize yes --pidfile "$dir/$i/redis.pid" --logfile "$dir/$i/redis.log"
    REDIS_CLUSTER_PIDFILES+=("$dir/$i/redis.pid")
    nodes+=("127.0.0.1:$port")
  done
  for port in "${nodes[@]}"; do
    for i in $(seq 1 50); do
      redis-cli -p "${port##*:}" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 ||
    { cat "$dir/create.log" >&2; return 1; }
  # Every node must agree the cluster is up (all 16384 slots served) before anyone connects.
  for port in "${nodes[@]}"; do
    for i in $(seq 1 100); do
      redis-cli -p "${port##*:}" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      [ "$i" -lt 100 ] || { echo "Redis Cluster node $port never reached cluster_state:ok" >&2; return 1; }
      sleep 0.1
    done
  done
  export REDIS_URL="redis+cluster://$(IFS=,; echo "${nodes[*]}")/"
}

stop_redis_cluster() {
  local pidfile
  for pidfile in "${REDIS_CLUSTER_PIDFILES[@]}"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  REDIS_CLUSTER_PIDFILES=()
}

# test_binaries "package target" …: the path of each named test binary of the workspace's
# `cargo test` build (the lib's unit tests are target `lib`), one per line, in order.
test_binaries() {
  local artifacts t pkg name exe
  artifacts=$(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact" or not m.get("executable") or not m["profile"]["test"]:
        continue
    kind = m["target"]["kind"]
    name = m["target"]["name"] if kind == ["test"] else "lib" if kind == ["lib"] else None
    if name:
        url, _, frag = m["package_id"].partition("#")
        pkg = frag.split("@")[0] if "@" in frag else url.rstrip("/").rsplit("/", 1)[-1]
        print(pkg, name, m["executable"])')
  for t in "$@"; do
    read -r pkg name _ <<<"$t"
    exe=$(awk -v p="$pkg" -v n="$name" '$1 == p && $2 == n { print $3 }' <<<"$artifacts")
    [ -n "$exe" ] || { echo "no test binary for $pkg --test $name" >&2; return 1; }
    echo "$exe"
  done
}
