#!/usr/bin/env bash
# A demo backend (one worker thread) against nginx (worker_processes 1), both
# answering every request with a short plain-text name: the same wrk command
# (-t1 -c50, keep-alive) alternated nginx, demo, nginx, demo… for ROUNDS
# rounds. Prints every run and the medians. Loopback only, bounded (about
# 2 × ROUNDS × SECONDS seconds).
#   tests/benchmarks/demo_backend/run.sh BUILD_DIR [ROUNDS] [SECONDS]
# BUILD_DIR must have been configured with -DLOADSTAR_BUILD_BENCHMARKS=ON and
# have built the demo_backend_server target.
set -euo pipefail
usage="usage: run.sh BUILD_DIR [ROUNDS] [SECONDS]"
build=${1:?$usage}
rounds=${2:-3}; seconds=${3:-5}
[[ $rounds =~ ^[1-9][0-9]*$ && $seconds =~ ^[1-9][0-9]*$ ]] || { echo "$usage"; exit 2; }
export PATH=$PATH:/usr/sbin:/sbin
for tool in nginx wrk ss; do
    command -v $tool >/dev/null || { echo "run.sh: $tool is missing (apt-get install nginx-light wrk iproute2)"; exit 1; }
done
[[ -x $build/bin/demo_backend_server ]] || { echo "run.sh: build the demo_backend_server target first"; exit 1; }

nginx_port=18471; demo_port=18472
listening() { ss -Hltn "( sport = :$1 )" | grep -q .; }
for port in $nginx_port $demo_port; do
    ! listening "$port" || { echo "run.sh: port $port is already in use on this machine"; exit 1; }
done

work=$(mktemp -d); chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
start() { # NAME PORT COMMAND…
    local name=$1 port=$2 i; shift 2
    "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    for ((i = 0; i < 100; i++)); do listening "$port" && return 0; sleep 0.1; done
    echo "run.sh: $name is not listening on 127.0.0.1:$port"; tail -n 20 "$work/$name.log"; exit 1
}

cat >"$work/nginx.conf" <<NGINX
daemon off; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000000; keepalive_timeout 300s;
  client_body_temp_path $work/nginx-body; default_type text/plain;
  server { listen 127.0.0.1:$nginx_port;
    location / { add_header X-Served-By web-01; return 200 "web-01\n"; } } }
NGINX
start nginx $nginx_port nginx -e "$work/nginx.err" -c "$work/nginx.conf"
start demo $demo_port "$build/bin/demo_backend_server" $demo_port web-01

echo "demo_backend: $(date -u '+%F %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  $(nginx -v 2>&1 | cut -d' ' -f3), wrk -t1 -c50 -d${seconds}s --latency, $rounds rounds"
run_wrk() { # PORT DURATION → "req/s p99"
    wrk -t1 -c50 -d"$2s" --latency "http://127.0.0.1:$1/" | awk '
        function ms(v) { if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
                         if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
                         return substr(v, 1, length(v) - 1) * 1000 }
        /Requests\/sec/ { rps = $2 } $1 == "99%" { p99 = ms($2) }
        /Non-2xx|Socket errors/ { bad = 1 }
        END { printf "%.0f %.3f%s\n", rps, p99, bad ? " errors" : "" }'
}
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
declare -A rps=()
run_wrk $nginx_port 1 >/dev/null; run_wrk $demo_port 1 >/dev/null # warm-up
for ((r = 1; r <= rounds; r++)); do
    for name in nginx demo; do
        port=$nginx_port; [[ $name == demo ]] && port=$demo_port
        read -r q p99 bad <<<"$(run_wrk $port "$seconds")"
        rps[$name]+="$q "
        printf '  round %d  %-6s %8s req/s  p99 %7s ms %s\n' "$r" "$name" "$q" "$p99" "${bad:-}"
    done
done
n=$(median "${rps[nginx]}"); d=$(median "${rps[demo]}")
echo "  median: nginx $n req/s, demo backend $d req/s, demo/nginx $(awk -v a="$d" -v b="$n" 'BEGIN {printf "%.2f", a / b}')"
