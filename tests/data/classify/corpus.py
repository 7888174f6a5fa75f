"""The real-world failure corpus (tests/data/classify/real/*.tsv, format in POLICY.md): loading,
the tuning/holdout split, and the groups cross-validation keeps together.

The split is fixed by a hash of each line's source thread, so it never depends on who reads the
corpus or in what order: a thread is in the holdout part when FNV-1a-64 of its URL (fragment cut
off) is 0 modulo 5, about a fifth of the threads. tests/engine/classify_corpus_test.cpp computes
the same split in C++. Nothing tuned on the classifier may look at holdout lines: the tools here
print holdout lines only as aggregate figures.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
REAL_DIR = "tests/data/classify/real"
LABELS = ("transient", "permanent")
HOLDOUT_MODULUS = 5


@dataclass
class Line:
    label: str
    family: str
    source: str
    evidence: str
    text: str  # unescaped: real line breaks and tabs
    file: str
    line_no: int
    thread: str = ""
    holdout: bool = False
    group: int = -1
    extra: dict = field(default_factory=dict)


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def thread_of(source: str) -> str:
    """The thread a source URL belongs to: the URL without its #fragment or a trailing '/'."""
    return source.split("#", 1)[0].rstrip("/")


def is_holdout(source: str) -> bool:
    return fnv1a64(thread_of(source).encode()) % HOLDOUT_MODULUS == 0


def unescape(text: str) -> str:
    """POLICY.md: \\n is a line break, \\t a tab, \\\\ a backslash; any other backslash stays."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "nt\\":
            out.append({"n": "\n", "t": "\t", "\\": "\\"}[text[i + 1]])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _files(refs):
    """(name, content) of each corpus file: the work tree's, or those committed on git refs."""
    if not refs:
        d = os.path.join(REPO, REAL_DIR)
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                if name.endswith(".tsv"):
                    with open(os.path.join(d, name), encoding="utf-8", errors="surrogateescape") as f:
                        yield name, f.read()
        return
    for ref in refs:
        names = subprocess.run(["git", "-C", REPO, "ls-tree", "--name-only", f"{ref}:{REAL_DIR}"],
                               capture_output=True, text=True).stdout.split()
        for name in sorted(names):
            if name.endswith(".tsv"):
                blob = subprocess.run(["git", "-C", REPO, "show", f"{ref}:{REAL_DIR}/{name}"],
                                      capture_output=True).stdout
                yield f"{ref}:{name}", blob.decode("utf-8", errors="surrogateescape")


def load(refs=None, problems=None):
    """Every labelled line of the corpus, split and grouped. Malformed lines go to `problems`."""
    lines = []
    for name, content in _files(refs or []):
        for no, raw in enumerate(content.split("\n"), 1):
            if not raw.strip() or raw.startswith("#"):
                continue
            parts = raw.split("\t", 4)
            if len(parts) != 5 or parts[0] not in LABELS or not parts[2].startswith("http") or not parts[4]:
                if problems is not None:
                    problems.append(f"{name}:{no}: not label<TAB>family<TAB>source<TAB>evidence<TAB>text")
                continue
            label, family, source, evidence, text = parts
            ln = Line(label, family, source, evidence, unescape(text), name, no)
            ln.thread = thread_of(source)
            ln.holdout = is_holdout(source)
            lines.append(ln)
    assign_groups(lines)
    return lines


_MASK = re.compile(r"[0-9a-f]{6,}|\d+", re.IGNORECASE)


def near_key(text: str) -> str:
    """Text with ids, hashes and numbers masked and case folded: lines equal under it are
    near-duplicates (the same message about another app, machine or time)."""
    t = re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", text).lower()
    t = _MASK.sub("#", t)
    return " ".join(t.split())


def assign_groups(lines):
    """Cross-validation groups: lines of one thread stay together, and so do near-duplicate lines
    of different threads (one message quoted in two issues). Union-find over both relations."""
    parent = list(range(len(lines)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a, b):
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first = {}
    for i, ln in enumerate(lines):
        for key in (("t", ln.thread), ("n", near_key(ln.text))):
            if key in first:
                join(first[key], i)
            else:
                first[key] = i
    ids = {}
    for i, ln in enumerate(lines):
        ln.group = ids.setdefault(find(i), len(ids))


def tuning(lines):
    return [ln for ln in lines if not ln.holdout]


def holdout(lines):
    return [ln for ln in lines if ln.holdout]


def ref_args(argv):
    """--ref REF (repeatable) from argv; the remaining arguments."""
    refs, rest = [], []
    it = iter(argv)
    for a in it:
        if a == "--ref":
            refs.append(next(it))
        elif a.startswith("--ref="):
            refs.append(a[6:])
        else:
            rest.append(a)
    return refs, rest


if __name__ == "__main__":
    refs, _ = ref_args(sys.argv[1:])
    problems = []
    lines = load(refs, problems)
    print(f"{len(lines)} lines, {len(tuning(lines))} tuning, {len(holdout(lines))} holdout")
    for p in problems:
        print(p)
