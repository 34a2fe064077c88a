#!/usr/bin/env python3
"""Queries for scripts/e2e.sh on target-duckdb's file, run with the Python of
target-duckdb's virtualenv (it has the duckdb module the file was written by).

  duck.py DB SQL      the rows, tab-separated, one a line (NULL as an empty field)
"""

import sys

import duckdb

db, sql = sys.argv[1], sys.argv[2]
con = duckdb.connect(db, read_only=True)
for row in con.sql(sql).fetchall():
    print("\t".join("" if v is None else str(v) for v in row))
