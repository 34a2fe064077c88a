#!/usr/bin/env python3
"""Renders the measurements of one bench/compare.sh run as Markdown.

Usage: report.py RUN_DIR   (e.g. bench/out/latest)

RUN_DIR holds machine.txt and one folder per size (10MB, 100MB, ...) with meta.txt,
truth.json and, per measured command NAME and repetition REP, NAME.REP.time (GNU time -v),
NAME.REP.wall ("start end exit" from $EPOCHREALTIME) and NAME.REP.err (its stderr);
NAME.skip says why a command was not run. MB = 10^6 bytes, MiB = 2^20 bytes.
"""
import glob
import json
import os
import re
import statistics
import sys

TOOLS = [
    ("raw-go", "raw transfer (Go io.Copy)"),
    ("raw-curl", "raw transfer (curl)"),
    ("tap-dixa", "tap-dixa (Go, this project)"),
    ("python", "tap-dixa 1.0.10 (Python)"),
]
TARGET_RAW_RATIO = 3.0  # tap-dixa wall <= 3x the raw transfer
TARGET_PY_RATIO = 30.0  # tap-dixa records/s >= 30x the Python tap's
TARGET_RSS_MIB = 64.0  # tap-dixa peak RSS at every size
TARGET_CPU_S_PER_GB = 1.0  # tap-dixa user+sys CPU seconds per GB of body


def cpu(r):
    return r.get("user", 0) + r.get("sys", 0)

RECORD_COUNT = re.compile(r'METRIC: (\{.*"record_count".*\})')


def keyvals(path):
    out = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                out[k] = v
    return out


def time_v(path):
    """user, sys seconds and max RSS (KiB) from GNU time -v."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            k, _, v = line.strip().rpartition(": ")
            if k == "User time (seconds)":
                out["user"] = float(v)
            elif k == "System time (seconds)":
                out["sys"] = float(v)
            elif k == "Maximum resident set size (kbytes)":
                out["rss_kb"] = int(v)
    return out


def records(path):
    """The sum of the singer record_count counters (each reports what it counted since its last report)."""
    total, found = 0, False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = RECORD_COUNT.search(line)
            if m:
                total += int(json.loads(m.group(1))["value"])
                found = True
    return total if found else None


def tool_result(d, name):
    """The best run (shortest wall among those that exited 0) of NAME in d, with the highest RSS of all runs."""
    runs = []
    for wall_path in sorted(glob.glob(os.path.join(d, name + ".*.wall"))):
        base = wall_path[: -len(".wall")]
        t0, t1, rc = open(wall_path, encoding="utf-8").read().split()
        r = {"wall": float(t1) - float(t0), "rc": int(rc), "err": base + ".err"}
        r.update(time_v(base + ".time"))
        if name in ("tap-dixa", "python"):
            r["records"] = records(base + ".err")
        if name == "raw-go" and os.path.exists(base + ".out"):
            m = re.search(r"bytes=(\d+)", open(base + ".out", encoding="utf-8").read())
            r["bytes"] = int(m.group(1)) if m else None
        runs.append(r)
    if not runs:
        skip = os.path.join(d, name + ".skip")
        return {"skip": open(skip, encoding="utf-8").read().strip()} if os.path.exists(skip) else None
    ok = [r for r in runs if r["rc"] == 0]
    if not ok:
        tail = open(runs[-1]["err"], encoding="utf-8", errors="replace").read().strip().splitlines()[-1:]
        return {"skip": "failed (exit %d): %s" % (runs[-1]["rc"], " ".join(tail)[:200])}
    best = min(ok, key=lambda r: r["wall"])
    best = dict(best)
    best["rss_kb"] = max(r.get("rss_kb", 0) for r in runs)
    best["runs"] = len(runs)
    best["walls"] = sorted(r["wall"] for r in ok)
    best["cpus"] = sorted(cpu(r) for r in ok)
    return best


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def main(run):
    machine = keyvals(os.path.join(run, "machine.txt"))
    sizes = []
    for d in glob.glob(os.path.join(run, "*MB")):
        meta = keyvals(os.path.join(d, "meta.txt"))
        if meta:
            sizes.append((int(meta["size_mb"]), d, meta))
    sizes.sort()

    p = print
    mem = int(machine.get("mem_total_kb", "0")) / 1048576
    p("# tap-dixa benchmark: %s" % machine.get("date", "?"))
    p()
    p("Machine: %s, %s cores, %.1f GiB RAM, %s; %s; %s; Python tap %s (%s)." % (
        machine.get("cpu", "?"), machine.get("nproc", "?"), mem, machine.get("os", "?"),
        machine.get("go", "?"), machine.get("tap_dixa", "?"), machine.get("py_tap", "?"),
        machine.get("python", "") or "not installed"))
    p("Load average at the start: %s (other processes share the machine). Best wall of %s runs for "
      "the raw transfers and tap-dixa (peak RSS: the highest of them), one run of the Python tap. "
      "MB = 10^6 bytes." % (machine.get("loadavg", "?"), machine.get("repeat", "?")))
    p()

    summary = []
    for size, d, meta in sizes:
        truth = json.load(open(os.path.join(d, "truth.json"), encoding="utf-8"))
        n, body = truth["count"], truth["bytes"]
        res = {name: tool_result(d, name) for name, _ in TOOLS}
        p("## %d MB window: %s messages, %s bytes" % (size, format(n, ","), format(body, ",")))
        p()
        p("Started %s, load average %s." % (meta.get("started", "?"), meta.get("loadavg", "?")))
        p()
        p("| run | wall s | CPU s (user+sys) | CPU s/GB | MB/s | records/s | peak RSS MiB | records |")
        p("|:--|--:|--:|--:|--:|--:|--:|--:|")
        for name, label in TOOLS:
            r = res[name]
            if r is None:
                continue
            if "skip" in r:
                p("| %s | %s | | | | | | |" % (label, r["skip"]))
                continue
            recs = r.get("records")
            rps = recs / r["wall"] if recs is not None else None
            p("| %s | %.3f | %.2f | %.2f | %.0f | %s | %.1f | %s |" % (
                label, r["wall"], cpu(r), cpu(r) / (body / 1e9), body / 1e6 / r["wall"],
                fmt(rps, ",.0f"), r["rss_kb"] / 1024, fmt(recs, ",")))
        raw, curl, ours, py = res["raw-go"], res["raw-curl"], res["tap-dixa"], res["python"]
        ok = lambda r: r is not None and "skip" not in r
        row = {"size": size, "n": n, "body": body, "raw": raw, "ours": ours, "py": py}
        p()
        notes = []
        if ok(ours):
            if ours.get("records") != n:
                notes.append("**tap-dixa wrote %s records, the window holds %d**" % (ours.get("records"), n))
            row["cpu_gb"] = cpu(ours) / (body / 1e9)
            notes.append("tap-dixa CPU: **%.2f s/GB** (target ≤ %g)" % (row["cpu_gb"], TARGET_CPU_S_PER_GB))
            if ok(raw):
                row["raw_ratio"] = ours["wall"] / raw["wall"]
                notes.append("tap-dixa / raw wall: **%.1f×** against Go io.Copy (target ≤ %g×)" % (row["raw_ratio"], TARGET_RAW_RATIO))
            if ok(curl):
                row["curl_ratio"] = ours["wall"] / curl["wall"]
                notes.append("**%.1f×** against curl" % row["curl_ratio"])
            if ok(py) and py.get("records"):
                row["py_ratio"] = (ours["records"] / ours["wall"]) / (py["records"] / py["wall"])
                notes.append("tap-dixa / Python records/s: **%.1f×** (target ≥ %g×)" % (row["py_ratio"], TARGET_PY_RATIO))
            notes.append("tap-dixa peak RSS %.1f MiB (target ≤ %g MiB)" % (ours["rss_kb"] / 1024, TARGET_RSS_MIB))
            notes.append("tap-dixa walls: %s s" % ", ".join("%.3f" % w for w in ours["walls"]))
            if len(ours["cpus"]) > 1:
                gb = [c / (body / 1e9) for c in ours["cpus"]]
                notes.append("tap-dixa CPU of every run: %.2f–%.2f s/GB, median %.2f (the figure above is the best wall's)"
                             % (gb[0], gb[-1], statistics.median(gb)))
        if ok(py) and py.get("records") not in (None, n):
            notes.append("**the Python tap wrote %s records, the window holds %d**" % (py.get("records"), n))
        p("; ".join(notes) + ".")
        p()
        summary.append(row)

    p("## Summary")
    p()
    p("| window | messages | raw s | tap-dixa s | tap-dixa CPU s/GB | tap-dixa MB/s | tap-dixa records/s | tap-dixa RSS MiB "
      "| Python s | Python records/s | Python RSS MiB | tap-dixa / io.Copy | tap-dixa / curl | tap-dixa / Python records/s |")
    p("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for row in summary:
        raw, ours, py = row["raw"], row["ours"], row["py"]
        good = lambda r: r is not None and "skip" not in r
        cells = ["%d MB" % row["size"], format(row["n"], ",")]
        cells.append("%.3f" % raw["wall"] if good(raw) else "—")
        if good(ours):
            cells += ["%.2f" % ours["wall"], "%.2f" % row["cpu_gb"], "%.0f" % (row["body"] / 1e6 / ours["wall"]),
                      format(ours["records"] / ours["wall"], ",.0f"), "%.1f" % (ours["rss_kb"] / 1024)]
        else:
            cells += ["—"] * 5
        if good(py):
            cells += ["%.1f" % py["wall"], format(py["records"] / py["wall"], ",.0f"), "%.0f" % (py["rss_kb"] / 1024)]
        else:
            reason = (py or {}).get("skip", "not run")
            cells += [reason, "", ""]
        cells.append("%.1f×" % row["raw_ratio"] if "raw_ratio" in row else "—")
        cells.append("%.1f×" % row["curl_ratio"] if "curl_ratio" in row else "—")
        cells.append("%.1f×" % row["py_ratio"] if "py_ratio" in row else "—")
        p("| " + " | ".join(cells) + " |")
    p()

    bench = os.path.join(run, "go-bench.txt")
    if os.path.exists(bench):
        p("## Go benchmarks (make bench)")
        p()
        p("```")
        for line in open(bench, encoding="utf-8"):
            if line.startswith(("Benchmark", "pkg:", "cpu:")):
                p(line.rstrip())
        p("```")
        p()
    tops = sorted(glob.glob(os.path.join(run, "*.top.txt")))
    for path in tops:
        lines = open(path, encoding="utf-8").read().splitlines()
        p("## %s" % os.path.basename(path)[: -len(".top.txt")])
        p()
        p("```")
        for line in lines[:22]:
            p(line)
        p("```")
        p()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: report.py RUN_DIR")
    main(sys.argv[1])
