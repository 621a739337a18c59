#!/usr/bin/env python3
"""Bytes per second a terminal receives in an asciicast v2 recording.

usage: cast-bytes.py FILE.cast [FILE.cast ...]
Prints, per file, the UTF-8 bytes of every output event over the recording's length (the first,
full frame included). `vitrine record` is deterministic, so this measures the encoder's output
for a seed without a pseudo-terminal or a wall clock.
"""
import json
import sys

for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        json.loads(f.readline())
        events = [json.loads(line) for line in f if line.strip()]
    total = sum(len(e[2].encode("utf-8")) for e in events if e[1] == "o")
    seconds = max((e[0] for e in events), default=0) or 1
    print(f"{path}\t{total / seconds:.0f}")
