"""bench/only_stream.py STREAM: reads a tap-dixa --discover catalog on stdin and writes it with only STREAM selected."""
import json
import sys

cat = json.load(sys.stdin)
for s in cat["streams"]:
    for m in s["metadata"]:
        if not m["breadcrumb"]:
            m["metadata"]["selected"] = s["tap_stream_id"] == sys.argv[1]
json.dump(cat, sys.stdout)
