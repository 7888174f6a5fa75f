#!/usr/bin/env python3
"""Browser checks: ms and MB per check at --browser-concurrency 1, 4 and 8 (bench/README.md).

Serves a small page (HTML, a script, an image) over HTTPS on 127.0.0.1 from a throw-away CA, runs
`r1 verify --browser` on N distinct URLs of it, and samples the proportional set size (PSS) of r1
and of every Chromium process it started (found by the private TMPDIR r1 runs with) every 50 ms.
Each concurrency runs REPEATS times; medians are printed, with /proc/loadavg before and after.
Loopback only; every run ends by itself.
"""
import json, os, ssl, statistics, subprocess, sys, tempfile, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

R1 = sys.argv[1] if len(sys.argv) > 1 else "build/r1"
N = int(os.environ.get("N", "24"))
REPEATS = int(os.environ.get("REPEATS", "3"))
LEVELS = [int(c) for c in os.environ.get("LEVELS", "1 4 8").split()]

PAGE = b"""<!doctype html><html><head><title>bench</title><script src="/app.js"></script></head>
<body><h1>bench</h1><img src="/pixel.png"><div id=list></div></body></html>"""
APP = b"""document.addEventListener('DOMContentLoaded', () => {
  const list = document.getElementById('list');
  for (let i = 0; i < 500; ++i) { const p = document.createElement('p'); p.textContent = 'row ' + i; list.appendChild(p); }
});"""
PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d49444154789c6360000002000154a24f5f0000000049454e44ae426082")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = self.path.split("?")[0]
        body, ctype = {"/": (PAGE, "text/html"), "/app.js": (APP, "text/javascript"),
                       "/pixel.png": (PIXEL, "image/png")}.get(path, (b"no", "text/plain"))
        self.send_response(200 if body != b"no" else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def make_pki(d):
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
        f"{d}/ca.key", "-out", f"{d}/ca.pem", "-days", "2", "-subj", "/CN=r1 bench CA")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
        f"{d}/srv.key", "-out", f"{d}/srv.csr", "-subj", "/CN=localhost")
    with open(f"{d}/ext", "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", f"{d}/srv.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
        "-CAcreateserial", "-out", f"{d}/srv.pem", "-days", "2", "-extfile", f"{d}/ext")


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def family(r1_pid, marker):
    pids = [r1_pid]
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    pids.append(int(name))
        except OSError:
            pass
    return pids


def one_run(port, ca, concurrency):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        urls = [f"https://localhost:{port}/?n={i}" for i in range(N)]
        env = dict(os.environ, TMPDIR=tmp)
        start = time.monotonic()
        p = subprocess.Popen([R1, "verify", *urls, "--ca-file", ca, "--browser", "--browser-concurrency",
                              str(concurrency), "--concurrency", str(concurrency), "--report", out],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak, peak_chromium = 0, 0
        while p.poll() is None:
            pids = family(p.pid, tmp)
            sizes = [pss_kb(x) for x in pids]
            peak = max(peak, sum(sizes))
            peak_chromium = max(peak_chromium, sum(sizes[1:]))
            time.sleep(0.05)
        wall = time.monotonic() - start
        err = p.stderr.read().decode(errors="replace")
        report = json.load(open(out))
        ok = sum(1 for t in report["tasks"] if t["status"] == "ok")
        if ok != N:
            sys.exit(f"bench: {N - ok} checks failed:\n{err}")
        checks = [t["browser"]["duration_ms"] for t in report["tasks"]]
        return wall, statistics.median(checks), peak / 1024, peak_chromium / 1024


def main():
    with tempfile.TemporaryDirectory() as d:
        make_pki(d)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(f"{d}/srv.pem", f"{d}/srv.key")
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        load_before = open("/proc/loadavg").read().split()[:3]
        print(f"r1 verify --browser, {N} checks of one page (HTML, script, image) per run, {REPEATS} runs each; "
              f"{os.cpu_count()} cores; {subprocess.run(['chromium', '--version'], capture_output=True, text=True).stdout.strip()}")
        print(f"{'C':>3} {'wall s':>8} {'ms/check':>9} {'check ms':>9} {'peak MB':>8} {'chromium MB':>12} {'MB/check in flight':>19}")
        for c in LEVELS:
            runs = [one_run(port, f"{d}/ca.pem", c) for _ in range(REPEATS)]
            wall = statistics.median(r[0] for r in runs)
            check = statistics.median(r[1] for r in runs)
            peak = statistics.median(r[2] for r in runs)
            chromium = statistics.median(r[3] for r in runs)
            print(f"{c:>3} {wall:>8.2f} {wall * 1000 / N:>9.0f} {check:>9.0f} {peak:>8.0f} {chromium:>12.0f} "
                  f"{chromium / c:>19.0f}")
        load_after = open("/proc/loadavg").read().split()[:3]
        print(f"load average (1, 5, 15 min): before {' '.join(load_before)}, after {' '.join(load_after)}")
        server.shutdown()


if __name__ == "__main__":
    main()
