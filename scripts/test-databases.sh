#!/usr/bin/env bash
# Throw-away PostgreSQL and MariaDB servers for the SQL executor tests
# (tests/runtime/sql_executor_test.cc, RUNTIME-API.md §5.3).
#
#   eval "$(bash scripts/test-databases.sh start [STATE_DIR])"   # prints `export` lines
#   bash scripts/test-databases.sh stop [STATE_DIR]              # or $POLCHECK_TEST_DB_DIR
#   bash scripts/test-databases.sh test-start STATE_DIR          # the CTest fixture's setup
#   bash scripts/test-databases.sh install                       # only the Debian packages
#
# `start` installs the Debian packages postgresql and mariadb-server when missing
# (non-interactive, like install-deps.sh), creates fresh data directories under
# ${TMPDIR:-/tmp}, and starts both servers listening on 127.0.0.1 only, on free
# ports, with unix sockets inside their data directories. It never uses, starts or
# stops a system-wide cluster (Debian's 5432 / 3306 services stay as they are).
# Run as root, the servers run as the `postgres` and `mysql` system users (initdb and
# mariadbd refuse root); run as another user, they run as that user.
#
# Each server gets an admin user `polcheck` with a random password, allowed to log
# in over TCP from anywhere ('%' in MariaDB). The connection details go to stdout as
# `export` lines and to STATE_DIR/env.sh:
#   POLCHECK_TEST_PG_URL     postgres://polcheck:PW@127.0.0.1:PORT/postgres?sslmode=disable
#   POLCHECK_TEST_PG_{HOST,PORT,USER,PASSWORD}
#   POLCHECK_TEST_MYSQL_URL  polcheck:PW@tcp(127.0.0.1:PORT)/   (Go MySQL driver DSN, as Vault takes it)
#   POLCHECK_TEST_MYSQL_{HOST,PORT,USER,PASSWORD,SOCKET}
#   POLCHECK_TEST_TLS_CA     the servers' self-signed certificate (CN and IP SAN 127.0.0.1);
#                            both also accept TLS (sslmode=require, tls=skip-verify)
#   POLCHECK_TEST_DB_DIR     STATE_DIR, for `stop`
# STATE_DIR defaults to a new temporary directory. `stop` kills both servers and
# removes their data directories and STATE_DIR. Starting into a STATE_DIR that
# still holds servers stops them first.
#
# Exit codes: 0 started / stopped; 1 a server could not be installed or started (the
# reason is on stderr, the server log is printed). No stdin is read (CI=true safe).
# `test-start` is `start` for the test suite: on failure it writes the reason to
# STATE_DIR/unavailable (the tests print it) and exits 77 (CTest: skipped) on a
# developer's machine, 1 under CI=true, where the databases are part of the job.
set -euo pipefail
exec </dev/null

readonly kUser=polcheck

die() {
  echo "test-databases: $*" >&2
  exit 1
}

log() {
  echo "test-databases: $*" >&2
}

# --- installation -------------------------------------------------------------------

install_packages() {
  local missing=() p
  for p in postgresql mariadb-server; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  log "installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "${missing[*]} not installed and not root (no sudo)"
    sudo="sudo -n"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || die "apt-get update failed"
  # The packages' own services may try to start (policy-rc.d permitting); we never
  # use them: our instances have their own data directories and ports.
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

pg_bindir() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
  [ -n "$initdb" ] || die "initdb not found under /usr/lib/postgresql/*/bin"
  dirname "$initdb"
}

# --- helpers ------------------------------------------------------------------------

# Runs a command as the server user (root: the given system user; otherwise as is).
as_user() {
  local user=$1
  shift
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

server_user() {  # server_user PREFERRED_SYSTEM_USER
  if [ "$(id -u)" -ne 0 ]; then
    id -un
  elif id "$1" >/dev/null 2>&1; then
    echo "$1"
  else
    die "system user '$1' is missing (it comes with the Debian package)"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port nothing listens on now (the servers retry on a lost race).
free_port() {
  local port i
  for i in $(seq 1 50); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  die "no free TCP port found"
}

random_password() {
  # 24 characters from [A-Za-z0-9]: safe in URLs, DSNs and SQL literals unquoted.
  local pw
  pw=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 24)
  echo "Pw${pw}"
}

# --- PostgreSQL ---------------------------------------------------------------------

start_postgres() {  # start_postgres WORKDIR PASSWORD -> writes WORKDIR/pg.port
  local work=$1 password=$2 bindir user data port attempt
  bindir=$(pg_bindir)
  user=$(server_user postgres)
  data="$work/pg"
  mkdir -p "$data"
  chown "$user" "$data"
  chmod 700 "$data"
  printf '%s\n' "$password" >"$work/pg.pw"
  chown "$user" "$work/pg.pw"
  as_user "$user" "$bindir/initdb" -D "$data" -U "$kUser" --pwfile="$work/pg.pw" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$work/pg-initdb.log" 2>&1 || { cat "$work/pg-initdb.log" >&2; die "initdb failed"; }
  rm -f "$work/pg.pw"
  install -o "$user" -m 600 "$work/tls.crt" "$data/server.crt"
  install -o "$user" -m 600 "$work/tls.key" "$data/server.key"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_user "$user" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 20 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$data' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key" \
      >"$work/pg-ctl.log" 2>&1; then
      echo "$port" >"$work/pg.port"
      return 0
    fi
    log "postgres did not start on port $port (attempt $attempt)"
  done
  cat "$data/server.log" "$work/pg-ctl.log" >&2 2>/dev/null || true
  die "postgres did not start"
}

stop_postgres() {  # stop_postgres WORKDIR
  local data="$1/pg" bindir user pid
  [ -f "$data/postmaster.pid" ] || return 0
  pid=$(head -n 1 "$data/postmaster.pid")
  bindir=$(pg_bindir)
  user=$(stat -c %U "$data")
  as_user "$user" "$bindir/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1 \
    || kill -9 "$pid" 2>/dev/null || true
}

# --- MariaDB ------------------------------------------------------------------------

start_mariadb() {  # start_mariadb WORKDIR PASSWORD -> writes WORKDIR/mysql.port
  local work=$1 password=$2 user data port attempt i
  user=$(server_user mysql)
  data="$work/mysql"
  mkdir -p "$data"
  chown "$user" "$data"
  chmod 700 "$data"
  # --auth-root-authentication-method=normal: root without a password, whoever runs
  # this; the root@127.0.0.1/::1/<hostname> accounts it also makes are dropped below,
  # so root is reachable only through our private socket. No anonymous users, so a
  # TCP login as 'x'@'%' is never shadowed by ''@'localhost'.
  mariadb-install-db --no-defaults --user="$user" --datadir="$data/data" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
    >"$work/mysql-install.log" 2>&1 || { cat "$work/mysql-install.log" >&2; die "mariadb-install-db failed"; }
  install -o "$user" -m 600 "$work/tls.crt" "$data/server.crt"
  install -o "$user" -m 600 "$work/tls.key" "$data/server.key"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    # --skip-name-resolve: a client on 127.0.0.1 is matched by IP (so '%'), never
    # by a reverse-resolved 'localhost'.
    as_user "$user" mariadbd --no-defaults --datadir="$data/data" --bind-address=127.0.0.1 \
      --port="$port" --socket="$data/mysql.sock" --pid-file="$data/mysqld.pid" \
      --log-error="$data/server.log" --skip-name-resolve --skip-log-bin \
      --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=0 \
      --max-connections=50 --ssl-cert="$data/server.crt" --ssl-key="$data/server.key" >/dev/null 2>&1 &
    for i in $(seq 1 100); do
      if mariadb-admin --no-defaults --socket="$data/mysql.sock" -uroot ping >/dev/null 2>&1; then
        echo "$port" >"$work/mysql.port"
        mariadb --no-defaults --socket="$data/mysql.sock" -uroot -e "
          CREATE USER '$kUser'@'%' IDENTIFIED BY '$password';
          GRANT ALL PRIVILEGES ON *.* TO '$kUser'@'%' WITH GRANT OPTION;
          DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';
          FLUSH PRIVILEGES;
          CREATE DATABASE polcheck;" || die "creating the MariaDB admin user failed"
        return 0
      fi
      if ! kill -0 $! 2>/dev/null; then
        break
      fi
      sleep 0.2
    done
    kill -9 $! 2>/dev/null || true
    log "mariadbd did not start on port $port (attempt $attempt)"
  done
  cat "$data/server.log" >&2 2>/dev/null || true
  die "mariadbd did not start"
}

stop_mariadb() {  # stop_mariadb WORKDIR
  local data="$1/mysql" pid i
  [ -f "$data/mysqld.pid" ] || return 0
  pid=$(cat "$data/mysqld.pid")
  kill -9 "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

# --- commands -----------------------------------------------------------------------

cmd_stop() {  # cmd_stop STATE_DIR
  local state=$1 work
  [ -d "$state" ] || return 0
  if [ -f "$state/workdir" ]; then
    work=$(cat "$state/workdir")
    case "$work" in
      */polcheck-testdb.*) ;;
      *) die "refusing to remove '$work' (not a test-databases work directory)" ;;
    esac
    if [ -d "$work" ]; then
      stop_postgres "$work"
      stop_mariadb "$work"
      rm -rf "$work"
    fi
  fi
  rm -f "$state/workdir" "$state/env.sh" "$state/unavailable"
  rmdir "$state" 2>/dev/null || true
}

cmd_start() {  # cmd_start [STATE_DIR]
  local state=${1:-} work pg_pw my_pw pg_port my_port rc_pg=0 rc_my=0
  if [ -z "$state" ]; then
    state=$(mktemp -d "${TMPDIR:-/tmp}/polcheck-testdb-state.XXXXXX")
  fi
  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  cmd_stop "$state"
  mkdir -p "$state"
  install_packages
  # The data live in a fresh world-traversable directory so the server users can
  # reach them wherever STATE_DIR is (a root-only build tree, say).
  work=$(mktemp -d "${TMPDIR:-/tmp}/polcheck-testdb.XXXXXX")
  chmod 755 "$work"
  echo "$work" >"$state/workdir"
  # One self-signed certificate for 127.0.0.1 serves both (TLS tests; also the CA).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1 || die "openssl could not make a certificate"
  pg_pw=$(random_password)
  my_pw=$(random_password)
  # Both servers start at once (initdb and mariadb-install-db take a few seconds each).
  start_postgres "$work" "$pg_pw" &
  local pg_job=$!
  start_mariadb "$work" "$my_pw" &
  local my_job=$!
  wait "$pg_job" || rc_pg=$?
  wait "$my_job" || rc_my=$?
  if [ "$rc_pg" -ne 0 ] || [ "$rc_my" -ne 0 ]; then
    cmd_stop "$state"
    die "could not start the test databases (postgres: $rc_pg, mariadb: $rc_my)"
  fi
  pg_port=$(cat "$work/pg.port")
  my_port=$(cat "$work/mysql.port")
  cat >"$state/env.sh" <<EOF
export POLCHECK_TEST_DB_DIR='$state'
export POLCHECK_TEST_PG_HOST='127.0.0.1'
export POLCHECK_TEST_PG_PORT='$pg_port'
export POLCHECK_TEST_PG_USER='$kUser'
export POLCHECK_TEST_PG_PASSWORD='$pg_pw'
export POLCHECK_TEST_PG_URL='postgres://$kUser:$pg_pw@127.0.0.1:$pg_port/postgres?sslmode=disable'
export POLCHECK_TEST_MYSQL_HOST='127.0.0.1'
export POLCHECK_TEST_MYSQL_PORT='$my_port'
export POLCHECK_TEST_MYSQL_USER='$kUser'
export POLCHECK_TEST_MYSQL_PASSWORD='$my_pw'
export POLCHECK_TEST_MYSQL_SOCKET='$work/mysql/mysql.sock'
export POLCHECK_TEST_MYSQL_URL='$kUser:$my_pw@tcp(127.0.0.1:$my_port)/'
export POLCHECK_TEST_TLS_CA='$work/tls.crt'
EOF
  cat "$state/env.sh"
}

cmd_test_start() {  # cmd_test_start STATE_DIR
  local state=$1 log
  mkdir -p "$state"
  log="$state/start.log"  # kept by cmd_start's own clean-up; `stop` removes it
  rm -f "$state/unavailable"
  if (cmd_start "$state") 2>"$log"; then
    cat "$log" >&2 || true
    return 0
  fi
  cat "$log" >&2 || true
  mkdir -p "$state"
  grep '^test-databases:' "$log" | tail -n 2 | paste -sd ';' >"$state/unavailable" || true
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: the test databases could not be started (CI=true)" >&2
    exit 1
  fi
  echo "SKIP: the test databases could not be started; the SQL server tests skip" >&2
  exit 77
}

case "${1:-}" in
  install) install_packages ;;
  start) cmd_start "${2:-}" ;;
  test-start)
    [ -n "${2:-}" ] || die "test-start: give STATE_DIR"
    cmd_test_start "$2"
    ;;
  stop)
    state=${2:-${POLCHECK_TEST_DB_DIR:-}}
    [ -n "$state" ] || die "stop: give STATE_DIR or set POLCHECK_TEST_DB_DIR"
    cmd_stop "$state"
    rm -f "$state/start.log"
    rmdir "$state" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 start [STATE_DIR] | stop [STATE_DIR] | test-start STATE_DIR | install" >&2
    exit 2
    ;;
esac
