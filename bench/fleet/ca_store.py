#!/usr/bin/env python3
"""What loading the CA store costs a short r1 run (bench/README.md, "CA store"): one-URL and
1,000-URL r1 verify runs against the farm, CPU of the process (median of --repeat), with

  bundle   the default: OpenSSL's default paths, i.e. the system bundle parsed whole at start
           (SSL_CERT_FILE, /usr/lib/ssl/cert.pem -> /etc/ssl/certs/ca-certificates.crt), plus
           the farm CA by --ca-file;
  lazy-dir no bundle (SSL_CERT_FILE=/dev/null); the system store as a hashed directory read only
           when a chain needs it (SSL_CERT_DIR: /etc/ssl/certs' hash links plus the farm CA, rehashed);
  none     no system store at all: only --ca-file (the floor).

    python3 bench/fleet/ca_store.py --bindir $R1_BENCH_WORK/bin --work $R1_BENCH_WORK --r1 build/r1
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--r1", required=True)
    ap.add_argument("--repeat", type=int, default=11)
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    farm = fleet.Farm(work, os.path.abspath(a.bindir), 4, 0)
    try:
        hashed = os.path.join(work, "ca-hashed")
        shutil.rmtree(hashed, ignore_errors=True)
        os.makedirs(hashed)
        n_links = 0
        for name in os.listdir("/etc/ssl/certs"):
            path = os.path.join("/etc/ssl/certs", name)
            if name.endswith(".pem") or name[:8].isalnum() and "." in name:
                target = os.path.realpath(path)
                if os.path.isfile(target) and name.endswith(".pem"):
                    shutil.copy(target, os.path.join(hashed, name))
                    n_links += 1
        shutil.copy(farm.ca, os.path.join(hashed, "r1-bench-farm-ca.pem"))
        subprocess.run(["openssl", "rehash", hashed], check=True)
        setups = {
            "bundle": ({}, True),
            "lazy-dir": ({"SSL_CERT_FILE": "/dev/null", "SSL_CERT_DIR": hashed}, False),
            "none": ({"SSL_CERT_FILE": "/dev/null", "SSL_CERT_DIR": "/nonexistent"}, True),
        }
        rows = {}
        for n in (1, 1000):
            urlfile = os.path.join(work, f"ca-urls-{n}.txt")
            with open(urlfile, "w") as f:
                f.write("\n".join(farm.urls(n, tag="ca")) + "\n")
            for rep in range(a.repeat):
                for name, (env_add, ca_file) in setups.items():
                    argv = [a.r1, "verify", "--batch", urlfile, "--expected-body", "OK", "--output", "json"]
                    if ca_file:
                        argv += ["--ca-file", farm.ca]
                    rundir = os.path.join(work, "runs", "ca")
                    os.makedirs(rundir, exist_ok=True)
                    load = os.getloadavg()[0]
                    m, out, err = fleet.measured(os.path.abspath(a.bindir), rundir, argv, 120,
                                                 env=dict(os.environ, **env_add))
                    rows.setdefault((n, name), []).append(
                        {"cpu_ms": (m["user_s"] + m["sys_s"]) * 1000, "ok": m["exit"] == 0, "load": load,
                         "rss": m["maxrss_kb"] / 1024})
    finally:
        farm.stop()
    print(f"system store: {n_links} certificates in /etc/ssl/certs; median of {a.repeat} runs each")
    print()
    print("| URLs | CA setup | r1 CPU ms (whole run) | peak RSS MB | all ok | load |")
    print("|---:|---|---:|---:|---|---:|")
    for (n, name), reps in rows.items():
        loads = [r["load"] for r in reps]
        print(f"| {n:,} | {name} | {statistics.median(r['cpu_ms'] for r in reps):.1f} | "
              f"{statistics.median(r['rss'] for r in reps):.1f} | {all(r['ok'] for r in reps)} | "
              f"{min(loads):.1f}-{max(loads):.1f} |")


if __name__ == "__main__":
    main()
