#!/usr/bin/env bash
# bench/fanout.sh: Dixa API requests per second that per-parent fan-outs
# reach when every answer takes LATENCY (default 300ms), at the default
# api_requests_per_second (10) and Dixa's real rate limit in the mock.
# Usage: bench/fanout.sh [TAP_BINARY] [MOCK_BINARY]; CONVERSATIONS (default 200).
set -euo pipefail
tap=${1:-bin/tap-dixa}
mock=${2:-bin/dixa-mock}
latency=${LATENCY:-300ms}
convs=${CONVERSATIONS:-200}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
"$mock" --latency "$latency" --conversations "$convs" --start 2024-01-01 --end 2024-01-20 --url-file "$dir/url" >"$dir/mock.out" 2>"$dir/mock.log" &
for _ in $(seq 100); do [ -s "$dir/url" ] && break; sleep 0.1; done
url=$(cat "$dir/url")
cat >"$dir/config.json" <<JSON
{"api_token":"demo-token","start_date":"2024-01-01","end_date":"2024-01-20","exports_base_url":"$url","api_base_url":"$url"}
JSON
"$tap" --config "$dir/config.json" --discover >"$dir/catalog.json"
python3 - "$dir/catalog.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for s in c["streams"]:
    for m in s["metadata"]:
        if m["breadcrumb"] == []:
            m["metadata"]["selected"] = s["tap_stream_id"] == "conversation_notes"
json.dump(c, open(sys.argv[1], "w"))
PY
start=$(date +%s.%N)
"$tap" --config "$dir/config.json" --catalog "$dir/catalog.json" >"$dir/out.jsonl" 2>"$dir/tap.log"
end=$(date +%s.%N)
curl -s "$url/_stats" >"$dir/stats.json"
python3 - "$dir/stats.json" "$start" "$end" "$latency" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))["api"]
n = st["requests"]["conversation_notes"]
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"latency {sys.argv[4]}: {n} notes requests in {wall:.1f}s of wall = {n / wall:.2f} req/s "
      f"(429s: {st['rate_limited']['conversation_notes']}, most in flight: {st.get('max_in_flight', '?')})")
PY
