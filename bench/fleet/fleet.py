#!/usr/bin/env python3
"""Fleet benchmarks: r1 against what users do today, in one run (bench/README.md).

    fleet.py verify [--quick] [--n 1000,10000] [--c 64,256,1024] [--delays 0,50] [--tools ...]
    fleet.py deploy [--n 1000] [--c 64,256] [--tools r1,parallel,xargs]
    fleet.py soak [--minutes 10] [--n 1000] [--c 256]
    fleet.py watch [--n 1000,10000] [--rate 166.7] [--minutes 3] [--modes resume,full]

Run it through bench/verify_bench.sh / bench/deploy_bench.sh, which install the Debian
packages, build the farm, the Go peer and the C helpers, and raise `ulimit -n`.

Every run is started through `measure` (bench/fleet/tools/measure.c): wall time, CPU seconds of
the whole process tree, ru_maxrss of the largest process in it. Every run checks its own result;
a run where any check failed is FAILED in the table, never a fast result. All traffic goes to
the loopback farm (127.0.0.1) and nowhere else.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CURL_MAX_PARALLEL = 300  # curl clamps --parallel-max to this

VERIFY_TOOLS = {
    "r1": "r1 verify --batch",
    "go": "Go, keep-alives off",
    "go-ka": "Go, default client (keep-alive)",
    "curl": "curl --parallel",
    "xargs": "xargs -P + curl",
}
DEPLOY_TOOLS = {
    "r1": "r1 deploy --batch",
    "parallel": "GNU parallel --group",
    "xargs": "xargs -P (interleaved output)",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the farm


class Farm:
    """The loopback HTTPS farm (bench/fleet/farm/main.go) for one delay."""

    DNS_ADDR = "127.53.0.53"  # a loopback address of its own: resolv.conf names it, port 53

    def __init__(self, work, bindir, ports, delay_ms, tickets=False, dns=False):
        self.dir = os.path.join(work, f"farm-{delay_ms}ms")
        os.makedirs(self.dir, exist_ok=True)
        self.ca = os.path.join(self.dir, "ca.pem")
        ports_file = os.path.join(self.dir, "ports.txt")
        stats_file = os.path.join(self.dir, "stats-port.txt")
        for f in (ports_file, stats_file):
            if os.path.exists(f):
                os.unlink(f)
        self.err = open(os.path.join(self.dir, "farm.err"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(bindir, "farm"), "-ports", str(ports), "-delay", f"{delay_ms}ms",
             "-ca", self.ca, "-ports-file", ports_file, "-stats-file", stats_file] +
            (["-tickets"] if tickets else []) + (["-dns", self.DNS_ADDR] if dns else []),
            stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            raise SystemExit(f"farm did not start (see {self.dir}/farm.err)")
        with open(ports_file) as f:
            self.ports = [int(p) for p in f.read().split()]
        with open(stats_file) as f:
            self.stats_port = int(f.read().strip())
        self.delay_ms = delay_ms

    def stats(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/stats", timeout=10) as r:
            s = json.loads(r.read())
        s["cpu_s"] = self.cpu_s()
        return s

    def cpu_s(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def urls(self, n, tag="i", path="/health", host="ip"):
        """host: ip (127.0.0.1), localhost (/etc/hosts), dns (h<i>.r1bench.test, one name per URL,
        answered by the farm's DNS server; the leaf covers *.r1bench.test)."""
        def name(i):
            return {"ip": "127.0.0.1", "localhost": "localhost"}.get(host, f"h{i}-{tag}.r1bench.test")
        return [f"https://{name(i)}:{self.ports[i % len(self.ports)]}{path}?{tag}={i}" for i in range(n)]

    def resolv_conf(self):
        path = os.path.join(self.dir, "resolv.conf")
        with open(path, "w") as f:
            f.write(f"nameserver {self.DNS_ADDR}\noptions timeout:2 attempts:2\n")
        return path

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.close()


def private_resolver(resolv_conf, argv):
    """argv run in a private mount namespace whose /etc/resolv.conf is `resolv_conf` (unshare -m;
    nothing outside changes). The tool execs in place: measure still sees its process tree."""
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            f"mount --bind '{resolv_conf}' /etc/resolv.conf && exec \"$@\"", "sh"] + argv


# ---------------------------------------------------------------- soak


def cmd_soak(ctx):
    """One r1 verify batch of N farm URLs repeated in one process (r1_soak) for the given time;
    memory, descriptors and threads after every round. Flat is the goal."""
    a = ctx.args
    soak = a.soak_bin or os.path.join(REPO, "build-bench", "bench", "r1_soak")
    if not os.access(soak, os.X_OK):
        raise SystemExit(f"no r1_soak at {soak} (bench/soak.sh builds it)")
    farm = Farm(ctx.work, ctx.bindir, a.ports, a.delay)
    try:
        urlfile = os.path.join(ctx.work, f"soak-{a.n}.txt")
        with open(urlfile, "w") as f:
            f.write("# soak: loopback farm URLs\n" + "\n".join(farm.urls(a.n, "s")) + "\n")
        log(f"soak: {a.n} URLs on {len(farm.ports)} farm ports, --concurrency {a.c}, {a.minutes} min")
        argv = [soak, str(a.minutes * 60), "verify", "--batch", urlfile, "--concurrency", str(a.c),
                "--ca-file", farm.ca, "--expected-body", "OK", "--output", "json"]
        before = farm.stats()
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        after = farm.stats()
    finally:
        farm.stop()
    rows = []
    for line in p.stdout.splitlines()[1:]:
        f = line.split()
        if len(f) == 8:
            rows.append(dict(round=int(f[0]), elapsed=float(f[1]), round_s=float(f[2]), exit=int(f[3]),
                             rss=int(f[4]), hwm=int(f[5]), fds=int(f[6]), threads=int(f[7])))
    if not rows:
        raise SystemExit(f"r1_soak printed no rounds (exit {p.returncode}): {p.stderr.strip()[-400:]}")
    checks = after["health"] - before["health"]
    failed_rounds = sum(1 for r in rows if r["exit"] != 0)
    print(f"soak: {len(rows)} rounds of {a.n} checks in {rows[-1]['elapsed']:.0f} s "
          f"({checks} requests at the farm, {failed_rounds} rounds with a failed check)")
    print("round  elapsed_s  round_s  rss_MB  hwm_MB  fds  threads")
    step = max(1, len(rows) // 12)
    for r in rows[::step] + ([rows[-1]] if (len(rows) - 1) % step else []):
        print(f"{r['round']:5d}  {r['elapsed']:9.1f}  {r['round_s']:7.2f}  {r['rss'] / 1024:6.1f}  "
              f"{r['hwm'] / 1024:6.1f}  {r['fds']:3d}  {r['threads']:7d}")
    first, last = rows[0], rows[-1]
    # Round 1 includes one-time work (the CA store, allocator arenas), and RSS moves a few MB from
    # round to round with the allocator: flat is judged on the median of the first and last tenth.
    k = max(1, len(rows) // 10)
    start_rss = statistics.median(r["rss"] for r in rows[:k])
    end_rss = statistics.median(r["rss"] for r in rows[-k:])
    growth = end_rss / start_rss if start_rss > 0 else float("inf")
    flat = growth <= 1.10 and last["fds"] <= first["fds"] and last["threads"] <= first["threads"]
    print(f"RSS after round 1: {first['rss'] / 1024:.1f} MB, after the last: {last['rss'] / 1024:.1f} MB; "
          f"median of the first {k} rounds {start_rss / 1024:.1f} MB, of the last {k} {end_rss / 1024:.1f} MB "
          f"({growth:.3f}x); peak {last['hwm'] / 1024:.1f} MB; fds {first['fds']} -> {last['fds']}; "
          f"threads {first['threads']} -> {last['threads']}")
    print(f"target: RSS flat (last tenth <= 1.10x first tenth), no descriptor or thread growth: "
          f"{'PASS' if flat else 'MISS'}")
    if failed_rounds:
        print(f"WARNING: {failed_rounds} rounds had a failed check (see the farm, ulimit -n)")
    emit(ctx, "soak", rows)


# ---------------------------------------------------------------- running one measured command


def measured(bindir, rundir, argv, timeout_s, env=None, stdin=None):
    """Runs argv under `measure`; returns (metrics dict, stdout path, stderr path)."""
    out_path = os.path.join(rundir, "stdout")
    err_path = os.path.join(rundir, "stderr")
    m_path = os.path.join(rundir, "measure.json")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        p = subprocess.Popen([os.path.join(bindir, "measure"), m_path] + argv, stdout=out, stderr=err,
                             stdin=stdin if stdin is not None else subprocess.DEVNULL,
                             env=env, start_new_session=True)
        try:
            p.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return {"timeout": True, "exit": -9}, out_path, err_path
    with open(m_path) as f:
        m = json.load(f)
    return m, out_path, err_path


def tail(path, n=3):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return " | ".join(lines[-n:])
    except OSError:
        return ""


# ---------------------------------------------------------------- verify: one tool, one point


def run_verify_tool(tool, ctx, farm, n, c, urlfile, urls):
    """One measured run; returns a result dict (status OK / FAILED / SKIPPED)."""
    a = ctx.args
    rundir = os.path.join(ctx.work, "runs", f"verify-{tool}-n{n}-c{c}-d{farm.delay_ms}")
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    res = {"tool": tool, "n": n, "c": c, "delay": farm.delay_ms, "status": "OK", "note": "",
           "load1": os.getloadavg()[0], "host": a.host}
    timeout_s = max(120, n / 20)
    env = dict(os.environ)
    # Go's own resolver (as on most systems); nsswitch.conf's mdns entry here would make it cgo's.
    env["GODEBUG"] = "netdns=go"
    bodies = None

    if tool == "r1" or tool.startswith("r1@"):
        binary = ctx.r1 if tool == "r1" else ctx.alts[tool[3:]]
        argv = [binary, "verify", "--batch", urlfile, "--concurrency", str(c), "--ca-file", farm.ca,
                "--expected-body", a.expected_body, "--timeout", "10s", "--output", "json"]
    elif tool in ("go", "go-ka"):
        argv = [os.path.join(ctx.bindir, "gocheck"), "-c", str(c), "-ca", farm.ca, "-expected-body", a.expected_body,
                "-timeout", "10s"] + (["-keepalive"] if tool == "go-ka" else []) + [urlfile]
    elif tool == "curl":
        # Bodies go to one file per URL on tmpfs; status, size and file name come from -w. Both are
        # checked after the run (outside curl's timing): status 200, body non-empty containing OK.
        bodies = os.path.join(ctx.shm, f"bodies-{os.getpid()}")
        shutil.rmtree(bodies, ignore_errors=True)
        os.makedirs(bodies)
        cfg = os.path.join(rundir, "curl.cfg")
        with open(cfg, "w") as f:
            for i, u in enumerate(urls):
                f.write(f'url = "{u}"\noutput = "{bodies}/{i}"\n')
        pmax = min(c, CURL_MAX_PARALLEL)
        if c > CURL_MAX_PARALLEL:
            res["note"] = f"curl caps --parallel-max at {CURL_MAX_PARALLEL}"
        argv = ["curl", "--parallel", "--parallel-max", str(pmax), "--http1.1", "--no-sessionid",
                "-H", "Connection: close", "--cacert", farm.ca, "--max-time", "10", "-sS", "--no-progress-meter",
                "-w", "%{http_code} %{size_download} %{filename_effective}\\n", "-K", cfg]
    elif tool == "xargs":
        if n > a.xargs_max_n:
            res.update(status="SKIPPED", note=f"xargs at N>{a.xargs_max_n}: one sh+curl per URL, "
                       f"~150 checks/s would take minutes (--xargs-max-n)")
            return res
        script = ('nl="\n"\n'
                  'b=$(curl -sS --http1.1 --no-sessionid --cacert "$CA_FILE" --max-time 10 '
                  '-w "${nl}%{http_code}" "$1") || { echo "FAIL $1 curl"; exit 1; }\n'
                  'code=${b##*"$nl"}; body=${b%"$nl"*}\n'
                  '[ "$code" = 200 ] || { echo "FAIL $1 status $code"; exit 1; }\n'
                  'case "$body" in *"$EXPECTED"*) echo "ok $1"; exit 0;; esac\n'
                  'echo "FAIL $1 body"; exit 1\n')
        env["CA_FILE"] = farm.ca
        env["EXPECTED"] = a.expected_body
        plain = urlfile + ".plain"  # xargs has no comments: the same URLs without the header line
        with open(plain, "w") as f:
            f.write("\n".join(urls) + "\n")
        argv = ["xargs", "-P", str(c), "-n", "1", "-a", plain, "sh", "-c", script, "sh"]
    else:
        raise SystemExit(f"unknown tool {tool}")

    if a.host == "dns":
        argv = private_resolver(farm.resolv_conf(), argv)
    before = farm.stats()
    m, out, err = measured(ctx.bindir, rundir, argv, timeout_s, env=env)
    after = farm.stats()
    res.update(m)
    res["handshakes"] = after["handshakes"] - before["handshakes"]
    res["resumed"] = after["resumed"] - before["resumed"]
    res["farm_requests"] = after["health"] - before["health"]
    res["farm_cpu_s"] = after["cpu_s"] - before["cpu_s"]
    res["dns_queries"] = after.get("dns", 0) - before.get("dns", 0)
    if m.get("timeout"):
        res.update(status="FAILED", note=f"timed out after {timeout_s:.0f} s")
        return res

    ok, failed, why = count_verify(tool, out, n, bodies, a.expected_body.encode())
    res["ok"], res["failed"] = ok, failed
    if bodies:
        shutil.rmtree(bodies, ignore_errors=True)
    if m["exit"] != 0 or ok != n or failed != 0:
        res["status"] = "FAILED"
        res["note"] = (f"exit {m['exit']}, ok {ok}/{n}, failed {failed}; {why} {tail(err)}").strip()
    return res


def count_verify(tool, out, n, bodies, expected):
    """(ok, failed, detail) read from the tool's own output."""
    with open(out, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    lines = text.splitlines()
    if tool == "r1" or tool.startswith("r1@"):
        end = None
        for line in reversed(lines):
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == "batch.end":
                end = ev
                break
        if end is None:
            return 0, n, "no batch.end event on stdout"
        return int(end.get("ok", 0)), int(end.get("failed", 0)), f"batch.end {json.dumps(end)}"
    if tool in ("go", "go-ka"):
        for line in lines:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "ok" and parts[2] == "failed":
                return int(parts[1]), int(parts[3]), ""
        return 0, n, "no summary line"
    if tool == "curl":
        ok = failed = 0
        seen = set()
        for line in lines:
            parts = line.split(" ", 2)
            if len(parts) != 3:
                continue
            code, _, path = parts
            seen.add(path)
            try:
                with open(path, "rb") as f:
                    body = f.read()
            except OSError:
                body = b""
            if code == "200" and body and expected in body:
                ok += 1
            else:
                failed += 1
        missing = n - len(seen)
        return ok, failed + max(0, missing), f"{missing} transfers without a write-out line" if missing else ""
    if tool == "xargs":
        ok = sum(1 for line in lines if line.startswith("ok "))
        failed = sum(1 for line in lines if line.startswith("FAIL "))
        return ok, failed, ""
    raise AssertionError(tool)


# ---------------------------------------------------------------- verify: the matrix


def cmd_verify(ctx):
    a = ctx.args
    tools = [t for t in a.tools.split(",") if t]
    for alt in ctx.alts:
        VERIFY_TOOLS["r1@" + alt] = f"r1 ({alt})"
        if "r1@" + alt not in tools:
            tools.append("r1@" + alt)
    for t in tools:
        if t not in VERIFY_TOOLS:
            raise SystemExit(f"unknown tool {t}; known: {', '.join(VERIFY_TOOLS)}")
    if "r1" in tools and not ctx.r1:
        raise SystemExit("no r1 binary: build it (bench/README.md) or pass --r1 PATH, or leave r1 out of --tools")
    results = []
    for delay in ctx.delays:
        farm = Farm(ctx.work, ctx.bindir, a.ports, delay, dns=a.host == "dns")
        try:
            log(f"farm: {len(farm.ports)} ports on 127.0.0.1, delay {delay} ms, host names: {a.host}")
            # Warm-up: page cache, farm goroutines, each binary once (not recorded).
            warm = os.path.join(ctx.work, "warm.txt")
            with open(warm, "w") as f:
                f.write("\n".join(farm.urls(64, "w", host=a.host)) + "\n")
            for t in tools:
                run_verify_tool(t, ctx, farm, 64, 16, warm, farm.urls(64, "w", host=a.host))
            for n in ctx.ns:
                urls = farm.urls(n, path=a.path, host=a.host)
                urlfile = os.path.join(ctx.work, f"urls-{n}.txt")
                with open(urlfile, "w") as f:
                    f.write("# fleet benchmark targets, one URL a line\n" + "\n".join(urls) + "\n")
                for c in ctx.cs:
                    for t in tools:
                        reps = []
                        for r in range(a.repeat):
                            res = run_verify_tool(t, ctx, farm, n, c, urlfile, urls)
                            reps.append(res)
                            log(describe(res))
                            if res["status"] != "OK":
                                break
                        results.append(pick(reps))
        finally:
            farm.stop()
    emit(ctx, "verify", results)
    print_verify_table(results, tools)
    print_verify_targets(results, ctx)


def pick(reps):
    """The median-wall run of the repeats; a failed repeat makes the point FAILED."""
    bad = [r for r in reps if r["status"] != "OK"]
    if bad:
        return bad[0]
    reps = sorted(reps, key=lambda r: r["wall_s"])
    best = dict(reps[len(reps) // 2])
    best["repeats"] = len(reps)
    return best


def describe(r):
    if r["status"] == "SKIPPED":
        return f"  {r['tool']:8} N={r['n']} C={r['c']} delay={r['delay']}ms: skipped ({r['note']})"
    s = (f"  {r['tool']:8} N={r['n']} C={r['c']} delay={r['delay']}ms: {r['status']}"
         f" wall {r.get('wall_s', 0):.2f}s load {r.get('load1', 0):.1f}")
    if "user_s" in r:
        s += (f" cpu {r['user_s'] + r['sys_s']:.2f}s rss {r['maxrss_kb'] / 1024:.1f}MB"
              f" hs {r.get('handshakes')} fds<={r.get('peak_fds')} thr<={r.get('peak_threads')}")
    if r.get("note"):
        s += f" ({r['note']})"
    return s


# ---------------------------------------------------------------- deploy


def cmd_deploy(ctx):
    a = ctx.args
    tools = [t for t in a.tools.split(",") if t]
    for t in tools:
        if t not in DEPLOY_TOOLS:
            raise SystemExit(f"unknown tool {t}; known: {', '.join(DEPLOY_TOOLS)}")
    if "r1" in tools and not ctx.r1:
        raise SystemExit("no r1 binary: build it (bench/README.md) or pass --r1 PATH, or leave r1 out of --tools")
    standin = os.path.join(ctx.bindir, "standin-flyctl")
    n = a.n
    appsdir = os.path.join(ctx.work, "apps")
    names = [f"app-{i:04d}" for i in range(1, n + 1)]
    for name in names:
        os.makedirs(os.path.join(appsdir, name), exist_ok=True)
    if subprocess.run(["git", "-C", appsdir, "rev-parse"], capture_output=True).returncode == 0:
        raise SystemExit(f"{appsdir} is inside a git work tree; pass --work outside any repository")

    farm = Farm(ctx.work, ctx.bindir, a.ports, 0)
    results = []
    try:
        manifest = os.path.join(ctx.work, f"apps-{n}.toml")
        with open(manifest, "w") as f:
            f.write("# fleet deploy benchmark: a stand-in flyctl, health checks against the loopback farm\n")
            f.write(f'[defaults]\nflyctl = "{standin}"\nregion = "iad"\nexpected_body = "OK"\n\n')
            for i, name in enumerate(names):
                port = farm.ports[i % len(farm.ports)]
                f.write(f'[[app]]\nname = "{name}"\ndir = "{os.path.join(appsdir, name)}"\n'
                        f'health_url = "https://127.0.0.1:{port}/health?app={name}"\n\n')
        listing = os.path.join(ctx.work, f"apps-{n}.tsv")
        with open(listing, "w") as f:
            for name in names:
                f.write(f"{os.path.join(appsdir, name)}\t{name}\n")
        env = dict(os.environ, R1_STANDIN_SLEEP_MS=str(a.sleep_ms))
        if a.fail_app:
            env["R1_STANDIN_FAIL_APP"] = a.fail_app
        for c in ctx.cs:
            for t in tools:
                reps = []
                for r in range(a.repeat):
                    res = run_deploy_tool(t, ctx, farm, n, c, manifest, listing, names, standin, env)
                    reps.append(res)
                    log(describe(res))
                    if res["status"] != "OK":
                        break
                results.append(pick(reps))
    finally:
        farm.stop()
    emit(ctx, "deploy", results)
    print_deploy_table(results, tools, a.sleep_ms)
    print_deploy_targets(results)


def run_deploy_tool(tool, ctx, farm, n, c, manifest, listing, names, standin, env):
    rundir = os.path.join(ctx.work, "runs", f"deploy-{tool}-n{n}-c{c}")
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    res = {"tool": tool, "n": n, "c": c, "delay": 0, "status": "OK", "note": ""}
    if tool == "r1":
        # --log-dir: r1 keeps each app's whole output there (NDJSON carries only failures' tails),
        # as GNU parallel --group keeps it on its stdout.
        argv = [ctx.r1, "deploy", "--batch", manifest, "--concurrency", str(c), "--ca-file", farm.ca,
                "--output", "json", "--log-dir", os.path.join(rundir, "logs")]
    elif tool == "parallel":
        argv = ["parallel", "--will-cite", "--group", "-j", str(c), "--colsep", "\t", "-a", listing,
                f"cd {{1}} && exec {standin} deploy --app {{2}} --region iad"]
    elif tool == "xargs":
        argv = ["xargs", "-P", str(c), "-n", "2", "-a", listing, "sh", "-c",
                f'cd "$1" && exec {standin} deploy --app "$2" --region iad', "sh"]
    else:
        raise AssertionError(tool)
    before = farm.stats()
    m, out, err = measured(ctx.bindir, rundir, argv, max(300, n / 2), env=env)
    after = farm.stats()
    res.update(m)
    res["handshakes"] = after["handshakes"] - before["handshakes"]
    res["farm_requests"] = after["health"] - before["health"]
    res["farm_cpu_s"] = after["cpu_s"] - before["cpu_s"]
    res["dns_queries"] = after.get("dns", 0) - before.get("dns", 0)
    if m.get("timeout"):
        res.update(status="FAILED", note="timed out")
        return res
    ok, why = check_deploy_output(tool, out, names, os.path.join(rundir, "logs"))
    res["ok"] = ok
    res["failed"] = n - ok
    res["note"] = why
    if m["exit"] != 0 or ok != n:
        res["status"] = "FAILED"
        res["note"] = f"exit {m['exit']}, {ok}/{n} apps ok with all 20 lines captured; {why} {tail(err)}".strip()
    return res


def check_deploy_output(tool, out, names, logdir):
    """How many apps finished with all 20 stand-in lines captured, and a note."""
    with open(out, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    lines = text.splitlines()
    if tool == "r1" or tool.startswith("r1@"):
        end = None
        for line in lines:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == "batch.end":
                end = ev
        if end is None:
            return 0, "no batch.end event"
        ok = int(end.get("ok", 0))
        # Output capture: every app's 20 stand-in lines in its --log-dir file.
        full = 0
        for name in names:
            try:
                with open(os.path.join(logdir, name + ".log"), "rb") as f:
                    log_text = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            if stand_in_lines(log_text, name) == 20:
                full += 1
        if full < ok:
            return full, f"batch.end ok={ok}, but only {full} apps have all 20 stand-in lines in --log-dir"
        return ok, ""
    # parallel / xargs: all lines on stdout; count each app's 20 lines, and for --group that they
    # came out contiguous.
    per = {}
    for line in lines:
        for marker in (" for app ", "Verifying app config for ", "https://"):
            k = line.find(marker)
            if k >= 0:
                rest = line[k + len(marker):]
                name = rest.split(" ")[0].split(".fly.dev")[0]
                per[name] = per.get(name, 0) + 1
                break
    ok = sum(1 for nme in names if per.get(nme) == 20)
    why = ""
    if tool == "parallel":
        runs = 0
        prev = None
        for line in lines:
            cur = line.split(" for app ")[-1].split(" ")[0] if " for app " in line else prev
            if cur != prev:
                runs += 1
            prev = cur
        if runs > len(names) + 1:
            why = f"output of different apps interleaved ({runs} runs)"
            ok = 0
    return ok, why


def stand_in_lines(text, name):
    """How many of the stand-in's 20 lines for app `name` are in text."""
    n = 0
    for line in text.splitlines():
        if (line.startswith("==> Verifying app config for " + name + " ")
                or (line.startswith("#") and line.endswith(f" for app {name} region iad: done"))
                or line.startswith(f"Visit your newly deployed app at https://{name}.fly.dev/")):
            n += 1
    return n


# ---------------------------------------------------------------- watch mode


def proc_sample(pid):
    """(cpu seconds, rss MB, threads) of one process from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    threads = int(fields[17])
    rss_mb = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    return cpu_s, rss_mb, threads


def run_watch(ctx, farm, n, mode, every_s):
    """One r1 verify --every run of N farm URLs; samples r1 and the farm every second."""
    a = ctx.args
    rundir = os.path.join(ctx.work, "runs", f"watch-{mode}-n{n}")
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    urlfile = os.path.join(rundir, "urls.txt")
    with open(urlfile, "w") as f:
        f.write("\n".join(farm.urls(n, tag=f"w{mode}")) + "\n")
    argv = [ctx.r1, "verify", "--every", f"{int(every_s * 1000)}ms", "--batch", urlfile, "--ca-file", farm.ca,
            "--expected-body", "OK", "--timeout", "10s", "--concurrency", str(a.c), "--output", "json"]
    if mode == "full":
        argv += ["--full-handshake-every", "0"]
    out = open(os.path.join(rundir, "stdout"), "wb")
    err = open(os.path.join(rundir, "stderr"), "wb")
    load_start = os.getloadavg()[0]
    start = time.monotonic()
    p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    samples = []  # (t, r1 cpu, r1 rss, threads, farm stats)
    total = every_s + a.minutes * 60
    try:
        while time.monotonic() - start < total:
            time.sleep(1)
            cpu_s, rss, thr = proc_sample(p.pid)
            samples.append((time.monotonic() - start, cpu_s, rss, thr, farm.stats()))
    finally:
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=30)
        out.close()
        err.close()
    res = {"tool": "r1-watch", "mode": mode, "n": n, "every_s": every_s, "exit": code, "status": "OK", "note": "",
           "load1": load_start, "load1_end": os.getloadavg()[0]}
    rounds = []
    with open(os.path.join(rundir, "stdout")) as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == "round.end":
                rounds.append(ev)
    failed = sum(r["failed"] for r in rounds)
    skipped = sum(r["skipped"] for r in rounds)
    if code != 143 or not rounds or failed or skipped:
        res.update(status="FAILED", note=f"exit {code}, {len(rounds)} rounds, {failed} failed, {skipped} skipped; "
                                         f"{tail(os.path.join(rundir, 'stderr'))}")
    # Steady state: from the end of the first interval (the CA store and allocator warm-up are in it).
    first = next(s for s in samples if s[0] >= every_s)
    last = samples[-1]
    dt = last[0] - first[0]
    checks = last[4]["health"] - first[4]["health"]
    res.update(
        rounds=len(rounds), seconds=dt, checks=checks, rate=checks / dt,
        cpu_share=(last[1] - first[1]) / dt,
        cpu_ms_per_check=(last[1] - first[1]) * 1000 / max(1, checks),
        farm_cpu_ms_per_check=(last[4]["cpu_s"] - first[4]["cpu_s"]) * 1000 / max(1, checks),
        handshakes=last[4]["handshakes"] - first[4]["handshakes"],
        resumed=last[4]["resumed"] - first[4]["resumed"],
        rss_first=first[2], rss_last=last[2], rss_max=max(s[2] for s in samples[samples.index(first):]),
        threads_max=max(s[3] for s in samples),
        rss_trace=[(round(s[0]), round(s[2], 1)) for s in samples[::10]])
    log(f"  watch {mode} N={n} every {every_s:.1f}s: {res['status']} {checks} checks in {dt:.0f}s "
        f"({res['rate']:.0f}/s), CPU {res['cpu_share'] * 100:.1f}% of a core, "
        f"{res['cpu_ms_per_check']:.3f} ms/check, farm {res['farm_cpu_ms_per_check']:.3f} ms/check, "
        f"resumed {res['resumed']}/{res['handshakes']}, RSS {res['rss_first']:.1f} -> {res['rss_last']:.1f} MB, "
        f"load {load_start:.1f} {res['note']}")
    return res


def cmd_watch(ctx):
    """r1 verify --every against the farm (session tickets on) at a fixed check rate."""
    a = ctx.args
    if not ctx.r1:
        raise SystemExit("no r1 binary: build it (bench/README.md) or pass --r1 PATH")
    ns = [int(x) for x in a.n.split(",")]
    modes = [m for m in a.modes.split(",") if m]
    farm = Farm(ctx.work, ctx.bindir, a.ports, 0, tickets=True)
    results = []
    try:
        for n in ns:
            every = n / a.rate
            for mode in modes:
                reps = [run_watch(ctx, farm, n, mode, every) for _ in range(a.repeat)]
                reps.sort(key=lambda r: r.get("cpu_share", 0))
                best = dict(reps[len(reps) // 2])
                best["repeats"] = len(reps)
                best["all_cpu_share"] = [r.get("cpu_share") for r in reps]
                results.append(best)
    finally:
        farm.stop()
    emit(ctx, "watch", results)
    print()
    print(f"## r1 verify --every at {a.rate:.1f} checks/s (farm with session tickets; median of {a.repeat})")
    print()
    print("| N | every | mode | rounds | checks/s | CPU % of a core | CPU ms/check | farm CPU ms/check | resumed "
          "| RSS first -> last MB | RSS max MB | KB per target | threads | load | status |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        if "rate" not in r:
            print(f"| {r['n']:,} | | {r['mode']} | | | | | | | | | | | | {r['status']} {r['note']} |")
            continue
        per_target = r["rss_last"] * 1e3 / r["n"]
        print(f"| {r['n']:,} | {r['every_s']:.1f}s | {r['mode']} | {r['rounds']} | {r['rate']:.0f} | "
              f"{r['cpu_share'] * 100:.1f} | {r['cpu_ms_per_check']:.3f} | {r['farm_cpu_ms_per_check']:.3f} | "
              f"{r['resumed']}/{r['handshakes']} | {r['rss_first']:.1f} -> {r['rss_last']:.1f} | {r['rss_max']:.1f} | "
              f"{per_target:.2f} | {r['threads_max']} | {r['load1']:.1f}-{r['load1_end']:.1f} | {r['status']} |")
    by = {(r["n"], r["mode"]): r for r in results if "rss_last" in r}
    for mode in modes:
        if len(ns) >= 2 and (ns[0], mode) in by and (ns[-1], mode) in by:
            lo, hi = by[(ns[0], mode)], by[(ns[-1], mode)]
            kb = (hi["rss_last"] - lo["rss_last"]) * 1e3 / (ns[-1] - ns[0])
            print(f"- memory per target ({mode}): (RSS at N={ns[-1]:,} - RSS at N={ns[0]:,}) / {ns[-1] - ns[0]:,} = "
                  f"{kb:.2f} KB")
    for n in ns:
        if (n, "resume") in by and (n, "full") in by:
            r, f = by[(n, "resume")], by[(n, "full")]
            print(f"- resumption at N={n:,}: r1 CPU {r['cpu_share'] * 100:.1f}% vs {f['cpu_share'] * 100:.1f}% of a core "
                  f"({r['cpu_share'] / f['cpu_share']:.2f}x), farm CPU per check {r['farm_cpu_ms_per_check']:.3f} vs "
                  f"{f['farm_cpu_ms_per_check']:.3f} ms ({r['farm_cpu_ms_per_check'] / f['farm_cpu_ms_per_check']:.2f}x)")


# ---------------------------------------------------------------- tables


def cpu(r):
    return r["user_s"] + r["sys_s"]


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def metrics(r, per_item_name="check"):
    """checks/s, wall, cpu, cpu ms/item, rss MB (None where it does not apply)."""
    if r["status"] != "OK":
        return None
    n = r["n"]
    rss = r["maxrss_kb"] / 1024 if r["tool"] != "xargs" else None  # xargs: many processes
    return {"rate": n / r["wall_s"], "wall": r["wall_s"], "cpu": cpu(r), "cpu_per": cpu(r) * 1000 / n,
            "rss": rss, "hs": r.get("handshakes", 0) / n}


def print_verify_table(results, tools):
    print()
    print("## r1 verify against its peers (loopback HTTPS farm)")
    print()
    print("Ratios are r1 / peer at the same N, C and delay: throughput (higher is better for r1),")
    print("peak RSS and CPU per check (lower is better for r1).")
    print()
    hosts = sorted({r.get("host", "ip") for r in results})
    print(f"Host names: {', '.join(hosts)} (ip: 127.0.0.1; localhost: /etc/hosts; dns: one name per URL,")
    print("answered by the farm's DNS server through a private resolv.conf). load: 1-minute load average")
    print("when the run started.")
    print()
    hdr = ("| delay | N | C | tool | checks/s | wall s | CPU s | CPU ms/check | peak RSS MB | TLS hs/check"
           " | farm CPU s | r1/peer checks/s | r1/peer RSS | r1/peer CPU/check | load | note |")
    print(hdr)
    print("|" + "|".join("---:" if i not in (3, 15) else "---" for i in range(16)) + "|")
    for r in results:
        m = metrics(r)
        r1 = next((x for x in results if x["tool"] == "r1" and x["n"] == r["n"] and x["c"] == r["c"]
                   and x["delay"] == r["delay"]), None)
        m1 = metrics(r1) if r1 else None
        cols = [f"{r['delay']} ms", f"{r['n']:,}", str(r["c"]), VERIFY_TOOLS[r["tool"]]]
        if m is None:
            cols += [r["status"]] + ["-"] * 10
        else:
            cols += [f"{m['rate']:,.0f}", f"{m['wall']:.2f}", f"{m['cpu']:.2f}", f"{m['cpu_per']:.3f}",
                     fmt(m["rss"], ".1f"), f"{m['hs']:.2f}", f"{r.get('farm_cpu_s', 0):.2f}"]
            if r["tool"] != "r1" and m1:
                cols += [fmt(ratio(m1["rate"], m["rate"]), ".2f") + "x", fmt(ratio(m1["rss"], m["rss"]), ".2f"),
                         fmt(ratio(m1["cpu_per"], m["cpu_per"]), ".2f")]
            else:
                cols += ["", "", ""]
            cols.append(f"{r.get('load1', 0):.1f}")
        cols.append(r.get("note", "").replace("|", "/")[:160])
        print("| " + " | ".join(cols) + " |")


def find(results, tool, n, c, delay):
    for r in results:
        if r["tool"] == tool and r["n"] == n and r["c"] == c and r["delay"] == delay:
            return r
    return None


def verdict(ok):
    return "PASS" if ok else "MISS"


def print_verify_targets(results, ctx):
    print()
    print("## Targets (issue 5)")
    print()
    ns = sorted({r["n"] for r in results})
    cs = sorted({r["c"] for r in results})
    delays = sorted({r["delay"] for r in results})
    big_n, big_c, small_c = ns[-1], cs[-1], cs[0]
    where = f"N={big_n:,}, C={big_c}"
    if (big_n, big_c) != (10000, 1024):
        print(f"(This run did not measure the target point N=10,000, C=1024; judged at {where} instead.)")
        print()
    lines = []

    def line(name, ok, detail):
        if ok is None:
            lines.append(f"- n/a  {name}: {detail}")
        else:
            lines.append(f"- {verdict(ok)} {name}: {detail}")

    for d in delays:
        r1 = find(results, "r1", big_n, big_c, d)
        m1 = metrics(r1) if r1 else None
        for peer, want, label in (("go", 1.1, "Go (keep-alives off)"), ("curl", 2.0, "curl --parallel")):
            p = find(results, peer, big_n, big_c, d)
            mp = metrics(p) if p else None
            if m1 is None or mp is None:
                line(f"checks/s >= {want}x {label}, delay {d} ms", None,
                     f"r1 {r1['status'] if r1 else 'not run'}, {peer} {p['status'] if p else 'not run'}")
            else:
                q = m1["rate"] / mp["rate"]
                line(f"checks/s >= {want}x {label}, delay {d} ms", q >= want,
                     f"{m1['rate']:,.0f} vs {mp['rate']:,.0f}/s = {q:.2f}x at {where}")
        g = find(results, "go", big_n, big_c, d)
        mg = metrics(g) if g else None
        if m1 and mg:
            q = m1["rss"] / mg["rss"]
            line(f"peak RSS <= 0.5x Go (keep-alives off), delay {d} ms", q <= 0.5,
                 f"{m1['rss']:.1f} vs {mg['rss']:.1f} MB = {q:.2f}x at {where}")
        else:
            line(f"peak RSS <= 0.5x Go, delay {d} ms", None, "r1 or Go not measured")
        cu = find(results, "curl", big_n, big_c, d)
        mc = metrics(cu) if cu else None
        if m1 and mc:
            q = m1["cpu_per"] / mc["cpu_per"]
            line(f"CPU per check <= 0.5x curl, delay {d} ms", q <= 0.5,
                 f"{m1['cpu_per']:.3f} vs {mc['cpu_per']:.3f} ms = {q:.2f}x at {where}")
        else:
            line(f"CPU per check <= 0.5x curl, delay {d} ms", None, "r1 or curl not measured")
        lo = find(results, "r1", big_n, small_c, d)
        mlo = metrics(lo) if lo else None
        if m1 and mlo and big_c > small_c:
            per = (m1["rss"] - mlo["rss"]) * 1024 / (big_c - small_c)
            line(f"<= 32 KB per check in flight, delay {d} ms", per <= 32,
                 f"(RSS at C={big_c} - RSS at C={small_c}) / {big_c - small_c} = "
                 f"({m1['rss']:.1f} - {mlo['rss']:.1f} MB) / {big_c - small_c} = {per:.1f} KB, N={big_n:,}")
        else:
            line(f"<= 32 KB per check in flight, delay {d} ms", None, "needs r1 at two concurrencies")
        sm = find(results, "r1", ns[0], big_c, d)
        msm = metrics(sm) if sm else None
        if m1 and msm and big_n > ns[0]:
            q = m1["rss"] / msm["rss"]
            line(f"RSS at N={big_n:,} <= 1.15x RSS at N={ns[0]:,} (C={big_c}), delay {d} ms", q <= 1.15,
                 f"{m1['rss']:.1f} vs {msm['rss']:.1f} MB = {q:.2f}x")
        else:
            line(f"RSS flat in N, delay {d} ms", None, "needs r1 at two N")
    r1runs = [r for r in results if r["tool"] == "r1" and r["status"] == "OK"]
    if r1runs:
        full = all(r.get("handshakes", 0) >= r["n"] and r.get("resumed", 0) == 0 for r in r1runs)
        bad = [r for r in r1runs if not (r.get("handshakes", 0) >= r["n"] and r.get("resumed", 0) == 0)]
        line("every r1 check a full TLS handshake (farm-side count, no resumption)", full,
             f"{len(r1runs) - len(bad)} of {len(r1runs)} r1 points had >= N handshakes and 0 resumed" +
             "".join(f"; N={r['n']:,}/C={r['c']}/{r['delay']} ms: {r.get('handshakes')} hs, "
                     f"{r.get('resumed')} resumed" for r in bad))
    failed = [r for r in results if r["status"] == "FAILED"]
    for r in failed:
        lines.append(f"- FAILED run: {r['tool']} N={r['n']} C={r['c']} delay={r['delay']} ms: {r['note']}")
    print("\n".join(lines))


def print_deploy_table(results, tools, sleep_ms):
    print()
    print(f"## r1 deploy --batch against its peers (stand-in flyctl: {sleep_ms} ms, 20 lines)")
    print()
    print("r1 also GETs each app's health URL on the loopback farm after its deploy; the peers do not.")
    print()
    print("| N | C | tool | apps/s | wall s | CPU s | CPU ms/app | peak RSS MB | health GETs | r1/peer apps/s | "
          "r1/peer CPU | note |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        m = metrics(r)
        r1 = find(results, "r1", r["n"], r["c"], 0)
        m1 = metrics(r1) if r1 else None
        cols = [f"{r['n']:,}", str(r["c"]), DEPLOY_TOOLS[r["tool"]]]
        if m is None:
            cols += [r["status"]] + ["-"] * 7
        else:
            cols += [f"{m['rate']:,.1f}", f"{m['wall']:.2f}", f"{m['cpu']:.2f}", f"{m['cpu_per']:.2f}",
                     fmt(m["rss"], ".1f"), f"{r.get('farm_requests', 0):,}"]
            if r["tool"] != "r1" and m1:
                cols += [fmt(ratio(m1["rate"], m["rate"]), ".2f") + "x", fmt(ratio(m1["cpu"], m["cpu"]), ".2f")]
            else:
                cols += ["", ""]
        cols.append(r.get("note", "").replace("|", "/")[:160])
        print("| " + " | ".join(cols) + " |")


def print_deploy_targets(results):
    print()
    print("## Targets (issue 5, deploys)")
    print()
    for c, want_rate, want_cpu in ((64, 1.3, 0.3), (256, 5.0, None)):
        r1 = find(results, "r1", results[0]["n"], c, 0) if results else None
        p = find(results, "parallel", results[0]["n"], c, 0) if results else None
        m1 = metrics(r1) if r1 else None
        mp = metrics(p) if p else None
        if not (m1 and mp):
            print(f"- n/a  C={c}: r1 {r1['status'] if r1 else 'not run'}, "
                  f"GNU parallel {p['status'] if p else 'not run'}")
            continue
        q = m1["rate"] / mp["rate"]
        print(f"- {verdict(q >= want_rate)} apps/s >= {want_rate}x GNU parallel at C={c}: "
              f"{m1['rate']:,.1f} vs {mp['rate']:,.1f}/s = {q:.2f}x")
        if want_cpu is not None:
            qc = m1["cpu"] / mp["cpu"]
            print(f"- {verdict(qc <= want_cpu)} CPU <= {want_cpu}x GNU parallel's at C={c}: "
                  f"{m1['cpu']:.2f} vs {mp['cpu']:.2f} s = {qc:.2f}x")
    r1runs = [r for r in results if r["tool"] == "r1"]
    if r1runs:
        good = all(r["status"] == "OK" and not r.get("note") for r in r1runs)
        print(f"- {verdict(good)} every app's output captured by r1: " +
              "; ".join(f"C={r['c']}: {r.get('ok', 0)}/{r['n']} {r.get('note', '')}".strip() for r in r1runs))
    for r in results:
        if r["status"] == "FAILED":
            print(f"- FAILED run: {r['tool']} C={r['c']}: {r['note']}")


# ---------------------------------------------------------------- main


def emit(ctx, kind, results):
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(ctx.work, f"results-{kind}-{stamp}.json")
    with open(path, "w") as f:
        json.dump({"kind": kind, "when": stamp, "machine": machine(), "r1": ctx.r1,
                   "args": vars(ctx.args), "results": results}, f, indent=1)
    print(f"# {kind} benchmark, {stamp}; {machine()}")
    print(f"# raw results: {path}")


def machine():
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    except OSError:
        model = "?"
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores ({model}), Linux {platform.release()}, "
            f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")


def find_r1(explicit):
    if explicit:
        return os.path.abspath(explicit)
    for p in (os.environ.get("R1"), os.path.join(REPO, "build-bench", "r1"),
              os.path.join(REPO, "build-bench", "cli", "r1")):
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


class Ctx:
    pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("verify", "deploy", "soak", "watch"):
        p = sub.add_parser(name)
        p.add_argument("--r1", help="r1 binary (default: $R1, build-bench/r1, build-bench/cli/r1)")
        p.add_argument("--bindir", required=True, help="where the farm, gocheck and C helpers are built")
        p.add_argument("--work", required=True, help="scratch directory (outside any git work tree)")
        p.add_argument("--ports", type=int, default=32, help="farm ports (default 32)")
        p.add_argument("--repeat", type=int, default=1, help="runs per point; the median-wall one is reported")
        if name == "verify":
            p.add_argument("--quick", action="store_true", help="N=1000, C=64,256, delay 0")
            p.add_argument("--n", default="1000,10000")
            p.add_argument("--c", default="64,256,1024")
            p.add_argument("--delays", default="0,50", help="farm response delays in ms")
            p.add_argument("--tools", default="r1,go,go-ka,curl,xargs")
            p.add_argument("--xargs-max-n", type=int, default=1000)
            p.add_argument("--expected-body", default="OK",
                           help="text the body must contain (anything but OK is a negative control)")
            p.add_argument("--path", default="/health",
                           help="URL path; anything else gets a 404 from the farm (a negative control)")
            p.add_argument("--alt", action="append", default=[], metavar="NAME=PATH",
                           help="another r1 binary measured as tool r1@NAME (e.g. a build on another OpenSSL)")
            p.add_argument("--host", default="ip", choices=("ip", "localhost", "dns"),
                           help="target host names: 127.0.0.1, localhost (/etc/hosts), or one DNS name per URL "
                                "answered by the farm (every tool in a private mount namespace: needs root)")
        elif name == "watch":
            p.add_argument("--n", default="1000,10000", help="targets; each N runs at the same check rate")
            p.add_argument("--rate", type=float, default=10000 / 60, help="checks per second (default 10,000/min)")
            p.add_argument("--minutes", type=float, default=3, help="per run, after the first round")
            p.add_argument("--modes", default="resume,full", help="resume (default r1), full (--full-handshake-every 0)")
            p.add_argument("--c", type=int, default=256)
        elif name == "soak":
            p.add_argument("--minutes", type=float, default=10)
            p.add_argument("--n", type=int, default=1000)
            p.add_argument("--c", type=int, default=256)
            p.add_argument("--delay", type=int, default=0, help="farm response delay in ms")
            p.add_argument("--soak-bin", help="r1_soak binary (default build-bench/bench/r1_soak)")
        else:
            p.add_argument("--n", type=int, default=1000)
            p.add_argument("--c", default="64,256")
            p.add_argument("--sleep-ms", type=int, default=200)
            p.add_argument("--tools", default="r1,parallel,xargs")
            p.add_argument("--fail-app", default="",
                           help="the stand-in fails this app (a negative control: every tool must FAIL)")
    a = ap.parse_args()
    ctx = Ctx()
    ctx.args = a
    ctx.bindir = os.path.abspath(a.bindir)
    ctx.work = os.path.abspath(a.work)
    ctx.shm = "/dev/shm" if os.path.isdir("/dev/shm") else ctx.work
    ctx.r1 = find_r1(a.r1)
    ctx.alts = dict(x.split("=", 1) for x in getattr(a, "alt", []))
    ctx.alts = {k: os.path.abspath(v) for k, v in ctx.alts.items()}
    os.makedirs(ctx.work, exist_ok=True)
    if a.cmd == "verify":
        if a.quick:
            a.n, a.c, a.delays = "1000", "64,256", "0"
        ctx.ns = [int(x) for x in a.n.split(",")]
        ctx.cs = [int(x) for x in a.c.split(",")]
        ctx.delays = [int(x) for x in a.delays.split(",")]
        cmd_verify(ctx)
    elif a.cmd == "soak":
        cmd_soak(ctx)
    elif a.cmd == "watch":
        cmd_watch(ctx)
    else:
        ctx.cs = [int(x) for x in a.c.split(",")]
        cmd_deploy(ctx)


if __name__ == "__main__":
    main()
