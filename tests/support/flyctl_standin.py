#!/usr/bin/env python3
"""A stateful stand-in for flyctl: `status --json`, `releases --json [--image]`, `deploy` and
`logs --no-tail`, with the JSON shapes and messages of the real flyctl, keeping its app state
(machines, releases, which image serves) in a directory between calls.

Sources of the shapes (superfly/flyctl and superfly/fly-go, read at flyctl ad0172fac):
  status --json    flyctl internal/command/status/machines.go renderMachineJSONStatus: an object with
                   ID, Name, Deployed, Status, Hostname, Version, AppURL, Organization,
                   PlatformVersion and Machines (sorted by ID, descending, in RenderMachineStatus);
                   each machine is fly-go machine_types.go Machine (id, name, state, region,
                   image_ref{registry,repository,tag,digest,labels}, config{image, metadata},
                   checks[{name,status,output,updated_at}], host_status, cordoned, ...).
  releases --json  flyctl internal/command/apps/releases.go: render.JSON of []fly.Release sorted by
                   Version descending; fly-go types.go Release has no json tags (ID, Version,
                   Stable, InProgress, Reason, Description, Status, DeploymentStrategy, Metadata,
                   User, EvaluationID, CreatedAt, ImageRef).
  deploy           with FLY_EMIT_RELEASE_JSON set, a successful deploy prints
                   {"id":..,"version":..,"image_ref":..} and a newline to stdout, last
                   (flyctl internal/command/deploy/machines_deploymachinesapp.go).
  logs --no-tail   one line per entry: RFC 3339 time, app[<machine>], region, [level], message
                   (flyctl internal/render/logs.go LogEntry).
  errors           "Error: " + the error, on stderr, exit 1 (flyctl internal/cli/cli.go printError);
                   an interrupted command exits 127 (same file).
Messages:
  no token         fly-go api.go ErrNoAuthToken: "no access token available. Please login with
                   'flyctl auth login'" (older flyctl capitalised it: superfly/flyctl#1787).
  token refused    "You must be authenticated to view this." (fly-apps/hello-fly#4).
  deploy refused   "Not authorized to deploy this app." (superfly/fly-pr-review-apps#60).
  no such app      status wraps it as "failed to get app: %w" (internal/command/status/status.go);
                   the API says `Could not find App "X"` (serverless-dns/serverless-dns#173).

State lives in $FLY_STANDIN_STATE/state.json (the test writes the first one; see
tests/support/flyctl_standin.hpp). Every call appends its argv, as a JSON array, to calls.log, and
while it runs its pid is in running/<pid>. Texts marked "stand-in text" are not quoted from flyctl.
"""
import fcntl
import hashlib
import json
import os
import signal
import sys
import time

STATE_DIR = os.environ.get("FLY_STANDIN_STATE", "")
RELEASE_COMMAND_GROUP = "fly_app_release_command"


def fail(message, code=1):
    sys.stderr.write("Error: " + message + "\n")
    sys.stderr.flush()
    sys.exit(code)


class locked_state:
    """state.json, read and written under an exclusive lock (a batch runs several stand-ins)."""

    def __enter__(self):
        self.lock = open(os.path.join(STATE_DIR, "state.lock"), "a+")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        with open(os.path.join(STATE_DIR, "state.json")) as f:
            self.state = json.load(f)
        return self.state

    def __exit__(self, *exc):
        if exc[0] is None:
            tmp = os.path.join(STATE_DIR, "state.json.tmp")
            with open(tmp, "w") as f:
                json.dump(self.state, f, indent=1)
            os.replace(tmp, os.path.join(STATE_DIR, "state.json"))
        fcntl.flock(self.lock, fcntl.LOCK_UN)
        self.lock.close()
        return False


def option(args, name, default=None):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1:]
    return default


def stamp(n):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1796600000 + n * 60))


def split_ref(ref):
    """registry.fly.io/app:tag@sha256:... -> fly-go MachineImageRef fields."""
    name, _, digest = ref.partition("@")
    registry, _, rest = name.partition("/")
    if not rest:
        registry, rest = "docker.io", name
    repository, _, tag = rest.rpartition(":") if ":" in rest else (rest, "", "")
    if not repository:
        repository, tag = rest, ""
    if not digest:
        digest = "sha256:" + hashlib.sha256(name.encode()).hexdigest()
    return {"registry": registry, "repository": repository, "tag": tag, "digest": digest,
            "labels": {"fly.version": ""}}


def check_auth(state, for_deploy=False):
    token = state.get("token")
    if token is None:
        return
    given = os.environ.get("FLY_ACCESS_TOKEN") or os.environ.get("FLY_API_TOKEN")
    if not given:
        fail("no access token available. Please login with 'flyctl auth login'")
    if given != token:
        fail("You must be authenticated to view this.")
    if for_deploy and state.get("deploy_refused"):
        fail("Not authorized to deploy this app.")


def image_key(ref):
    """Health is a property of the image, however it is named: with or without its digest."""
    return ref.partition("@")[0]


def served_status(app):
    """What the app's URL answers: the health of the image on the first started machine."""
    started = sorted((m for m in app["machines"] if m["state"] == "started"), key=lambda m: m["id"])
    if not started:
        return 503
    image = image_key(started[0]["config"]["image"])
    return app.get("image_health", {}).get(image, app.get("default_health", 200))


def write_health(app):
    path = app.get("health_file")
    if path:
        with open(path + ".tmp", "w") as f:
            f.write(str(served_status(app)))
        os.replace(path + ".tmp", path)


def new_machine(app, n, region, group="app"):
    mid = hashlib.sha256(("%s-%d" % (app["name"], n)).encode()).hexdigest()[:14]
    return {"id": mid, "name": "%s-machine-%d" % (app["name"], n), "state": "started", "region": region,
            "image_ref": {}, "instance_id": "01J" + mid.upper(), "version": "", "private_ip": "fdaa:0:1::%d" % n,
            "created_at": stamp(n), "updated_at": stamp(n),
            "config": {"image": "", "metadata": {"fly_platform_version": "v2", "fly_process_group": group,
                                                  "fly_release_version": "", "fly_release_id": ""}},
            "events": [], "checks": [], "host_status": "ok", "cordoned": False}


def put_image(machine, release, checks):
    machine["image_ref"] = split_ref(release["ImageRef"])
    machine["config"]["image"] = release["ImageRef"]
    machine["config"]["metadata"]["fly_release_version"] = str(release["Version"])
    machine["config"]["metadata"]["fly_release_id"] = release["ID"]
    machine["checks"] = [{"name": "servicecheck-00-http-8080", "status": checks,
                          "output": "GET / ok" if checks == "passing" else "GET / 503",
                          "updated_at": stamp(release["Version"])}]


def status_json(app):
    machines = sorted(app["machines"], key=lambda m: m["id"], reverse=True)
    return {"ID": app["name"], "Name": app["name"], "Deployed": bool(app["releases"]),
            "Status": "deployed" if app["releases"] else "pending",
            "Hostname": app["name"] + ".fly.dev", "Version": app["releases"][-1]["Version"] if app["releases"] else 0,
            "AppURL": "", "Organization": {"ID": "org1", "InternalNumericID": "1", "Name": "Personal",
                                          "Slug": "personal", "RawSlug": "personal", "PaidPlan": False},
            "PlatformVersion": "machines", "Machines": machines}


def hold(state, what):
    """Sleeps where the test wants r1 caught mid-call: state["hold"][what] seconds on every call of
    `what`, or state["hold_plan"][what][n] on its n-th call (0-based; none past the list)."""
    seconds = state.get("hold", {}).get(what, 0)
    plan = state.get("hold_plan", {}).get(what)
    if plan is not None:
        with open(os.path.join(STATE_DIR, "calls.log")) as f:
            n = sum(1 for line in f if json.loads(line)[1:2] == [what]) - 1
        seconds = plan[n] if 0 <= n < len(plan) else 0
    if seconds:
        with open(os.path.join(STATE_DIR, "holding-" + what), "w") as f:
            f.write(str(os.getpid()))
        time.sleep(seconds)


def cmd_status(args):
    name = option(args, "--app") or option(args, "-a")
    with locked_state() as state:
        check_auth(state)
        app = state["apps"].get(name)
        if app is None:
            fail('failed to get app: Could not find App "%s"' % name)
        flaky = app.get("flaky_status", 0)
        if flaky > 0:
            app["flaky_status"] = flaky - 1
        body = json.dumps(status_json(app), indent=2)
    hold(state, "status")
    if flaky > 0:
        if flaky % 2:
            print(body[: len(body) // 2])  # cut short, as by a dropped connection (stand-in)
            sys.exit(0)
        fail("failed to list machines: 503 Service Unavailable")  # stand-in text
    print(body)


def cmd_releases(args):
    name = option(args, "--app") or option(args, "-a")
    with locked_state() as state:
        check_auth(state)
        app = state["apps"].get(name)
        if app is None:
            fail('failed retrieving app releases %s: Could not find App "%s"' % (name, name))
        releases = sorted(app["releases"], key=lambda r: r["Version"], reverse=True)[:25]
    hold(state, "releases")
    print(json.dumps(releases, indent=2))


def cmd_logs(args):
    name = option(args, "--app") or option(args, "-a")
    with locked_state() as state:
        check_auth(state)
        app = state["apps"].get(name)
        if app is None:
            fail('Could not find App "%s"' % name)
        lines = list(app.get("logs", []))
    hold(state, "logs")
    for line in lines:
        print(line)


def cmd_deploy(args):
    name = option(args, "--app") or option(args, "-a")
    image = option(args, "--image") or option(args, "-i")
    region = option(args, "--region") or option(args, "-r") or "iad"
    print("==> Verifying app config")
    sys.stdout.flush()
    with locked_state() as state:
        check_auth(state, for_deploy=True)
        app = state["apps"].get(name)
        if app is None:
            fail('Could not find App "%s"' % name)
        app["deploys"] = app.get("deploys", 0) + 1
        plan = list(app.get("deploy_plan", []))
        mode = plan.pop(0) if plan else app.get("deploy_mode", "ok")
        app["deploy_plan"] = plan
        previous = app["releases"][-1] if app["releases"] else None
    print("--> Verified app config")
    sys.stdout.flush()
    hold(state, "deploy")
    if mode == "fail":
        fail("failed to fetch an image or build from source: exit status 1")
    if mode == "transient":
        fail("failed to update machine: failed to get lease on machine: 503 Service Unavailable")  # stand-in text
    if image and mode == "missing-image":
        fail('failed to fetch an image or build from source: image "%s" not found' % image)  # stand-in text
    if not image:
        print("==> Building image")
        print("--> Building image done")
    with locked_state() as state:
        app = state["apps"][name]
        version = app["releases"][-1]["Version"] + 1 if app["releases"] else 1
        ref = image or "registry.fly.io/%s:deployment-01JR1%05d" % (name, version)
        release = {"ID": "rel_%s_%d" % (name, version), "Version": version, "Stable": True, "InProgress": False,
                   "Reason": "", "Description": "Deploy image", "Status": "complete", "DeploymentStrategy": "rolling",
                   "Metadata": {"post_deployment_info": {"flyctl_version": "0.4.58", "error": ""}},
                   "User": {"ID": "u1", "Name": "Stand In", "Email": "ops@example.com", "EnablePaidHobby": False},
                   "EvaluationID": "", "CreatedAt": stamp(version), "ImageRef": ref}
        app["releases"].append(release)
        if not app["machines"]:
            app["machines"] = [new_machine(app, n, region) for n in (1, 2)]
        checks = "critical" if mode == "critical" else "passing"
        for i, m in enumerate(app["machines"]):
            if m["config"]["metadata"].get("fly_process_group") == RELEASE_COMMAND_GROUP:
                continue
            if mode == "old-image" and i == 0:
                continue  # flyctl exits 0, this machine keeps the old image (superfly/flyctl#4921)
            if mode == "stuck":
                put_image(m, release, checks)
                m["state"] = "created"  # updated, never started
                continue
            was_resting = m["state"] in ("stopped", "suspended") and m["image_ref"]
            put_image(m, release, checks)
            if not was_resting:
                m["state"] = "started"
        status = app.get("image_health", {}).get(image_key(ref), app.get("new_health", 200))
        app.setdefault("image_health", {})[image_key(ref)] = status
        for m in app["machines"]:
            app.setdefault("logs", []).append("%s app[%s] %s [info]%s" % (
                stamp(version), m["id"], m["region"],
                "Listening on 0.0.0.0:8080 (v%d)" % version if str(status).split()[0] == "200" else
                "Error: connect ECONNREFUSED 10.0.0.2:5432 (v%d, answering %s)" % (version, status)))
        app["logs"] = app["logs"][-400:]
        # The next status calls answer badly (cut JSON, an API error), as flyctl does now and then.
        app["flaky_status"] = app.get("flaky_after_deploy", 0)
        write_health(app)
    print("Watch your deployment at https://fly.io/apps/%s/monitoring" % name)
    print("Visit your newly deployed app at https://%s.fly.dev/" % name)
    if os.environ.get("FLY_EMIT_RELEASE_JSON"):
        print(json.dumps({"id": release["ID"], "version": version, "image_ref": ref}, separators=(",", ":")))


def main():
    if not STATE_DIR:
        sys.stderr.write("flyctl stand-in: FLY_STANDIN_STATE is not set\n")
        return 2
    # flyctl exits 127 when interrupted (internal/cli/cli.go); SIGTERM keeps its default (death).
    signal.signal(signal.SIGINT, lambda *_: os._exit(127))
    args = sys.argv[1:]
    running = os.path.join(STATE_DIR, "running")
    os.makedirs(running, exist_ok=True)
    mark = os.path.join(running, str(os.getpid()))
    with open(mark, "w") as f:
        f.write(" ".join(args))
    with open(os.path.join(STATE_DIR, "calls.log"), "a") as f:
        f.write(json.dumps([os.path.basename(sys.argv[0])] + args) + "\n")
    try:
        sub = args[0] if args else ""
        if sub == "status":
            cmd_status(args[1:])
        elif sub == "releases":
            cmd_releases(args[1:])
        elif sub == "logs":
            cmd_logs(args[1:])
        elif sub == "deploy":
            cmd_deploy(args[1:])
        else:
            fail('unknown command "%s" for "flyctl"' % sub)
    finally:
        os.unlink(mark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
