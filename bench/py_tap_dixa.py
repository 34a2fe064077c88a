"""Runs the Python tap-dixa 1.0.x (singer-io) against another Exports API base URL.

tap-dixa 1.0.x hard-codes https://exports.dixa.io (tap_dixa.helpers.DixaURL.EXPORTS)
and https://dev.dixa.io (DixaURL.INTEGRATIONS). This wrapper keeps the tap's code as
it is and only changes where Client._build_url sends a request: to $DIXA_EXPORTS_URL
for the Exports API and $DIXA_API_URL (if set) for the Dixa API. Authentication is
unchanged (Basic bearer:<token> for exports, the raw token for the Dixa API).

tap-dixa 1.0.x has no end date: it syncs window by window up to now. With
$DIXA_END_DATE (RFC 3339) set, singer.utils.now() answers that instant instead, so the
sync stops there, as tap-dixa's end_date does (records carry no time_extracted in 1.0.x).

Usage:
  DIXA_EXPORTS_URL=http://127.0.0.1:PORT python py_tap_dixa.py --config CFG --catalog CAT
  python py_tap_dixa.py --catalog-for STREAM   # prints a catalog with only STREAM selected,
                                              # without the network check of --discover
"""
import json
import os
import sys

import singer.utils
import tap_dixa
from tap_dixa import client, helpers
from tap_dixa.discover import discover


def _patch_base_urls():
    targets = {helpers.DixaURL.EXPORTS.value: os.environ.get("DIXA_EXPORTS_URL"),
               helpers.DixaURL.INTEGRATIONS.value: os.environ.get("DIXA_API_URL")}
    build_url = client.Client._build_url

    def _build_url(self, endpoint):
        base = targets.get(self._base_url)
        if base:
            return base.rstrip("/") + endpoint
        return build_url(self, endpoint)

    client.Client._build_url = _build_url


def _patch_now():
    end = os.environ.get("DIXA_END_DATE")
    if end:
        fixed = singer.utils.strptime_to_utc(end)
        singer.utils.now = lambda: fixed


def _catalog_for(stream):
    cat = discover(None).to_dict()  # no config: no token check against dev.dixa.io
    for entry in cat["streams"]:
        for m in entry["metadata"]:
            if not m["breadcrumb"]:  # () in to_dict, [] in JSON
                m["metadata"]["selected"] = entry["tap_stream_id"] == stream
    json.dump(cat, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--catalog-for":
        _catalog_for(sys.argv[2])
        sys.exit(0)
    if not os.environ.get("DIXA_EXPORTS_URL"):
        sys.exit("py_tap_dixa.py: set DIXA_EXPORTS_URL to the Exports API base URL")
    _patch_base_urls()
    _patch_now()
    tap_dixa.main()
