#!/usr/bin/env bash
# make demo: start the fake Dixa, sync six months of generated data into
# demo/output.ndjson, resume once from the saved state, and print a summary.
# Needs only the binaries that `make build` made.
set -euo pipefail
cd "$(dirname "$0")/.."
out=demo
rm -rf "$out" && mkdir -p "$out"

# A scaled minute of 1 s keeps Dixa's 10/min and 3/min limits, just faster.
bin/dixa-mock --addr 127.0.0.1:0 --url-file "$out/mock.url" --minute-seconds 1 \
  --conversations 3000 --start 2024-01-01 --end 2024-07-01 2> "$out/mock.log" > /dev/null &
mock=$!
trap 'kill $mock 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/mock.url" ] && break; sleep 0.1; done
[ -s "$out/mock.url" ] || { echo "demo: dixa-mock did not start:"; cat "$out/mock.log"; exit 1; }
url=$(cat "$out/mock.url")

cat > "$out/config.json" <<JSON
{
  "api_token": "demo-token",
  "start_date": "2024-01-01",
  "end_date": "2024-07-01",
  "exports_base_url": "$url",
  "api_base_url": "$url",
  "conversations_requests_per_minute": 300,
  "messages_requests_per_minute": 120,
  "api_requests_per_second": 20
}
JSON

echo "demo: syncing from the fake Dixa at $url"
start=$(date +%s.%N)
bin/tap-dixa --config "$out/config.json" > "$out/output.ndjson" 2> "$out/tap.log"
secs=$(echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}')
grep '"type":"STATE"' "$out/output.ndjson" | tail -n 1 | sed 's/^{"type":"STATE","value"://; s/}$//' > "$out/state.json"

# A second run resumes from the saved state: nothing new for the incremental
# streams; the full-table reference streams are read again, as every run.
bin/tap-dixa --config "$out/config.json" --state "$out/state.json" > "$out/resume.ndjson" 2>> "$out/tap.log"

count() { grep -c "\"type\":\"RECORD\",\"stream\":\"$1\"" "$2" || true; }
echo
echo "  fake Dixa holds:   $(sed -n 's/.*(\(.*\)).*/\1/p' "$out/mock.log" | head -n 1)"
for s in conversations messages activity_logs agents end_users teams team_members queues queue_members tags custom_attributes; do
  printf '  %-18s %s records\n' "$s:" "$(count "$s" "$out/output.ndjson")"
done
echo "  STATE messages:    $(grep -c '"type":"STATE"' "$out/output.ndjson")"
echo "  took:              ${secs}s"
echo "  final state:       $(cat "$out/state.json")"
inc=$(( $(count conversations "$out/resume.ndjson") + $(count messages "$out/resume.ndjson") + $(count activity_logs "$out/resume.ndjson") ))
echo "  resumed run:       $inc incremental records (nothing new since the bookmarks); full-table streams are re-read every run"
echo
echo "  output: $out/output.ndjson   logs: $out/tap.log   config: $out/config.json"
