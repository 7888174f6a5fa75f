#!/usr/bin/env python3
"""The issue's leads, measured (bench/README.md, "Leads"): what the farm spends serving one check
from r1 under different ClientHello / close settings, against the Go peer and curl; and what a
different allocator would save r1. Every variant runs the same N URLs against one farm, rounds
interleaved, and the median of --repeat runs is reported with the load.

    python3 bench/fleet/leads.py --bindir $R1_BENCH_WORK/bin --work $R1_BENCH_WORK --r1 build/r1

r1's ClientHello is varied through OPENSSL_CONF (ssl_conf system_default: Groups,
SignatureAlgorithms, Options=-MiddleboxCompat), which OpenSSL applies to every SSL_CTX r1 makes.
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402

CONF_HEAD = ("openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n[ssl_sect]\n"
             "system_default = system_default_sect\n[system_default_sect]\n")
VARIANTS = {
    "r1": "",
    "r1 groups=X25519": "Groups = X25519\n",
    "r1 sigalgs=ECDSA+SHA256": "SignatureAlgorithms = ECDSA+SHA256\n",
    "r1 no middlebox compat (no CCS, no session id)": "Options = -MiddleboxCompat\n",
    "r1 X25519 + ECDSA+SHA256 + no middlebox": "Groups = X25519\nSignatureAlgorithms = ECDSA+SHA256\n"
                                               "Options = -MiddleboxCompat\n",
    # OpenSSL lists TLS_AES_256_GCM_SHA384 first, Go TLS_AES_128_GCM_SHA256: the transcript hash and
    # key schedule then run SHA-384, which x86 SHA extensions do not cover, on both sides.
    "r1 ciphersuites AES-128-GCM first": "Ciphersuites = TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                          "TLS_CHACHA20_POLY1305_SHA256\n",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--r1", required=True)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--c", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--extra", action="append", default=[],
                    help="NAME=ENV=VALUE: another r1 variant with one environment variable (e.g. LD_PRELOAD)")
    ap.add_argument("--binary", action="append", default=[],
                    help="NAME=PATH: another r1 binary (a build on another OpenSSL, an older commit)")
    ap.add_argument("--no-conf-variants", action="store_true", help="leave out the OPENSSL_CONF variants")
    ap.add_argument("--only", action="append", default=[], help="only these OPENSSL_CONF variants (by name)")
    ap.add_argument("--go-c", default="", help="extra Go peer runs at these concurrencies (\"16,32\"): the farm's "
                                                "cost per check at the Go peer's rate against at r1's")
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    farm = fleet.Farm(work, os.path.abspath(a.bindir), 32, 0)
    rows = {}
    try:
        urls = farm.urls(a.n, tag="lead")
        urlfile = os.path.join(work, "leads-urls.txt")
        with open(urlfile, "w") as f:
            f.write("\n".join(urls) + "\n")
        runs = []
        chosen = [(k, v) for k, v in VARIANTS.items() if not a.only or k in a.only]
        for name, conf in (chosen if not a.no_conf_variants else [("r1", "")]):
            path = os.path.join(work, f"lead-{len(runs)}.cnf")
            with open(path, "w") as f:
                f.write(CONF_HEAD + conf)
            env = dict(os.environ, OPENSSL_CONF=path)
            runs.append((name, [a.r1, "verify", "--batch", urlfile, "--concurrency", str(a.c), "--ca-file", farm.ca,
                                "--expected-body", "OK", "--output", "json"], env))
        for extra in a.extra:
            name, var, value = extra.split("=", 2)
            runs.append((name, [a.r1, "verify", "--batch", urlfile, "--concurrency", str(a.c), "--ca-file", farm.ca,
                                "--expected-body", "OK", "--output", "json"], dict(os.environ, **{var: value})))
        for spec in a.binary:
            name, path = spec.split("=", 1)
            runs.append((name, [os.path.abspath(path), "verify", "--batch", urlfile, "--concurrency", str(a.c), "--ca-file",
                                farm.ca, "--expected-body", "OK", "--output", "json"], dict(os.environ)))
        runs.append(("Go, keep-alives off", [os.path.join(a.bindir, "gocheck"), "-c", str(a.c), "-ca", farm.ca, urlfile],
                     dict(os.environ)))
        for gc in [x for x in a.go_c.split(",") if x]:
            runs.append((f"Go, keep-alives off, C={gc}", [os.path.join(a.bindir, "gocheck"), "-c", gc, "-ca", farm.ca,
                                                          urlfile], dict(os.environ)))
        runs.append(("curl --parallel", None, None))
        for rep in range(a.repeat):
            # Each round starts one variant later, so load drift does not favour a fixed position.
            for name, argv, env in runs[rep % len(runs):] + runs[:rep % len(runs)]:
                if argv is None:  # curl: the config file as fleet.py writes it
                    cfg = os.path.join(work, "leads-curl.cfg")
                    with open(cfg, "w") as f:
                        for i, u in enumerate(urls):
                            f.write(f'url = "{u}"\noutput = "/dev/null"\n')
                    argv = ["curl", "--parallel", "--parallel-max", str(min(a.c, 300)), "--http1.1", "--no-sessionid",
                            "-H", "Connection: close", "--cacert", farm.ca, "-sS", "-K", cfg]
                    env = dict(os.environ)
                rundir = os.path.join(work, "runs", "leads")
                os.makedirs(rundir, exist_ok=True)
                load = os.getloadavg()[0]
                before = farm.stats()
                m, out, err = fleet.measured(os.path.abspath(a.bindir), rundir, argv, 300, env=env)
                after = farm.stats()
                hs = after["handshakes"] - before["handshakes"]
                ok = m.get("exit") == 0 and after["health"] - before["health"] == a.n
                row = rows.setdefault(name, [])
                row.append({"farm_ms": (after["cpu_s"] - before["cpu_s"]) * 1000 / a.n,
                            "tool_ms": (m.get("user_s", 0) + m.get("sys_s", 0)) * 1000 / a.n,
                            "wall": m.get("wall_s", 0), "hs": hs, "ok": ok, "load": load})
                fleet.log(f"  {name}: farm {row[-1]['farm_ms']:.3f} ms/check, tool {row[-1]['tool_ms']:.3f} ms/check, "
                          f"{'OK' if ok else 'FAILED'}, load {load:.1f}")
    finally:
        farm.stop()
    base = statistics.median(r["farm_ms"] for r in rows["Go, keep-alives off"])
    print(f"| client | farm CPU ms per check | vs Go | client CPU ms per check | wall s | all ok | load |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for name, reps in rows.items():
        farm_ms = statistics.median(r["farm_ms"] for r in reps)
        tool_ms = statistics.median(r["tool_ms"] for r in reps)
        wall = statistics.median(r["wall"] for r in reps)
        loads = [r["load"] for r in reps]
        print(f"| {name} | {farm_ms:.3f} | {farm_ms / base:.2f} | {tool_ms:.3f} | {wall:.2f} | "
              f"{all(r['ok'] for r in reps)} | {min(loads):.1f}-{max(loads):.1f} |")


if __name__ == "__main__":
    main()
