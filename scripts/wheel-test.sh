#!/usr/bin/env bash
# make wheel-test VERSION: the wheel of this machine's platform (dist/wheels, make wheel) as a
# user without Go gets it. A fresh venv; every command after the install runs with an empty
# environment whose PATH is the venv's bin, /usr/bin and /bin, and the script fails if `go` is
# found there. Then:
#   pip install --no-index --find-links dist/wheels tap-dixa-go==<PEP 440 of VERSION>
#   tap-dixa is the venv's; --version says VERSION; --about --format json names tap-dixa with
#   VERSION and its capabilities; pip show says the PEP 440 version
#   a sync of a month against the fake Dixa (built with Go beforehand): every conversation
#   arrives, and the run ends with a STATE
#   the release archive of this platform (dist/, make release-snapshot) checked against the
#   checksums file and unpacked as the README's Install says: its --version, the wheel's bytes
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: wheel-test.sh VERSION}
pep=$(python3 scripts/wheel.py pep440 "$version")
say() { printf 'wheel-test: %s\n' "$*"; }
die() { printf 'wheel-test: FAIL: %s\n' "$*" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tap-dixa-wheel.XXXXXX")
mock_pid=
cleanup() {
  [ -z "$mock_pid" ] || kill "$mock_pid" 2> /dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

CGO_ENABLED=0 go build -trimpath -o "$tmp/dixa-mock" ./cmd/dixa-mock # the only use of Go
bash scripts/venv.sh "$tmp/venv"
mkdir -p "$tmp/home"
bare() { env -i HOME="$tmp/home" PATH="$tmp/venv/bin:/usr/bin:/bin" LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1 "$@"; }
if bare sh -c 'command -v go'; then die "go is on the bare PATH; this test needs a PATH without it"; fi

bare pip install -q --no-index --find-links dist/wheels "tap-dixa-go==$pep" ||
  die "pip install tap-dixa-go==$pep from dist/wheels failed (make wheel first)"
tag=$(bare python -c 'from importlib.metadata import distribution as d; print(d("tap-dixa-go").read_text("WHEEL"))' | sed -n 's/^Tag: //p')
say "pip installed tap-dixa-go $pep ($tag) into a fresh venv, no Go on PATH"
where=$(bare sh -c 'command -v tap-dixa')
[ "$where" = "$tmp/venv/bin/tap-dixa" ] || die "tap-dixa on PATH is $where, not the venv's"
said=$(bare tap-dixa --version)
[ "$said" = "tap-dixa $version" ] || die "tap-dixa --version says '$said', want 'tap-dixa $version'"
bare tap-dixa --about --format json > "$tmp/about.json"
python3 - "$tmp/about.json" "$version" << 'PY' || die "--about --format json is not what it should be"
import json, sys
about = json.load(open(sys.argv[1]))
assert about["name"] == "tap-dixa", about["name"]
assert about["version"] == sys.argv[2], about["version"]
assert {"catalog", "discover", "state", "about"} <= set(about["capabilities"]), about["capabilities"]
assert "api_token" in about["settings"]["properties"]
PY
shown=$(bare pip show tap-dixa-go | sed -n 's/^Version: //p')
[ "$shown" = "$pep" ] || die "pip show tap-dixa-go: version $shown, want $pep"
say "tap-dixa = $where; --version: $said; --about: name, version, capabilities; pip show: $shown"

"$tmp/dixa-mock" --addr 127.0.0.1:0 --url-file "$tmp/mock.url" --minute-seconds 0 --token wheel-token \
  --conversations 40 --start 2024-01-01 --end 2024-02-01 > /dev/null 2> "$tmp/mock.log" &
mock_pid=$!
for _ in $(seq 100); do [ -s "$tmp/mock.url" ] && break; sleep 0.1; done
url=$(cat "$tmp/mock.url" 2> /dev/null) || die "dixa-mock did not start: $(cat "$tmp/mock.log")"
bare env TAP_DIXA_API_TOKEN=wheel-token TAP_DIXA_START_DATE=2024-01-01 TAP_DIXA_END_DATE=2024-02-01 \
  TAP_DIXA_EXPORTS_BASE_URL="$url" TAP_DIXA_API_BASE_URL="$url" \
  TAP_DIXA_CONVERSATIONS_REQUESTS_PER_MINUTE=6000 TAP_DIXA_MESSAGES_REQUESTS_PER_MINUTE=6000 \
  TAP_DIXA_API_REQUESTS_PER_SECOND=1000 \
  tap-dixa --config ENV > "$tmp/out.ndjson" 2> "$tmp/tap.log" || die "the sync failed: $(tail -n 5 "$tmp/tap.log")"
python3 - "$tmp/out.ndjson" << 'PY' || die "the sync's output is not what it should be"
import collections, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
records = collections.Counter(m["stream"] for m in lines if m["type"] == "RECORD")
assert records["conversations"] == 40, records
assert lines[-1]["type"] == "STATE", lines[-1]
print(f"wheel-test: sync against the fake Dixa: {sum(records.values())} records in {len(records)} streams, "
      f"{records['conversations']} conversations, ends with STATE")
PY

# The release archive of this platform, as the README's Install section verifies and unpacks it
# (the files as a download would leave them; dist/ holds what the release page would).
os=$(uname -s | tr 'A-Z' 'a-z')
arch=$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
v=${version#v}
mkdir -p "$tmp/download"
cp "dist/tap-dixa_${v}_${os}_${arch}.tar.gz" "dist/tap-dixa_${v}_checksums.txt" "$tmp/download/" ||
  die "no release archive for $os/$arch in dist/ (make release-snapshot)"
(
  cd "$tmp/download"
  bare sh -c "grep ' tap-dixa_${v}_${os}_${arch}.tar.gz\$' 'tap-dixa_${v}_checksums.txt' | sha256sum -c -" > /dev/null ||
    die "the archive's checksum does not match"
  bare tar xzf "tap-dixa_${v}_${os}_${arch}.tar.gz" tap-dixa
  said=$(bare ./tap-dixa --version)
  [ "$said" = "tap-dixa $version" ] || die "the archive's tap-dixa --version says '$said'"
  cmp -s tap-dixa "$(dirname "$(bare python -c 'import tap_dixa_go; print(tap_dixa_go.__file__)')")/bin/tap-dixa" ||
    die "the archive's binary is not the wheel's"
  say "archive tap-dixa_${v}_${os}_${arch}.tar.gz: checksum OK, tap-dixa --version: $said, the same bytes as the wheel's"
)
say OK
