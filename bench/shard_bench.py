#!/usr/bin/env python3
"""Sharding and r1 report merge at scale (issue 17): see bench/README.md, "Sharding and merge".

    python3 bench/shard_bench.py [--r1 build/r1] [--apps 100000] [--shards 8] [--repeats 3]

A manifest of --apps fly apps is deployed with --dry-run (r1's own work only: no provider CLI, no
network) as one process and as --shards shards, one after the other; then the shards' reports are
merged, and the one process's report is merged alone. Wall time and peak RSS of each r1 process
(wait4) are printed per repeat and as medians. The load average is read before each repeat.
Once, outside the timing: the apps per shard, the share of apps that move from N to N + 1 shards
(from the shards' reports), and whether the merged report equals the one process's (timings aside).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run(argv):
    """Runs r1, returns (exit code, seconds, peak RSS in MB)."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return p.returncode, wall, usage.ru_maxrss / 1024.0, err


def must(result, what, codes=(0,)):
    code, _, _, err = result
    if code not in codes:
        sys.exit(f"shard_bench: {what} exited {code}: {err.strip()[-400:]}")
    return result


def shard_runs(r1, manifest, work, shards, tag):
    out = []
    for i in range(shards):
        report = os.path.join(work, f"{tag}-{i}.json")
        out.append((report, must(run([r1, "deploy", "--batch", manifest, "--dry-run", "--shard", f"{i}/{shards}",
                                      "--report", report]), f"shard {i}/{shards}")))
    return out


def comparable(report):
    return [(t["index"], t["name"], t["status"], t["exit_code"], t.get("preview")) for t in report["tasks"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--r1", default=os.path.join(os.path.dirname(__file__), "..", "build", "r1"))
    ap.add_argument("--apps", type=int, default=100000)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--work", default=None, help="scratch directory (default: a fresh one, removed)")
    a = ap.parse_args()
    r1 = os.path.abspath(a.r1)
    tmp = None if a.work else tempfile.TemporaryDirectory(prefix="r1-shard-bench-")
    work = a.work or tmp.name
    os.makedirs(work, exist_ok=True)
    manifest = os.path.join(work, "fleet.toml")
    with open(manifest, "w") as f:
        f.write('[defaults]\nprovider = "fly"\nregion = "iad"\n')
        for i in range(a.apps):
            f.write(f'[[app]]\nname = "app-{i:06d}"\n')
    print(f"r1 {r1}, {a.apps} apps, {a.shards} shards, {os.cpu_count()} CPUs, manifest "
          f"{os.path.getsize(manifest) / 1e6:.1f} MB")

    rows = {k: [] for k in ("whole", "shard max", "shard sum", "merge N", "merge 1")}
    rss = {k: [] for k in rows}
    for rep in range(a.repeats):
        load = os.getloadavg()[0]
        whole = os.path.join(work, "whole.json")
        w = must(run([r1, "deploy", "--batch", manifest, "--dry-run", "--report", whole]), "the one process")
        shards = shard_runs(r1, manifest, work, a.shards, "shard")
        merged = os.path.join(work, "merged.json")
        m = must(run([r1, "report", "merge", *[s[0] for s in shards], "--report", merged,
                      "--junit", os.path.join(work, "merged.xml")]), "the merge")
        m1 = must(run([r1, "report", "merge", whole, "--report", os.path.join(work, "merged-1.json")]),
                  "the merge of the one process's report")
        times = [s[1][1] for s in shards]
        peaks = [s[1][2] for s in shards]
        got = {"whole": (w[1], w[2]), "shard max": (max(times), max(peaks)), "shard sum": (sum(times), None),
               "merge N": (m[1], m[2]), "merge 1": (m1[1], m1[2])}
        for k, (t, p) in got.items():
            rows[k].append(t)
            if p is not None:
                rss[k].append(p)
        sizes = sum(os.path.getsize(s[0]) for s in shards)
        print(f"repeat {rep + 1}: load {load:.2f}; one process {w[1]:.2f} s {w[2]:.0f} MB; shards max "
              f"{max(times):.2f} s {max(peaks):.0f} MB, sum {sum(times):.2f} s; merge of {a.shards} "
              f"({sizes / 1e6:.1f} MB) {m[1]:.2f} s {m[2]:.0f} MB; merge of the one report "
              f"({os.path.getsize(whole) / 1e6:.1f} MB) {m1[1]:.2f} s {m1[2]:.0f} MB")

    print(f"\nmedians of {a.repeats}:")
    print("| run | wall s | peak RSS MB |\n|---|---:|---:|")
    for k in rows:
        peak = f"{statistics.median(rss[k]):.0f}" if rss[k] else "-"
        print(f"| {k} | {statistics.median(rows[k]):.2f} | {peak} |")

    # Once, untimed: balance, movement from N to N + 1, and the merge's result.
    with open(os.path.join(work, "whole.json")) as f:
        whole = json.load(f)
    with open(os.path.join(work, "merged.json")) as f:
        merged = json.load(f)
    print(f"\nmerged report equals the one process's (apps, status, codes, previews): "
          f"{comparable(whole) == comparable(merged)}; exit codes {whole['exit_code']} and {merged['exit_code']}")
    held = {}
    for i in range(a.shards):
        with open(os.path.join(work, f"shard-{i}.json")) as f:
            for t in json.load(f)["tasks"]:
                held[t["name"]] = i
    counts = [list(held.values()).count(i) for i in range(a.shards)]
    print(f"apps per shard: min {min(counts)}, max {max(counts)} (even: {a.apps / a.shards:.0f})")
    more = shard_runs(r1, manifest, work, a.shards + 1, "more")
    moved = to_new = 0
    for i, (report, _) in enumerate(more):
        with open(report) as f:
            for t in json.load(f)["tasks"]:
                if held[t["name"]] != i:
                    moved += 1
                    to_new += i == a.shards
    print(f"{a.shards} -> {a.shards + 1} shards: {moved} apps moved ({100.0 * moved / a.apps:.2f}%; "
          f"1/{a.shards + 1} = {100.0 / (a.shards + 1):.2f}%), {to_new} of them to the new shard")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
