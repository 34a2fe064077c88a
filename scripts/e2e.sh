#!/usr/bin/env bash
# make e2e: tap-dixa under Meltano, end to end, against the fake Dixa, into a
# matrix of targets.
#
#   1. make wheel (the release build's tap-dixa in the tap-dixa-go wheels, dist/wheels);
#      the fake Dixa built with go into the temp dir. The tap is not built or run
#      from bin/: Meltano runs the project in a copy of meltano.yml, in a temp dir
#      with no bin/, whose one change is the extractor's pip_url: the wheels just
#      built (--no-index --find-links dist/wheels tap-dixa-go==<their version>)
#      instead of PyPI's release; no tap-dixa is on PATH
#   2. Meltano and the loaders and mapper of meltano.yml, each in its own
#      cached virtualenv (${XDG_CACHE_HOME:-~/.cache}/tap-dixa/e2e-<hash of the
#      pins>), made once
#   3. meltano install of the extractor from the wheels, its venv made anew every
#      run (--clean); meltano invoke tap-dixa --version runs
#      .meltano/extractors/tap-dixa/venv/bin/tap-dixa (Meltano's own debug log
#      says so) and prints the version of the wheels
#   4. a throw-away PostgreSQL cluster on a free loopback port, database "warehouse"
#   5. the fake Dixa with a few thousand conversations; the tap's config as
#      TAP_DIXA_* variables (the mock's URL, high request rates), every default
#      stream and the two children selected (TAP_DIXA__SELECT)
#   6. meltano invoke tap-dixa --discover, meltano select tap-dixa --list --all
#   7. meltano run into each target:
#        tap-dixa hash-pii target-postgres     MeltanoLabs', schema tap_dixa, PII hashed
#        tap-dixa target-postgres-pipelinewise PipelineWise's, schema tap_dixa_pipelinewise
#        tap-dixa target-duckdb                e2e-output/warehouse.duckdb, schema tap_dixa
#      every stream's keys = the mock's truth; ids above 2^53 exact; the
#      hashed requester_email is md5 of the raw one, requester_phone_number dropped
#   8. more data through the mock's POST /_admin/add; a second run into each
#      target from its own state loads only those; integer bookmarks
#   9. meltano run --full-refresh tap-dixa target-jsonl: files = the truth
#  10. meltano.yml and git status unchanged; a summary with the row counts
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
  printf '\ne2e: [%d/10 %5.1fs] %s\n' "$step_no" "$(echo "$(date +%s.%N) $t_start" | awk '{print $1 - $2}')" "$*"
}

command -v python3 > /dev/null || die "python3 is needed (for Meltano and the checks)"
# The version make wheel stamps (make e2e passes the Makefile's), and the wheels' PEP 440 form.
version=${VERSION:-$(bash scripts/version.sh)}
pep=$(python3 scripts/wheel.py pep440 "$version")
# No tap-dixa on PATH (a go install, a bin/ someone added): only the plugin's venv has one.
clean_path=
IFS=: read -ra path_dirs <<< "$PATH"
for d in "${path_dirs[@]}"; do
  [ -n "$d" ] && [ ! -x "$d/tap-dixa" ] && clean_path+=${clean_path:+:}$d
done
export PATH=$clean_path
! command -v tap-dixa > /dev/null || die "tap-dixa is still on PATH: $(command -v tap-dixa)"
yml_sum=$(sha256sum meltano.yml)
# git status before, to check that the run leaves no file behind in the repo
# (Go sources and schemas that appear meanwhile are someone's work in progress).
git_untracked() {
  git status --porcelain --untracked-files=all 2> /dev/null | grep '^??' |
    grep -Ev '\.go$|^\?\? (tap|cmd|schemas)/' || true
}
git_before=$(git_untracked)
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
step "make wheel (tap-dixa $version in the wheels tap-dixa-go $pep); the fake Dixa; the project copy"
make --no-print-directory wheel VERSION="$version"
ls dist/wheels/tap_dixa_go-"$pep"-*.whl > /dev/null 2>&1 || die "make wheel made no tap-dixa-go $pep wheels in dist/wheels"
CGO_ENABLED=0 go build -trimpath -o "$tmp/dixa-mock" ./cmd/dixa-mock
# meltano.yml with the extractor's pip_url pointing at the wheels just built, in a project
# folder of its own (no bin/, no .meltano/): the one line that differs.
proj=$tmp/project
mkdir -p "$proj"
pin_line='^    pip_url: tap-dixa-go==[^ ]*$'
[ "$(grep -c "$pin_line" meltano.yml)" = 1 ] || die "meltano.yml has no single '    pip_url: tap-dixa-go==...' line for the extractor"
local_pip_url="--no-index --find-links '$root/dist/wheels' tap-dixa-go==$pep"
sed "s|$pin_line|    pip_url: \"$local_pip_url\"|" meltano.yml > "$proj/meltano.yml"
[ "$(diff meltano.yml "$proj/meltano.yml" | grep -c '^[<>]')" = 2 ] || die "the project copy differs from meltano.yml by more than the pip_url line"
export MELTANO_PROJECT_ROOT=$proj
say "Meltano project: $proj/meltano.yml = meltano.yml with tap-dixa's pip_url: $local_pip_url"
# From here on nothing needs Go, as on a user's machine: its folder leaves PATH (unless it
# is a system folder that other tools share).
go_dir=$(dirname "$(command -v go)")
case $go_dir in
  /usr/bin | /bin | /usr/local/bin) say "go stays on PATH (it is in $go_dir)" ;;
  *)
    PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$go_dir" | paste -sd: -)
    ! command -v go > /dev/null || die "go is still on PATH: $(command -v go)"
    say "no go on PATH from here on ($go_dir left it)"
    ;;
esac

# ---------------------------------------------------------------------------
step "Meltano $MELTANO_VERSION, the loaders and the mapper (cached virtualenvs)"
# (tap-dixa-go's pin is left out: the tap's venv is made anew every run, from the wheels.)
pins="e2e cache v3, python $(python3 -c 'import sys; print(sys.version.split()[0], sys.base_prefix)') meltano==$MELTANO_VERSION uv==$UV_VERSION
$(grep -E '^[[:space:]]*pip_url:' meltano.yml | grep -v tap-dixa-go | sed 's/^[[:space:]]*//' | sort)"
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

# The plugins' programs, as meltano install lays them out.
plugins="loaders/target-jsonl/venv/bin/target-jsonl
loaders/target-postgres/venv/bin/target-postgres
loaders/target-postgres-pipelinewise/venv/bin/target-postgres
loaders/target-duckdb/venv/bin/target-duckdb
mappers/meltano-map-transformer/venv/bin/meltano-map-transform"
duck_py=$MELTANO_SYS_DIR_ROOT/loaders/target-duckdb/venv/bin/python
# A cache is complete when its last install finished and its programs still run.
cache_ok() {
  local p
  [ -f "$cache/complete" ] && "$venv/bin/meltano" --version > /dev/null 2>&1 || return 1
  for p in $plugins; do [ -x "$MELTANO_SYS_DIR_ROOT/$p" ] || return 1; done
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
  # meltano install makes $MELTANO_SYS_DIR_ROOT/<type>s/<name>/venv from each
  # pip_url, with uv (seconds, not minutes); the extractor's comes next step.
  for type in loader mapper; do
    PATH=$venv/bin:$PATH MELTANO_VENV_BACKEND=uv timeout 900 "$venv/bin/meltano" install --plugin-type "$type" >> "$out/install.log" 2>&1 ||
      die "meltano install --plugin-type $type failed: $(tail -n 15 "$out/install.log")"
  done
  touch "$cache/complete"
  cache_ok || die "meltano install did not make every plugin: $(tail -n 15 "$out/install.log")"
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
step "meltano install tap-dixa: tap-dixa-go $pep from dist/wheels into a new venv"
tap_exe=$MELTANO_SYS_DIR_ROOT/extractors/tap-dixa/venv/bin/tap-dixa
MELTANO_VENV_BACKEND=uv mel install-tap-dixa install --clean --plugin-type extractor tap-dixa
[ -x "$tap_exe" ] || die "meltano install made no $tap_exe (log: e2e-output/install-tap-dixa.log)"
installed=$("$MELTANO_SYS_DIR_ROOT/extractors/tap-dixa/venv/bin/python" -c 'from importlib.metadata import version; print(version("tap-dixa-go"))')
[ "$installed" = "$pep" ] || die "the extractor's venv has tap-dixa-go $installed, not $pep"
mel version --log-level=debug invoke tap-dixa --version
[ "$(cat "$out/version.out")" = "tap-dixa $version" ] || die "meltano invoke tap-dixa --version printed '$(cat "$out/version.out")', want 'tap-dixa $version'"
grep -qF "Invoking: ['$tap_exe', " "$out/version.log" ||
  die "Meltano did not run $tap_exe: $(grep -F 'Invoking:' "$out/version.log")"
say "Meltano runs $tap_exe (tap-dixa-go $installed): $(cat "$out/version.out")"

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
"$tmp/dixa-mock" --addr 127.0.0.1:0 --url-file "$tmp/mock.url" --minute-seconds 0 --token "$TOKEN" \
  --conversations "$CONVERSATIONS" --start "$START_DATE" --end "$mock_end" > /dev/null 2> "$out/mock.log" &
mock_pid=$!
url=$(check wait-url "$tmp/mock.url" 30) || die "dixa-mock did not start: $(cat "$out/mock.log")"
say "$(head -n 1 "$out/mock.log")"

# Meltano reads TAP_DIXA_<SETTING> as the setting's value and writes it into the
# config file it passes to the tap.
export TAP_DIXA_API_TOKEN=$TOKEN
export TAP_DIXA_START_DATE=$START_DATE
export TAP_DIXA_EXPORTS_BASE_URL=$url
export TAP_DIXA_API_BASE_URL=$url
export TAP_DIXA_CONVERSATIONS_REQUESTS_PER_MINUTE=60000
export TAP_DIXA_MESSAGES_REQUESTS_PER_MINUTE=60000
export TAP_DIXA_API_REQUESTS_PER_SECOND=10000
export TAP_DIXA_REQUEST_TIMEOUT_SECONDS=60
export TAP_DIXA_MAX_RETRIES=2
export TARGET_POSTGRES_HOST=127.0.0.1
export TARGET_POSTGRES_PORT=$pg_port
export TARGET_POSTGRES_USER=postgres
export TARGET_POSTGRES_PASSWORD=unused-with-trust-auth
export TARGET_POSTGRES_DATABASE=warehouse
export TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA=$SCHEMA
export TARGET_POSTGRES_ADD_RECORD_METADATA=true
export TARGET_POSTGRES_PIPELINEWISE_HOST=127.0.0.1
export TARGET_POSTGRES_PIPELINEWISE_PORT=$pg_port
export TARGET_POSTGRES_PIPELINEWISE_USER=postgres
export TARGET_POSTGRES_PIPELINEWISE_PASSWORD=unused-with-trust-auth
export TARGET_POSTGRES_PIPELINEWISE_DBNAME=warehouse
export TARGET_POSTGRES_PIPELINEWISE_DEFAULT_TARGET_SCHEMA=tap_dixa_pipelinewise
export TARGET_POSTGRES_PIPELINEWISE_ADD_METADATA_COLUMNS=true
duck_db=$out/warehouse.duckdb
export TARGET_DUCKDB_FILEPATH=$duck_db
export TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA=$SCHEMA
export TARGET_DUCKDB_ADD_METADATA_COLUMNS=true
export TARGET_JSONL_DESTINATION_PATH=$out/jsonl
export TARGET_JSONL_DO_TIMESTAMP_FILE=false
# Every stream of the matrix: meltano.yml's select (the 17 default streams) and
# the two children, through Meltano's <PLUGIN>__SELECT extra.
mapfile -t streams < <(check streams)
TAP_DIXA__SELECT=$(printf '"%s.*",' "${streams[@]}")
export TAP_DIXA__SELECT="[${TAP_DIXA__SELECT%,}]"
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
# The targets of the matrix: NAME is how this script calls them, loader the
# Meltano plugin, run the `meltano run` blocks, schema where the tables land.
targets=(postgres pipelinewise duckdb)
declare -A loader=([postgres]=target-postgres [pipelinewise]=target-postgres-pipelinewise [duckdb]=target-duckdb)
declare -A blocks=([postgres]="tap-dixa hash-pii target-postgres" [pipelinewise]="tap-dixa target-postgres-pipelinewise" [duckdb]="tap-dixa target-duckdb")
declare -A schema=([postgres]=$SCHEMA [pipelinewise]=tap_dixa_pipelinewise [duckdb]=$SCHEMA)
declare -A rows # "target run stream" -> rows loaded
# q TARGET SQL: the rows of a query in the target's database, tab-separated.
q() {
  case $1 in
    duckdb) "$duck_py" "$root/scripts/e2e/duck.py" "$duck_db" "$2" ;;
    *) psql_ -d warehouse -At -F $'\t' -c "$2" ;;
  esac
}
# loaded_keys TARGET STREAM OUT [WHERE]: the keys of the stream's table, tab-joined, one a line.
loaded_keys() {
  local expr
  expr=$(q "$1" "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '${schema[$1]}' AND table_name = '$2'" |
    check key-expr "$2") || die "$1: no table ${schema[$1]}.$2 with its key columns"
  q "$1" "SELECT $expr FROM ${schema[$1]}.$2 ${4:-}" > "$3"
}
# truth_all: the mock's keys of every stream (activity_logs, analytics_records:
# the synced range; analytics_records: (record_id, timestamp ms, csid) triples,
# see check.py).
truth_all() {
  local s bounds=()
  for s in "${streams[@]}"; do
    case $s in
      activity_logs | analytics_records) bounds=(after "$start_ms" before "$(check now-ms)") ;;
      *) bounds=() ;;
    esac
    check truth-keys "$url" "$s" "$tmp/truth-$s.keys" "${bounds[@]}" > /dev/null
  done
  check truth "$url" conversations "$tmp/truth-conversations.ids" > /dev/null
}
# compare_all TARGET RUN: every stream's keys in the target = the truth.
compare_all() {
  local s n line=""
  for s in "${streams[@]}"; do
    loaded_keys "$1" "$s" "$tmp/$1-$s.keys"
    n=$(check same-keys "$s" "$tmp/truth-$s.keys" "$tmp/$1-$s.keys") || die "$1 run $2: $s differs from the truth (see above)"
    rows["$1 $2 $s"]=$n
    line+=" $s=$n"
  done
  say "$1 run $2: every stream = truth:$line"
}
# big_ids TARGET: conversation ids above 2^53 exact.
big=9007199254740993 # the mock's first id above 2^53: a float64 would make it ...992
big_ids() {
  local t=$1 type
  type=$(q "$t" "SELECT data_type FROM information_schema.columns WHERE table_schema = '${schema[$t]}' AND table_name = 'conversations' AND column_name = 'id'")
  [ "$t" != postgres ] || [ "$type" = bigint ] || die "$t: ${schema[$t]}.conversations.id is $type, not bigint"
  [ "$(q "$t" "SELECT CAST(id AS VARCHAR) FROM ${schema[$t]}.conversations WHERE id = $big")" = "$big" ] ||
    die "$t: conversation $big is not there exactly"
  [ "$(q "$t" "SELECT count(*) FROM ${schema[$t]}.conversations WHERE id > 9007199254740992")" = \
    "$(check count-big "$tmp/truth-conversations.ids")" ] || die "$t: the ids above 2^53 differ"
  say "$t: conversation $big exact (id column: $type), like every id above 2^53"
}
start_ms=$(date -u -d "$START_DATE" +%s)000

step "meltano run into each target: MeltanoLabs target-postgres (through hash-pii), PipelineWise target-postgres, target-duckdb"
for t in "${targets[@]}"; do
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086 # the blocks are words
  mel "run1-$t" run ${blocks[$t]}
  say "$t run 1: $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}')s"
done
truth_all
for t in "${targets[@]}"; do
  compare_all "$t" 1
  big_ids "$t"
done
# PII: hash-pii replaced requester_email by its md5 and dropped requester_phone_number.
[ "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = '$SCHEMA' AND table_name = 'conversations' AND column_name = 'requester_phone_number'")" = 0 ] ||
  die "hash-pii: $SCHEMA.conversations has requester_phone_number"
emails=$(sql "SELECT count(*) FROM tap_dixa_pipelinewise.conversations WHERE requester_email <> ''")
[ "$emails" -gt 0 ] || die "hash-pii: the mock's conversations have no requester_email to hash"
bad=$(sql "SELECT count(*) FROM $SCHEMA.conversations h JOIN tap_dixa_pipelinewise.conversations r ON h.id = r.id
  WHERE h.requester_email IS DISTINCT FROM CASE WHEN r.requester_email = '' THEN '' ELSE md5(r.requester_email) END
     OR h.requester_email = r.requester_email")
[ "$bad" = 0 ] || die "hash-pii: $bad of $SCHEMA.conversations.requester_email are not the md5 of the raw email"
say "hash-pii: $SCHEMA.conversations.requester_email = md5(raw) in all $emails with one, never raw; requester_phone_number dropped"
run1_done=$(check now-ms)
for t in "${targets[@]}"; do
  mel "state1-$t" state get "dev:tap-dixa-to-${loader[$t]}"
  verify "$t state after run 1" state "$out/state1-$t.out" "$(date -u -d "$mock_end" +%s)000" "$run1_done"
done
old_conversations=${rows[postgres 1 conversations]}
old_messages=${rows[postgres 1 messages]}

# ---------------------------------------------------------------------------
step "add data to the fake Dixa, run each target again: only the new rows are loaded"
from=$(check now-ms)
to=$((from + 500))
added=$(check add "$url" "$ADDED" "$from" "$to") || die "POST /_admin/add failed"
read -r add_c add_m <<< "$added"
say "POST /_admin/add: $add_c conversations, $add_m messages in [$from, $to)"
sleep 1
run2_start=$(check now-ms)
for t in "${targets[@]}"; do
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  mel "run2-$t" run ${blocks[$t]}
  say "$t run 2: $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}')s"
done
truth_all
for t in "${targets[@]}"; do
  compare_all "$t" 2
  if [ "${rows[$t 2 conversations]}" != $((old_conversations + add_c)) ] || [ "${rows[$t 2 messages]}" != $((old_messages + add_m)) ]; then
    die "$t after the add: ${rows[$t 2 conversations]} conversations, ${rows[$t 2 messages]} messages; want $old_conversations+$add_c, $old_messages+$add_m"
  fi
  for s in conversations messages; do
    # The rows the second run wrote carry its time_extracted (compared to the
    # second, in case a tap writes whole seconds: run 1 ended seconds before).
    # A record exactly on run 1's bookmark may legitimately come again (a window's
    # lower edge is queried with _after = start - 1 ms): allow those, no others.
    bm=$(check bookmark "$out/state1-$t.out" "$s")
    check truth "$url" "$s" "$tmp/added-$s.ids" after "$from" before "$to" > /dev/null
    check truth "$url" "$s" "$tmp/edge-$s.ids" after $((bm - 1)) before $((bm + 1)) > /dev/null
    q "$t" "SELECT CAST(id AS VARCHAR) FROM ${schema[$t]}.$s WHERE extract(epoch FROM _sdc_extracted_at) >= $((run2_start / 1000))" > "$tmp/run2-$t-$s.ids"
    verify "$t run 2" only-new "$s" "$tmp/added-$s.ids" "$tmp/edge-$s.ids" "$tmp/run2-$t-$s.ids"
  done
  mel "state2-$t" state get "dev:tap-dixa-to-${loader[$t]}"
  verify "$t state after run 2" state "$out/state2-$t.out" "$to" "$(check now-ms)"
done

# ---------------------------------------------------------------------------
step "meltano run --full-refresh tap-dixa target-jsonl"
rm -rf "$out/jsonl" && mkdir -p "$out/jsonl" # target-jsonl appends
mel run-jsonl run --full-refresh tap-dixa target-jsonl
line=""
for s in "${streams[@]}"; do
  check jsonl-keys "$out/jsonl" "$s" "$tmp/jsonl-$s.keys"
  n=$(check same-keys "$s" "$tmp/truth-$s.keys" "$tmp/jsonl-$s.keys") || die "jsonl: $s differs from the truth (see above)"
  rows["jsonl 1 $s"]=$n
  line+=" $s=$n"
done
for s in conversations messages; do
  check truth "$url" "$s" "$tmp/truth-$s.ids" > /dev/null
  verify jsonl jsonl "$out/jsonl" "$s" "$tmp/truth-$s.ids" # id and bookmark types
done
say "jsonl: every stream = truth:$line"

# ---------------------------------------------------------------------------
step "the repo is as before; summary"
[ "$(sha256sum meltano.yml)" = "$yml_sum" ] || die "Meltano rewrote meltano.yml (git diff meltano.yml)"
new_files=$(comm -13 <(printf '%s\n' "$git_before" | sort) <(git_untracked | sort))
[ -z "$new_files" ] || die "the run left files in the repo (git status):
$new_files"
say "meltano.yml unchanged, no new file in git status"
secs=$(echo "$(date +%s.%N) $t_start" | awk '{printf "%.0f", $1 - $2}')
{
  echo
  echo "  Meltano $MELTANO_VERSION, plugins: $(grep -E '^[[:space:]]*pip_url:' meltano.yml | sed 's/^[[:space:]]*pip_url:[[:space:]]*//' | paste -sd ',' | sed 's/,/, /g')"
  echo "  fake Dixa: $old_conversations conversations, $old_messages messages ($START_DATE to $mock_end), then +$add_c/+$add_m"
  echo "  rows per stream = the mock's truth (run 2: after the add, from each target's own state; jsonl: full refresh)"
  printf '  %-21s' stream
  for r in 1 2; do for t in "${targets[@]}"; do printf ' %14s' "$t/$r"; done; done
  printf ' %14s\n' jsonl
  for s in "${streams[@]}"; do
    printf '  %-21s' "$s"
    for r in 1 2; do for t in "${targets[@]}"; do printf ' %14s' "${rows[$t $r $s]}"; done; done
    printf ' %14s\n' "${rows[jsonl 1 $s]}"
  done
  echo "  bookmarks (target-postgres): $(check state "$out/state2-postgres.out" 0 "$(check now-ms)")"
  echo "  took: ${secs}s; logs and outputs: e2e-output/"
  echo
  echo "e2e: OK"
} | tee "$out/summary.txt"
