#!/usr/bin/env bash
# A throwaway database cluster on loopback for the database probe tests:
# a MariaDB primary and its replica (GTID replication), and a PostgreSQL 15
# primary with a streaming replica. Everything lives in DIR; nothing touches
# the system's own database services, ports or data.
#
#   tests/db/cluster.sh start DIR            start all four, verify replication
#   tests/db/cluster.sh stop DIR [INSTANCE]  stop all, or one of
#                                            mariadb-primary, mariadb-replica,
#                                            pg-primary, pg-replica
#   tests/db/cluster.sh status DIR           which instances run, on which port
#   tests/db/cluster.sh sql DIR INSTANCE SQL [DATABASE]
#                                            run SQL as the administrator (root,
#                                            postgres) over the instance's socket
#   tests/db/cluster.sh pid DIR INSTANCE     the server process's id (for SIGSTOP,
#                                            SIGKILL); fails when it is not running
#
# Ports (loopback only), from the environment at start:
#   LOADSTAR_MARIADB_PRIMARY_PORT (13306)  LOADSTAR_MARIADB_REPLICA_PORT (13307)
#   LOADSTAR_PG_PRIMARY_PORT (15432)       LOADSTAR_PG_REPLICA_PORT (15433)
#
# Credentials: the probe user "loadstar" gets a fresh random password each
# start, written only to DIR/loadstar.cnf (a MariaDB option file) and
# DIR/pgpass (a PostgreSQL passfile), both mode 0600. Documents name these
# files; they never hold a password.
#
# PostgreSQL refuses to run as root, so when started by root (CI) its
# instances run as the "postgres" system user.
set -euo pipefail

PG_BIN=${LOADSTAR_PG_BIN:-/usr/lib/postgresql/15/bin}
WAIT_SECONDS=60 # every wait below gives up after this long

usage() {
    echo "usage: $0 start|stop|status DIR [INSTANCE] | sql DIR INSTANCE SQL [DATABASE] | pid DIR INSTANCE" >&2
    exit 2
}

[[ $# -ge 2 ]] || usage
command=$1
dir=$(realpath -m "$2")
instance=${3:-}

log() { echo "cluster.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Runs a PostgreSQL program as the user that owns the PostgreSQL data.
as_pg() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

mariadb_sql() { # instance, SQL [database]
    mariadb --no-defaults --user=root --socket="$dir/$1.sock" --batch --skip-column-names ${3:+"--database=$3"} -e "$2"
}

pg_sql() { # instance, SQL [database]
    as_pg "$PG_BIN/psql" -X -q -At -h "$dir/$1" -p "$(pg_port "$1")" -U postgres \
        -d "${3:-postgres}" -c "$2"
}

pg_port() {
    if [[ $1 == pg-primary ]]; then echo "$PG_PRIMARY_PORT"; else echo "$PG_REPLICA_PORT"; fi
}

load_env() {
    [[ -f "$dir/cluster.env" ]] || die "$dir has no cluster (no cluster.env)"
    # shellcheck source=/dev/null
    source "$dir/cluster.env"
}

pid_of() { # instance → pid, empty when not running
    local file
    case $1 in
        mariadb-*) file="$dir/$1.pid" ;;
        pg-*) file="$dir/$1/data/postmaster.pid" ;;
    esac
    [[ -f "$file" ]] || return 0
    local pid
    pid=$(head -n 1 "$file")
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        echo "$pid"
    fi
}

# Waits for `$@` to succeed, up to WAIT_SECONDS.
wait_for() {
    local what=$1
    shift
    local deadline=$((SECONDS + WAIT_SECONDS))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "gave up after ${WAIT_SECONDS}s waiting for $what"
        sleep 0.2
    done
}

# Whether a query (`$@`) returns the row written on the primary.
replicated() {
    [[ "$("$@" 2>/dev/null)" == "written on the primary" ]]
}

start_mariadb() { # instance, port, server-id, extra options…
    local name=$1 port=$2 id=$3
    shift 3
    local user=()
    [[ $EUID -eq 0 ]] && user=(--user=root)
    mariadbd --no-defaults "${user[@]}" \
        --datadir="$dir/$name" --socket="$dir/$name.sock" --pid-file="$dir/$name.pid" \
        --log-error="$dir/$name.err" --port="$port" --bind-address=127.0.0.1 \
        --server-id="$id" --skip-name-resolve --performance-schema=OFF \
        --innodb-buffer-pool-size=16M --innodb-log-file-size=8M --innodb-flush-log-at-trx-commit=2 \
        "$@" </dev/null >/dev/null 2>&1 &
    wait_for "$name to accept connections (see $dir/$name.err)" mariadb_sql "$name" "SELECT 1"
}

start() {
    command -v mariadbd >/dev/null || die "mariadbd not found: install mariadb-server"
    [[ -x "$PG_BIN/initdb" ]] || die "$PG_BIN/initdb not found: install postgresql"
    [[ ! -f "$dir/cluster.env" ]] || die "$dir already holds a cluster: stop it first"
    # A start that fails half way leaves nothing running.
    trap 'if [[ $? -ne 0 && -f "$dir/cluster.env" ]]; then instance=; stop; fi' EXIT
    mkdir -p "$dir"
    # PostgreSQL runs as "postgres" under root: it must reach its directories.
    chmod 0711 "$dir"

    local password
    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    cat >"$dir/cluster.env" <<EOF
MARIADB_PRIMARY_PORT=${LOADSTAR_MARIADB_PRIMARY_PORT:-13306}
MARIADB_REPLICA_PORT=${LOADSTAR_MARIADB_REPLICA_PORT:-13307}
PG_PRIMARY_PORT=${LOADSTAR_PG_PRIMARY_PORT:-15432}
PG_REPLICA_PORT=${LOADSTAR_PG_REPLICA_PORT:-15433}
EOF
    load_env
    (umask 077
     printf '[client]\nuser=loadstar\npassword=%s\n' "$password" >"$dir/loadstar.cnf"
     printf '127.0.0.1:*:*:loadstar:%s\n' "$password" >"$dir/pgpass")

    # MariaDB: one system database, copied for the replica (faster than two
    # installs); both start with empty binary logs, so the replica replays
    # everything the primary does from here on.
    mariadb-install-db --no-defaults --datadir="$dir/mariadb-primary" --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve $([[ $EUID -eq 0 ]] && echo --user=root) \
        >"$dir/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: see $dir/mariadb-install.log"
    cp -a "$dir/mariadb-primary" "$dir/mariadb-replica"
    start_mariadb mariadb-primary "$MARIADB_PRIMARY_PORT" 1 --log-bin=mariadb-bin --binlog-format=ROW
    start_mariadb mariadb-replica "$MARIADB_REPLICA_PORT" 2 --read-only=ON --relay-log=relay-bin
    mariadb_sql mariadb-primary "
        CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl-$password';
        GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
        CREATE USER 'loadstar'@'127.0.0.1' IDENTIFIED BY '$password';
        GRANT BINLOG MONITOR, SLAVE MONITOR, PROCESS ON *.* TO 'loadstar'@'127.0.0.1';
        CREATE DATABASE loadstar_test;
        GRANT ALL ON loadstar_test.* TO 'loadstar'@'127.0.0.1';
        CREATE TABLE loadstar_test.replicated (id INT PRIMARY KEY, note VARCHAR(64));"
    mariadb_sql mariadb-replica "
        CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MARIADB_PRIMARY_PORT,
            MASTER_USER='repl', MASTER_PASSWORD='repl-$password',
            MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos;
        START SLAVE;"
    mariadb_sql mariadb-primary "INSERT INTO loadstar_test.replicated VALUES (1, 'written on the primary')"
    wait_for "the MariaDB replica to replicate a row" replicated mariadb_sql mariadb-replica \
        "SELECT note FROM loadstar_test.replicated WHERE id = 1"

    # PostgreSQL: a primary, then a streaming replica made with pg_basebackup.
    install -d -m 0700 "$dir/pg-primary"
    [[ $EUID -ne 0 ]] || chown postgres: "$dir/pg-primary"
    as_pg "$PG_BIN/initdb" -D "$dir/pg-primary/data" -U postgres -E UTF8 --no-sync \
        --auth-local=trust --auth-host=scram-sha-256 >"$dir/pg-initdb.log" 2>&1 \
        || die "initdb failed: see $dir/pg-initdb.log"
    as_pg tee -a "$dir/pg-primary/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PRIMARY_PORT
unix_socket_directories = '$dir/pg-primary'
fsync = off
shared_buffers = 16MB
EOF
    as_pg "$PG_BIN/pg_ctl" start -w -t "$WAIT_SECONDS" -D "$dir/pg-primary/data" \
        -l "$dir/pg-primary/server.log" >/dev/null || die "PostgreSQL primary did not start: see $dir/pg-primary/server.log"
    pg_sql pg-primary "CREATE ROLE loadstar LOGIN PASSWORD '$password'" >/dev/null
    pg_sql pg-primary "GRANT pg_monitor TO loadstar" >/dev/null # WAL receiver status on a standby
    pg_sql pg-primary "CREATE TABLE replicated (id int PRIMARY KEY, note text)" >/dev/null
    pg_sql pg-primary "GRANT SELECT ON replicated TO loadstar" >/dev/null

    install -d -m 0700 "$dir/pg-replica"
    [[ $EUID -ne 0 ]] || chown postgres: "$dir/pg-replica"
    as_pg "$PG_BIN/pg_basebackup" -h "$dir/pg-primary" -p "$PG_PRIMARY_PORT" -U postgres \
        -D "$dir/pg-replica/data" -R -X stream -c fast --no-sync >/dev/null 2>&1 \
        || die "pg_basebackup failed"
    as_pg tee -a "$dir/pg-replica/data/postgresql.conf" >/dev/null <<EOF
port = $PG_REPLICA_PORT
unix_socket_directories = '$dir/pg-replica'
EOF
    as_pg "$PG_BIN/pg_ctl" start -w -t "$WAIT_SECONDS" -D "$dir/pg-replica/data" \
        -l "$dir/pg-replica/server.log" >/dev/null || die "PostgreSQL replica did not start: see $dir/pg-replica/server.log"
    pg_sql pg-primary "INSERT INTO replicated VALUES (1, 'written on the primary')" >/dev/null
    wait_for "the PostgreSQL replica to replicate a row" replicated pg_sql pg-replica \
        "SELECT note FROM replicated WHERE id = 1"

    status
}

stop_instance() {
    local name=$1 pid
    pid=$(pid_of "$name")
    [[ -n "$pid" ]] || return 0
    case $name in
        mariadb-*) kill -TERM "$pid" 2>/dev/null || true ;;
        pg-*) as_pg "$PG_BIN/pg_ctl" stop -m immediate -w -t "$WAIT_SECONDS" -D "$dir/$name/data" >/dev/null 2>&1 || true ;;
    esac
    local deadline=$((SECONDS + WAIT_SECONDS))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            log "$name (pid $pid) did not stop in ${WAIT_SECONDS}s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        sleep 0.1
    done
}

stop() {
    load_env
    local all=(pg-replica pg-primary mariadb-replica mariadb-primary)
    if [[ -n "$instance" ]]; then
        [[ " ${all[*]} " == *" $instance "* ]] || die "unknown instance “$instance” (one of ${all[*]})"
        stop_instance "$instance"
        return
    fi
    for name in "${all[@]}"; do
        stop_instance "$name"
    done
}

status() {
    load_env
    local name port pid
    for name in mariadb-primary mariadb-replica pg-primary pg-replica; do
        case $name in
            mariadb-primary) port=$MARIADB_PRIMARY_PORT ;;
            mariadb-replica) port=$MARIADB_REPLICA_PORT ;;
            pg-primary) port=$PG_PRIMARY_PORT ;;
            pg-replica) port=$PG_REPLICA_PORT ;;
        esac
        pid=$(pid_of "$name")
        if [[ -n "$pid" ]]; then
            echo "$name 127.0.0.1:$port running (pid $pid)"
        else
            echo "$name 127.0.0.1:$port stopped"
        fi
    done
}

known_instance() {
    case $1 in
        mariadb-primary | mariadb-replica | pg-primary | pg-replica) ;;
        *) die "unknown instance “$1” (one of mariadb-primary mariadb-replica pg-primary pg-replica)" ;;
    esac
}

sql() { # SQL [database]
    load_env
    known_instance "$instance"
    case $instance in
        mariadb-*) mariadb_sql "$instance" "$@" ;;
        pg-*) pg_sql "$instance" "$@" ;;
    esac
}

pid() {
    load_env
    known_instance "$instance"
    local pid
    pid=$(pid_of "$instance")
    [[ -n "$pid" ]] || die "$instance is not running"
    echo "$pid"
}

case $command in
    start) start ;;
    stop) stop ;;
    status) status ;;
    sql) [[ $# -ge 4 ]] || usage; sql "${@:4}" ;;
    pid) [[ -n "$instance" ]] || usage; pid ;;
    *) usage ;;
esac
