#!/usr/bin/env python3
"""Writes pii_cases.jsonl, the expected results of PIIRedactor's differential test.

Regenerate from the package root with:
    python3 Tests/FlywheelSignalsTests/Fixtures/make_pii_cases.py

The strings come from SplitMix64 seeded with SEED; PIIRedactorTests.swift rebuilds exactly the
same COUNT strings with its own SplitMix64, so SEED, COUNT, MAX_LENGTH and ALPHABETS must stay in
sync with the constants there. Each string picks one of ALPHABETS (mixed, phone-rich,
e-mail-rich), then a length in 0...MAX_LENGTH, then its characters, all from the same stream. Only strings that Python changes are written (one JSON object per
line: "in", "out", "n"); the test expects every other generated string to come back unchanged
with a count of 0, and checks that every line of this file was generated.
"""
import json
import os
import re

SEED = 0x5EED_F1A7_2026
COUNT = 20_000
MAX_LENGTH = 60
# Weighted by repetition; each includes one non-ASCII letter (U+00E9).
ALPHABETS = [
    "aaabcxyzAZ0123456789012345678901234567..._%+-@@()  -\u00e9",
    "0123456789012345678901234567890123456789  ..--()++a\u00e9@",
    "aaaabbbcczzAAZZ019......---__%+@@@ \u00e9(",
]

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", re.ASCII)
PHONE = re.compile(r"(\+\d{1,3}[ .-]?)?(\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}", re.ASCII)
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def redact(text):
    text, emails = EMAIL.subn("[EMAIL]", text)
    text, phones = PHONE.subn("[PHONE]", text)
    return text, emails + phones


def generate():
    rng = SplitMix64(SEED)
    for _ in range(COUNT):
        alphabet = ALPHABETS[rng.next() % len(ALPHABETS)]
        length = rng.next() % (MAX_LENGTH + 1)
        yield "".join(alphabet[rng.next() % len(alphabet)] for _ in range(length))


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pii_cases.jsonl")
    seen = set()
    with open(path, "w", encoding="utf-8") as out:
        for text in generate():
            result, found = redact(text)
            if found == 0 or text in seen:
                continue
            seen.add(text)
            line = {"in": text, "out": result, "n": found}
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
