#!/usr/bin/env bash
# bench/compare.sh — tap-dixa against the raw transfer and the Python tap-dixa 1.0.10,
# on the same generated message window, at several sizes.
#
# For each size S (MB, 10^6 bytes) in $SIZES it starts bin/dixa-mock in load mode with
# N = S*10^6/1024 messages of ~1 KiB (created_at spread over 2024-01-01..2024-01-31,
# rate limits off), then measures under bench/rusage, on the one message_export
# window that holds them all:
#   raw-go    bench/rawget: GET the window, io.Copy to io.Discard (the floor)
#   raw-curl  curl -s -o /dev/null (if curl is installed; a second floor)
#   tap-dixa  bin/tap-dixa --config C --catalog messages-only > /dev/null
#   python    tap-dixa 1.0.10 from PyPI (bench/.venv), through bench/py_tap_dixa.py
#             (its base URL pointed at the mock, its "now" at the window's end so that it
#             sends the same one request), interval MONTH, stdout to /dev/null
# raw-go, raw-curl and tap-dixa run $REPEAT times (the best wall counts, the highest
# RSS counts); python runs once. The Python tap is skipped at a size where its time or
# memory, extrapolated from the previous size, would pass $PY_MAX_SECONDS or 3/4 of the
# available memory. Then it profiles tap-dixa end to end on the $PROFILE_SIZE MB window
# (bench/tapprof) and the Go benchmarks of $PROFILE_PKGS (-cpuprofile).
#
# Everything lands in bench/out/<UTC time>/ (bench/out/latest points to it); the report
# (report.md: machine, date, load, one table per size, a summary, ratios against the
# targets, Go benchmark lines, profile tops) is printed at the end.
#
# Environment: SIZES ("10 100 1000"), REPEAT (3), PY_MAX_SECONDS (600), PROFILE_SIZE
# (100; "" for no end-to-end profile), PROFILE (1; 0 skips the micro-benchmark
# profiles), PROFILE_PKGS ("tap/record tap/jsonarray tap"), NO_BUILD (0),
# PY_TAP (tap-dixa==1.0.10), GO (go).
set -euo pipefail
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SIZES=${SIZES:-"10 100 1000"}
REPEAT=${REPEAT:-3}
PY_MAX_SECONDS=${PY_MAX_SECONDS:-600}
PROFILE_SIZE=${PROFILE_SIZE-100}
PROFILE=${PROFILE:-1}
PROFILE_PKGS=${PROFILE_PKGS:-"tap/record tap/jsonarray tap"}
PY_TAP=${PY_TAP:-tap-dixa==1.0.10}
GO=${GO:-go}
TOKEN=bench-token
MOCK_START=2024-01-01
MOCK_END=2024-01-31
VENV=bench/.venv

RUN=bench/out/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RUN/bin"
ln -sfn "$(basename "$RUN")" bench/out/latest
log() { printf '%s compare.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

# --- tools -------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 is needed (report.py)"
if [[ ${NO_BUILD:-0} != 1 ]]; then
	make -s build
fi
[[ -x bin/tap-dixa && -x bin/dixa-mock ]] || die "bin/tap-dixa and bin/dixa-mock are missing: run make build"
CGO_ENABLED=0 "$GO" build -o "$RUN/bin/rawget" ./bench/rawget
CGO_ENABLED=0 "$GO" build -o "$RUN/bin/rusage" ./bench/rusage
CGO_ENABLED=0 "$GO" build -o "$RUN/bin/tapprof" ./bench/tapprof
[[ -f bench/out/go-bench.txt ]] && mv bench/out/go-bench.txt "$RUN/go-bench.txt"

# The Python tap, installed once into bench/.venv.
PY_SKIP=""
py_ready() {
	[[ -x $VENV/bin/python ]] &&
		"$VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("tap-dixa") != sys.argv[1])' "${PY_TAP#*==}" 2>/dev/null
}
if ! py_ready; then
	log "installing $PY_TAP into $VENV"
	if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "$PY_TAP"; } >"$RUN/pip.log" 2>&1 || ! py_ready; then
		PY_SKIP="pip could not install $PY_TAP (see pip.log)"
		log "$PY_SKIP; the Python tap is left out"
	fi
fi

# --- machine -----------------------------------------------------------------------
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "nproc=$(nproc)"
	echo "mem_total_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
	echo "mem_available_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)"
	# shellcheck disable=SC1091
	echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") $(uname -r)"
	echo "go=$("$GO" version | cut -d' ' -f3-)"
	echo "tap_dixa=$(bin/tap-dixa --version 2>&1 | head -1)"
	echo "python=$(if [[ -z $PY_SKIP ]]; then "$VENV/bin/python" --version 2>&1; fi)"
	echo "py_tap=$PY_TAP"
	echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "repeat=$REPEAT"
} >"$RUN/machine.txt"

# --- the mock ----------------------------------------------------------------------
MOCK_PID=""
stop_mock() {
	if [[ -n $MOCK_PID ]]; then
		kill "$MOCK_PID" 2>/dev/null || true
		wait "$MOCK_PID" 2>/dev/null || true
		MOCK_PID=""
	fi
}
trap stop_mock EXIT
start_mock() { # start_mock DIR MESSAGES: sets URL
	rm -f "$1/url"
	bin/dixa-mock --load-messages "$2" --token "$TOKEN" --start "$MOCK_START" --end "$MOCK_END" \
		--minute-seconds 0 --url-file "$1/url" >/dev/null 2>"$1/mock.err" &
	MOCK_PID=$!
	for _ in $(seq 300); do
		[[ -s $1/url ]] && break
		kill -0 "$MOCK_PID" 2>/dev/null || die "dixa-mock failed: $(cat "$1/mock.err")"
		sleep 0.1
	done
	[[ -s $1/url ]] || die "dixa-mock did not start"
	URL=$(<"$1/url")
}

# measure DIR NAME REP CMD...: runs CMD under bench/rusage (CPU time in microseconds,
# peak RSS, in GNU time -v's words, to NAME.REP.time); its stdout goes to
# $MEASURE_OUT (default /dev/null), its stderr to NAME.REP.err; wall clock (start, end,
# exit code) to NAME.REP.wall.
measure() {
	local dir=$1 name=$2 rep=$3
	shift 3
	local t0 t1 rc=0
	t0=$EPOCHREALTIME
	"$RUN/bin/rusage" -o "$dir/$name.$rep.time" "$@" >"${MEASURE_OUT:-/dev/null}" 2>"$dir/$name.$rep.err" || rc=$?
	t1=$EPOCHREALTIME
	echo "$t0 $t1 $rc" >"$dir/$name.$rep.wall"
	awk -v a="$t0" -v b="$t1" -v rc="$rc" -v n="$name" 'BEGIN { printf "%-9s %8.3f s  exit %d\n", n, b - a, rc }' >&2
	return 0
}

# --- catalogs and configs ----------------------------------------------------------
# tap-dixa: its own discovery with only messages selected.
bin/tap-dixa --discover | python3 bench/only_stream.py messages >"$RUN/catalog-tap-dixa.json"
if [[ -z $PY_SKIP ]]; then
	"$VENV/bin/python" bench/py_tap_dixa.py --catalog-for messages >"$RUN/catalog-python.json"
	# interval MONTH = 31 days from start_date, cut at DIXA_END_DATE (py_tap_dixa.py): one
	# request for the whole mock window, as tap-dixa sends.
	printf '{"api_token":"%s","start_date":"%sT00:00:00Z","interval":"MONTH"}\n' "$TOKEN" "$MOCK_START" >"$RUN/config-python.json"
fi

mem_available_kb() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
py_prev_size="" py_prev_wall="" py_prev_rss=""

# --- sizes -------------------------------------------------------------------------
for size in $SIZES; do
	dir=$RUN/${size}MB
	mkdir -p "$dir"
	n=$((size * 1000000 / 1024))
	start_mock "$dir" "$n"
	python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/_truth/messages").read().decode().strip())' "$URL" >"$dir/truth.json"
	window="$URL/v1/message_export?created_after=${MOCK_START}&created_before=2024-02-01"
	printf '{"api_token":"%s","start_date":"%s","end_date":"%s","window_days":31,"exports_base_url":"%s","api_base_url":"%s","messages_requests_per_minute":60000}\n' \
		"$TOKEN" "$MOCK_START" "$MOCK_END" "$URL" "$URL" >"$dir/config-tap-dixa.json"
	{
		echo "size_mb=$size"
		echo "messages=$n"
		echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
		echo "started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	} >"$dir/meta.txt"
	log "${size} MB: $n messages, $(<"$dir/truth.json"), load average $(cut -d' ' -f1-3 /proc/loadavg)"

	for rep in $(seq "$REPEAT"); do
		MEASURE_OUT=$dir/raw-go.$rep.out measure "$dir" raw-go "$rep" "$RUN/bin/rawget" "$window" "$TOKEN"
		if command -v curl >/dev/null; then
			measure "$dir" raw-curl "$rep" curl -sS -o /dev/null -H "Authorization: Bearer $TOKEN" "$window"
		fi
		measure "$dir" tap-dixa "$rep" bin/tap-dixa --config "$dir/config-tap-dixa.json" --catalog "$RUN/catalog-tap-dixa.json"
	done

	if [[ -n $PY_SKIP ]]; then
		echo "$PY_SKIP" >"$dir/python.skip"
	else
		skip=""
		avail=$(mem_available_kb)
		if [[ -n $py_prev_size ]]; then
			skip=$(awk -v s="$size" -v ps="$py_prev_size" -v w="$py_prev_wall" -v r="$py_prev_rss" -v max="$PY_MAX_SECONDS" -v avail="$avail" 'BEGIN {
				f = s / ps; ew = w * f; er = r * f
				if (ew > max) printf "not run: about %.0f s expected (%.0f s at %d MB), over PY_MAX_SECONDS=%d", ew, w, ps, max
				else if (er > 0.75 * avail) printf "not run: about %.1f GiB expected (%.2f GiB at %d MB), over 3/4 of the %.1f GiB available", er / 1048576, r / 1048576, ps, avail / 1048576
			}')
		fi
		if [[ -n $skip ]]; then
			echo "$skip" >"$dir/python.skip"
			log "python: $skip"
		else
			# Guards: twice the time budget, 90% of the available memory.
			(
				ulimit -v $((avail * 9 / 10))
				DIXA_EXPORTS_URL=$URL DIXA_API_URL=$URL DIXA_END_DATE=${MOCK_END}T00:00:00Z TZ=UTC measure "$dir" python 1 \
					timeout "$((PY_MAX_SECONDS * 2))" "$VENV/bin/python" bench/py_tap_dixa.py \
					--config "$RUN/config-python.json" --catalog "$RUN/catalog-python.json"
			)
			read -r t0 t1 rc <"$dir/python.1.wall"
			if [[ $rc == 0 ]]; then
				py_prev_size=$size
				py_prev_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
				py_prev_rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/python.1.time")
			fi
		fi
	fi

	if [[ $size == "$PROFILE_SIZE" ]]; then
		log "profiling tap-dixa on the $size MB window (bench/tapprof)"
		TAPPROF_CPU=$RUN/tap-dixa-${size}MB.cpu.pprof TAPPROF_MEM=$RUN/tap-dixa-${size}MB.allocs.pprof \
			"$RUN/bin/tapprof" --config "$dir/config-tap-dixa.json" --catalog "$RUN/catalog-tap-dixa.json" \
			>/dev/null 2>"$dir/tapprof.err"
		"$GO" tool pprof -top -nodecount=30 "$RUN/bin/tapprof" "$RUN/tap-dixa-${size}MB.cpu.pprof" \
			>"$RUN/tap-dixa-${size}MB.cpu.top.txt" 2>/dev/null
		"$GO" tool pprof -top -sample_index=alloc_space -nodecount=15 "$RUN/bin/tapprof" "$RUN/tap-dixa-${size}MB.allocs.pprof" \
			>"$RUN/tap-dixa-${size}MB.allocs.top.txt" 2>/dev/null
	fi
	stop_mock
done

# --- micro-benchmark profiles ------------------------------------------------------
if [[ $PROFILE == 1 ]]; then
	for pkg in $PROFILE_PKGS; do
		name=$(basename "$pkg")
		log "profiling the Go benchmarks of $pkg"
		"$GO" test -run='^$' -bench=. -benchmem -cpuprofile "$RUN/cpu-$name.pprof" -o "$RUN/bin/$name.test" "./$pkg/" \
			>"$RUN/bench-$name.txt"
		"$GO" tool pprof -top -nodecount=25 "$RUN/bin/$name.test" "$RUN/cpu-$name.pprof" >"$RUN/cpu-$name.top.txt" 2>/dev/null
	done
fi

python3 bench/report.py "$RUN" >"$RUN/report.md"
cat "$RUN/report.md"
log "outputs in $RUN (bench/out/latest)"
