#!/usr/bin/env bash
# make e2e: tap-dixa under Meltano, end to end, against the fake Dixa.
#
#   1. make build (bin/tap-dixa, bin/dixa-mock)
#   2. Meltano and the loaders of meltano.yml in a cached virtualenv
#      (${XDG_CACHE_HOME:-~/.cache}/tap-dixa/e2e-<hash of the pins>), made once
#   3. a throw-away PostgreSQL cluster on a free loopback port, database "warehouse"
#   4. bin/dixa-mock with a few thousand conversations; the tap's config as
#      TAP_DIXA_* variables (the mock's URL, high request rates)
#   5. meltano invoke tap-dixa --discover, meltano select tap-dixa --list --all
#   6. meltano run tap-dixa target-postgres: rows and ids = the mock's truth,
#      ids above 2^53 exact in bigint columns
#   7. more data through the mock's POST /_admin/add, a second run loads only
#      those; meltano state get shows integer bookmarks
#   8. meltano run --full-refresh tap-dixa target-jsonl: files = the truth
#   9. a summary
#
# Everything it needs it installs itself (PostgreSQL from Debian packages when
# missing, as root); a second run reuses the cache. It stops at the first
# mismatch with a message naming it and exits non-zero. Outputs and logs land in
# e2e-output/ (git-ignored). Knobs: E2E_CONVERSATIONS (3000), E2E_ADDED (50),
# E2E_TIMEOUT (seconds per Meltano command, 300), E2E_KEEP=1 keeps the temp dir.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
root=$PWD

MELTANO_VERSION=4.4.1
UV_VERSION=0.13.9
CONVERSATIONS=${E2E_CONVERSATIONS:-3000}
ADDED=${E2E_ADDED:-50}
TIMEOUT=${E2E_TIMEOUT:-300}
TOKEN=e2e-token-$$
START_DATE=2024-01-01
SCHEMA=tap_dixa
out=$root/e2e-output

say() { printf 'e2e: %s\n' "$*"; }
die() { printf '\ne2e: FAIL: %s\n' "$*" >&2; exit 1; }
trap 'printf "\ne2e: FAIL: line %s: %s (exit %s)\n" "$LINENO" "$BASH_COMMAND" "$?" >&2' ERR
check() { python3 "$root/scripts/e2e/check.py" "$@"; }
# verify LABEL CHECK-ARGS...: run a check, print its line, stop if it fails.
verify() {
  local label=$1 line
  shift
  line=$(check "$@") || die "$label: check $1 failed (see above)"
  say "$label: $line"
}
t_start=$(date +%s.%N)
step_no=0
step() {
  step_no=$((step_no + 1))
  printf '\ne2e: [%d/9 %5.1fs] %s\n' "$step_no" "$(echo "$(date +%s.%N) $t_start" | awk '{print $1 - $2}')" "$*"
}

command -v python3 > /dev/null || die "python3 is needed (for Meltano and the checks)"
yml_sum=$(sha256sum meltano.yml)
rm -rf "$out" && mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tap-dixa-e2e.XXXXXX")
chmod 711 "$tmp" # the postgres user must reach its cluster inside
mock_pid=
pg_data=
cleanup() {
  set +e
  [ -n "$mock_pid" ] && kill "$mock_pid" 2> /dev/null && wait "$mock_pid" 2> /dev/null
  [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$pg_data" -m immediate -w stop > /dev/null 2>&1
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "e2e: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
step "make build"
make --no-print-directory build

# ---------------------------------------------------------------------------
step "Meltano $MELTANO_VERSION and the loaders (cached virtualenv)"
pins="e2e cache v2, python $(python3 -c 'import sys; print(sys.version.split()[0], sys.base_prefix)') meltano==$MELTANO_VERSION uv==$UV_VERSION
$(grep -E '^[[:space:]]*pip_url:' meltano.yml | sed 's/^[[:space:]]*//' | sort)"
cache_root=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tap-dixa
cache=$cache_root/e2e-$(printf '%s' "$pins" | sha256sum | cut -c1-12)
venv=$cache/venv
mkdir -p "$cache_root"
# One e2e at a time per cache: it holds the loaders' virtualenvs and Meltano's
# run directories.
exec 9> "$cache.lock"
flock -w 900 9 || die "another make e2e holds $cache.lock"

export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false MELTANO_DISABLE_TRACKING=true
export MELTANO_CLI_DISABLE_VERSION_CHECK=true MELTANO_CLI_LOG_FORMAT=uncolored
export MELTANO_HUB_URL=http://127.0.0.1:9 # nothing may need the Hub: fail fast if something tries
export MELTANO_SYS_DIR_ROOT=$cache/sys     # the loaders' venvs live here, made once
export MELTANO_DATABASE_URI=sqlite:///$tmp/meltano.db # fresh jobs and state every run
export MELTANO_ENVIRONMENT=dev
export PIP_DISABLE_PIP_VERSION_CHECK=1

# A cache is complete when its last install finished and its programs still run.
cache_ok() {
  [ -f "$cache/complete" ] && "$venv/bin/meltano" --version > /dev/null 2>&1 &&
    [ -x "$MELTANO_SYS_DIR_ROOT/loaders/target-jsonl/venv/bin/target-jsonl" ] &&
    [ -x "$MELTANO_SYS_DIR_ROOT/loaders/target-postgres/venv/bin/target-postgres" ]
}
if ! cache_ok; then
  say "installing into $cache (once; later runs reuse it)"
  rm -rf "$cache"
  mkdir -p "$cache"
  # Compiled at install time: Meltano imports ~2500 modules at each start, and
  # PYTHONDONTWRITEBYTECODE (set on some machines) would compile them every time.
  export UV_COMPILE_BYTECODE=1
  if ! python3 -m venv "$venv" > "$out/install.log" 2>&1; then
    [ "$(id -u)" = 0 ] || die "python3 -m venv failed (install python3-venv): $(tail -n 3 "$out/install.log")"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv > /dev/null
    rm -rf "$venv" && python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q "uv==$UV_VERSION" >> "$out/install.log" 2>&1 ||
    die "pip install uv==$UV_VERSION failed: $(tail -n 5 "$out/install.log")"
  "$venv/bin/uv" pip install -q --python "$venv/bin/python" "meltano==$MELTANO_VERSION" >> "$out/install.log" 2>&1 ||
    die "installing meltano==$MELTANO_VERSION failed: $(tail -n 5 "$out/install.log")"
  # meltano install makes $MELTANO_SYS_DIR_ROOT/loaders/<name>/venv from each pip_url.
  PATH=$venv/bin:$PATH timeout 900 "$venv/bin/meltano" install --plugin-type loader >> "$out/install.log" 2>&1 ||
    die "meltano install failed: $(tail -n 15 "$out/install.log")"
  touch "$cache/complete"
else
  say "reusing $cache"
fi
# The run and log folders of the last e2e are of no use now.
rm -rf "$MELTANO_SYS_DIR_ROOT/run" "$MELTANO_SYS_DIR_ROOT/logs"
export MELTANO_AUTO_INSTALL=false
export PATH=$venv/bin:$PATH
say "$(meltano --version)"

# mel NAME ARGS...: meltano ARGS, stdout to e2e-output/NAME.out, stderr to NAME.log.
mel() {
  local name=$1
  shift
  if ! timeout "$TIMEOUT" meltano "$@" > "$out/$name.out" 2> "$out/$name.log"; then
    tail -n 40 "$out/$name.log" >&2
    die "meltano $* failed (log: e2e-output/$name.log)"
  fi
}

# ---------------------------------------------------------------------------
step "throw-away PostgreSQL"
newest_pgbin() { printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }
pgbin=$(newest_pgbin)
if [ ! -x "$pgbin/initdb" ]; then
  [ "$(id -u)" = 0 ] || die "no PostgreSQL server under /usr/lib/postgresql: apt-get install postgresql (as root)"
  say "installing PostgreSQL from Debian packages"
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    # Only our throw-away cluster is needed: no default "main" cluster.
    mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
  fi
  apt-get update -qq > "$out/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >> "$out/apt.log" 2>&1 ||
    die "apt-get install postgresql failed: $(tail -n 5 "$out/apt.log")"
  pgbin=$(newest_pgbin)
fi
if [ "$(id -u)" = 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; } # initdb refuses to run as root
  install -d -o postgres -g postgres -m 700 "$tmp/pg"
else
  as_pg() { "$@"; }
  install -d -m 700 "$tmp/pg"
fi
pg_port=$(check free-port)
as_pg "$pgbin/initdb" -D "$tmp/pg/data" -U postgres -A trust -E UTF8 --locale=C --no-sync > "$tmp/pg/initdb.log" 2>&1 ||
  die "initdb failed: $(tail -n 5 "$tmp/pg/initdb.log")"
pg_data=$tmp/pg/data
cat >> "$pg_data/postgresql.conf" << CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$tmp/pg'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
as_pg "$pgbin/pg_ctl" -D "$pg_data" -l "$tmp/pg/server.log" -w -t 60 start > /dev/null ||
  die "PostgreSQL did not start: $(tail -n 5 "$tmp/pg/server.log")"
psql_() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
sql() { psql_ -d warehouse -Atc "$1"; }
psql_ -d postgres -c 'CREATE DATABASE warehouse'
say "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port, database warehouse"

# ---------------------------------------------------------------------------
step "fake Dixa and the tap's config"
mock_end=$(date -u +%F) # today 00:00 UTC: all data lie before now
bin/dixa-mock --addr 127.0.0.1:0 --url-file "$tmp/mock.url" --minute-seconds 0 --token "$TOKEN" \
  --conversations "$CONVERSATIONS" --start "$START_DATE" --end "$mock_end" > /dev/null 2> "$out/mock.log" &
mock_pid=$!
url=$(check wait-url "$tmp/mock.url" 30) || die "dixa-mock did not start: $(cat "$out/mock.log")"
say "$(head -n 1 "$out/mock.log")"

# Meltano reads TAP_DIXA_<SETTING> as the setting's value and writes it into the
# config file it passes to the tap.
export TAP_DIXA_API_TOKEN=$TOKEN
export TAP_DIXA_START_DATE=$START_DATE
export TAP_DIXA_EXPORTS_BASE_URL=$url
export TAP_DIXA_CONVERSATIONS_REQUESTS_PER_MINUTE=60000
export TAP_DIXA_MESSAGES_REQUESTS_PER_MINUTE=60000
export TAP_DIXA_REQUEST_TIMEOUT_SECONDS=60
export TAP_DIXA_MAX_RETRIES=2
export TARGET_POSTGRES_HOST=127.0.0.1
export TARGET_POSTGRES_PORT=$pg_port
export TARGET_POSTGRES_USER=postgres
export TARGET_POSTGRES_PASSWORD=unused-with-trust-auth
export TARGET_POSTGRES_DATABASE=warehouse
export TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA=$SCHEMA
export TARGET_POSTGRES_ADD_RECORD_METADATA=true
export TARGET_JSONL_DESTINATION_PATH=$out/jsonl
export TARGET_JSONL_DO_TIMESTAMP_FILE=false
mel config-tap-dixa config list tap-dixa
grep -q "exports_base_url.*$url" "$out/config-tap-dixa.out" ||
  die "meltano config list tap-dixa does not show the mock's URL: $(cat "$out/config-tap-dixa.out")"
verify "meltano config list tap-dixa" no-secret "$out/config-tap-dixa.out" "$TOKEN"

# ---------------------------------------------------------------------------
step "meltano invoke tap-dixa --discover; meltano select tap-dixa --list --all"
mel discover invoke tap-dixa --discover
cp "$out/discover.out" "$out/catalog.json"
verify discover catalog "$out/catalog.json"
mel select select tap-dixa --list --all
verify select select "$out/select.out"

# ---------------------------------------------------------------------------
# loaded_ids STREAM FILE [WHERE]: the ids in the stream's table, one a line.
loaded_ids() { sql "SELECT id FROM $SCHEMA.$1 ${3:-} ORDER BY id" > "$2"; }
# compare_all LABEL: every id of both streams in PostgreSQL = the truth.
compare_all() {
  local s n
  for s in conversations messages; do
    n=$(check truth "$url" "$s" "$tmp/truth-$s.ids")
    loaded_ids "$s" "$tmp/pg-$s.ids"
    verify "$1" same-ids "$s" "$tmp/truth-$s.ids" "$tmp/pg-$s.ids"
    printf -v "truth_$s" '%s' "$n"
  done
}

step "meltano run tap-dixa target-postgres"
truth_conversations=0 truth_messages=0 # set by compare_all
mel run1-postgres run tap-dixa target-postgres
compare_all "postgres"
[ "$(sql "SELECT data_type FROM information_schema.columns WHERE table_schema = '$SCHEMA' AND table_name = 'conversations' AND column_name = 'id'")" = bigint ] ||
  die "$SCHEMA.conversations.id is not a bigint column"
big=9007199254740993 # the mock's first id above 2^53: a float64 would make it ...992
grep -qx "$big" "$tmp/truth-conversations.ids" || die "the mock's truth lacks conversation $big"
[ "$(sql "SELECT id FROM $SCHEMA.conversations WHERE id = $big")" = "$big" ] ||
  die "conversation $big is not in PostgreSQL exactly"
[ "$(sql "SELECT count(*) FROM $SCHEMA.conversations WHERE id > 9007199254740992")" = \
  "$(check count-big "$tmp/truth-conversations.ids")" ] || die "ids above 2^53 differ"
say "postgres: conversation $big exact in a bigint column, like every id above 2^53"
mel state1 state get dev:tap-dixa-to-target-postgres
run1_done=$(check now-ms)
verify "state after run 1" state "$out/state1.out" "$(date -u -d "$mock_end" +%s)000" "$run1_done"
old_conversations=$truth_conversations
old_messages=$truth_messages

# ---------------------------------------------------------------------------
step "add data to the fake Dixa, run again: only the new rows are loaded"
from=$(check now-ms)
to=$((from + 500))
added=$(check add "$url" "$ADDED" "$from" "$to") || die "POST /_admin/add failed"
read -r add_c add_m <<< "$added"
say "POST /_admin/add: $add_c conversations, $add_m messages in [$from, $to)"
sleep 1
run2_start=$(check now-ms)
mel run2-postgres run tap-dixa target-postgres
compare_all "postgres after the add"
if [ "$truth_conversations" != $((old_conversations + add_c)) ] || [ "$truth_messages" != $((old_messages + add_m)) ]; then
  die "truth after the add: $truth_conversations conversations, $truth_messages messages; want $old_conversations+$add_c, $old_messages+$add_m"
fi
for s in conversations messages; do
  # The rows the second run wrote carry its time_extracted (compared to the
  # second, in case a tap writes whole seconds: run 1 ended seconds before).
  # A record exactly on run 1's bookmark may legitimately come again (a window's
  # lower edge is queried with _after = start - 1 ms): allow those, no others.
  bm=$(check bookmark "$out/state1.out" "$s")
  check truth "$url" "$s" "$tmp/added-$s.ids" after "$from" before "$to" > /dev/null
  check truth "$url" "$s" "$tmp/edge-$s.ids" after $((bm - 1)) before $((bm + 1)) > /dev/null
  loaded_ids "$s" "$tmp/run2-$s.ids" "WHERE _sdc_extracted_at >= to_timestamp($((run2_start / 1000)))"
  verify "run 2" only-new "$s" "$tmp/added-$s.ids" "$tmp/edge-$s.ids" "$tmp/run2-$s.ids"
done
mel state2 state get dev:tap-dixa-to-target-postgres
verify "state after run 2" state "$out/state2.out" "$to" "$(check now-ms)"

# ---------------------------------------------------------------------------
step "meltano run --full-refresh tap-dixa target-jsonl"
rm -rf "$out/jsonl" && mkdir -p "$out/jsonl" # target-jsonl appends
mel run-jsonl run --full-refresh tap-dixa target-jsonl
for s in conversations messages; do
  verify jsonl jsonl "$out/jsonl" "$s" "$tmp/truth-$s.ids"
done

[ "$(sha256sum meltano.yml)" = "$yml_sum" ] || die "Meltano rewrote meltano.yml (git diff meltano.yml)"

# ---------------------------------------------------------------------------
step "summary"
secs=$(echo "$(date +%s.%N) $t_start" | awk '{printf "%.0f", $1 - $2}')
cat << SUMMARY | tee "$out/summary.txt"

  Meltano $MELTANO_VERSION, loaders: $(grep -E '^[[:space:]]*pip_url:' meltano.yml | awk '{print $2}' | paste -sd ' ')
  fake Dixa:        $old_conversations conversations, $old_messages messages ($START_DATE to $mock_end), then +$add_c/+$add_m
  target-postgres:  run 1 loaded all; run 2 loaded only the $add_c + $add_m new ones; ids above 2^53 exact
  bookmarks:        $(check state "$out/state2.out" 0 "$(check now-ms)")
  target-jsonl:     $truth_conversations conversations, $truth_messages messages (full refresh) = truth
  took:             ${secs}s
  logs and outputs: e2e-output/

e2e: OK
SUMMARY
