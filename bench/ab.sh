#!/usr/bin/env bash
# bench/ab.sh A B [SIZE_MB] [PAIRS] — compare two tap-dixa binaries on one message window.
#
# Runs A and B in turn, PAIRS times (default 10), against bin/dixa-mock serving a window of
# SIZE_MB (default 1000) MB of ~1 KiB messages, output to /dev/null, and prints the mean CPU
# (user + system) and wall of each and the mean paired difference B − A of CPU with its
# standard error. Runs on a shared machine drift by ±10% over minutes; pairs cancel the drift,
# so a difference of two standard errors or more is one to believe. Example:
#
#	git stash; make build; cp bin/tap-dixa /tmp/tap-a; git stash pop; make build
#	bash bench/ab.sh /tmp/tap-a bin/tap-dixa 100 12
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $# -ge 2 ]] || { echo "usage: bench/ab.sh A B [SIZE_MB] [PAIRS]" >&2; exit 2; }
A=$1 B=$2 SIZE=${3:-1000} PAIRS=${4:-10}
[[ -x /usr/bin/time ]] || { echo "ab.sh: /usr/bin/time (GNU time) is missing" >&2; exit 1; }
[[ -x bin/dixa-mock && -x bin/tap-dixa ]] || make -s build
dir=$(mktemp -d)
trap 'kill $mock 2>/dev/null || true; rm -rf "$dir"' EXIT
bin/dixa-mock --load-messages $((SIZE * 1000000 / 1024)) --token ab --start 2024-01-01 --end 2024-01-31 \
	--minute-seconds 0 --url-file "$dir/url" >/dev/null 2>"$dir/mock.err" &
mock=$!
for _ in $(seq 600); do [[ -s $dir/url ]] && break; sleep 0.1; done
[[ -s $dir/url ]] || { echo "ab.sh: dixa-mock did not start: $(cat "$dir/mock.err")" >&2; exit 1; }
url=$(<"$dir/url")
printf '{"api_token":"ab","start_date":"2024-01-01","end_date":"2024-01-31","window_days":31,"exports_base_url":"%s","api_base_url":"%s","messages_requests_per_minute":60000}\n' \
	"$url" "$url" >"$dir/config.json"
bin/tap-dixa --discover | python3 bench/only_stream.py messages >"$dir/catalog.json"
one() { /usr/bin/time -f "%U %S %e" "$1" --config "$dir/config.json" --catalog "$dir/catalog.json" 2>&1 >/dev/null | tail -1; }
for _ in $(seq "$PAIRS"); do
	echo "A $(one "$A")"
	echo "B $(one "$B")"
done | awk -v size="$SIZE" '
{ c = $2 + $3; if ($1 == "A") { a[++na] = c; wa += $4 } else { b[++nb] = c; wb += $4 } }
END {
	for (i = 1; i <= na; i++) { sa += a[i]; sb += b[i]; d = b[i] - a[i]; sd += d; sdd += d * d }
	n = na; md = sd / n; se = n > 1 ? sqrt((sdd - n * md * md) / (n - 1) / n) : 0
	printf "%d MB, %d pairs: A CPU %.3f s, wall %.3f s | B CPU %.3f s, wall %.3f s | B - A CPU %+.3f ± %.3f s\n", size, n, sa / n, wa / n, sb / n, wb / n, md, se
}'
