#!/usr/bin/env bash
# Decides the engine's socket layer by measurement (issue 4): two nginx
# backends on loopback; HAProxy (mode tcp, nbthread 1, roundrobin), the naive
# Asio forwarder and the naive Qt forwarder in front of them; wrk runs
# alternated A B C for several rounds; prints medians and ratios to HAProxy.
# Loopback only, bounded: ROUNDS × 3 runs of SECONDS each.
#   tests/benchmarks/data_path/run.sh BUILD_DIR [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [ROUNDS] [SECONDS] [CONNECTIONS]}
rounds=${2:-3}; seconds=${3:-5}; conns=${4:-50}
for tool in haproxy nginx wrk; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (apt-get install haproxy nginx-light wrk)"; exit 1; }
done
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cat >"$work/nginx.conf" <<NGINX
daemon off; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:18081; location / { return 200 "ok\n"; } }
  server { listen 127.0.0.1:18082; location / { return 200 "ok\n"; } } }
NGINX
cat >"$work/haproxy.cfg" <<HAPROXY
global
    nbthread 1
    maxconn 9000
defaults
    mode tcp
    timeout connect 5s
    timeout client 50s
    timeout server 50s
listen fwd
    bind 127.0.0.1:18090
    balance roundrobin
    server a 127.0.0.1:18081
    server b 127.0.0.1:18082
HAPROXY
nginx -c "$work/nginx.conf" & pids+=($!)
haproxy -f "$work/haproxy.cfg" & pids+=($!)
"$build/bin/asio_forwarder" 18091 18081 18082 & pids+=($!)
"$build/bin/qt_forwarder" 18092 18081 18082 & pids+=($!)
sleep 1

declare -A rps lat
names=(haproxy asio qt); ports=(18090 18091 18092)
for ((r = 1; r <= rounds; r++)); do
    for i in 0 1 2; do
        out=$(wrk -t1 -c"$conns" -d"${seconds}s" --latency "http://127.0.0.1:${ports[$i]}/")
        req=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
        rps[${names[$i]}]+="$req "; lat[${names[$i]}]+="$p99 "
        printf 'round %d %-8s %10s req/s  p99 %s ms\n' "$r" "${names[$i]}" "$req" "$p99"
    done
done
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
h_rps=$(median "${rps[haproxy]}"); h_lat=$(median "${lat[haproxy]}")
echo
printf '%-8s %12s %10s %14s %12s\n' "" "req/s" "p99 ms" "req/s ratio" "p99 ratio"
for n in "${names[@]}"; do
    m=$(median "${rps[$n]}"); l=$(median "${lat[$n]}")
    printf '%-8s %12s %10s %14.2f %12.2f\n' "$n" "$m" "$l" "$(echo "$m / $h_rps" | bc -l)" "$(echo "$l / $h_lat" | bc -l)"
done
echo "(medians of $rounds rounds, wrk -t1 -c$conns -d${seconds}s, tiny responses, one thread each, loopback)"
