#!/usr/bin/env python3
"""Independent reference implementation of the Flywheel data contract (v1.1).

Usage: python3 reference.py INPUT... --out DIR [--pipeline P]

Written from the data contract (CONTRACT.md) only.  Choices where the contract is silent are
marked "CHOICE:".
"""
import heapq
import json
import math
import os
import re
import sys
from fractions import Fraction

sys.set_int_max_str_digits(0)  # a huge integer literal is valid JSON, not malformed

NEG_INF = float("-inf")
POS_INF = float("inf")

KINDS = ["model_quality", "preference_pair", "conversation_summary", "sft_example", "quality_alert"]
TYPES = ("prompt", "response", "feedback", "regenerate", "copy", "choice", "error")
MODEL_TYPES = ("response", "feedback", "regenerate", "copy", "error")

# table order of section 1
FIELD_ORDER = ["event_id", "type", "timestamp", "conversation_id", "user_id", "message_id",
               "parent_id", "rejected_id", "model", "variant", "text", "latency_ms",
               "tokens_in", "tokens_out", "rating", "comment", "error_code"]
REQUIRED = {
    "prompt": ["message_id", "text"],
    "response": ["message_id", "parent_id", "model", "text", "latency_ms"],
    "feedback": ["parent_id", "model", "rating"],
    "regenerate": ["parent_id", "model"],
    "copy": ["parent_id", "model"],
    "choice": ["parent_id", "rejected_id"],
    "error": ["model"],
}
NONEMPTY_IDS = {"event_id", "conversation_id", "message_id", "parent_id", "rejected_id", "model"}
PLAIN_STRINGS = {"user_id", "variant", "text", "comment", "error_code"}

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", re.ASCII)
PHONE_RE = re.compile(r"(\+\d{1,3}[ .-]?)?(\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}", re.ASCII)

# --------------------------------------------------------------------------- time helpers

TS_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
                   r"(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})$")


def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def days_in_month(y, m):
    return [31, 29 if is_leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


def days_from_civil(y, m, d):
    # Howard Hinnant's algorithm, proleptic Gregorian
    y -= m <= 2
    era = y // 400  # Python floors
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


TS_MIN = days_from_civil(0, 1, 1) * 86400000  # 0000-01-01T00:00:00.000Z
TS_MAX = days_from_civil(10000, 1, 1) * 86400000 - 1  # 9999-12-31T23:59:59.999Z


def civil_from_days(z):
    z += 719468
    era = z // 146097  # Python floors
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def parse_ts(s):
    """RFC 3339 -> epoch ms, or None if invalid."""
    if not isinstance(s, str):
        return None
    mt = TS_RE.match(s)
    if not mt:
        return None
    y, mo, d, hh, mi, ss = (int(mt.group(i)) for i in range(1, 7))
    frac = mt.group(7)
    zone = mt.group(8)
    if not (1 <= mo <= 12) or not (1 <= d <= days_in_month(y, mo)):
        return None
    if hh > 23 or mi > 59 or ss > 59:
        return None
    ms = int((frac or "")[:3].ljust(3, "0"))  # extra digits truncated
    off = 0
    if zone not in ("Z", "z"):
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            return None
        off = (oh * 60 + om) * 60000
        if zone[0] == "-":
            off = -off
    days = days_from_civil(y, mo, d)
    t = ((days * 24 + hh) * 60 + mi) * 60000 + ss * 1000 + ms - off
    # v1.1: the instant, in UTC, must lie in years 0000-9999.
    if not (TS_MIN <= t <= TS_MAX):
        return None
    return t


def fmt_ts(ms):
    days, rem = divmod(int(ms), 86400000)
    y, m, d = civil_from_days(days)
    hh, rem = divmod(rem, 3600000)
    mi, rem = divmod(rem, 60000)
    ss, mss = divmod(rem, 1000)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (y, m, d, hh, mi, ss, mss)


# --------------------------------------------------------------------------- mini YAML

class YamlError(Exception):
    pass


def _yaml_scalar(tok):
    tok = tok.strip()
    if tok == "" or tok in ("~", "null", "Null", "NULL"):
        return None
    if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in "\"'":
        return tok[1:-1]
    if tok in ("true", "True", "TRUE"):
        return True
    if tok in ("false", "False", "FALSE"):
        return False
    try:
        if re.fullmatch(r"[-+]?[0-9]+", tok):
            return int(tok)
        if re.fullmatch(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", tok):
            return float(tok)
    except ValueError:
        pass
    return tok


def _split_flow(s):
    parts, depth, cur, q = [], 0, "", None
    for ch in s:
        if q:
            cur += ch
            if ch == q:
                q = None
            continue
        if ch in "\"'":
            q = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _yaml_flow(s):
    s = s.strip()
    if s.startswith("{"):
        if not s.endswith("}"):
            raise YamlError("bad flow mapping")
        out = {}
        for part in _split_flow(s[1:-1]):
            if ":" not in part:
                raise YamlError("bad flow entry " + part)
            k, v = part.split(":", 1)
            out[_yaml_scalar(k)] = _yaml_flow(v)
        return out
    if s.startswith("["):
        return [_yaml_flow(p) for p in _split_flow(s[1:-1])]
    return _yaml_scalar(s)


def _strip_comment(line):
    q = None
    for i, ch in enumerate(line):
        if q:
            if ch == q:
                q = None
        elif ch in "\"'":
            q = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def parse_yaml(text):
    """Tiny YAML subset: block mappings (indentation) and flow mappings/lists on one line.
    Returns (tree, lines) where lines maps a key path tuple to its 1-based line number."""
    lines = []
    for no, raw in enumerate(text.split("\n"), 1):
        line = _strip_comment(raw.rstrip("\r")).rstrip()
        if line.strip() == "" or line.strip() == "---":
            continue
        ind = len(line) - len(line.lstrip(" "))
        lines.append((no, ind, line.strip()))
    keylines = {}
    root = {}
    stack = [(-1, root, ())]
    for no, ind, content in lines:
        while stack and stack[-1][0] >= ind:
            stack.pop()
        if not stack:
            raise YamlError("bad indentation at line %d" % no)
        parent, path = stack[-1][1], stack[-1][2]
        if not isinstance(parent, dict):
            raise YamlError("bad structure at line %d" % no)
        m = re.match(r"^(\"[^\"]*\"|'[^']*'|[^:]+?)\s*:(\s+(.*))?$", content)
        if not m:
            raise YamlError("cannot parse line %d" % no)
        key = _yaml_scalar(m.group(1))
        rest = (m.group(3) or "").strip()
        keylines[path + (key,)] = no
        if rest == "":
            child = {}
            parent[key] = child
            stack.append((ind, child, path + (key,)))
        else:
            parent[key] = _yaml_flow(rest)
            if isinstance(parent[key], dict):
                for k in parent[key]:
                    keylines[path + (key, k)] = no
    return root, keylines


def parse_duration(v):
    if isinstance(v, str):
        m = re.fullmatch(r"([0-9]+)(ms|s|m|h|d)", v.strip())
        if m:
            n = int(m.group(1))
            return n * {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}[m.group(2)]
    raise ValueError("bad duration %r" % (v,))


def parse_size(v):
    if isinstance(v, str):
        m = re.fullmatch(r"([0-9]+)(B|KiB|MiB|GiB)", v.strip())
        if m:
            return int(m.group(1)) * {"B": 1, "KiB": 1024, "MiB": 1 << 20, "GiB": 1 << 30}[m.group(2)]
    raise ValueError("bad size %r" % (v,))


class Config:
    def __init__(self):
        self.ooo = 5000
        self.allowed_lateness = 0
        self.idle_timeout = 30000
        self.dedup_ttl = 3600000
        self.max_event_bytes = 1 << 20
        self.catalog = None
        self.kinds = set(KINDS)
        self.window = 60000
        self.join_ttl = 1800000
        self.gap = 1800000
        self.min_feedback = 20
        self.max_down_rate = 0.5


def load_pipeline(path):
    cfg = Config()
    if path is None:
        return cfg
    with open(path, "r", encoding="utf-8") as f:
        tree, kl = parse_yaml(f.read())

    def err(keypath, msg):
        raise SystemExit("pipeline error: key %s (line %s): %s" % (".".join(keypath), kl.get(keypath, "?"), msg))

    # CHOICE: other top-level keys ("Whatever else it holds") are ignored; unknown keys inside
    # time / enrich / signals are errors.
    time = tree.get("time") or {}
    for k, v in time.items():
        try:
            if k == "max_out_of_orderness":
                cfg.ooo = parse_duration(v)
            elif k == "allowed_lateness":
                cfg.allowed_lateness = parse_duration(v)
            elif k == "idle_timeout":
                cfg.idle_timeout = parse_duration(v)
            elif k == "dedup_ttl":
                cfg.dedup_ttl = parse_duration(v)
            elif k == "max_event_bytes":
                cfg.max_event_bytes = parse_size(v)
            else:
                err(("time", k), "unknown key")
        except ValueError as e:
            err(("time", k), str(e))
    if cfg.dedup_ttl <= cfg.allowed_lateness:
        err(("time", "dedup_ttl"), "must be greater than allowed_lateness")
    enrich = tree.get("enrich") or {}
    for k, v in enrich.items():
        if k == "model_catalog":
            if v is not None:
                cpath = v if os.path.isabs(v) else os.path.join(os.path.dirname(os.path.abspath(path)), v)
                with open(cpath, "r", encoding="utf-8") as f:
                    ctree, _ = parse_yaml(f.read())
                cfg.catalog = (ctree.get("models") or {})
        else:
            err(("enrich", k), "unknown key")
    if "signals" in tree:
        sig = tree.get("signals") or {}
        cfg.kinds = set()
        for k, v in sig.items():
            if k not in KINDS:
                err(("signals", k), "unknown signal")
            cfg.kinds.add(k)
            v = v or {}
            for pk, pv in v.items():
                try:
                    if k == "model_quality" and pk == "window":
                        cfg.window = parse_duration(pv)
                    elif k == "preference_pair" and pk == "join_ttl":
                        cfg.join_ttl = parse_duration(pv)
                    elif k == "preference_pair" and pk == "state_ttl":
                        pass  # product-only key (not in the contract); accepted and ignored
                    elif k == "conversation_summary" and pk == "gap":
                        cfg.gap = parse_duration(pv)
                    elif k == "quality_alert" and pk == "min_feedback":
                        cfg.min_feedback = int(pv)
                    elif k == "quality_alert" and pk == "max_down_rate":
                        cfg.max_down_rate = float(pv)
                    else:
                        err(("signals", k, pk), "unknown key")
                except ValueError as e:
                    err(("signals", k, pk), str(e))
    return cfg


# --------------------------------------------------------------------------- validation

class Invalid(Exception):
    def __init__(self, reason, detail):
        self.reason = reason
        self.detail = detail


def _no_constant(name):
    raise ValueError("non-JSON constant " + name)


def decode_json(line_bytes):
    """Returns the parsed object or raises Invalid(malformed_json)."""
    try:
        text = line_bytes.decode("utf-8")  # strict: invalid UTF-8 is malformed
    except UnicodeDecodeError:
        raise Invalid("malformed_json", "invalid UTF-8")
    try:
        # CHOICE: duplicate keys -> last one wins (Python / most parsers); a BOM is malformed.
        obj = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise Invalid("malformed_json", "not valid JSON")
    if not isinstance(obj, dict):
        raise Invalid("malformed_json", "not a JSON object")
    if "\\u" in text and _has_lone_surrogate(obj):
        raise Invalid("malformed_json", "lone surrogate escape")
    return obj


def _has_lone_surrogate(value):
    """v1.1: a lone surrogate escape anywhere in the line (json pairs proper ones into one character)."""
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def field_ok(name, v, obj):
    if name in NONEMPTY_IDS:
        if not isinstance(v, str) or v == "":
            return False
        if name == "event_id" and len(v) > 128:  # CHOICE: chars = Unicode code points
            return False
        if name == "rejected_id" and obj.get("type") == "choice" and v == obj.get("parent_id"):
            return False
        return True
    if name == "type":
        return isinstance(v, str) and v in TYPES
    if name == "timestamp":
        return parse_ts(v) is not None
    if name in PLAIN_STRINGS:
        return isinstance(v, str)
    if name == "latency_ms":
        if not _is_num(v):
            return False
        try:
            f = float(v)
        except OverflowError:
            return False
        return math.isfinite(f) and f >= 0
    if name in ("tokens_in", "tokens_out"):
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 2 ** 53
    if name == "rating":
        return v in ("up", "down") and isinstance(v, str)
    raise AssertionError(name)


def validate(obj):
    def present(k):
        return k in obj and obj[k] is not None

    for k in ("event_id", "type", "timestamp", "conversation_id"):
        if not present(k):
            raise Invalid("missing_field", k)
    typ = obj["type"]
    if not (isinstance(typ, str) and typ in TYPES):
        raise Invalid("invalid_field", "type")
    req = REQUIRED[typ]
    for k in FIELD_ORDER:
        if k in req and not present(k):
            raise Invalid("missing_field", k)
    for k in FIELD_ORDER:
        if present(k) and not field_ok(k, obj[k], obj):
            raise Invalid("invalid_field", k)
    ev = {k: obj[k] for k in FIELD_ORDER if present(k)}
    ev["t"] = parse_ts(obj["timestamp"])
    v = ev.get("variant")
    ev["variant"] = v if v else "default"
    return ev


def raw_cut(line_bytes):
    # v1.1: invalid UTF-8 is replaced by U+FFFD first, then the longest prefix of at most 1024 bytes
    # that ends on a character boundary.
    b = line_bytes.decode("utf-8", errors="replace").encode("utf-8")
    if len(b) <= 1024:
        return b.decode("utf-8")
    end = 1024
    while end > 0 and (b[end] & 0xC0) == 0x80:
        end -= 1
    return b[:end].decode("utf-8")


# --------------------------------------------------------------------------- PII

def redact(text):
    t, n1 = EMAIL_RE.subn("[EMAIL]", text)
    t, n2 = PHONE_RE.subn("[PHONE]", t)
    return t, n1 + n2


# --------------------------------------------------------------------------- engine

class Engine:
    def __init__(self, cfg, nparts):
        self.cfg = cfg
        self.pmax = [NEG_INF] * nparts
        self.pfinished = [False] * nparts
        self.W = NEG_INF
        self.counters = dict(events_in=0, invalid_events=0, duplicates_dropped=0, late_events=0,
                             events_accepted=0, unresolved_references=0)
        self.out = {k: [] for k in KINDS}
        self.dead = []
        self.late = []
        self.seen = {}  # event_id -> t of the copy seen
        self.late_pending = []  # accepted events with t <= W, for the pair operator's next W advance
        # model_quality
        self.mq = {}  # (wstart, model, variant) -> list of events
        self.mq_heap = []  # (wend, wstart, model, variant): pending first firing
        self.mq_purge = []  # (cleanup time, key)
        self.sess_purge = []  # (cleanup time, conv)
        # sessions: conv -> list of [start, end, events]
        self.sessions = {}
        self.sess_heap = []  # (end, conv): pending firing (lazy; stale entries ignored)
        # preference pairs
        self.pending = []  # heap (t, eid, seq, ev)
        self.deadlines = []  # heap (D, eid, seq, key)
        self.seq = 0
        self.conv = {}  # conv -> state

    # ---- watermark
    def compute_W(self):
        active = [self.pmax[i] - self.cfg.ooo - 1 if self.pmax[i] != NEG_INF else NEG_INF
                  for i in range(len(self.pmax)) if not self.pfinished[i]]
        return min(active) if active else POS_INF

    def finish_partition(self, p):
        self.pfinished[p] = True
        self.update_W()

    def update_W(self):
        w = self.compute_W()
        if w > self.W:
            self.W = w
            # v1.1: late-accepted events reach the pair operator at the next advance of W.
            for item in self.late_pending:
                heapq.heappush(self.pending, item)
            self.late_pending = []
        self.fire()

    # ---- per line
    def on_line(self, p, source, pos, line):
        self.counters["events_in"] += 1
        try:
            if len(line) > self.cfg.max_event_bytes:
                raise Invalid("too_large", "line exceeds max_event_bytes")
            obj = decode_json(line)
            ev = validate(obj)
        except Invalid as e:
            self.counters["invalid_events"] += 1
            self.dead.append({"signal": "dead_letter", "reason": e.reason, "detail": e.detail,
                              "source": source, "position": pos, "raw": raw_cut(line)})
            return
        ev["_source"], ev["_pos"], ev["_raw"] = source, pos, raw_cut(line)
        t = ev["t"]
        eid = ev["event_id"]
        W = self.W
        if eid in self.seen and not (W >= self.seen[eid] + self.cfg.dedup_ttl):
            self.counters["duplicates_dropped"] += 1
            return
        self.seen[eid] = t
        if t + self.cfg.allowed_lateness <= W:
            self.counters["late_events"] += 1
            self.late.append({"signal": "late_event", "event_id": eid, "type": ev["type"],
                              "timestamp": fmt_ts(t), "watermark": fmt_ts(W), "source": source,
                              "position": pos})
            return
        self.counters["events_accepted"] += 1
        self.accept(ev)
        if t > self.pmax[p]:
            self.pmax[p] = t
        self.update_W()

    def accept(self, ev):
        t = ev["t"]
        AL = self.cfg.allowed_lateness
        # model_quality.  As in Flink with allowed lateness: a window fires when W >= end - 1,
        # keeps its contents until W >= end - 1 + allowed_lateness, and an element accepted into
        # an already fired window fires it again at once (the updated full contents).  With the
        # default allowed_lateness 0 this never happens.
        if ev["type"] in MODEL_TYPES and "model" in ev:
            ws = (t // self.cfg.window) * self.cfg.window
            we = ws + self.cfg.window
            key = (ws, ev["model"], ev["variant"])
            if key not in self.mq:
                self.mq[key] = []
                if we - 1 > self.W:  # else it fires at once below (Flink: FIRE, no timer)
                    heapq.heappush(self.mq_heap, (we, ws, ev["model"], ev["variant"]))
                heapq.heappush(self.mq_purge, (we - 1 + AL, key))
            self.mq[key].append(ev)
            if we - 1 <= self.W:  # late firing
                self.emit_mq(ws, we, ev["model"], ev["variant"], self.mq[key])
        # sessions (Flink merging).  A fired session is kept until W >= end - 1 + allowed_lateness
        # (with the default 0: it is gone once fired, so a later event that merely touches it
        # opens a new session, as in Flink).  A merge whose result is already due fires at once.
        c = ev["conversation_id"]
        sl = self.sessions.setdefault(c, [])
        s, e, evs = t, t + self.cfg.gap, [ev]
        keep = []
        for w in sl:
            if w[0] <= e and s <= w[1]:
                s, e = min(s, w[0]), max(e, w[1])
                evs.extend(w[2])
            else:
                keep.append(w)
        nw = [s, e, evs, False]  # [start, end, events, fired]
        keep.append(nw)
        self.sessions[c] = keep
        if e - 1 <= self.W:
            nw[3] = True
            self.emit_session(c, nw)
        else:
            heapq.heappush(self.sess_heap, (e, c))
        heapq.heappush(self.sess_purge, (e - 1 + AL, c))
        # preference pairs: wait for release in event-time order
        self.seq += 1
        if t <= self.W:
            self.late_pending.append((t, ev["event_id"], self.seq, ev))
        else:
            heapq.heappush(self.pending, (t, ev["event_id"], self.seq, ev))

    # ---- firing
    def fire(self):
        W = self.W
        # model_quality windows
        while self.mq_heap and self.mq_heap[0][0] - 1 <= W:
            we, ws, m, v = heapq.heappop(self.mq_heap)
            self.emit_mq(ws, we, m, v, self.mq[(ws, m, v)])
        while self.mq_purge and self.mq_purge[0][0] <= W:
            _, key = heapq.heappop(self.mq_purge)
            self.mq.pop(key, None)
        # sessions
        while self.sess_heap and self.sess_heap[0][0] - 1 <= W:
            e, c = heapq.heappop(self.sess_heap)
            for w in self.sessions.get(c, []):
                if w[1] == e and not w[3]:
                    w[3] = True
                    self.emit_session(c, w)
        while self.sess_purge and self.sess_purge[0][0] <= W:
            _, c = heapq.heappop(self.sess_purge)
            sl = self.sessions.get(c, [])
            sl[:] = [w for w in sl if not (w[1] - 1 + self.cfg.allowed_lateness <= W)]
        # preference pairs: events at time <= W, then deadlines at time <= W; events at D first
        while True:
            ne = self.pending[0] if self.pending and self.pending[0][0] <= W else None
            nd = self.deadlines[0] if self.deadlines and self.deadlines[0][0] <= W else None
            if ne is None and nd is None:
                break
            if ne is not None and (nd is None or ne[0] <= nd[0]):
                heapq.heappop(self.pending)
                self.pair_event(ne[3])
            else:
                heapq.heappop(self.deadlines)
                self.pair_deadline(nd[3])

    def emit_mq(self, ws, we, model, variant, evs):
        resp = [e for e in evs if e["type"] == "response"]
        up = sum(1 for e in evs if e["type"] == "feedback" and e["rating"] == "up")
        down = sum(1 for e in evs if e["type"] == "feedback" and e["rating"] == "down")
        regen = sum(1 for e in evs if e["type"] == "regenerate")
        copies = sum(1 for e in evs if e["type"] == "copy")
        errors = sum(1 for e in evs if e["type"] == "error")
        n = len(resp)
        lat = sorted(float(e["latency_ms"]) for e in resp)

        def pct(p):
            if not lat:
                return None
            r = math.ceil(Fraction(p) * n)
            return lat[max(r, 1) - 1]
        # CHOICE: tokens_in / tokens_out are summed over the window's responses only
        rec = {"signal": "model_quality", "window_start": fmt_ts(ws), "window_end": fmt_ts(we),
               "model": model, "variant": variant, "responses": n, "feedback_up": up,
               "feedback_down": down, "up_rate": up / (up + down) if up + down else None,
               "regenerations": regen, "regenerate_rate": regen / n if n else None,
               "copies": copies, "errors": errors,
               "error_rate": errors / (n + errors) if n + errors else None,
               # exact mean (a plain float sum can overflow to inf for huge latencies)
               "latency_ms_mean": float(sum(Fraction(x) for x in lat) / n) if n else None,
               "latency_ms_p50": pct("0.5"), "latency_ms_p95": pct("0.95"), "latency_ms_p99": pct("0.99"),
               "tokens_in": sum(e.get("tokens_in", 0) for e in resp),
               "tokens_out": sum(e.get("tokens_out", 0) for e in resp)}
        if self.cfg.catalog is not None:
            facts = self.cfg.catalog.get(model)
            if isinstance(facts, dict):
                rec["model_family"] = facts.get("family")
                rec["cost_usd"] = sum(e.get("tokens_in", 0) / 1000 * facts["input_per_1k"] +
                                      e.get("tokens_out", 0) / 1000 * facts["output_per_1k"] for e in resp)
            else:
                rec["model_family"] = None
                rec["cost_usd"] = None
        rec["_sort"] = (we, ws, model, variant)
        self.out["model_quality"].append(rec)
        if up + down >= self.cfg.min_feedback and down / (up + down) >= self.cfg.max_down_rate:
            self.out["quality_alert"].append({
                "signal": "quality_alert", "window_start": rec["window_start"],
                "window_end": rec["window_end"], "model": model, "variant": variant,
                "down_rate": down / (up + down), "feedback": up + down, "_sort": (we, ws, model, variant)})

    def emit_session(self, c, w):
        e, evs = w[1], w[2]
        evs = sorted(evs, key=lambda x: (x["t"], x["event_id"]))
        user = None
        for x in evs:
            if x.get("user_id"):
                user = x["user_id"]
                break
        cnt = lambda typ: sum(1 for x in evs if x["type"] == typ)
        up = sum(1 for x in evs if x["type"] == "feedback" and x["rating"] == "up")
        down = sum(1 for x in evs if x["type"] == "feedback" and x["rating"] == "down")
        models = sorted({x["model"] for x in evs if x["type"] in MODEL_TYPES and "model" in x})
        first, last = evs[0]["t"], evs[-1]["t"]
        errors = cnt("error")
        outcome = "negative" if down > 0 or errors > 0 else "positive" if up > 0 else "neutral"
        pii = 0
        msgs = []
        for x in evs:
            if x["type"] in ("prompt", "response"):
                red, n = redact(x["text"])
                pii += n
                msgs.append({"role": "user" if x["type"] == "prompt" else "assistant", "content": red})
        rec = {"signal": "conversation_summary", "conversation_id": c, "user_id": user,
               "session_start": fmt_ts(first), "session_end": fmt_ts(last + self.cfg.gap),
               "prompts": cnt("prompt"), "responses": cnt("response"), "models": models,
               "feedback_up": up, "feedback_down": down, "regenerations": cnt("regenerate"),
               "copies": cnt("copy"), "errors": errors, "duration_ms": last - first,
               "outcome": outcome, "pii_found": pii}
        assert last + self.cfg.gap == e
        rec["_sort"] = (e, c)
        self.out["conversation_summary"].append(rec)
        # sft_example
        prompts = [x for x in evs if x["type"] == "prompt"]
        resps = [x for x in evs if x["type"] == "response"]
        if outcome == "positive" and rec["regenerations"] == 0 and prompts:
            pids = [x["message_id"] for x in prompts]
            ok = all(sum(1 for r in resps if r["parent_id"] == pid) == 1 for pid in pids)
            ok = ok and all(r["parent_id"] in pids for r in resps)
            if ok:
                self.out["sft_example"].append({"signal": "sft_example", "conversation_id": c,
                                                "messages": msgs, "_sort": (e, c)})

    # ---- preference pairs
    def cstate(self, c):
        st = self.conv.get(c)
        if st is None:
            st = {"msgs": {}, "ratings": {}, "regen": set(), "claimed": set(), "waiting": {},
                  "seen_resp": set()}
            self.conv[c] = st
        return st

    def pair_complete(self, st, a, b):
        ma, mb = st["msgs"].get(a), st["msgs"].get(b)
        if not ma or not mb or ma["type"] != "response" or mb["type"] != "response":
            return None
        if ma["parent_id"] != mb["parent_id"]:
            return None
        mp = st["msgs"].get(ma["parent_id"])
        if not mp or mp["type"] != "prompt":
            return None
        return mp, ma, mb

    def emit_pair(self, c, a, b, source, comp, ev):
        mp, ma, mb = comp
        self.out["preference_pair"].append({
            "signal": "preference_pair", "pair_id": a + ":" + b, "conversation_id": c,
            "source": source, "prompt": mp["text"], "chosen": ma["text"], "rejected": mb["text"],
            "chosen_model": ma["model"], "rejected_model": mb["model"], "timestamp": fmt_ts(ev["t"]),
            "_sort": (ev["t"], ev["event_id"], a + ":" + b)})

    def pair_event(self, ev):
        c = ev["conversation_id"]
        st = self.cstate(c)
        typ = ev["type"]
        if typ in ("prompt", "response"):
            st["msgs"][ev["message_id"]] = ev  # latest in event-time order wins
            if typ == "response":
                st["seen_resp"].add(ev["message_id"])
        elif typ == "feedback":
            st["ratings"][ev["parent_id"]] = ev["rating"]
        elif typ == "regenerate":
            st["regen"].add(ev["parent_id"])
        # which rules hold now?
        holds = []  # (a, b, source) in rule order
        if typ == "choice":
            holds.append((ev["parent_id"], ev["rejected_id"], "choice"))
        # CHOICE: the feedback / regenerate rules are evaluated as state predicates after every
        # event over the responses seen so far whose (latest) parent_id is the same prompt.
        resp = [m for m in st["seen_resp"] if st["msgs"].get(m, {}).get("type") == "response"]
        for a in sorted(resp):
            for b in sorted(resp):
                if a == b or st["msgs"][a]["parent_id"] != st["msgs"][b]["parent_id"]:
                    continue
                if st["ratings"].get(a) == "up" and st["ratings"].get(b) == "down":
                    holds.append((a, b, "feedback"))
                elif st["ratings"].get(a) == "up" and b in st["regen"]:
                    holds.append((a, b, "regenerate"))
        new_wait = []
        for a, b, source in holds:
            if (a, b) in st["claimed"]:
                continue
            st["claimed"].add((a, b))
            comp = self.pair_complete(st, a, b)
            if comp:
                self.emit_pair(c, a, b, source, comp, ev)
            else:
                st["waiting"][(a, b)] = (source, ev)
                new_wait.append((a, b))
        # waiting pairs completed by this event
        for (a, b), (source, tev) in list(st["waiting"].items()):
            comp = self.pair_complete(st, a, b)
            if comp:
                del st["waiting"][(a, b)]
                self.emit_pair(c, a, b, source, comp, ev)
        still = [k for k in new_wait if k in st["waiting"]]
        if still:
            self.seq += 1
            heapq.heappush(self.deadlines, (ev["t"] + self.cfg.join_ttl, ev["event_id"], self.seq,
                                            (c, ev)))

    def pair_deadline(self, key):
        c, ev = key
        st = self.conv[c]
        left = [k for k, (src, tev) in st["waiting"].items() if tev is ev]
        if not left:
            return
        for k in left:
            del st["waiting"][k]
        self.counters["unresolved_references"] += 1
        self.dead.append({"signal": "dead_letter", "reason": "unresolved_reference",
                          "detail": "%s pair(s) %s miss texts" % (ev["type"], ",".join(a + ":" + b for a, b in left)),
                          "source": ev["_source"], "position": ev["_pos"], "raw": ev["_raw"]})


# --------------------------------------------------------------------------- input reading

class Input:
    def __init__(self, path, cfg):
        with open(path, "rb") as f:
            data = f.read()
        parts = data.split(b"\n")
        if parts and parts[-1] == b"":
            parts.pop()
        self.lines = [(i + 1, l) for i, l in enumerate(parts) if l.strip(b" \t\r") != b""]
        self.idx = 0
        self.path = path
        self.cfg = cfg

    def peek_key(self):
        """timestamp of the next line; -inf when it has no valid timestamp."""
        pos, line = self.lines[self.idx]
        # CHOICE: a too_large line is not parsed and counts as earliest; otherwise any line whose
        # "timestamp" member is a valid RFC 3339 string counts with it, even if the event is
        # invalid for another reason.
        if len(line) > self.cfg.max_event_bytes:
            return NEG_INF
        try:
            obj = decode_json(line)
        except Invalid:
            return NEG_INF
        t = parse_ts(obj.get("timestamp"))
        return NEG_INF if t is None else t

    def done(self):
        return self.idx >= len(self.lines)


def sort_and_write(eng, outdir):
    os.makedirs(outdir, exist_ok=True)
    out = eng.out
    files = {
        "model_quality": sorted(out["model_quality"], key=lambda r: r["_sort"]),
        "quality_alert": sorted(out["quality_alert"], key=lambda r: r["_sort"]),
        "conversation_summary": sorted(out["conversation_summary"], key=lambda r: r["_sort"]),
        "sft_example": sorted(out["sft_example"], key=lambda r: r["_sort"]),
        "preference_pair": sorted(out["preference_pair"], key=lambda r: r["_sort"]),
        "late_event": eng.late,
        "dead_letter": eng.dead,
    }
    for kind, recs in files.items():
        with open(os.path.join(outdir, kind + ".jsonl"), "wb") as f:
            for r in recs:
                r = {k: v for k, v in r.items() if not k.startswith("_")}
                s = json.dumps(r, ensure_ascii=False)
                try:
                    b = s.encode("utf-8")
                except UnicodeEncodeError:
                    b = json.dumps(r, ensure_ascii=True).encode()
                f.write(b + b"\n")
    summary = dict(eng.counters)
    summary["signals_out"] = {k: len(files[k]) for k in KINDS}
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


def main(argv):
    inputs, out, pipeline = [], None, None
    i = 0
    while i < len(argv):
        if argv[i] == "--out":
            out = argv[i + 1]
            i += 2
        elif argv[i] == "--pipeline":
            pipeline = argv[i + 1]
            i += 2
        else:
            inputs.append(argv[i])
            i += 1
    if not inputs or not out:
        raise SystemExit(__doc__)
    cfg = load_pipeline(pipeline)
    srcs = [Input(p, cfg) for p in inputs]
    eng = Engine(cfg, len(srcs))
    for p, s in enumerate(srcs):
        if s.done():
            eng.pfinished[p] = True
    eng.update_W()
    while True:
        best, bkey = None, None
        for p, s in enumerate(srcs):
            if s.done():
                continue
            k = s.peek_key()
            if best is None or k < bkey:
                best, bkey = p, k
        if best is None:
            break
        s = srcs[best]
        pos, line = s.lines[s.idx]
        s.idx += 1
        eng.on_line(best, os.path.basename(s.path), pos, line)
        if s.done():
            eng.finish_partition(best)
    eng.W = POS_INF
    eng.fire()
    # disabled kinds: computed above but not written (their file stays empty)
    for k in KINDS:
        if k not in cfg.kinds:
            eng.out[k] = []
    if "preference_pair" not in cfg.kinds:
        # CHOICE: without the preference_pair signal no unresolved_reference dead letters arise
        eng.dead = [d for d in eng.dead if d["reason"] != "unresolved_reference"]
        eng.counters["unresolved_references"] = 0
    sort_and_write(eng, out)


if __name__ == "__main__":
    main(sys.argv[1:])
