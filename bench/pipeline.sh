#!/usr/bin/env bash
# bench/pipeline.sh: where the time of `tap-dixa | target-postgres` goes. It serves MESSAGES
# (default 97656, about 100 MB) generated messages from bin/dixa-mock, times tap-dixa writing
# them to a file, then times MeltanoLabs target-postgres (the version meltano.yml pins) loading
# that file into a throw-away PostgreSQL cluster with its defaults and with
# use_copy: true, validate_records: false. Needs PostgreSQL under /usr/lib/postgresql (make e2e
# installs it) and makes bench/.venv-target-postgres on its first run.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."
messages=${MESSAGES:-97656}
pin=$(sed -n 's/^[[:space:]]*pip_url:[[:space:]]*\(meltanolabs-target-postgres==[^[:space:]]*\).*/\1/p' meltano.yml | head -n 1)
venv=bench/.venv-target-postgres
tmp=$(mktemp -d)
chmod 711 "$tmp"
pgbin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$pgbin/initdb" ] || { echo "pipeline.sh: no PostgreSQL under /usr/lib/postgresql (run make e2e once)" >&2; exit 1; }
cleanup() {
	kill "${mock:-}" 2>/dev/null || true
	[ -f "$tmp/pg/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$tmp/pg/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ "$(id -u)" = 0 ]; then as_pg() { runuser -u postgres -- "$@"; }; install -d -o postgres -m 700 "$tmp/pg"
else as_pg() { "$@"; }; install -d -m 700 "$tmp/pg"; fi

if [ ! -x "$venv/bin/target-postgres" ]; then
	echo "pipeline.sh: installing $pin into $venv" >&2
	python3 -m venv "$venv" && "$venv/bin/pip" install -q "$pin" >&2
fi

bin/dixa-mock --load-messages "$messages" --start 2024-01-01 --end 2024-01-31 --minute-seconds 0 \
	--url-file "$tmp/url" >/dev/null 2>"$tmp/mock.err" &
mock=$!
for _ in $(seq 300); do [ -s "$tmp/url" ] && break; sleep 0.1; done
url=$(cat "$tmp/url")
printf '{"api_token":"demo-token","start_date":"2024-01-01","end_date":"2024-01-31","window_days":31,"exports_base_url":"%s","api_base_url":"%s","messages_requests_per_minute":60000}\n' \
	"$url" "$url" >"$tmp/tap.json"
bin/tap-dixa --config "$tmp/tap.json" --discover | python3 -c '
import json, sys
c = json.load(sys.stdin)
for s in c["streams"]:
    for m in s["metadata"]:
        if m["breadcrumb"] == []:
            m["metadata"]["selected"] = s["tap_stream_id"] == "messages"
json.dump(c, sys.stdout)' >"$tmp/catalog.json"

now() { date +%s.%N; }
t0=$(now)
bin/tap-dixa --config "$tmp/tap.json" --catalog "$tmp/catalog.json" >"$tmp/out.jsonl" 2>"$tmp/tap.err"
tap=$(echo "$(now) $t0" | awk '{printf "%.1f", $1 - $2}')
records=$(grep -c '"type":"RECORD"' "$tmp/out.jsonl")

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$pgbin/initdb" -D "$tmp/pg/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1
printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nfsync = off\nsynchronous_commit = off\n" \
	"$port" "$tmp/pg" >>"$tmp/pg/data/postgresql.conf"
as_pg "$pgbin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w -t 60 start >/dev/null

printf 'tap-dixa alone: %s records (%s MB) to a file in %s s\n' "$records" "$(($(stat -c %s "$tmp/out.jsonl") / 1000000))" "$tap"
for settings in '{}' '{"use_copy": true, "validate_records": false}'; do
	schema=s$RANDOM
	python3 -c 'import json, sys
c = {"host": "127.0.0.1", "port": int(sys.argv[1]), "user": "postgres", "password": "x",
     "database": "postgres", "default_target_schema": sys.argv[2]}
c.update(json.loads(sys.argv[3]))
print(json.dumps(c))' "$port" "$schema" "$settings" >"$tmp/target.json"
	t0=$(now)
	"$venv/bin/target-postgres" --config "$tmp/target.json" <"$tmp/out.jsonl" >/dev/null 2>"$tmp/target.err" ||
		{ tail -n 5 "$tmp/target.err" >&2; exit 1; }
	secs=$(echo "$(now) $t0" | awk '{printf "%.1f", $1 - $2}')
	rows=$("$pgbin/psql" -X -qAt -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "select count(*) from $schema.messages")
	printf '%s with %s: %s rows in %s s\n' "$pin" "$settings" "$rows" "$secs"
done
