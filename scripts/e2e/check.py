#!/usr/bin/env python3
"""Checks for scripts/e2e.sh: talks to the fake Dixa and compares what
Meltano's targets loaded with the mock's truth. Standard library only.

Every subcommand prints one short line and exits 0 when the check holds;
on a mismatch it prints "FAIL: ..." on stderr and exits 1.

  check.py free-port
  check.py wait-url FILE SECONDS
  check.py truth URL STREAM OUT [after MS] [before MS]   ids (one a line) -> OUT
  check.py add URL N FROM TO                          POST /_admin/add
  check.py now-ms
  check.py catalog FILE                               --discover output
  check.py select FILE                                meltano select --list --all output
  check.py same-ids STREAM TRUTH_IDS LOADED_IDS       one id a line each
  check.py state FILE MIN_MS MAX_MS                   meltano state get output
  check.py jsonl DIR STREAM TRUTH_IDS                 target-jsonl output
  check.py no-secret FILE SECRET
  check.py count-big IDS                              conversation ids above 2^53
  check.py bookmark FILE STREAM                       from meltano state get output
  check.py only-new STREAM ADDED_IDS EDGE_IDS LOADED_IDS
  check.py streams                                    every stream of the matrix, one a line
  check.py truth-keys URL STREAM OUT [after MS] [before MS]  key tuples (tab-joined) -> OUT
  check.py key-expr STREAM < COLUMNS                  SQL text of the key columns among a table's
                                                      (lines: column name TAB data type)
  check.py same-keys STREAM TRUTH_KEYS LOADED_KEYS    one tab-joined key a line each
  check.py jsonl-keys DIR STREAM OUT                  key tuples of target-jsonl's file -> OUT

analytics_records has no key in the mock's truth (the tap's "key" is a
fingerprint of the record): its truth is the multiset of (record_id, primary
timestamp in ms, the csid field's value), and what a target loaded is turned
into the same triples (key-expr selects record_id, key, primary_timestamp and
fields; same-keys checks (record_id, key) unique, then compares the triples).
"""

import collections
import datetime
import json
import os
import socket
import sys
import time
import urllib.request

STREAMS = {"conversations": "updated_at", "messages": "created_at"}

# The key of every stream the e2e loads (the 17 selected by default and the two
# children conversation_ratings and conversation_notes), as the tap declares it
# and the mock's /_truth answers it (analytics_records: see TRIPLE).
KEYS = {
    "conversations": ["id"], "messages": ["id"], "activity_logs": ["id"],
    "agents": ["id"], "end_users": ["id"], "teams": ["id"],
    "team_members": ["team_id", "id"], "queues": ["id"],
    "queue_members": ["queue_id", "agentId"], "tags": ["id"],
    "custom_attributes": ["id"],
    "flows": ["id"], "contact_endpoints": ["id"], "business_hours": ["id"],
    "organization": ["id"], "templates": ["id"],
    "analytics_records": ["record_id", "key"],
    "conversation_ratings": ["conversation_id", "id", "ratingType"],
    "conversation_notes": ["id"],
}


# Streams compared by other columns than their key: the truth's fields, and the
# columns of a loaded row they are computed from (after the key columns).
TRIPLE = {"analytics_records": {"truth": ["record_id", "at", "csid"], "loaded": ["primary_timestamp", "fields"]}}


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def canon(stream, v):
    """An id as one canonical text: conversation ids are integers (exact,
    whatever their size), message ids strings."""
    if stream == "conversations":
        try:
            return str(int(v))
        except (TypeError, ValueError):
            fail(f"{stream}: id {v!r} is not an integer")
    return str(v)


def read_ids(stream, path):
    with open(path, encoding="utf-8") as f:
        return [canon(stream, line.strip()) for line in f if line.strip()]


def http(url, method="GET"):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read().decode("utf-8"))


def cmd_free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def cmd_wait_url(path, seconds):
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            print(open(path, encoding="utf-8").read().strip())
            return
        time.sleep(0.05)
    fail(f"{path} did not appear within {seconds}s")


def cmd_truth(url, stream, out, *bounds):
    q = "&".join(f"{bounds[i]}={bounds[i + 1]}" for i in range(0, len(bounds), 2))
    # parse_int=str keeps ids above 2^53 exact (they are exact in Python
    # anyway; this also keeps them as the mock spelled them).
    with urllib.request.urlopen(f"{url}/_truth/{stream}?{q}", timeout=60) as resp:
        truth = json.loads(resp.read().decode("utf-8"), parse_int=str)
    with open(out, "w", encoding="utf-8") as f:
        for t in truth:
            f.write(canon(stream, t["id"]) + "\n")
    print(len(truth))


def cmd_add(url, n, frm, to):
    got = http(f"{url}/_admin/add?conversations={n}&from={frm}&to={to}", "POST")
    added = got.get("added") or {}
    if added.get("conversations") != int(n):
        fail(f"/_admin/add answered {got}")
    print(f"{added['conversations']} {added['messages']}")


def cmd_now_ms():
    print(time.time_ns() // 1_000_000)


def cmd_catalog(path):
    try:
        with open(path, encoding="utf-8") as f:
            cat = json.load(f)
    except ValueError as e:
        fail(f"--discover did not print valid JSON: {e}")
    streams = {s.get("tap_stream_id") or s.get("stream"): s for s in cat.get("streams", [])}
    for name, key in STREAMS.items():
        s = streams.get(name)
        if s is None:
            fail(f"--discover has no stream {name!r} (has {sorted(streams)})")
        if s.get("key_properties") != ["id"]:
            fail(f"{name}: key_properties {s.get('key_properties')!r}, want ['id']")
        props = s.get("schema", {}).get("properties", {})
        if "id" not in props or key not in props:
            fail(f"{name}: schema lacks id or {key}")
    print(f"{len(streams)} streams, including {', '.join(STREAMS)}")


def cmd_select(path):
    text = open(path, encoding="utf-8").read()
    for name, key in STREAMS.items():
        for prop in ("id", key):
            if f"{name}.{prop}" not in text:
                fail(f"`meltano select --list --all` does not list {name}.{prop}")
    selected = [ln for ln in text.splitlines() if ln.strip().startswith("[selected") or ln.strip().startswith("[automatic")]
    print(f"{len(selected)} selected or automatic properties")


def cmd_same_ids(stream, truth_path, loaded_path):
    truth, loaded = read_ids(stream, truth_path), read_ids(stream, loaded_path)
    dups = len(loaded) - len(set(loaded))
    missing = sorted(set(truth) - set(loaded))
    extra = sorted(set(loaded) - set(truth))
    if dups or missing or extra or len(loaded) != len(truth):
        fail(f"{stream}: loaded {len(loaded)} rows for {len(truth)} ids; "
             f"{dups} duplicates, missing {missing[:5]}{'...' if len(missing) > 5 else ''} ({len(missing)}), "
             f"unexpected {extra[:5]}{'...' if len(extra) > 5 else ''} ({len(extra)})")
    print(f"{stream}: {len(loaded)} = truth")


def cmd_state(path, min_ms, max_ms):
    text = open(path, encoding="utf-8").read().strip()
    try:
        state = json.loads(text)
    except ValueError:
        fail(f"`meltano state get` did not print JSON: {text[:300]!r}")
    bookmarks = (state.get("singer_state") or {}).get("bookmarks") or {}
    got = []
    for name, key in STREAMS.items():
        v = (bookmarks.get(name) or {}).get(key)
        if type(v) is not int:
            fail(f"singer_state.bookmarks.{name}.{key} is {v!r}, want an integer (Unix ms); state: {text[:300]}")
        if not int(min_ms) <= v <= int(max_ms):
            fail(f"singer_state.bookmarks.{name}.{key} = {v}, want it in [{min_ms}, {max_ms}]")
        got.append(f"{name}.{key}={v}")
    print(", ".join(got))


def cmd_jsonl(directory, stream, truth_path):
    path = os.path.join(directory, f"{stream}.jsonl")
    if not os.path.exists(path):
        fail(f"target-jsonl wrote no {path} (files: {sorted(os.listdir(directory))})")
    loaded = path + ".ids"
    key = STREAMS[stream]
    with open(path, encoding="utf-8") as f, open(loaded, "w", encoding="utf-8") as out:
        for n, line in enumerate(f, 1):
            rec = json.loads(line)  # Python ints are exact at any size
            if type(rec.get("id")) is not (int if stream == "conversations" else str):
                fail(f"{path}:{n}: id {rec.get('id')!r} has the wrong type")
            if type(rec.get(key)) is not int:
                fail(f"{path}:{n}: {key} {rec.get(key)!r} is not an integer")
            out.write(canon(stream, rec["id"]) + "\n")
    cmd_same_ids(stream, truth_path, loaded)


def cmd_count_big(path):
    print(sum(1 for i in read_ids("conversations", path) if int(i) > 2**53))


def cmd_bookmark(path, stream):
    state = json.loads(open(path, encoding="utf-8").read())
    print(state["singer_state"]["bookmarks"][stream][STREAMS[stream]])


def cmd_only_new(stream, added_path, edge_path, loaded_path):
    added, edge = set(read_ids(stream, added_path)), set(read_ids(stream, edge_path))
    loaded = read_ids(stream, loaded_path)
    if not added:
        fail(f"{stream}: the add made no records to look for")
    missing = sorted(added - set(loaded))
    if missing:
        fail(f"{stream}: the second run did not load {len(missing)} of the {len(added)} added records, e.g. {missing[:5]}")
    extra = sorted(set(loaded) - added - edge)
    if extra:
        fail(f"{stream}: the second run loaded {len(extra)} old records again (not on the bookmark edge), e.g. {extra[:5]}")
    print(f"{stream}: {len(added)} new rows loaded, {len(set(loaded) & edge - added)} bookmark-edge rows again, no other old row")


def cmd_no_secret(path, secret):
    if secret in open(path, encoding="utf-8", errors="replace").read():
        fail(f"{path} shows the API token")
    print("token not shown")


def norm(name):
    """A column name as targets spell it: agentId, agentid and agent_id alike."""
    return name.replace("_", "").lower()


def key_text(v, nullable=False):
    if v is None and nullable:
        return "null"
    if v is None or isinstance(v, (bool, float, dict, list)):
        fail(f"key value {v!r} is not an integer or a string")
    return str(v)


def cmd_streams():
    print("\n".join(KEYS))


def cmd_truth_keys(url, stream, out, *bounds):
    q = "&".join(f"{bounds[i]}={bounds[i + 1]}" for i in range(0, len(bounds), 2))
    with urllib.request.urlopen(f"{url}/_truth/{stream}?{q}", timeout=60) as resp:
        truth = json.loads(resp.read().decode("utf-8"), parse_int=str)
    with open(out, "w", encoding="utf-8") as f:
        for t in truth:
            f.write("\t".join(key_text(t.get(k), nullable=stream in TRIPLE)
                               for k in TRIPLE.get(stream, {}).get("truth", KEYS[stream])) + "\n")
    print(len(truth))


def cmd_key_expr(stream):
    # Lines "column<TAB>data type" from information_schema.columns.
    rows = [line.rstrip("\n").split("\t") + [""] for line in sys.stdin if line.strip()]
    cols = {norm(r[0].strip()): r[0].strip() for r in rows}
    types = {norm(r[0].strip()): r[1].strip() for r in rows}
    parts = []
    for k in KEYS[stream]:
        c = cols.get(norm(k))
        if c is None:
            fail(f"{stream}: no column for the key {k!r} (columns: {sorted(cols.values())})")
        parts.append('CAST("' + c + '" AS VARCHAR)')
    for c in TRIPLE.get(stream, {}).get("loaded", []):
        if norm(c) not in cols:
            fail(f"{stream}: no column {c!r} (columns: {sorted(cols.values())})")
        col = '"' + cols[norm(c)] + '"'
        # A PostgreSQL array (MeltanoLabs' target-postgres makes a JSON Schema
        # array a jsonb[]) or a DuckDB list: as JSON text, not the array literal.
        if types[norm(c)].upper() == "ARRAY" or types[norm(c)].endswith("[]"):
            col = f"to_json({col})"
        parts.append(f"COALESCE(CAST({col} AS VARCHAR), '')")
    print(" || chr(9) || ".join(parts))


def read_keys(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def ms_of(text):
    """Unix ms of a loaded timestamp as a target spells it ("2024-01-01
    10:23:01.293+00", "...T10:23:01.293Z", naive = UTC)."""
    try:
        t = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"timestamp {text!r} is not ISO 8601")
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return (t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(milliseconds=1)


def csid_of(fields):
    """The csid field's value in an analytics record's fields (a list, or its
    JSON text as a target gives it back), "null" without one."""
    if isinstance(fields, str):
        fields = json.loads(fields) if fields.strip() else None
    for f in fields or []:
        if isinstance(f, dict) and f.get("name") == "csid":
            return key_text((f.get("field") or {}).get("value"), nullable=True)
    return "null"


def triple(stream, record_id, ts, fields):
    """An analytics record as its truth: record_id, primary timestamp ms, csid."""
    return f"{record_id}\t{ms_of(ts)}\t{csid_of(fields)}"


def cmd_same_keys(stream, truth_path, loaded_path):
    truth, loaded = read_keys(truth_path), read_keys(loaded_path)
    if not truth:
        fail(f"{stream}: the mock's truth is empty")
    if stream in TRIPLE:
        # Rows: the key columns, then the loaded columns the truth is made of.
        nk = len(KEYS[stream])
        rows = [line.split("\t", nk + 1) for line in loaded]
        if any(len(r) != nk + 2 for r in rows):
            fail(f"{stream}: a loaded row lacks columns: {next(r for r in rows if len(r) != nk + 2)}")
        keys = collections.Counter(tuple(r[:nk]) for r in rows)
        dups = sum(n - 1 for n in keys.values())
        if dups:
            fail(f"{stream}: {dups} rows with the same key {KEYS[stream]}, e.g. {[k for k, n in keys.items() if n > 1][:3]}")
        loaded = [triple(stream, r[0], r[nk], r[nk + 1]) for r in rows]
    # Multisets: a key loaded twice is an extra row (the truth's keys are unique).
    t, got = collections.Counter(truth), collections.Counter(loaded)
    missing, extra = sorted((t - got).elements()), sorted((got - t).elements())
    if missing or extra:
        fail(f"{stream}: loaded {len(loaded)} rows for {len(truth)} in the truth; "
             f"missing {missing[:3]} ({len(missing)}), unexpected or duplicate {extra[:3]} ({len(extra)})")
    print(len(loaded))


def cmd_jsonl_keys(directory, stream, out):
    path = os.path.join(directory, f"{stream}.jsonl")
    if not os.path.exists(path):
        fail(f"target-jsonl wrote no {path} (files: {sorted(os.listdir(directory))})")
    with open(path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
        for line in f:
            rec = json.loads(line)
            cols = [key_text(rec.get(k)) for k in KEYS[stream]]
            # The columns a triple is made of, as a database would give them back.
            cols += [v if isinstance(v, str) else json.dumps(v) for v in
                     (rec.get(c) for c in TRIPLE.get(stream, {}).get("loaded", []))]
            o.write("\t".join(cols) + "\n")


def main():
    cmds = {
        "free-port": cmd_free_port, "wait-url": cmd_wait_url, "truth": cmd_truth,
        "add": cmd_add, "now-ms": cmd_now_ms, "catalog": cmd_catalog, "select": cmd_select,
        "same-ids": cmd_same_ids, "state": cmd_state, "jsonl": cmd_jsonl, "no-secret": cmd_no_secret,
        "count-big": cmd_count_big, "bookmark": cmd_bookmark, "only-new": cmd_only_new,
        "streams": cmd_streams, "truth-keys": cmd_truth_keys, "key-expr": cmd_key_expr,
        "same-keys": cmd_same_keys, "jsonl-keys": cmd_jsonl_keys,
    }
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
