#!/usr/bin/env python3
"""The checks of check_deploy.py can fail: each mistake below, made in a copy of deploy/, must be
reported, and the untouched copy must pass.

  python3 deploy/check/test_check_deploy.py [--r1 PATH]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

DEPLOY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (file, text to replace, replacement, what the report must say)
MISTAKES = [
    ("kubernetes/fleet-job.yaml", "  completions: 4\n", "  completions: 4\n  completionz: 4\n",
     "spec.completionz: unknown field of V1JobSpec"),
    ("kubernetes/fleet-job.yaml", "  parallelism: 4\n", "  parallelism: 3\n", "parallelism 3 differs from completions 4"),
    ("kubernetes/fleet-job.yaml", "            - auto/4\n", "            - auto/3\n", "must be auto/4"),
    ("kubernetes/fleet-job.yaml", "  completions: 4\n", "  completions: \"4\"\n", "spec.completions: expected int"),
    ("kubernetes/fleet-job.yaml", "  backoffLimitPerIndex: 0\n", "  backoffLimitPerIndex: 2\n",
     "must not be retried"),
    ("kubernetes/fleet-job.yaml", "        - name: r1\n", "        - image2: x\n", "unknown field of V1Container"),
    ("kubernetes/fleet-job.yaml", "            - name: FLY_API_TOKEN\n              valueFrom:\n                secretKeyRef:\n"
     "                  name: r1-credentials\n                  key: FLY_API_TOKEN\n",
     "            - name: FLY_API_TOKEN\n              value: fm2_oops\n", "must come from a Secret"),
    ("kubernetes/fleet-job.yaml", "            - name: reports\n              mountPath: /reports\n            - name: tmp",
     "            - name: report\n              mountPath: /reports\n            - name: tmp", "volumeMount report has no volume"),
    ("kubernetes/fleet-job.yaml", "/reports/$(RUN_ID)/shard-$(JOB_COMPLETION_INDEX).json",
     "/reports/$(RUN_UID)/shard-$(JOB_COMPLETION_INDEX).json", "$(RUN_UID) is not an environment variable"),
    ("kubernetes/fleet-job.yaml", "        runAsNonRoot: true\n", "        runAsNonRoot: false\n", "non-root user"),
    ("github-actions/fleet.yml", "        shard: [0, 1, 2, 3]", "        shard: [0, 1, 2]", "--shard must say /3"),
    ("github-actions/fleet.yml", "    name: shard ${{ matrix.shard }}/4", "    name: shard ${{ matrix.shards }}/4",
     "matrix.shards is not a key"),
    ("github-actions/fleet.yml", "      fail-fast: false", "      fail-fast: true", "fail-fast must be false"),
    ("github-actions/fleet.yml", "    needs: shard\n    if: always()\n", "    needs: shard\n", "must run always()"),
    ("github-actions/fleet.yml", "    needs: shard\n", "    needs: shards\n", "needs 'shards', which is no job"),
    ("github-actions/fleet.yml", "      image: ghcr.io/example/r1:0.1.0\n      # The runner",
     "      image: ${{ env.R1_IMAGE }}\n      # The runner", "the env context is not available in container"),
    ("github-actions/fleet.yml", "        run: r1 report merge", "        runs: r1 report merge", "unknown key 'runs'"),
    ("github-actions/fleet.yml", '--shard "$SHARD/4"', '--shard $SHARD/4 `true`', "shellcheck"),
    ("docker/Dockerfile", "USER 10001:10001\n", "", "non-root USER (hadolint DL3002)"),
    ("docker/Dockerfile", "FROM node:${NODE_VERSION}-bookworm-slim", "FROM node", "pin a tag"),
    ("docker/Dockerfile", "curl -fsSL -o", "curl -sSL -o", "curl without -f"),
    ("docker/Dockerfile", '    && echo "${FLYCTL_SHA256}  /tmp/flyctl.tar.gz" | sha256sum -c - \\\n', "",
     "without a checksum check"),
    ("docker/Dockerfile", "--no-install-recommends \\\n        build-essential", "\\\n        build-essential",
     "without --no-install-recommends"),
    ("docker/Dockerfile", 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/r1"]', "ENTRYPOINT /usr/local/bin/r1",
     "JSON form"),
    ("docker/Dockerfile", "COPY --from=build ", "COPY --from=builder ", "no earlier stage has that name"),
    ("docker/Dockerfile", 'FROM ${DEBIAN_IMAGE} AS node-clis-false', 'FROM ${DEBIAN_IMAGE} AS node-clis-off',
     "resolves to node-clis-false, which is no earlier stage"),
    ("docker/Dockerfile", 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n', "", "a pipe without SHELL"),
    ("docker/Dockerfile", "    && rm -rf /var/lib/apt/lists/*\nWORKDIR", "\nWORKDIR", "apt lists kept"),
]

# Mistakes only running the examples' own command lines with r1 can find.
RUN_MISTAKES = [
    ("kubernetes/fleet-job.yaml", "            - --concurrency\n", "            - --concurency\n",
     "unknown flag --concurency"),
    ("kubernetes/merge-job.yaml", "r1 report merge", "r1 report merged", "unknown subcommand"),
    ("github-actions/fleet.yml", '--report "shard-$SHARD.json"', '--report "shard.json"',
     "merge: exit 2: r1: error: cannot read reports/shard-*.json"),
]


def run(copy, r1):
    args = [sys.executable, os.path.join(copy, "check", "check_deploy.py")]
    if r1:
        args += ["--r1", r1]
    r = subprocess.run(args, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--r1")
    opts = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "deploy")
        shutil.copytree(DEPLOY, copy, ignore=shutil.ignore_patterns("__pycache__"))
        code, out = run(copy, opts.r1)
        if code != 0:
            print(f"the untouched examples fail:\n{out}")
            return 1
        cases = MISTAKES + (RUN_MISTAKES if opts.r1 else [])
        for file, old, new, says in cases:
            if says is None:
                continue
            path = os.path.join(copy, file)
            original = open(path).read()
            if old not in original:
                print(f"FAIL {file}: the test's text is not in it: {old!r}")
                failures += 1
                continue
            with open(path, "w") as fh:
                fh.write(original.replace(old, new, 1))
            code, out = run(copy, opts.r1 if (file, old, new, says) in RUN_MISTAKES else None)
            with open(path, "w") as fh:
                fh.write(original)
            if code == 0 or says not in out:
                print(f"FAIL {file}: {new.strip()!r} was not reported as {says!r}:\n{out}")
                failures += 1
            else:
                print(f"ok   {file}: {says}")
    print(f"{len([c for c in MISTAKES + RUN_MISTAKES if c[3]]) - failures} caught, {failures} missed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
