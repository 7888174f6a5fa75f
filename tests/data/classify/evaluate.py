#!/usr/bin/env python3
"""How well engine/classify generalises, measured honestly.

    tests/data/classify/evaluate.py [--build DIR] [--ref REF ...] [--folds K] [--margins M,M,...]
                                    [--misses] [--no-holdout] [--rules-only]

1. Cross-validation on the tuning part of the real corpus (corpus.py splits it): K folds (5 by
   default) GROUPED so that lines of one thread, and near-duplicate lines of different threads,
   never straddle train and test. For each fold the model is trained on the other folds (plus the
   non-holdout lines of corpus.tsv outside the fold's groups) and the whole classifier (rules,
   then that model, through tests/tools/classify_harness, the code r1 runs) judges the fold.
2. Holdout: the model trained on the whole tuning part judges the holdout part, which nothing
   was tuned on. Only aggregate figures are printed for it, never a line.

Accuracy counts an unknown as not right (in a deploy, unknown stops the retry). --misses prints
the cross-validation misses (tuning lines only); --rules-only measures the rules without a model.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import train_model as tm  # noqa: E402

CLASSES = ("transient", "permanent", "unknown")


def fold_of(group, k):
    return corpus.fnv1a64(f"group-{group}".encode()) % k


def judge(build, model, lines, budget_ms=600000):
    """The harness's verdicts for `lines` under `model` (bias, scale, margin, q)."""
    with tempfile.NamedTemporaryFile("w", suffix=".weights", delete=False) as f:
        path = f.name
    try:
        tm.write_weights_file(path, model)
        rows = tm.run_harness(build, ["classify", "--weights", path, "--budget-ms", str(budget_ms)],
                              [ln.text for ln in lines])
    finally:
        os.unlink(path)
    return [{"cls": r[0], "signal": r[1], "by": r[2], "p": float(r[3]), "tier": int(r[4])} for r in rows]


def zero_model():
    """A model that never speaks: the rules alone."""
    return (0.0, 0.0, 0.5, 0.5, [0] * tm.FEATURE_COUNT)


def report(title, lines, verdicts, out):
    n = len(lines)
    right = sum(1 for ln, v in zip(lines, verdicts) if v["cls"] == ln.label)
    unknown = sum(1 for v in verdicts if v["cls"] == "unknown")
    decided = n - unknown
    out.append(f"### {title}")
    out.append("")
    if n == 0:
        out.append("(no lines)")
        return
    out.append(f"{n} lines: accuracy {right}/{n} = {100.0 * right / n:.1f}%, unknown {unknown}/{n} = "
               f"{100.0 * unknown / n:.1f}%, accuracy on decided lines "
               f"{right}/{decided} = {100.0 * right / max(decided, 1):.1f}%")
    out.append("")
    out.append("| label \\ verdict | transient | permanent | unknown |")
    out.append("|---|---:|---:|---:|")
    for label in corpus.LABELS:
        row = [sum(1 for ln, v in zip(lines, verdicts) if ln.label == label and v["cls"] == c) for c in CLASSES]
        out.append(f"| {label} | " + " | ".join(str(x) for x in row) + " |")
    out.append("")
    by = {}
    for ln, v in zip(lines, verdicts):
        t = by.setdefault(v["by"], [0, 0])
        t[0] += 1
        t[1] += v["cls"] == ln.label
    out.append("Decided by: " + ", ".join(f"{k} {t[1]}/{t[0]}" for k, t in sorted(by.items())))
    out.append("")
    out.append("| family | lines | right | accuracy | unknown |")
    out.append("|---|---:|---:|---:|---:|")
    fams = {}
    for ln, v in zip(lines, verdicts):
        t = fams.setdefault(ln.family, [0, 0, 0])
        t[0] += 1
        t[1] += v["cls"] == ln.label
        t[2] += v["cls"] == "unknown"
    for fam in sorted(fams):
        t = fams[fam]
        out.append(f"| {fam} | {t[0]} | {t[1]} | {100.0 * t[1] / t[0]:.1f}% | {100.0 * t[2] / t[0]:.1f}% |")
    out.append("")


def main(argv):
    refs, rest = corpus.ref_args(argv)
    build = os.path.join(corpus.REPO, "build")
    k = 5
    margins = [tm.MARGIN]
    show_misses = False
    do_holdout = True
    rules_only = False
    it = iter(rest)
    for a in it:
        if a == "--build":
            build = next(it)
        elif a == "--folds":
            k = int(next(it))
        elif a == "--margins":
            margins = [float(x) for x in next(it).split(",")]
        elif a == "--misses":
            show_misses = True
        elif a == "--no-holdout":
            do_holdout = False
        elif a == "--rules-only":
            rules_only = True
        else:
            print(f"evaluate.py: unknown argument {a}", file=sys.stderr)
            return 2

    problems = []
    real = corpus.load(refs, problems)
    for p in problems:
        print("corpus problem:", p, file=sys.stderr)
    legacy = [ln for ln in tm.legacy_lines() if not ln.holdout]
    pool = real + legacy
    corpus.assign_groups(pool)  # one grouping over both, so no group straddles a fold
    tune = [ln for ln in real if not ln.holdout]
    hold = [ln for ln in real if ln.holdout]

    out = [f"Corpus: {len(real)} real lines ({len(tune)} tuning, {len(hold)} holdout, "
           f"{len({ln.thread for ln in tune})} + {len({ln.thread for ln in hold})} threads), "
           f"{len(legacy)} lines of corpus.tsv for training only; {k}-fold grouped cross-validation.", ""]

    feats = {id(ln): ex for ln, ex in zip(pool, tm.featurize(build, pool))}
    cv = {m: [None] * len(tune) for m in margins}
    for fold in range(k):
        test_idx = [i for i, ln in enumerate(tune) if fold_of(ln.group, k) == fold]
        test_groups = {tune[i].group for i in test_idx}
        train = [feats[id(ln)] for ln in pool if not ln.holdout and ln.group not in test_groups]
        test_lines = [tune[i] for i in test_idx]
        if not rules_only:
            bias, w = tm.train(train)
        for m in margins:
            mod = zero_model() if rules_only else tm.quantize(bias, w, m)
            for i, v in zip(test_idx, judge(build, mod, test_lines)):
                cv[m][i] = v
        print(f"fold {fold + 1}/{k}: {len(test_lines)} test lines, {len(train)} training lines", file=sys.stderr)

    for m in margins:
        report(f"Cross-validation, margin {m}", tune, cv[m], out)
    if show_misses:
        m = margins[0]
        out.append(f"### Cross-validation misses (margin {m}; tuning lines only)")
        for ln, v in zip(tune, cv[m]):
            if v["cls"] != ln.label:
                out.append(f"- want {ln.label}, got {v['cls']} ({v['signal']}, {v['by']}, p={v['p']:.2f}, "
                           f"tier {v['tier']}) [{ln.family}] {ln.file}:{ln.line_no} G{ln.group}: "
                           f"{corpus.escape(ln.text)[:300]}")
        out.append("")

    if do_holdout:
        train = [feats[id(ln)] for ln in pool if not ln.holdout]
        if rules_only:
            model = zero_model()
        else:
            bias, w = tm.train(train)
            model = tm.quantize(bias, w, margins[0])
        verdicts = judge(build, model, hold)
        # Aggregates only: the holdout lines are never printed.
        report(f"Holdout (model trained on all {len(train)} tuning and corpus.tsv lines; margin {margins[0]})",
               hold, verdicts, out)
        tuning_keys = {corpus.near_key(ln.text) for ln in tune}
        fresh = [(ln, v) for ln, v in zip(hold, verdicts) if corpus.near_key(ln.text) not in tuning_keys]
        if fresh:
            right = sum(1 for ln, v in fresh if v["cls"] == ln.label)
            out.append(f"Holdout lines with no near-duplicate in the tuning part: {len(fresh)}, "
                       f"accuracy {right}/{len(fresh)} = {100.0 * right / len(fresh):.1f}%")
            out.append("")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
