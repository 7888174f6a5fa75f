#!/usr/bin/env python3
"""ctest output_schemas_catch_mistakes: the schemas reject what they must.

Runs the real r1 once (r1 verify of a refused loopback port, --output json and --report), checks
that its output validates, then that each kind of mistake the schemas exist to catch is refused:
an event without ts or schema, a ts without milliseconds, attempts as a count (the old shape), an
undocumented cause, an undocumented field or event, a report of another schema version.

Usage: test_validate_outputs.py R1_BINARY SCHEMA_DIR
"""
import copy
import json
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate_outputs  # noqa: E402


def refused_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/"


def main(argv):
    r1, schemas = argv[1], argv[2]
    events_v, report_v, classify_v, _ = validate_outputs.load_schemas(schemas)
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "r.json")
        run = subprocess.run([r1, "verify", refused_url(), "--output", "json", "--report", report_path],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 1, run
        events = [json.loads(line) for line in run.stdout.splitlines()]
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)

    def ok(validator, doc):
        return not list(validator.iter_errors(doc))

    failures = []
    for e in events:
        if not ok(events_v, e):
            failures.append(f"r1's own event is refused: {e}")
    if not ok(report_v, report):
        failures.append("r1's own report is refused")
    end = next(e for e in events if e["event"] == "task.end")

    def mutated(doc, change):
        d = copy.deepcopy(doc)
        change(d)
        return d

    event_mistakes = {
        "no ts": mutated(end, lambda d: d.pop("ts")),
        "no schema": mutated(end, lambda d: d.pop("schema")),
        "schema 2": mutated(end, lambda d: d.update(schema=2)),
        "ts without milliseconds": mutated(end, lambda d: d.update(ts=d["ts"][:19] + "Z")),
        "attempts as a count": mutated(end, lambda d: d.update(attempts=1)),
        "an undocumented cause": mutated(end, lambda d: d.update(cause="it-broke")),
        "http_status as text": mutated(end, lambda d: d.update(http_status="503")),
        "an undocumented field": mutated(end, lambda d: d.update(colour="red")),
        "an undocumented event": mutated(end, lambda d: d.update(event="task.exploded")),
        "a task.end without facts": mutated(end, lambda d: d.pop("phases_ms")),
    }
    for what, doc in event_mistakes.items():
        if ok(events_v, doc):
            failures.append(f"an event with {what} is accepted")
    report_mistakes = {
        "schema 2": mutated(report, lambda d: d.update(schema=2)),
        "a task's attempts as a count": mutated(report, lambda d: d["tasks"][0].update(attempts=0)),
        "no attempt_count": mutated(report, lambda d: d["tasks"][0].pop("attempt_count")),
        "an undocumented top-level field": mutated(report, lambda d: d.update(extra=True)),
    }
    for what, doc in report_mistakes.items():
        if ok(report_v, doc):
            failures.append(f"a report with {what} is accepted")
    if ok(classify_v, {"class": "transient", "signal": "x", "where": None}):
        failures.append("a classify verdict without schema is accepted")

    for f in failures:
        print("output_schemas_catch_mistakes: " + f, file=sys.stderr)
    print(f"{len(event_mistakes) + len(report_mistakes) + 1} mistakes checked, {len(failures)} missed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
