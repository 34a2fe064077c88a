#!/usr/bin/env bash
# make demo: start the fake Dixa, sync six months of generated data into
# demo/output.ndjson (the streams selected by default), resume once from the
# saved state, then sync again with EVERY stream selected (the opt-in ones too:
# the per-conversation ratings, notes and messages, the per-end-user custom
# attributes, the knowledge base, webhooks) into demo/all.ndjson, and print a
# summary. Needs the binaries that `make build` made and python3 (to select
# every stream of the catalog and to count).
#
# What is scaled, to keep the demo quick (it runs in CI, well under a minute):
# the mock's minute lasts 1 s (--minute-seconds 1), so Dixa's limits of 10
# conversation exports and 3 message exports a minute and 10 Dixa API requests
# a second become 10 and 3 a second and 600 a second; the tap's rates are
# scaled alike and stay under them: 300 and 120 exports a minute, 500 Dixa API
# requests a second. The every-stream run makes ~10,000 Dixa API requests
# (three per conversation for ratings, notes and messages, one per end user):
# at Dixa's real 10 a second that is ~17 minutes, here ~20-25 s.
set -euo pipefail
cd "$(dirname "$0")/.."
out=demo
rm -rf "$out" && mkdir -p "$out"
command -v python3 > /dev/null || { echo "demo: python3 is needed"; exit 1; }

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
  "api_requests_per_second": 500
}
JSON

elapsed() { echo "$(date +%s.%N) $1" | awk '{printf "%.1f", $1 - $2}'; }

echo "demo: syncing the default streams from the fake Dixa at $url"
start=$(date +%s.%N)
bin/tap-dixa --config "$out/config.json" > "$out/output.ndjson" 2> "$out/tap.log"
secs=$(elapsed "$start")
grep '"type":"STATE"' "$out/output.ndjson" | tail -n 1 | sed 's/^{"type":"STATE","value"://; s/}$//' > "$out/state.json"

# A second run resumes from the saved state: nothing new for the incremental
# streams; the full-table reference streams are read again, as every run.
bin/tap-dixa --config "$out/config.json" --state "$out/state.json" > "$out/resume.ndjson" 2>> "$out/tap.log"

# Every stream: the catalog of --discover with each stream marked selected.
bin/tap-dixa --discover | python3 -c '
import json, sys
catalog = json.load(sys.stdin)
for s in catalog["streams"]:
    for m in s["metadata"]:
        if m["breadcrumb"] == []:
            m["metadata"]["selected"] = True
json.dump(catalog, sys.stdout, indent=1)
' > "$out/catalog-all.json"
echo "demo: syncing every stream (catalog: $out/catalog-all.json)"
start=$(date +%s.%N)
bin/tap-dixa --config "$out/config.json" --catalog "$out/catalog-all.json" > "$out/all.ndjson" 2> "$out/tap-all.log"
all_secs=$(elapsed "$start")

# One line per stream of the catalog: its records in the default run, the
# resumed run and the every-stream run; then the secrets check of webhooks.
summary=$(python3 - "$out" "$url" << 'PY'
import collections, json, sys, urllib.request
out, url = sys.argv[1], sys.argv[2]
def counts(name):
    c = collections.Counter()
    with open(f"{out}/{name}", encoding="utf-8") as f:
        for line in f:
            if line.startswith('{"type":"RECORD"'):
                c[json.loads(line)["stream"]] += 1
    return c
default, resume, every = counts("output.ndjson"), counts("resume.ndjson"), counts("all.ndjson")
catalog = json.load(open(f"{out}/catalog-all.json", encoding="utf-8"))
print(f"  {'stream':<28} {'default':>8} {'resumed':>8} {'every':>8}")
for s in catalog["streams"]:
    name = s["tap_stream_id"]
    md = next(m["metadata"] for m in s["metadata"] if m["breadcrumb"] == [])
    tag = "" if md.get("selected-by-default") else "  (opt-in)"
    d = default[name] if md.get("selected-by-default") else "-"
    r = resume[name] if md.get("selected-by-default") else "-"
    print(f"  {name + ':':<28} {d:>8} {r:>8} {every[name]:>8}{tag}")
    if not every[name]:
        print(f"demo: the every-stream run wrote no {name} record", file=sys.stderr)
        sys.exit(1)
with urllib.request.urlopen(f"{url}/_truth/webhook_secrets", timeout=30) as resp:
    secrets = [s["value"] for s in json.load(resp) if s.get("value")]
text = open(f"{out}/all.ndjson", encoding="utf-8").read()
leaked = [s for s in secrets if s in text]
if leaked or not secrets:
    print(f"demo: {len(leaked)} of {len(secrets)} webhook secrets appear in {out}/all.ndjson", file=sys.stderr)
    sys.exit(1)
print(f"  webhook secrets in the output: none of the mock's {len(secrets)} (secretKey dropped, header values nulled)")
PY
)

echo
echo "  fake Dixa holds:   $(sed -n 's/.*(\(.*\)).*/\1/p' "$out/mock.log" | head -n 1)"
echo "  records per stream: default run, resumed run (nothing new since the bookmarks for the"
echo "  incremental streams; full-table streams are re-read every run), every-stream run"
echo "$summary"
echo "  STATE messages:    $(grep -c '"type":"STATE"' "$out/output.ndjson") (default run)"
echo "  final state:       $(cat "$out/state.json")"
reqs() { grep -c '"metric":"http_request_duration"' "$1" || true; }
echo "  took:              ${secs}s: the default streams ($(grep -c '"type":"RECORD"' "$out/output.ndjson") records)"
echo "  every-stream took: ${all_secs}s: all $(grep -c '"tap_stream_id"' "$out/catalog-all.json") streams ($(grep -c '"type":"RECORD"' "$out/all.ndjson") records, $(reqs "$out/tap-all.log") requests)"
echo
echo "  output: $out/output.ndjson, $out/all.ndjson   logs: $out/tap.log, $out/tap-all.log   config: $out/config.json"
