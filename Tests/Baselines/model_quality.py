#!/usr/bin/env python3
"""Single-threaded Python + orjson baseline: model_quality alone (CONTRACT 3.1), for `flywheel bench` ratios.

It does the same time semantics (de-dup, watermark, late check, tumbling windows firing on the watermark)
but no other signal and only light validation. Usage: python3 model_quality.py LOG.jsonl [OUT.jsonl]
Prints events/s on stderr.
"""
import math
import sys
import time
from datetime import datetime, timezone

import orjson

WINDOW = 60_000
OOO = 5_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_ms(ts):
    # RFC 3339 with Z or offset (required); milliseconds truncated.
    dt = datetime.fromisoformat(ts.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("no zone")
    delta = dt - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def fire(windows, watermark, out):
    for end in sorted(e for e in windows if e - 1 <= watermark):
        for (model, variant), acc in sorted(windows.pop(end).items()):
            lat = sorted(acc["lat"])
            n = len(lat)
            pct = lambda p: lat[max(1, math.ceil(p * n)) - 1] if n else None
            fb = acc["up"] + acc["down"]
            out.append(orjson.dumps({
                "signal": "model_quality", "window_start": end - WINDOW, "window_end": end, "model": model,
                "variant": variant, "responses": acc["resp"], "feedback_up": acc["up"], "feedback_down": acc["down"],
                "up_rate": acc["up"] / fb if fb else None, "regenerations": acc["regen"],
                "regenerate_rate": acc["regen"] / acc["resp"] if acc["resp"] else None, "copies": acc["copy"],
                "errors": acc["err"], "latency_ms_mean": sum(lat) / n if n else None, "latency_ms_p50": pct(0.5),
                "latency_ms_p95": pct(0.95), "latency_ms_p99": pct(0.99), "tokens_in": acc["tin"],
                "tokens_out": acc["tout"]}))


def main():
    start = time.perf_counter()
    seen, windows, out = {}, {}, []
    max_t, watermark, count = None, -(1 << 62), 0
    with open(sys.argv[1], "rb") as f:
        for line in f:
            if not line.strip():
                continue
            count += 1
            try:
                e = orjson.loads(line)
                t = parse_ms(e["timestamp"])
                eid, kind = e["event_id"], e["type"]
            except Exception:
                continue
            if eid in seen and watermark < seen[eid] + 3_600_000:
                continue
            seen[eid] = t
            if t <= watermark:
                continue
            model = e.get("model")
            if model and kind in ("response", "feedback", "regenerate", "copy", "error"):
                end = (t // WINDOW + 1) * WINDOW
                acc = windows.setdefault(end, {}).setdefault((model, e.get("variant") or "default"), {
                    "resp": 0, "up": 0, "down": 0, "regen": 0, "copy": 0, "err": 0, "lat": [], "tin": 0, "tout": 0})
                if kind == "response":
                    acc["resp"] += 1
                    acc["lat"].append(e.get("latency_ms", 0))
                    acc["tin"] += e.get("tokens_in") or 0
                    acc["tout"] += e.get("tokens_out") or 0
                elif kind == "feedback":
                    acc["up" if e.get("rating") == "up" else "down"] += 1
                elif kind == "regenerate":
                    acc["regen"] += 1
                elif kind == "copy":
                    acc["copy"] += 1
                else:
                    acc["err"] += 1
            if max_t is None or t > max_t:
                max_t = t
                new_w = max_t - OOO - 1
                if new_w > watermark:
                    watermark = new_w
                    fire(windows, watermark, out)
    fire(windows, 1 << 62, out)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "wb") as f:
            f.write(b"\n".join(out) + b"\n")
    elapsed = time.perf_counter() - start
    print(f"{count} events in {elapsed:.2f} s: {count / elapsed:.0f} events/s, {len(out)} records", file=sys.stderr)


if __name__ == "__main__":
    main()
