#!/usr/bin/env bash
# Failover, measured (issue 5): web-01 (active) and web-02 (backup) are two
# separate nginx processes on loopback; each contender balances 20 keep-alive
# connections of failover_load over them while web-01 fails mid-run and comes
# back. Contenders: HAProxy with its default check timings, HAProxy tuned
# (fastinter, downinter, observe … on-error mark-down), `loadstar proxy` with
# its defaults and `loadstar proxy` with the tuned HAProxy's timings.
# Two variants: web-01 crashes (SIGKILL of its whole process group, restarted
# later) and web-01 hangs (SIGSTOP, SIGCONT later). Prints per run the
# requests, failed requests, the time until all traffic is on web-02, the time
# to fail back and the worst latency, then a table per variant and the goal.
# Loopback only, bounded (about 2.5 minutes); installs haproxy and nginx-light
# with apt-get when they are missing.
#   tests/benchmarks/failover/run.sh [BUILD_DIR] [TIMELINE_DIR]
# TIMELINE_DIR keeps each run's 100 ms timeline (responses per server,
# failures). LOADSTAR_CMD replaces "BUILD_DIR/bin/loadstar proxy".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../../../build}
timelines=${2:-}
[[ -z $timelines ]] || mkdir -p "$timelines"
# shellcheck source-path=SCRIPTDIR source=../lib/bench.sh
source "$here/../lib/bench.sh"

connections=20
duration=18    # s, each run
fail_at=3      # s, web-01 killed or stopped
recover_at=13  # s, restarted or continued: 10 s down, long enough for HAProxy's default timings to give up on it
limit=5        # s, a request that takes longer counts as failed
hang_timeout=2 # s, `timeout server` of the hang variant: how long a request to a stopped server waits

install_missing haproxy:haproxy nginx:nginx-light ss:iproute2 ps:procps
web1=18381; web2=18382
declare -A port_of=([haproxy-default]=18390 [haproxy-tuned]=18391 [loadstar]=18392 [loadstar-default]=18393)
require_free_ports $web1 $web2 "${port_of[@]}"
contenders=(haproxy-default haproxy-tuned loadstar-default loadstar)
loadstar_cmd=${LOADSTAR_CMD:-$build/bin/loadstar proxy}

load=$(client_binary "$build" failover_load "$here/failover_load.cpp")
[[ -n $load ]] || { echo "run.sh: no $build/bin/failover_load and ${CXX:-c++} could not build it:"; head -n 5 "$work/failover_load.cxx.log"; exit 1; }

# --- web-01 and web-02 ---------------------------------------------------------
# Each its own nginx master and worker, in a process group of its own, so that
# web-01 can crash or hang as a whole (kill -9 / kill -STOP of the group), as a
# real server would, without touching web-02. The group is read from nginx's
# pid file because web-01 is restarted by failover_load, not by this script.
declare -A group=() # web-01, web-02 -> process group id
for name in web-01 web-02; do
    port=$([[ $name == web-01 ]] && echo $web1 || echo $web2)
    cat >"$work/$name.conf" <<NGINX
daemon off; worker_processes 1; pid $work/$name.pid; error_log $work/$name.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000000; keepalive_timeout 300s;
  client_body_temp_path $work/$name-body;
  server { listen 127.0.0.1:$port;
    location / { add_header X-Served-By $name always; return 200 "$name\n"; } } }
NGINX
done
nginx_command() { # NAME — starts it in a new process group; for this shell and for failover_load's sh
    echo "setsid nginx -e $work/$1.err -c $work/$1.conf >>$work/$1.log 2>&1 </dev/null &"
}
end_backend() { # NAME — continue it if stopped, then kill the whole group
    local pgid=${group[$1]:-} i
    [[ -n $pgid ]] || return 0
    kill -CONT -- "-$pgid" 2>/dev/null || true
    kill -KILL -- "-$pgid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.02; done
    unset "group[$1]"
}
end_backends() { end_backend web-01; end_backend web-02; }
cleanup_hooks+=(end_backends)
adopt_backend() { # NAME PORT — waits until it listens, then records its process group
    local i pid
    for ((i = 0; i < 100; i++)); do
        if listening "$2" && pid=$(cat "$work/$1.pid" 2>/dev/null) && [[ -n $pid ]]; then
            group[$1]=$(ps -o pgid= -p "$pid" | tr -d ' ')
            [[ -n ${group[$1]} && ${group[$1]} != "$(ps -o pgid= -p $$ | tr -d ' ')" ]] && return 0
            echo "run.sh: $1 is not in a process group of its own"; exit 1
        fi
        sleep 0.05
    done
    echo "run.sh: $1 is not listening on 127.0.0.1:$2; its output:"; tail -n 20 "$work/$1.err" "$work/$1.log" 2>/dev/null
    exit 1
}
start_backend() { # NAME PORT
    end_backend "$1"
    rm -f "$work/$1.pid"
    eval "$(nginx_command "$1")"
    disown "$!" # ended by its group, and no "Killed" notice from bash when it is
    adopt_backend "$1" "$2"
}
backend_alive() { # NAME
    [[ -n ${group[$1]:-} ]] && kill -0 -- "-${group[$1]}" 2>/dev/null
}

# --- contenders ------------------------------------------------------------------
haproxy_config() { # FLAVOUR VARIANT
    local observe=layer4 server_timeout=50s
    [[ $2 == hang ]] && { observe=layer7; server_timeout=${hang_timeout}s; }
    cat <<HAPROXY
global
    nbthread 1
defaults
    mode http
    timeout connect 5s
    timeout client 50s
    timeout server $server_timeout
    retries 3
    option redispatch
listen failover
    bind 127.0.0.1:${port_of[haproxy-$1]}
HAPROXY
    [[ $2 == hang ]] && echo "    option httpchk GET /"
    [[ $1 == tuned ]] && echo "    default-server inter 1s fastinter 250ms downinter 500ms observe $observe error-limit 1 on-error mark-down"
    echo "    server web-01 127.0.0.1:$web1 check"
    echo "    server web-02 127.0.0.1:$web2 check backup"
}
loadstar_arguments() { # NAME VARIANT — loadstar-default: only what the variant needs, as haproxy-default
    local check=tcp
    [[ $2 == hang ]] && check=http:/
    echo "--from 127.0.0.1:${port_of[$1]} --to 127.0.0.1:$web1 --backup 127.0.0.1:$web2 --check $check" \
        "$([[ $1 == loadstar ]] && echo "--inter 1s --fastinter 250ms --downinter 500ms --rise 2 --fall 3")" \
        "$([[ $1 == loadstar && $2 == hang ]] && echo "--observe layer7")" \
        "$([[ $2 == hang ]] && echo "--timeout-server ${hang_timeout}s")"
}
start_contender() { # NAME VARIANT — 0 when it listens; otherwise prints why in the row and returns 1
    local name=$1 rc
    if [[ $name == haproxy-* ]]; then
        haproxy_config "${name#haproxy-}" "$2" >"$work/$name.cfg"
        start "$name" "${port_of[$name]}" haproxy -f "$work/$name.cfg"
        return 0
    fi
    # shellcheck disable=SC2046,SC2086 # LOADSTAR_CMD is a command and its first arguments
    try_start "$name" "${port_of[$name]}" $loadstar_cmd $(loadstar_arguments "$name" "$2") && return 0
    rc=0; wait "${proc[$name]}" 2>/dev/null || rc=$?
    unset "proc[$name]"
    if ((rc == 2)); then
        reason="$name: health-check flags not available in this build ($(grep -m 1 . "$work/$name.log"))"
    else
        reason="$name: did not start (exit $rc): $(tail -n 1 "$work/$name.log" 2>/dev/null)"
    fi
    return 1
}

# --- runs ------------------------------------------------------------------------
declare -A result=() # VARIANT,CONTENDER -> failover_load's result line, or why there is none
run_scenario() { # VARIANT CONTENDER
    local variant=$1 name=$2 fail recover signal="exec /bin/kill -s" # procps' kill: dash's cannot signal a group
    start_backend web-01 $web1
    backend_alive web-02 || start_backend web-02 $web2
    reason=
    if ! start_contender "$name" "$variant"; then
        result[$variant,$name]="skip $reason"
        printf '  %-16s %s\n' "$name" "$reason"
        return
    fi
    if [[ $variant == kill ]]; then
        fail="$signal KILL -- -${group[web-01]}"; recover=$(nginx_command web-01)
    else
        fail="$signal STOP -- -${group[web-01]}"; recover="$signal CONT -- -${group[web-01]}"
    fi
    local timeline=()
    [[ -z $timelines ]] || timeline=(--timeline "$timelines/$variant-$name.txt")
    "$load" --connections $connections --duration ${duration}s --limit ${limit}s \
        --fail-at ${fail_at}s "$fail" --recover-at ${recover_at}s "$recover" "${timeline[@]}" \
        "127.0.0.1:${port_of[$name]}" >"$work/load.out" 2>&1 &
    proc[load]=$!
    wait "${proc[load]}" || true
    unset "proc[load]"
    [[ $variant == kill ]] && adopt_backend web-01 $web1 # the one failover_load started
    kill -0 "${proc[$name]}" 2>/dev/null || echo "  $name died during the run; its output: $(tail -n 3 "$work/$name.log")"
    stop "$name"
    result[$variant,$name]=$(grep -m 1 '^result ' "$work/load.out" || echo "skip failover_load failed: $(tail -n 1 "$work/load.out")")
    sed "s/^failover_load:/  $name:/; /^result /d; s|$work/||g" "$work/load.out"
}
field() { # RESULT KEY
    tr ' ' '\n' <<<"$1" | awk -F= -v key="$2" '$1 == key {print $2}'
}
print_table() { # VARIANT
    local variant=$1 name r never
    never="> $((recover_at - fail_at)).0"
    printf '%-16s %9s %7s %22s %10s %11s %9s\n' contender requests failed "(status/closed/timeout)" "switch s" "failback s" "max ms"
    for name in "${contenders[@]}"; do
        r=${result[$variant,$name]:-skip not run}
        if [[ $r == skip* ]]; then
            printf '%-16s %s\n' "$name" "${r#skip }"
            continue
        fi
        local switch failback
        switch=$(field "$r" switch); failback=$(field "$r" failback)
        [[ $switch == - ]] && switch=$never
        [[ $failback == - ]] && failback="> $((duration - recover_at)).0"
        (($(field "$r" backup_while_down))) || failback="n/a" # web-02 never took over: nothing to fail back
        printf '%-16s %9s %7s %22s %10s %11s %9s%s\n' "$name" "$(field "$r" requests)" "$(field "$r" failed)" \
            "($(field "$r" status)/$(field "$r" closed)/$(field "$r" timeout))" "$switch" "$failback" "$(field "$r" max_ms)" \
            "$( (($(field "$r" events_ok))) || echo "  (a kill/restart command failed)")"
    done
}
goal_line() { # VARIANT MAX_FAILED MAX_SWITCH_S
    local r=${result[$1,loadstar]:-skip} verdict
    if [[ $r == skip* ]]; then
        verdict="not measured"
    else
        verdict=$(awk -v f="$(field "$r" failed)" -v s="$(field "$r" switch)" -v b="$(field "$r" failback)" \
            -v mf="$2" -v ms="$3" 'BEGIN {print (f <= mf && s != "-" && s <= ms && b != "-" && b <= 2.0) ? "met" : "MISSED"}')
    fi
    echo "$verdict"
}

echo "failover: $(date -u '+%F %H:%M UTC'), $(nproc) cores, load average $(load_average)"
echo "  $(haproxy -v | head -n 1 | cut -d' ' -f1-3), $(nginx -v 2>&1 | cut -d' ' -f3), Loadstar: $loadstar_cmd"
echo "  $connections keep-alive connections, ${duration} s per run: web-01 fails at ${fail_at} s and comes back at ${recover_at} s;"
echo "  a request fails on a non-2xx status, a connection closed or reset before the whole response, or after ${limit} s"
start_backend web-02 $web2
variants=(kill hang)
for variant in "${variants[@]}"; do
    echo
    if [[ $variant == kill ]]; then
        echo "== crash: web-01's nginx (master and worker) SIGKILLed at ${fail_at} s, started again at ${recover_at} s; TCP checks"
    else
        echo "== hang: web-01's nginx SIGSTOPped at ${fail_at} s, SIGCONTed at ${recover_at} s; HTTP checks, timeout server ${hang_timeout} s"
    fi
    for name in "${contenders[@]}"; do run_scenario "$variant" "$name"; done
done

echo
echo "== summary (switch: from the failure to the end of the first 100 ms window that served >= 25 % of the"
echo "   pre-failure rate, all from web-02, after which nothing failed or came from web-01 until web-01 came back;"
echo "   failback: from web-01's return to the end of the first 100 ms window from which web-01 served >= 90 %"
echo "   of every window; max ms: the slowest request that ended after the failure)"
for variant in "${variants[@]}"; do
    echo
    if [[ $variant == kill ]]; then
        echo "crash (SIGKILL at ${fail_at} s, restart at ${recover_at} s)"
        print_table kill
        echo "goal: Loadstar 0 failed, switch <= 1.0 s, failback <= 2.0 s: $(goal_line kill 0 1.0)"
    else
        echo "hang (SIGSTOP at ${fail_at} s, SIGCONT at ${recover_at} s, timeout server ${hang_timeout} s)"
        print_table hang
        echo "goal: Loadstar failed only the $connections requests in flight at the stop, switch <= $((1 + hang_timeout)).0 s" \
            "(1 s + timeout server), failback <= 2.0 s: $(goal_line hang $connections $((1 + hang_timeout)))"
    fi
done
echo "(load average at the end: $(load_average); above 2 on a 2-core machine, something else competed)"
