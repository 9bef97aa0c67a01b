#!/usr/bin/env python3
"""compare.py EXPECTED_DIR ACTUAL_DIR [--max N]

Compares two replay output folders per the examples' README: records of one kind as a set keyed
by their key fields (whole records where there is no key), numbers numerically (latency
percentiles within 1 %), `source` and `detail` of side outputs free text, summary.json exactly.
Also checks the file order of section 6 in ACTUAL and the arising order of dead letters."""
import json
import math
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402  (its timestamp parser and calendar)

KEYS = {
    "model_quality": ("window_start", "window_end", "model", "variant"),
    "quality_alert": ("window_start", "window_end", "model", "variant"),
    "conversation_summary": ("conversation_id", "session_start"),
    "preference_pair": ("conversation_id", "pair_id"),
    "sft_example": None,
    "late_event": None,
    "dead_letter": None,
}
PCT = {"latency_ms_p50", "latency_ms_p95", "latency_ms_p99"}
FREE = {"source", "detail"}


def load(path):
    recs = []
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                recs.append(json.loads(line))
    return recs


def num_eq(a, b, field):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if field in PCT:
        return abs(a - b) <= 0.01 * abs(b) + 1e-9
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def val_eq(a, b, field=""):
    if isinstance(a, (int, float)) and not isinstance(a, bool) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return num_eq(a, b, field)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(val_eq(a[k], b[k], k) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(val_eq(x, y, field) for x, y in zip(a, b))
    return a == b


def strip(r):
    return {k: v for k, v in r.items() if k not in FREE}


def canon(r):
    return json.dumps(strip(r), sort_keys=True)


def diff_fields(a, b):
    out = []
    for k in sorted(set(a) | set(b)):
        if k in FREE:
            continue
        if k not in a or k not in b or not val_eq(a[k], b[k], k):
            out.append((k, a.get(k, "<absent>"), b.get(k, "<absent>")))
    return out


def tms(s):
    """Epoch milliseconds of an output timestamp, also for years outside 0000-9999."""
    if not s.startswith("-") and len(s.split("-")[0]) == 4:
        return reference.parse_ts(s)
    neg = s.startswith("-")
    year, rest = (s[1:] if neg else s).split("-", 1)
    base = reference.parse_ts("2000-" + rest)
    days = reference.days_from_civil(-int(year) if neg else int(year), 1, 1) - reference.days_from_civil(2000, 1, 1)
    return base + days * 86400000


def order_key(kind, r):
    """The part of section 6's file order a file shows by itself (preference pairs: their timestamp,
    as the completing event's id is not in the record; sft_example: none, as session_end is not)."""
    if kind in ("model_quality", "quality_alert"):
        return (tms(r["window_end"]), tms(r["window_start"]), r["model"], r["variant"])
    if kind == "conversation_summary":
        return (tms(r["session_end"]), r["conversation_id"])
    if kind == "preference_pair":
        return (tms(r["timestamp"]),)
    return None


def main():
    exp_dir, act_dir = sys.argv[1], sys.argv[2]
    maxn = 5
    if "--max" in sys.argv:
        maxn = int(sys.argv[sys.argv.index("--max") + 1])
    problems = 0
    for kind, key in KEYS.items():
        ep, ap = os.path.join(exp_dir, kind + ".jsonl"), os.path.join(act_dir, kind + ".jsonl")
        if not os.path.exists(ap):
            print("[%s] MISSING FILE in actual" % kind)
            problems += 1
            continue
        E, A = load(ep), load(ap)
        ok = True
        if key:
            em, am = {}, {}
            for r in E:
                em.setdefault(tuple(r.get(k) for k in key), []).append(r)
            for r in A:
                am.setdefault(tuple(r.get(k) for k in key), []).append(r)
            only_e = [k for k in em if k not in am]
            only_a = [k for k in am if k not in em]
            both = [k for k in em if k in am]
            cnt = [(k, len(em[k]), len(am[k])) for k in both if len(em[k]) != len(am[k])]
            diffs = []
            for k in both:
                for i, (x, y) in enumerate(zip(em[k], am[k])):
                    d = diff_fields(x, y)
                    if d:
                        diffs.append((k + ((i,) if len(em[k]) > 1 else ()), d))
            if only_e or only_a or diffs or cnt:
                ok = False
                print("[%s] expected %d actual %d: only-expected keys %d, only-actual keys %d, keys with different record counts %d, differing %d" % (
                    kind, len(E), len(A), len(only_e), len(only_a), len(cnt), len(diffs)))
                for k in only_e[:maxn]:
                    print("   only expected:", json.dumps(em[k][0])[:400])
                for k in only_a[:maxn]:
                    print("   only actual:  ", json.dumps(am[k][0])[:400])
                for k, ne, na in cnt[:maxn]:
                    print("   count differs", k, "expected", ne, "actual", na)
                for k, d in diffs[:maxn]:
                    print("   differ", k, ":", "; ".join("%s exp=%r act=%r" % x for x in d)[:600])
                fc = Counter(f for _, d in diffs for f, _, _ in d)
                if fc:
                    print("   differing fields:", dict(fc))
        else:
            ec, ac = Counter(canon(r) for r in E), Counter(canon(r) for r in A)
            oe, oa = ec - ac, ac - ec
            if oe or oa:
                ok = False
                print("[%s] expected %d actual %d: only-expected %d, only-actual %d" % (
                    kind, len(E), len(A), sum(oe.values()), sum(oa.values())))
                for r in list(oe)[:maxn]:
                    print("   only expected:", r[:400])
                for r in list(oa)[:maxn]:
                    print("   only actual:  ", r[:400])
            elif kind in ("dead_letter", "late_event"):
                if [canon(r) for r in E] != [canon(r) for r in A]:
                    print("[%s] same records but different ORDER" % kind)
                    ok = False
        # order check of actual
        ks = [order_key(kind, r) for r in A]
        if ks and ks[0] is not None and ks != sorted(ks):
            print("[%s] actual file NOT in section-6 order" % kind)
            ok = False
        if not ok:
            problems += 1
    es = json.load(open(os.path.join(exp_dir, "summary.json")))
    as_ = json.load(open(os.path.join(act_dir, "summary.json")))
    if es != as_:
        problems += 1
        print("[summary] expected", json.dumps(es))
        print("[summary] actual  ", json.dumps(as_))
    print("RESULT:", "MATCH" if problems == 0 else "%d kinds differ" % problems)
    return problems


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
