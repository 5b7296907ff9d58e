# shellcheck shell=bash
# Shared by the benchmarks' run.sh scripts (sourced, after `set -euo pipefail`):
# missing tools installed with apt-get, free ports, a work directory, the
# processes a script starts and their cleanup on exit or Ctrl-C.
#   source "$here/../lib/bench.sh"
# Defines $work (removed on exit), proc[NAME]=PID for every process still
# running, and cleanup_hooks (commands the cleanup runs first, e.g. to end
# processes that are not the script's children).
export PATH=$PATH:/usr/sbin:/sbin # haproxy and nginx live there; not on a user's PATH on Debian

install_missing() { # COMMAND:PACKAGE… — installs the packages whose command is missing
    local missing=() pair sudo=()
    for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}"); done
    ((${#missing[@]})) || return 0
    ((EUID == 0)) || sudo=(sudo)
    echo "run.sh: installing ${missing[*]} with apt-get"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

listening() { ss -Hltn "( sport = :$1 )" | grep -q .; }
require_free_ports() { # PORT…
    local port
    for port in "$@"; do
        ! listening "$port" || { echo "run.sh: port $port is already in use on this machine"; exit 1; }
    done
}

work=$(mktemp -d); chmod 755 "$work"
declare -A proc=() # name -> pid of every process still running
cleanup_hooks=()
cleanup() {
    trap - EXIT INT TERM
    local pid hook
    for hook in "${cleanup_hooks[@]}"; do $hook || true; done
    for pid in "${proc[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${proc[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "run.sh: interrupted"; exit 130' INT
trap 'exit 143' TERM

stop() { # NAME
    local pid=${proc[$1]:-}
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    unset "proc[$1]"
}
try_start() { # NAME PORT COMMAND… — starts it and waits until PORT listens; 1 if it never does
    local name=$1 port=$2 i; shift 2
    "$@" >"$work/$name.log" 2>&1 &
    proc[$name]=$!
    for ((i = 0; i < 100; i++)); do
        listening "$port" && return 0
        kill -0 "${proc[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}
start() { # NAME PORT COMMAND… — as try_start, or stop here
    try_start "$@" && return 0
    echo "run.sh: $1 is not listening on 127.0.0.1:$2; its output:"; tail -n 20 "$work/$1.log"
    exit 1
}
alive() { # NAME — or stop here: a dead backend would make every later figure meaningless
    kill -0 "${proc[$1]}" 2>/dev/null || { echo "run.sh: $1 has died; its output:"; tail -n 20 "$work/$1.log"; exit 1; }
}

client_binary() { # BUILD_DIR NAME SOURCE — BUILD_DIR/bin/NAME, or compiled into $work; empty when it can't be
    if [[ -x $1/bin/$2 ]]; then
        echo "$1/bin/$2"
    elif "${CXX:-c++}" -std=c++20 -O2 -o "$work/$2" "$3" 2>"$work/$2.cxx.log"; then
        echo "$work/$2"
    fi
}

load_average() { cut -d' ' -f1-3 /proc/loadavg; }
