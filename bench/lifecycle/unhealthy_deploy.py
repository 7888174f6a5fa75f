#!/usr/bin/env python3
"""Wall time and flyctl invocations of one `r1 deploy` whose new release answers an unhealthy status.

The deploy runs against tests/support/flyctl_standin.py (a deploy there takes --deploy-seconds, 1 s by
default, as the issue measured) and a plain HTTP server on 127.0.0.1 that answers what the
stand-in says the serving image answers: 200 for the release already there, the chosen status for
the new one. Each case runs --runs times; medians are reported, with the 1-minute load average.

    bench/lifecycle/unhealthy_deploy.py --r1 build/r1 [--status 503 429 500] [--runs 3] [--logs DIR] [-- r1 flags...]

Each row gives the median wall time and the slowest run's; with --logs, each run's stderr is kept
as DIR/<status>-<run>.log (a slow run is then explained by its own lines).
"""
import argparse
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "..", "..", "tests", "support", "flyctl_standin.py")


def serve(health_file):
    class handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                with open(health_file) as f:
                    status = int(f.read().strip() or "503")
            except (OSError, ValueError):
                status = 503
            body = b"status %d\n" % status
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def one_run(r1, status, deploy_seconds, extra, log_path=None):
    with tempfile.TemporaryDirectory() as work:
        state_dir = os.path.join(work, "state")
        bin_dir = os.path.join(work, "bin")
        app_dir = os.path.join(work, "app")
        for d in (state_dir, bin_dir, app_dir):
            os.makedirs(d)
        os.symlink(os.path.abspath(STANDIN), os.path.join(bin_dir, "flyctl"))
        health_file = os.path.join(work, "health")
        old = "registry.fly.io/demo-app:deployment-01JR100001"
        machine = {"id": "0123456789abcd", "name": "demo-app-machine-1", "state": "started", "region": "iad",
                   "image_ref": {"registry": "registry.fly.io", "repository": "demo-app",
                                 "tag": "deployment-01JR100001", "digest": "sha256:" + "0" * 64},
                   "config": {"image": old, "metadata": {"fly_platform_version": "v2", "fly_process_group": "app",
                                                         "fly_release_version": "1", "fly_release_id": "rel_1"}},
                   "checks": [{"name": "servicecheck-00-http-8080", "status": "passing"}],
                   "host_status": "ok", "cordoned": False}
        state = {"apps": {"demo-app": {
            "name": "demo-app", "health_file": health_file, "new_health": status, "image_health": {old: 200},
            "machines": [machine],
            "releases": [{"ID": "rel_1", "Version": 1, "Status": "complete", "ImageRef": old,
                          "CreatedAt": "2026-12-01T00:00:00Z"}]}},
            "hold": {"deploy": deploy_seconds}}
        with open(os.path.join(state_dir, "state.json"), "w") as f:
            json.dump(state, f)
        with open(health_file, "w") as f:
            f.write("200")
        server = serve(health_file)
        url = "http://127.0.0.1:%d/" % server.server_address[1]
        env = dict(os.environ, FLY_STANDIN_STATE=state_dir)
        argv = [r1, "deploy", "--app", "demo-app", "--flyctl", os.path.join(bin_dir, "flyctl"), "--dir", app_dir,
                "--health-url", url] + extra
        start = time.monotonic()
        done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
        wall = time.monotonic() - start
        server.shutdown()
        if log_path:
            with open(log_path, "w") as f:
                f.write(done.stderr)
        with open(os.path.join(state_dir, "calls.log")) as f:
            calls = [json.loads(line) for line in f]
        deploys = sum(1 for c in calls if len(c) > 1 and c[1] == "deploy")
        return {"wall": wall, "exit": done.returncode, "deploys": deploys, "calls": len(calls)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--r1", required=True)
    p.add_argument("--status", type=int, nargs="+", default=[503, 429, 500])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--deploy-seconds", type=float, default=1.0)
    p.add_argument("--logs", help="keep each run's stderr in this directory")
    p.add_argument("extra", nargs="*", help="flags passed on to r1 deploy (after --)")
    a = p.parse_args()
    print("r1: %s; load: %.2f" % (a.r1, os.getloadavg()[0]))
    print("| status | exit | wall (median s) | slowest (s) | flyctl deploy runs | flyctl calls |")
    print("|---:|---:|---:|---:|---:|---:|")
    if a.logs:
        os.makedirs(a.logs, exist_ok=True)
    for status in a.status:
        runs = [one_run(a.r1, status, a.deploy_seconds, a.extra,
                        os.path.join(a.logs, "%d-%d.log" % (status, n)) if a.logs else None) for n in range(a.runs)]
        exits = sorted({r["exit"] for r in runs})
        print("| %d | %s | %.1f | %.1f | %s | %s |" % (
            status, "/".join(map(str, exits)), statistics.median(r["wall"] for r in runs), max(r["wall"] for r in runs),
            "/".join(sorted({str(r["deploys"]) for r in runs})), "/".join(sorted({str(r["calls"]) for r in runs}))))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
