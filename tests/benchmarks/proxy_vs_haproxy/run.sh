#!/usr/bin/env bash
# Loadstar's proxy against HAProxy, HTTP mode: two nginx backends on loopback;
# HAProxy (nbthread N, roundrobin, http-reuse safe, option forwardfor) and
# `loadstar proxy` (--threads N) in front of them; wrk runs alternated
# HAProxy, Loadstar, HAProxy, Loadstar… for several rounds in three rows
# (1 thread/50 connections, 1 thread/1000 connections, 2 threads/100
# connections), then each proxy's memory per idle connection at ~10,000
# connections. Prints every run, medians and the Loadstar/HAProxy ratios.
# Loopback only, bounded (about 2 minutes with the defaults); installs
# haproxy, nginx-light and wrk with apt-get when they are missing.
#   tests/benchmarks/proxy_vs_haproxy/run.sh BUILD_DIR [ROUNDS] [SECONDS]
# LOADSTAR_CMD replaces "BUILD_DIR/bin/loadstar proxy" (it is given --from,
# --to…, --threads and must exec the proxy itself); without it and without a
# `proxy` verb in BUILD_DIR/bin/loadstar, only HAProxy and nginx are measured.
set -euo pipefail
usage="usage: run.sh BUILD_DIR [ROUNDS] [SECONDS]"
build=${1:?$usage}
rounds=${2:-3}; seconds=${3:-5}
[[ $rounds =~ ^[1-9][0-9]*$ && $seconds =~ ^[1-9][0-9]*$ ]] || { echo "$usage"; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/bench.sh
source "$here/../lib/bench.sh"

# --- tools -------------------------------------------------------------------
install_missing haproxy:haproxy nginx:nginx-light wrk:wrk ss:iproute2

# --- ports, file descriptors -------------------------------------------------
nginx_a=18281; nginx_b=18282; haproxy_port=18290; loadstar_port=18291
require_free_ports $nginx_a $nginx_b $haproxy_port $loadstar_port
hard=$(ulimit -Hn); [[ $hard == unlimited ]] && hard=1048576
ulimit -n "$hard" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
fds=$(ulimit -n)
# HAProxy reserves two descriptors per maxconn (client and server side) and
# refuses to start when the limit is below that, so maxconn, and therefore the
# number of idle connections it can hold, is bounded by half the fd limit.
maxconn=$(((fds - 40) / 2)); ((maxconn > 10100)) && maxconn=10100
idle=$(((maxconn - 40) / 100 * 100)); ((idle > 10000)) && idle=10000
((maxconn >= 1100)) || { echo "run.sh: the fd limit ($fds) is too low for 1000 connections; raise ulimit -Hn"; exit 1; }

# --- Loadstar ----------------------------------------------------------------
loadstar_cmd=${LOADSTAR_CMD:-}
skip_loadstar=
if [[ -z $loadstar_cmd ]]; then
    if [[ ! -x $build/bin/loadstar ]]; then
        skip_loadstar="$build/bin/loadstar does not exist"
    elif ! grep -q 'loadstar proxy' <<<"$(timeout 10 "$build/bin/loadstar" proxy --help 2>&1 || true)"; then
        skip_loadstar="$build/bin/loadstar has no 'proxy' verb yet"
    else
        loadstar_cmd="$build/bin/loadstar proxy"
    fi
fi
proxies=(haproxy); [[ -z $skip_loadstar ]] && proxies+=(loadstar)

# --- processes ---------------------------------------------------------------
listener_pid() { ss -Hltnp "( sport = :$1 )" | awk 'match($0, /pid=[0-9]+/) {print substr($0, RSTART + 4, RLENGTH - 4); exit}'; }

cat >"$work/nginx.conf" <<NGINX
daemon off; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.err;
worker_rlimit_nofile $fds;
events { worker_connections $((fds - 100)); }
http { access_log off; keepalive_requests 1000000000; keepalive_timeout 300s;
  client_body_temp_path $work/nginx-body;
  server { listen 127.0.0.1:$nginx_a; location / { return 200 "ok\n"; } }
  server { listen 127.0.0.1:$nginx_b; location / { return 200 "ok\n"; } } }
NGINX
haproxy_config() { # THREADS
    cat <<HAPROXY
global
    nbthread $1
    maxconn $maxconn
defaults
    mode http
    timeout connect 5s
    timeout client 50s
    timeout server 50s
listen proxy
    bind 127.0.0.1:$haproxy_port
    balance roundrobin
    http-reuse safe
    option forwardfor
    server a 127.0.0.1:$nginx_a
    server b 127.0.0.1:$nginx_b
HAPROXY
}
start_proxy() { # NAME THREADS
    if [[ $1 == haproxy ]]; then
        haproxy_config "$2" >"$work/haproxy.cfg"
        start haproxy $haproxy_port haproxy -f "$work/haproxy.cfg"
    else
        # shellcheck disable=SC2086 # LOADSTAR_CMD is a command and its first arguments
        start loadstar $loadstar_port $loadstar_cmd --from 127.0.0.1:$loadstar_port \
            --to 127.0.0.1:$nginx_a --to 127.0.0.1:$nginx_b --balance roundrobin --mode http --threads "$2"
    fi
}
declare -A port_of=([nginx]=$nginx_a [haproxy]=$haproxy_port [loadstar]=$loadstar_port)

echo "proxy_vs_haproxy: $(date -u '+%F %H:%M UTC'), $(nproc) cores, load average $(load_average)"
echo "  $(haproxy -v | head -n 1 | cut -d' ' -f1-3), $(nginx -v 2>&1 | cut -d' ' -f3), $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)"
if [[ -n $skip_loadstar ]]; then
    echo "  Loadstar skipped: $skip_loadstar (LOADSTAR_CMD can name another command)"
else
    echo "  Loadstar: $loadstar_cmd"
fi
echo "  fd limit $fds, HAProxy maxconn $maxconn, $rounds rounds of ${seconds}s, wrk -t1"
start nginx $nginx_a nginx -e "$work/nginx.err" -c "$work/nginx.conf"

# --- throughput and latency --------------------------------------------------
# wrk's output -> "req/s p50_ms p99_ms errors" (socket errors and non-2xx/3xx).
parse_wrk() {
    awk 'function ms(v) {
             if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
             if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
             if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
             return v }
         /Requests\/sec/ { rps = $2 }
         $1 == "50%" { p50 = ms($2) }
         $1 == "99%" { p99 = ms($2) }
         /Socket errors/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
         /Non-2xx or 3xx/ { errors += $NF }
         END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, errors }'
}
run_wrk() { # PORT CONNECTIONS DURATION_S — sets q, l50, l99 and e
    # In the background and waited for, so that Ctrl-C reaches the trap at once.
    wrk -t1 -c"$2" -d"$3s" --latency "http://127.0.0.1:$1/" >"$work/wrk.out" 2>&1 &
    proc[wrk]=$!
    wait "${proc[wrk]}" || true
    unset "proc[wrk]"
    read -r q l50 l99 e <<<"$(parse_wrk <"$work/wrk.out")"
}
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
sum() { tr ' ' '\n' <<<"$1" | awk '{s += $1} END {print s + 0}'; }

rows=("1 50" "1 1000" "2 100") # proxy threads, wrk connections
row_label() { if (($1 == 1)); then echo "1 thread, $2 connections"; else echo "$1 threads, $2 connections"; fi; }
declare -A rps=() p50=() p99=() errors=()
for row in "${!rows[@]}"; do
    read -r threads conns <<<"${rows[$row]}"
    label=$(row_label "$threads" "$conns")
    echo; echo "== $label (wrk -t1 -c$conns -d${seconds}s)"
    alive nginx
    for p in "${proxies[@]}"; do start_proxy "$p" "$threads"; done
    for p in "${proxies[@]}"; do run_wrk "${port_of[$p]}" "$conns" 1; done # warm-up
    for ((r = 0; r <= rounds; r++)); do
        # Round 0 is nginx alone (backend a, directly): the ceiling of this machine.
        names=("${proxies[@]}"); ((r == 0)) && names=(nginx)
        for p in "${names[@]}"; do
            run_wrk "${port_of[$p]}" "$conns" "$seconds"
            rps[$row,$p]+="$q "; p50[$row,$p]+="$l50 "; p99[$row,$p]+="$l99 "; errors[$row,$p]+="$e "
            printf '  %-9s %-9s %8s req/s  p50 %7s ms  p99 %7s ms%s\n' "$( ((r)) && echo "round $r" || echo direct)" \
                "$p" "$q" "$l50" "$l99" "$( ((e)) && echo "  ($e errors)")"
        done
    done
    for p in "${proxies[@]}"; do
        [[ -n ${proc[$p]:-} ]] && kill -0 "${proc[$p]}" 2>/dev/null || echo "  $p died during this row; its output: $(tail -n 3 "$work/$p.log")"
        stop "$p"
    done
done

# --- memory per idle connection ----------------------------------------------
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
settled_rss() { # PID — VmRSS (KiB) once two samples half a second apart agree (at most 10 s)
    local prev=-1 cur i
    for ((i = 0; i < 20; i++)); do
        cur=$(rss "$1"); [[ $cur == "$prev" ]] && break
        prev=$cur; sleep 0.5
    done
    echo "$cur"
}
established() { ss -Htn state established "( sport = :$1 )" | wc -l; }
backend_connections() { ss -Htn state established "( dport = :$nginx_a or dport = :$nginx_b )" | wc -l; }
accept_queue() { ss -Hltn "( sport = :$1 )" | awk '{q += $2} END {print q + 0}'; }

client=$(client_binary "$build" idle_connections "$here/idle_connections.cpp")
declare -A kib=()
echo
if [[ -z $client ]]; then
    echo "== memory skipped: no $build/bin/idle_connections and ${CXX:-c++} could not build it ($(head -n 1 "$work/idle_connections.cxx.log"))"
else
    echo "== memory, $idle idle connections, 1 thread, each proxy started afresh"
    ((idle < 10000)) && echo "  ($idle, not 10000: HAProxy needs 2 fds per maxconn and the fd limit here is $fds)"
    variants=(plain request)
    for v in "${variants[@]}"; do
        for p in "${proxies[@]}"; do
            alive nginx; start_proxy "$p" 1
            port=${port_of[$p]}; pid=$(listener_pid "$port"); pid=${pid:-${proc[$p]}}
            before=$(settled_rss "$pid")
            flags=(); [[ $v == request ]] && flags=(--request)
            : >"$work/client.out"
            "$client" "$port" "$idle" "${flags[@]}" >"$work/client.out" 2>"$work/client.err" &
            proc[client]=$!
            for ((i = 0; i < 900; i++)); do
                grep -q '^ready' "$work/client.out" && break
                kill -0 "${proc[client]}" 2>/dev/null || break
                sleep 0.1
            done
            read -r _ open failed < <(grep '^ready' "$work/client.out" || echo "ready 0 $idle")
            # Connected is not accepted: wait until the proxy has taken them all off its listen queue.
            for ((i = 0; i < 200; i++)); do
                (($(accept_queue "$port") == 0 && $(established "$port") >= open)) && break
                sleep 0.1
            done
            after=$(settled_rss "$pid")
            held=$(established "$port"); servers=$(backend_connections)
            closed=$(awk '$1 == "closed" {n = $2} END {print n}' "$work/client.out")
            stop client; stop "$p"
            if ((open == 0)); then
                echo "  $v $p: no connection opened ($(cat "$work/client.err"))"
                continue
            fi
            kib[$v,$p]=$(awk -v a="$after" -v b="$before" -v n="$open" 'BEGIN {printf "%.2f", (a - b) / n}')
            printf '  %-8s %-9s RSS %7d -> %7d KiB  %6s KiB/connection  (%d held, %d to the backends%s)\n' \
                "$v" "$p" "$before" "$after" "${kib[$v,$p]}" "$held" "$servers" \
                "$( ((failed)) && echo ", $failed failed: $(cut -d'(' -f2 "$work/client.err" | tr -d ')')")$( [[ -n $closed ]] && echo ", $closed closed by the proxy")"
        done
    done
fi

# --- summary -----------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
echo
echo "== medians of $rounds rounds; ratios are Loadstar / HAProxy (goal: req/s >= 1.00, p99 <= 1.00)"
printf '%-28s %-9s %8s %8s %8s %6s %7s %7s %7s  %s\n' row proxy req/s "p50 ms" "p99 ms" errors "req/s" p50 p99 goal
printf '%-28s %-9s %8s %8s %8s %6s %23s\n' "" "" "" "" "" "" "(Loadstar / HAProxy)"
for row in "${!rows[@]}"; do
    read -r threads conns <<<"${rows[$row]}"
    label=$(row_label "$threads" "$conns")
    for p in nginx "${proxies[@]}"; do
        m=$(median "${rps[$row,$p]}"); l50=$(median "${p50[$row,$p]}"); l99=$(median "${p99[$row,$p]}")
        e=$(sum "${errors[$row,$p]}")
        extra=
        if [[ $p == loadstar ]]; then
            qr=$(ratio "$m" "$(median "${rps[$row,haproxy]}")"); lr=$(ratio "$l99" "$(median "${p99[$row,haproxy]}")")
            extra=$(printf '%7s %7s %7s  %s' "$qr" "$(ratio "$l50" "$(median "${p50[$row,haproxy]}")")" "$lr" \
                "$(awk -v q="$qr" -v l="$lr" -v e="$e" 'BEGIN {print (q >= 1 && l <= 1 && e == 0) ? "met" : "MISSED"}')")
        fi
        printf '%-28s %-9s %8s %8s %8s %6s %s\n' "$label" "$([[ $p == nginx ]] && echo "nginx*" || echo "$p")" \
            "$m" "$l50" "$l99" "$e" "$extra"
        label=
    done
done
echo "(* nginx measured directly, once per row: the ceiling of this machine, not a competitor)"
if [[ -n $client ]]; then
    echo
    printf '%-28s %-9s %14s %7s  %s\n' "memory, $idle connections" proxy "KiB/connection" "ratio" goal
    for v in "${variants[@]}"; do
        label=$([[ $v == plain ]] && echo "idle, no request" || echo "idle after one request")
        for p in "${proxies[@]}"; do
            extra=
            if [[ $p == loadstar && -n ${kib[$v,loadstar]:-} && -n ${kib[$v,haproxy]:-} ]]; then
                r=$(ratio "${kib[$v,loadstar]}" "${kib[$v,haproxy]}")
                extra=$(printf '%7s  %s' "$r" "$(awk -v a="${kib[$v,loadstar]}" -v b="${kib[$v,haproxy]}" 'BEGIN {print a <= b ? "met" : "MISSED"}')")
            fi
            printf '%-28s %-9s %14s %s\n' "$label" "$p" "${kib[$v,$p]:--}" "$extra"
            label=
        done
    done
fi
[[ -z $skip_loadstar ]] || echo "(Loadstar skipped: $skip_loadstar)"
echo "(load average at the end: $(load_average); above 2 on a 2-core machine, something else competed)"
