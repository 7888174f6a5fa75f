#!/usr/bin/env python3
"""Validates every machine-readable output the test suite made r1 write against schemas/.

r1_tests, run by ctest, keeps each NDJSON stdout (--output json) and each --report file r1 wrote in
$R1_OUTPUT_DUMP (tests/support/output_dump.cpp), one JSON file per run. This checks every event line
against schemas/events.schema.json and every report against schemas/report.schema.json, and that
the suite produced each documented event and each kind of report at least once: a schema nobody
exercises proves nothing.

Usage: validate_outputs.py SCHEMA_DIR DUMP_DIR
       validate_outputs.py SCHEMA_DIR --events FILE... | --report FILE... | --classify FILE...
"""
import json
import os
import sys
from collections import Counter

import jsonschema  # Debian: python3-jsonschema (bookworm: 4.10)

MAX_SHOWN = 40


def load_schemas(schema_dir):
    store, named = {}, {}
    for name in sorted(os.listdir(schema_dir)):
        if not name.endswith(".schema.json"):
            continue
        with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        store[schema["$id"]] = schema
        named[name] = schema

    def validator(name):
        schema = named[name]
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return jsonschema.Draft202012Validator(schema, resolver=resolver)

    return validator("events.schema.json"), validator("report.schema.json"), validator("classify.schema.json"), named


def event_names(events_schema):
    return set(events_schema["properties"]["event"]["enum"])


def report_kind(doc):
    if isinstance(doc, dict):
        if doc.get("merged") is not None:
            return "merged"
        if doc.get("command") == "deploy" and doc.get("single"):
            return "single deploy"
        return "batch " + str(doc.get("command"))
    return "?"


def problems_of(validator, instance):
    for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        yield f"{where}: {e.message[:300]}"


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    events_v, report_v, classify_v, named = load_schemas(argv[1])
    documented = event_names(named["events.schema.json"])
    errors, seen_events, seen_reports, seen_classify = [], Counter(), Counter(), Counter()
    runs = 0

    def check_events(text, origin, killed, report_last=False, validator=None):
        lines = text.split("\n")
        tail = lines.pop()  # "" after a final newline
        if tail and not killed:
            errors.append(f"{origin}: the last line has no newline: {tail[:120]!r}")
        if report_last and lines:  # --report /dev/stdout: the document follows the events, on one line
            check_report(lines.pop(), origin + " (--report on stdout)")
        if validator is classify_v:
            for n, line in enumerate(lines, 1):
                try:
                    verdict = json.loads(line)
                except ValueError as e:
                    errors.append(f"{origin} line {n}: not JSON ({e})")
                    continue
                seen_classify["explain" if isinstance(verdict, dict) and "rules" in verdict else "plain"] += 1
                for p in problems_of(classify_v, verdict):
                    errors.append(f"{origin} line {n} (verdict): {p}")
            return
        for n, line in enumerate(lines, 1):
            try:
                event = json.loads(line)
            except ValueError as e:
                errors.append(f"{origin} line {n}: not JSON ({e}): {line[:120]!r}")
                continue
            if isinstance(event, dict):
                seen_events[str(event.get("event"))] += 1
            for p in problems_of(events_v, event):
                errors.append(f"{origin} line {n} ({event.get('event') if isinstance(event, dict) else '?'}): {p}")

    def check_report(text, origin):
        try:
            doc = json.loads(text)
        except ValueError as e:
            errors.append(f"{origin}: not JSON ({e})")
            return
        seen_reports[report_kind(doc)] += 1
        for p in problems_of(report_v, doc):
            errors.append(f"{origin}: {p}")

    if argv[2] in ("--events", "--report", "--classify"):
        for path in argv[3:]:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if argv[2] == "--report":
                check_report(text, path)
            else:
                check_events(text, path, False, validator=classify_v if argv[2] == "--classify" else None)
        for e in errors[:MAX_SHOWN]:
            print(e, file=sys.stderr)
        return 1 if errors else 0

    dump = argv[2]
    files = sorted(n for n in os.listdir(dump) if n.endswith(".json")) if os.path.isdir(dump) else []
    for name in files:
        with open(os.path.join(dump, name), encoding="utf-8") as f:
            run = json.load(f)
        runs += 1
        origin = "r1 " + " ".join(run["args"])[:200]
        with open(os.path.join(dump, name[:-len(".json")] + ".out"), "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")  # JSON is UTF-8: anything else is r1's bug
        except UnicodeDecodeError as e:
            errors.append(f"{origin}: output is not UTF-8 ({e})")
            continue
        if run["kind"] == "ndjson":
            killed = run["signal"] != 0 or run["exit_code"] < 0
            check_events(text, origin, killed, run.get("report_on_stdout", False),
                         classify_v if run["args"][:1] == ["classify"] else None)
        else:
            check_report(text, origin + " (--report)")

    if runs == 0:
        errors.append(f"no r1 output in {dump}: run r1_tests with R1_OUTPUT_DUMP={dump} first (ctest does)")
    undocumented = sorted(set(seen_events) - documented)
    for name in undocumented:
        errors.append(f"event {name!r} is not in schemas/events.schema.json")
    never = sorted(documented - set(seen_events))
    if runs and never:
        errors.append("documented events the suite never produced (add a test through the real binary): " + ", ".join(never))
    for kind in ("plain", "explain"):
        if runs and not seen_classify[kind]:
            errors.append(f"the suite produced no r1 classify --output json verdict ({kind}) to validate")
    for kind in ("batch deploy", "batch verify", "merged"):
        if runs and not seen_reports[kind]:
            errors.append(f"the suite wrote no {kind} report to validate")

    print(f"{runs} runs of r1: {sum(seen_events.values())} events "
          f"({', '.join(f'{k} {v}' for k, v in sorted(seen_events.items()))}); "
          f"{sum(seen_reports.values())} reports ({', '.join(f'{k} {v}' for k, v in sorted(seen_reports.items()))}); "
          f"{sum(seen_classify.values())} classify verdicts")
    for e in errors[:MAX_SHOWN]:
        print("output_schemas: " + e, file=sys.stderr)
    if len(errors) > MAX_SHOWN:
        print(f"output_schemas: ... and {len(errors) - MAX_SHOWN} more", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
