#!/usr/bin/env bash
# The demo backends' SQL client, measured (issue 16): starts a throwaway
# MariaDB (tests/db/cluster.sh, free loopback ports) with the demo schema
# and its application user, then runs sql_client_benchmark against it:
# the non-blocking client on one Asio thread against worker threads with the
# blocking API, reads and writes at 1, 8 and 32 queries in flight, each the
# median of 3 alternating runs. Bounded (about two minutes); everything it
# starts stops on exit.
#   tests/benchmarks/database/run.sh [BUILD_DIR] [SECONDS_PER_RUN] [BENCHMARK_OPTIONS…]
# Build first: cmake -B build -DLOADSTAR_BUILD_BENCHMARKS=ON &&
#   cmake --build build --target sql_client_benchmark
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../../../build}
seconds=${2:-2}
shift $(($# < 2 ? $# : 2))
cluster=$here/../../db/cluster.sh
# shellcheck source-path=SCRIPTDIR source=../lib/bench.sh
source "$here/../lib/bench.sh"
install_missing ss:iproute2 mariadbd:mariadb-server
[[ -x $build/bin/sql_client_benchmark ]] || { echo "run.sh: no $build/bin/sql_client_benchmark: build it first"; exit 1; }

free_port() { # a port nothing listens on and no other call returned
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        ! listening "$port" && [[ " ${taken[*]:-} " != *" $port "* ]] && break
    done
    echo "$port"
}
taken=()
for name in MARIADB_PRIMARY MARIADB_REPLICA PG_PRIMARY PG_REPLICA; do
    port=$(free_port); taken+=("$port")
    export "LOADSTAR_${name}_PORT=$port"
done
dir=$work/cluster
cleanup_hooks+=("$cluster stop $dir")
"$cluster" start "$dir" >/dev/null

password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
"$cluster" sql "$dir" mariadb-primary "
    CREATE DATABASE loadstar_demo;
    CREATE TABLE loadstar_demo.visits (id BIGINT UNSIGNED PRIMARY KEY, client VARCHAR(64) NOT NULL,
        path VARCHAR(64) NOT NULL, backend VARCHAR(64) NOT NULL,
        written_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) ENGINE=InnoDB;
    CREATE USER 'loadstar_app'@'127.0.0.1' IDENTIFIED BY '$password';
    GRANT SELECT, INSERT ON loadstar_demo.visits TO 'loadstar_app'@'127.0.0.1';"

"$build/bin/sql_client_benchmark" --port "$LOADSTAR_MARIADB_PRIMARY_PORT" --password "$password" --seconds "$seconds" "$@"
