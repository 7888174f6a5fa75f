#!/usr/bin/env python3
"""Offline checks of the examples under deploy/: no cluster, no GitHub, no Docker engine.

  python3 deploy/check/check_deploy.py [--r1 PATH] [--k8s-models DIR]

- Every YAML file: yamllint (Debian's yamllint) with deploy/.yamllint.yml.
- Kubernetes manifests: each object is checked field by field against the types of the Kubernetes
  Python client (Debian's python3-kubernetes, generated from the Kubernetes OpenAPI spec): unknown
  fields, wrong types, missing required fields and enum values fail. Fields newer than that client
  are listed in NEWER_FIELDS with the release that added them. Then what the example promises:
  an Indexed Job whose completions, parallelism and --shard auto/N agree, no retries, credentials
  from a Secret as environment variables (never in args), a non-root pod, every mount backed by a
  volume, every $(VAR) defined.
- The GitHub Actions workflow: the keys GitHub's workflow syntax allows, jobs' needs, matrix keys
  used in expressions, contexts where GitHub allows them, `run:` scripts through ShellCheck.
- The Dockerfile: parsed (continuations, stages, FROM ... AS, --from), a set of hadolint's rules
  (hadolint itself is not packaged for Debian bookworm), and every RUN script through ShellCheck.
- With --r1: the Job's and the workflow's own command lines run, with the built r1 in dry-run mode,
  shard by shard, then their merge step: it must exit 0 with every app of fleet.toml in the report.
Exits 1 with one line per problem, 0 when all is well.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY = os.path.dirname(HERE)
problems = []


def problem(where, what):
    problems.append(f"{os.path.relpath(where, DEPLOY) if os.path.isabs(where) else where}: {what}")


# --------------------------------------------------------------------------------------------------
# yamllint

def run_yamllint():
    if not shutil.which("yamllint"):
        problem("yamllint", "not installed (apt-get install yamllint)")
        return
    r = subprocess.run(["yamllint", "-f", "parsable", "-c", os.path.join(DEPLOY, ".yamllint.yml"), DEPLOY],
                       capture_output=True, text=True)
    for line in r.stdout.splitlines():
        problem("yamllint", line)
    if r.returncode not in (0, 1) or (r.returncode == 1 and not r.stdout):
        problem("yamllint", r.stderr.strip() or f"exit {r.returncode}")


# --------------------------------------------------------------------------------------------------
# Kubernetes objects against the client's types

# Fields the Debian client (22.6.0, Kubernetes 1.22) predates, with their types, from the Kubernetes
# API reference (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/job-v1/).
NEWER_FIELDS = {
    "V1JobSpec": {
        # Backoff limit per index: alpha 1.28, beta (on by default) 1.29, stable 1.33.
        # https://kubernetes.io/docs/concepts/workloads/controllers/job/#backoff-limit-per-index
        "backoffLimitPerIndex": "int",
        "maxFailedIndexes": "int",
    },
}


class K8sTypes:
    def __init__(self, models_dir):
        if models_dir:
            sys.path.insert(0, models_dir)
        import kubernetes.client.models as models  # noqa: E402  (after the path is set)
        from kubernetes.client import ApiClient
        self.models = models
        self.api = ApiClient()
        self.version = getattr(sys.modules.get("kubernetes"), "__version__", "?")

    def check(self, where, path, value, type_name):
        """Walks `value` against `type_name` ('V1Job', 'list[V1Container]', 'dict(str, str)', 'int'...)."""
        if value is None:
            return
        m = re.fullmatch(r"list\[(.+)\]", type_name)
        if m:
            if not isinstance(value, list):
                return problem(where, f"{path}: expected a list")
            for i, v in enumerate(value):
                self.check(where, f"{path}[{i}]", v, m.group(1))
            return
        m = re.fullmatch(r"dict\(([^,]+), (.+)\)", type_name)
        if m:
            if not isinstance(value, dict):
                return problem(where, f"{path}: expected a map")
            for k, v in value.items():
                self.check(where, f"{path}.{k}", v, m.group(2))
            return
        simple = {"str": str, "int": int, "bool": bool, "float": (int, float)}
        if type_name in simple:
            if type_name == "int" and isinstance(value, bool) or not isinstance(value, simple[type_name]):
                problem(where, f"{path}: expected {type_name}, got {type(value).__name__} {value!r}")
            return
        if type_name in ("object", "datetime", "date"):
            return
        cls = getattr(self.models, type_name, None)
        if cls is None:
            return problem(where, f"{path}: the client knows no type {type_name}")
        if not isinstance(value, dict):
            return problem(where, f"{path}: expected an object ({type_name})")
        fields = {cls.attribute_map[a]: t for a, t in cls.openapi_types.items()}
        fields.update(NEWER_FIELDS.get(type_name, {}))
        for key, v in value.items():
            if key not in fields:
                problem(where, f"{path}.{key}: unknown field of {type_name}")
            else:
                self.check(where, f"{path}.{key}", v, fields[key])
        # The client's own constructors check required fields and enum values.
        known = {k: v for k, v in value.items() if k not in NEWER_FIELDS.get(type_name, {})}
        try:
            self.api._ApiClient__deserialize(known, type_name)
        except (ValueError, TypeError) as e:
            problem(where, f"{path}: {e}")


def env_names(container):
    return [e["name"] for e in container.get("env", [])]


def check_pod(where, name, spec, extra_env=()):
    """What the examples promise of every pod: non-root, no credential in args, mounts backed."""
    sc = spec.get("securityContext", {})
    if not sc.get("runAsNonRoot") or not sc.get("runAsUser"):
        problem(where, f"{name}: the pod must run as a non-root user (runAsNonRoot, runAsUser)")
    if spec.get("restartPolicy") != "Never":
        problem(where, f"{name}: restartPolicy must be Never (a restarted shard deploys again)")
    volumes = {v["name"] for v in spec.get("volumes", [])}
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        cname = f"{name}/{c.get('name', '?')}"
        for m in c.get("volumeMounts", []):
            if m.get("name") not in volumes:
                problem(where, f"{cname}: volumeMount {m['name']} has no volume")
        defined = set(env_names(c)) | set(extra_env)
        for arg in c.get("command", []) + c.get("args", []):
            for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
                if var not in defined:
                    problem(where, f"{cname}: $({var}) is not an environment variable of the container")
            if re.search(r"(?i)(token|secret|password)=", arg):
                problem(where, f"{cname}: a credential on the command line: {arg}")
        for e in c.get("env", []):
            secretish = re.search(r"(?i)token|secret|password|api_key", e["name"])
            if secretish and "value" in e:
                problem(where, f"{cname}: {e['name']} must come from a Secret (valueFrom.secretKeyRef), not a value")
        csc = c.get("securityContext", {})
        if csc.get("allowPrivilegeEscalation") is not False:
            problem(where, f"{cname}: allowPrivilegeEscalation must be false")


def check_kubernetes(types):
    k8s = os.path.join(DEPLOY, "kubernetes")
    objects = []
    for f in sorted(os.listdir(k8s)):
        if not f.endswith(".yaml"):
            continue
        path = os.path.join(k8s, f)
        try:
            with open(path) as fh:
                docs = list(yaml.safe_load_all(fh))
        except yaml.YAMLError as e:
            problem(path, f"not valid YAML: {' '.join(str(e).split())}")
            continue
        for doc in docs:
            if doc is None:
                continue
            kind, api = doc.get("kind"), doc.get("apiVersion")
            type_name = {("Job", "batch/v1"): "V1Job",
                         ("PersistentVolumeClaim", "v1"): "V1PersistentVolumeClaim"}.get((kind, api))
            if not type_name:
                problem(path, f"{kind} {api}: not an object these examples use")
                continue
            types.check(path, kind, doc, type_name)
            objects.append((path, doc))
    jobs = {d["metadata"]["name"]: (p, d) for p, d in objects if d["kind"] == "Job"}
    claims = {d["metadata"]["name"] for p, d in objects if d["kind"] == "PersistentVolumeClaim"}
    if "r1-fleet" not in jobs or "r1-merge" not in jobs:
        problem(k8s, "the r1-fleet and r1-merge Jobs must both be there")
        return None
    path, fleet = jobs["r1-fleet"]
    spec = fleet["spec"]
    n = spec.get("completions")
    if spec.get("completionMode") != "Indexed":
        problem(path, "r1-fleet: completionMode must be Indexed (each pod gets JOB_COMPLETION_INDEX)")
    if spec.get("parallelism") != n:
        problem(path, f"r1-fleet: parallelism {spec.get('parallelism')} differs from completions {n}")
    if spec.get("backoffLimitPerIndex", spec.get("backoffLimit")) != 0:
        problem(path, "r1-fleet: a shard must not be retried (backoffLimitPerIndex: 0)")
    pod = spec["template"]["spec"]
    # The Job controller sets JOB_COMPLETION_INDEX in every container of an Indexed Job's pods
    # (https://kubernetes.io/docs/tasks/job/indexed-parallel-processing-static/).
    check_pod(path, "r1-fleet", pod, extra_env=["JOB_COMPLETION_INDEX"])
    r1 = [c for c in pod.get("containers", []) if c.get("name") == "r1"]
    if not r1:
        problem(path, "r1-fleet: no container named r1")
        return None
    args = r1[0].get("args", [])
    shard = args[args.index("--shard") + 1] if "--shard" in args else ""
    if shard != f"auto/{n}":
        problem(path, f"r1-fleet: --shard {shard!r} must be auto/{n}, as completions")
    secret_refs = [e for e in r1[0].get("env", []) if "secretKeyRef" in e.get("valueFrom", {})]
    if not any(e["name"] == "FLY_API_TOKEN" for e in secret_refs):
        problem(path, "r1-fleet: FLY_API_TOKEN must come from a Secret")
    for p, d in objects:
        if d["kind"] != "Job":
            continue
        for v in d["spec"]["template"]["spec"].get("volumes", []):
            claim = v.get("persistentVolumeClaim", {}).get("claimName")
            if claim and claim not in claims:
                problem(p, f"{d['metadata']['name']}: volume {v['name']} claims {claim}, not defined here")
    mpath, merge = jobs["r1-merge"]
    check_pod(mpath, "r1-merge", merge["spec"]["template"]["spec"])
    return {"n": n, "fleet": fleet, "merge": merge}


# --------------------------------------------------------------------------------------------------
# GitHub Actions

# https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
WORKFLOW_KEYS = {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}
JOB_KEYS = {"name", "needs", "runs-on", "permissions", "environment", "concurrency", "outputs", "env", "defaults",
            "if", "steps", "timeout-minutes", "strategy", "continue-on-error", "container", "services", "uses",
            "with", "secrets"}
STEP_KEYS = {"id", "if", "name", "uses", "run", "working-directory", "shell", "with", "env", "continue-on-error",
             "timeout-minutes"}
# Contexts each place may use (https://docs.github.com/en/actions/learn-github-actions/contexts#context-availability).
CONTAINER_CONTEXTS = {"github", "needs", "strategy", "matrix", "vars", "inputs"}


def expressions(text):
    return re.findall(r"\$\{\{(.*?)\}\}", text)


def walk_strings(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk_strings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def shellcheck(where, script, shell="sh", known=()):
    if not shutil.which("shellcheck"):
        problem(where, "shellcheck is not installed (apt-get install shellcheck)")
        return
    header = f"#!/bin/{shell}\n" + "".join(f': "${{{v}:=}}"\n' for v in sorted(set(known)))
    r = subprocess.run(["shellcheck", "-s", shell, "-f", "gcc", "-"], input=header + script, capture_output=True,
                       text=True)
    for line in r.stdout.splitlines():
        problem(where, "shellcheck: " + line.split(":", 3)[-1].strip())


def check_workflow(n_expected):
    path = os.path.join(DEPLOY, "github-actions", "fleet.yml")
    try:
        with open(path) as fh:
            wf = yaml.safe_load(fh)
    except yaml.YAMLError as e:
        problem(path, f"not valid YAML: {' '.join(str(e).split())}")
        return None
    if True in wf:  # YAML 1.1 reads the key `on` as true; GitHub reads it as `on`
        wf["on"] = wf.pop(True)
    for k in wf:
        if k not in WORKFLOW_KEYS:
            problem(path, f"unknown top-level key {k!r}")
    jobs = wf.get("jobs", {})
    for name, job in jobs.items():
        for k in job:
            if k not in JOB_KEYS:
                problem(path, f"jobs.{name}: unknown key {k!r}")
        if "runs-on" not in job:
            problem(path, f"jobs.{name}: no runs-on")
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            if need not in jobs:
                problem(path, f"jobs.{name}: needs {need!r}, which is no job")
        matrix = job.get("strategy", {}).get("matrix", {})
        for where, text in walk_strings(job, f"jobs.{name}"):
            for expr in expressions(text):
                for key in re.findall(r"\bmatrix\.([A-Za-z_][A-Za-z0-9_-]*)", expr):
                    if key not in matrix:
                        problem(path, f"{where}: matrix.{key} is not a key of the job's matrix")
        for where, text in walk_strings(job.get("container", {}), f"jobs.{name}.container"):
            for expr in expressions(text):
                for ctx in re.findall(r"\b([a-z]+)\.", expr):
                    if ctx not in CONTAINER_CONTEXTS:
                        problem(path, f"{where}: the {ctx} context is not available in container")
        for i, step in enumerate(job.get("steps", [])):
            where = f"jobs.{name}.steps[{i}]"
            for k in step:
                if k not in STEP_KEYS:
                    problem(path, f"{where}: unknown key {k!r}")
            if ("uses" in step) == ("run" in step):
                problem(path, f"{where}: a step has either uses or run")
            if "uses" in step and not re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[\w.-]+", step["uses"]):
                problem(path, f"{where}: uses {step['uses']!r} is not owner/repo@ref")
            if "run" in step:
                script = step["run"]
                if expressions(script):
                    problem(path, f"{where}: an expression inside run: pass it through env instead")
                shellcheck(f"{path}:{where}", script, "sh", known=list(step.get("env", {})))
            if "FLY_API_TOKEN" in json.dumps(step.get("with", {})):
                problem(path, f"{where}: a credential passed as an input")
    shard_job = jobs.get("shard", {})
    shards = shard_job.get("strategy", {}).get("matrix", {}).get("shard", [])
    if shards != list(range(len(shards))) or (n_expected and len(shards) == 0):
        problem(path, f"jobs.shard: the matrix must list shards 0 to N-1, not {shards}")
    runs = " ".join(s.get("run", "") for s in shard_job.get("steps", []))
    if f"/{len(shards)}" not in runs:
        problem(path, f"jobs.shard: --shard must say /{len(shards)}, as the matrix has {len(shards)} shards")
    if shard_job.get("strategy", {}).get("fail-fast", True):
        problem(path, "jobs.shard: fail-fast must be false (a failing shard must not cancel the others)")
    merge = jobs.get("merge", {})
    if "always()" not in str(merge.get("if", "")):
        problem(path, "jobs.merge: must run always(), also when a shard failed")
    return wf


# --------------------------------------------------------------------------------------------------
# Dockerfile

INSTRUCTIONS = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
                "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "MAINTAINER"}
# BuildKit's automatic platform arguments (https://docs.docker.com/build/building/variables/).
PLATFORM_ARGS = {"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH",
                 "BUILDVARIANT"}


def dockerfile_instructions(text):
    """(line, instruction, arguments) with continuations joined and comments dropped."""
    out, buf, start = [], "", 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if not buf:
            start = no
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        out.append((start, word, rest.strip()))
        buf = ""
    if buf:
        out.append((start, "?", "a continuation at the end of the file"))
    return out


def expand(text, args):
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)",
                  lambda m: args.get(m.group(1) or m.group(2), ""), text)


def check_dockerfile():
    path = os.path.join(DEPLOY, "docker", "Dockerfile")
    with open(path) as fh:
        text = fh.read()
    if not text.startswith("# syntax=docker/dockerfile:1"):
        problem(path, "the first line should pin the frontend: # syntax=docker/dockerfile:1")
    global_args, stages, stage = {}, [], None
    for line, word, rest in dockerfile_instructions(text):
        where = f"{path}:{line}"
        if word != word.upper():
            problem(where, f"{word}: instructions are written in capitals")
        word = word.upper()
        if word not in INSTRUCTIONS:
            problem(where, f"unknown instruction {word}")
            continue
        if word == "MAINTAINER":
            problem(where, "MAINTAINER is deprecated (hadolint DL4000)")
        if word == "ARG" and stage is None:
            name, _, default = rest.partition("=")
            global_args[name] = default.strip('"')
            continue
        if word == "FROM":
            m = re.fullmatch(r"(--platform=\S+\s+)?(\S+)(\s+AS\s+(\S+))?", rest, re.I)
            if not m:
                problem(where, f"FROM {rest}: not FROM image [AS name]")
                continue
            image, name = m.group(2), m.group(4)
            if name and name in [s["name"] for s in stages]:
                problem(where, f"stage name {name} is used twice")
            if name and name != name.lower():
                problem(where, f"stage name {name} should be lower case")
            for var in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", image):
                if var not in global_args:
                    problem(where, f"FROM uses ${var}, which no ARG before the first FROM declares")
            stage = {"name": name, "line": line, "image": image, "args": dict(global_args), "declared": set(),
                     "env": set(), "shell": "sh", "user": None, "runs": []}
            stages.append(stage)
            # A stage chosen by a build argument must exist for each value it is documented to take.
            values = {"WITH_NODE": ["true", "false"]}
            variants = [dict(global_args)] + [dict(global_args, **{k: v}) for k, vs in values.items() for v in vs]
            earlier = [s["name"] for s in stages[:-1]]
            for args in variants:
                base = expand(image, args)
                if "${" in image and ":" not in base and "/" not in base and base not in earlier:
                    problem(where, f"FROM {image} resolves to {base}, which is no earlier stage")
                if base not in earlier and ("${" not in image or ":" in base):
                    tag = base.rsplit("/", 1)[-1]
                    if ":" not in tag or tag.endswith(":latest"):
                        problem(where, f"FROM {base}: pin a tag, not latest (hadolint DL3006, DL3007)")
            continue
        if stage is None:
            problem(where, f"{word} before any FROM")
            continue
        if word == "ARG":
            name = rest.partition("=")[0]
            stage["declared"].add(name)
            if re.search(r"(?i)token|secret|password", name):
                problem(where, f"ARG {name}: a secret in a build argument stays in the image's history")
        elif word == "ENV":
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", rest):
                stage["env"].add(name)
        elif word == "SHELL":
            cmd = json.loads(rest)
            stage["shell"] = "bash" if cmd[0].endswith("bash") else "sh"
            stage["pipefail"] = "pipefail" in cmd
        elif word == "USER":
            stage["user"] = rest
        elif word in ("CMD", "ENTRYPOINT"):
            try:
                if not isinstance(json.loads(rest), list):
                    raise ValueError
            except ValueError:
                problem(where, f"{word}: use the JSON form, so signals reach the process (hadolint DL3025)")
        elif word in ("COPY", "ADD"):
            m = re.search(r"--from=(\S+)", rest)
            if m and m.group(1) not in [s["name"] for s in stages[:-1]] and ":" not in m.group(1):
                problem(where, f"{word} --from={m.group(1)}: no earlier stage has that name")
            if word == "ADD" and not re.search(r"https?://|\.tar", rest):
                problem(where, "ADD of plain files: use COPY (hadolint DL3020)")
        elif word == "RUN":
            stage["runs"].append((line, rest))
            check_run(where, rest, stage)
    if not stages:
        problem(path, "no FROM")
        return
    final = stages[-1]
    if final["user"] in (None, "root", "0", "0:0") or str(final["user"]).startswith(("root:", "0:")):
        problem(path, "the final stage must switch to a non-root USER (hadolint DL3002)")


def check_run(where, script, stage):
    if "apt-get install" in script:
        if "--no-install-recommends" not in script:
            problem(where, "apt-get install without --no-install-recommends (hadolint DL3015)")
        if not re.search(r"apt-get install\s+(-\S+\s+)*-y", script):
            problem(where, "apt-get install without -y (hadolint DL3014)")
        if not re.search(r"rm -rf [^;&|]*/var/lib/apt/lists/\*", script):
            problem(where, "apt lists kept in the layer: rm -rf /var/lib/apt/lists/* (hadolint DL3009)")
    if "apt-get upgrade" in script or "dist-upgrade" in script:
        problem(where, "apt-get upgrade in a Dockerfile (hadolint DL3005)")
    if re.search(r"\|\s*(?!\|)", script.replace("||", "")) and not stage.get("pipefail"):
        problem(where, "a pipe without SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] (hadolint DL4006)")
    if re.search(r"\bcurl\b", script):
        if not re.search(r"\bcurl\s+(-\S*f\S*|--fail)", script):
            problem(where, "curl without -f: an HTTP error would be saved as the file")
        if "sha256sum -c" not in script:
            problem(where, "a download without a checksum check (sha256sum -c)")
    if re.search(r"\bsudo\b", script):
        problem(where, "sudo in a RUN (hadolint DL3004)")
    known = set(stage["declared"]) | set(stage["env"]) | PLATFORM_ARGS
    for var in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", script):
        if var not in known and not re.search(rf"\b{var}=", script) and not re.search(rf"\bfor {var}\b", script):
            problem(where, f"${var} is neither an ARG nor an ENV of this stage")
    # Word splitting of a list argument (NODE_CLIS) is intended: the list is several packages.
    script_for_check = re.sub(r'(?<!")\$\{NODE_CLIS\}(?!")', "vercel", script)
    shellcheck(where, script_for_check, stage["shell"], known=known)


# --------------------------------------------------------------------------------------------------
# The examples' command lines, run with the built r1 (dry run: no provider CLI, no network)

def wrapper(bindir, r1):
    """An `r1` on PATH that adds --dry-run to deploys, so the examples' own commands run offline."""
    os.makedirs(bindir, exist_ok=True)
    path = os.path.join(bindir, "r1")
    with open(path, "w") as fh:
        fh.write(f'#!/bin/sh\nif [ "$1" = deploy ]; then exec {shlex.quote(r1)} "$@" --dry-run; fi\n'
                 f'exec {shlex.quote(r1)} "$@"\n')
    os.chmod(path, 0o755)
    return path


def merged_ok(where, report, manifest):
    with open(report) as fh:
        doc = json.load(fh)
    names = re.findall(r'^name = "([^"]+)"', open(manifest).read(), re.M)
    got = [t["name"] for t in doc["tasks"]]
    if got != names or doc["exit_code"] != 0 or doc["merged"]["missing"]:
        problem(where, f"the merged report holds {got} (exit {doc['exit_code']}), not every app of fleet.toml")


def simulate_kubernetes(r1, k8s, tmp):
    """Runs the Indexed Job's containers for each index (init container first), then the merge."""
    n, fleet, merge = k8s["n"], k8s["fleet"], k8s["merge"]
    bindir = os.path.join(tmp, "bin")
    r1_bin = wrapper(bindir, r1)
    mounts = {"/config": os.path.join(DEPLOY, "kubernetes"), "/reports": os.path.join(tmp, "reports")}
    os.makedirs(mounts["/reports"])
    uid = "0b6d3f3e-5b0f-4c59-9c7e-1c3f1f0a9d42"

    def host(arg, env):
        arg = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), arg)
        arg = re.sub(r"(?<![\w/])(/config|/reports)(?=/|$|\")", lambda m: mounts[m.group(1)], arg)
        return arg.replace("/usr/local/bin/r1", r1_bin).replace("/usr/bin/tini -- ", "")

    pod = fleet["spec"]["template"]["spec"]
    for index in range(n):
        env = {"JOB_COMPLETION_INDEX": str(index), "RUN_ID": uid}
        for c in pod.get("initContainers", []) + pod["containers"]:
            command = [host(a, env) for a in c["command"]] if "command" in c else [r1_bin]  # the image's r1
            argv = command + [host(a, env) for a in c.get("args", [])]
            r = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, **env))
            if r.returncode != 0:
                problem("kubernetes/fleet-job.yaml", f"index {index}, container {c['name']}: exit {r.returncode}: "
                                                     f"{r.stderr.strip()[-300:]}")
    c = merge["spec"]["template"]["spec"]["containers"][0]
    env = {"FLEET_UID": uid}
    argv = [host(a, env) for a in c["command"]]
    r = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, PATH=bindir + ":" + os.environ["PATH"],
                                                                      **env))
    if r.returncode != 0:
        problem("kubernetes/merge-job.yaml", f"the merge exited {r.returncode}: {r.stderr.strip()[-300:]}")
        return
    merged_ok("kubernetes/merge-job.yaml", os.path.join(mounts["/reports"], uid, "fleet.json"),
              os.path.join(DEPLOY, "kubernetes", "fleet.toml"))


def simulate_workflow(r1, wf, tmp):
    """Runs each matrix job's run steps in its own workspace, gathers the reports as
    download-artifact's merge-multiple does, then runs the merge job's steps."""
    bindir = os.path.join(tmp, "bin")
    wrapper(bindir, r1)
    env_path = bindir + ":" + os.environ["PATH"]
    gathered = os.path.join(tmp, "merge", "reports")
    os.makedirs(gathered)
    shard_job = wf["jobs"]["shard"]
    for shard in shard_job["strategy"]["matrix"]["shard"]:
        ws = os.path.join(tmp, f"shard-{shard}")
        os.makedirs(ws)
        shutil.copy(os.path.join(DEPLOY, "kubernetes", "fleet.toml"), ws)  # the checkout
        for step in shard_job["steps"]:
            if "run" not in step:
                continue
            env = {k: str(v).replace("${{ matrix.shard }}", str(shard)).replace("${{ secrets.FLY_API_TOKEN }}", "x")
                   for k, v in step.get("env", {}).items()}
            r = subprocess.run(["sh", "-e", "-c", step["run"]], cwd=ws, capture_output=True, text=True,
                               env=dict(os.environ, PATH=env_path, **env))
            if r.returncode != 0:
                problem("github-actions/fleet.yml", f"shard {shard}: {step.get('name')}: exit {r.returncode}: "
                                                    f"{r.stderr.strip()[-300:]}")
        for f in os.listdir(ws):
            if f.startswith(f"shard-{shard}."):
                shutil.copy(os.path.join(ws, f), gathered)
    ws = os.path.dirname(gathered)
    for step in wf["jobs"]["merge"]["steps"]:
        if "run" in step:
            r = subprocess.run(["sh", "-e", "-c", step["run"]], cwd=ws, capture_output=True, text=True,
                               env=dict(os.environ, PATH=env_path))
            if r.returncode != 0:
                problem("github-actions/fleet.yml", f"merge: exit {r.returncode}: {r.stderr.strip()[-300:]}")
                return
    merged_ok("github-actions/fleet.yml", os.path.join(ws, "fleet.json"), os.path.join(DEPLOY, "kubernetes", "fleet.toml"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--r1", help="the built r1, to run the examples' command lines (dry run)")
    ap.add_argument("--k8s-models", help="a directory holding a newer `kubernetes` Python package to check against")
    opts = ap.parse_args()
    run_yamllint()
    types = K8sTypes(opts.k8s_models)
    k8s = check_kubernetes(types)
    wf = check_workflow(k8s["n"] if k8s else None)
    check_dockerfile()
    if opts.r1 and k8s and wf:
        with tempfile.TemporaryDirectory() as tmp:
            simulate_kubernetes(os.path.abspath(opts.r1), k8s, os.path.join(tmp, "k8s"))
            simulate_workflow(os.path.abspath(opts.r1), wf, os.path.join(tmp, "gha"))
    for p in problems:
        print(f"deploy: {p}")
    print(f"deploy: {'FAILED, ' + str(len(problems)) + ' problems' if problems else 'ok'} "
          f"(kubernetes client types {types.version}{', examples run with r1' if opts.r1 else ''})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
