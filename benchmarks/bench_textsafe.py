"""Benchmark: `textsafe.visible` over the texts of a 10,000-idea session.

`visible` runs on every card render, every CLI line and every exported line, so it must cost
next to nothing on ordinary text. Measured on 10,000 idea texts of about 200 characters each:

1. plain     no character to escape (nearly every real reply): one scan of a compiled class.
2. ordinary  Arabic, Persian with ZWNJ, emoji ZWJ sequences and selectors: scanned, kept.
3. hostile   every text carries a RIGHT-TO-LEFT OVERRIDE and a zero-width space.
4. baseline  the previous implementation (C0/C1 controls only, one `re.sub`) on the plain texts.

Prints the total and per-text cost of each: CPU seconds of this process (on a shared machine
wall time measures the neighbours), best of --runs runs, the four interleaved. Exits 1 when
plain text costs more than 2x the baseline.

    .venv/bin/python benchmarks/bench_textsafe.py [--ideas 10000] [--runs 9]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from brainstorm.textsafe import visible  # noqa: E402

_OLD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def old_visible(text: str) -> str:
    return _OLD.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


PLAIN = (
    "{n}. A shared tool library in the stairwell, run by volunteers on Saturday mornings, with"
    " a sign-up sheet, a repair corner and a shelf of seeds that neighbours swap each spring."
)
ORDINARY = (
    "{n}. مكتبة أدوات مشتركة — می\u200cخواهم یک کتابخانه 👨\u200d👩\u200d👧 ❤\ufe0f"
    " a shared tool library run by volunteers, with a repair corner and a seed shelf."
)
HOSTILE = "{n}. A shared tool \u202elibrary\u200b in the stairwell, run by volunteers on Saturdays."


def each(escape: Callable[[str], str], texts: list[str]) -> list[str]:
    return [escape(text) for text in texts]


def cpu_seconds(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    sets = {
        name: [template.format(n=n) for n in range(args.ideas)]
        for name, template in (("plain", PLAIN), ("ordinary", ORDINARY), ("hostile", HOSTILE))
    }
    work: dict[str, Callable[[], object]] = {
        name: partial(each, visible, texts) for name, texts in sets.items()
    }
    work["baseline"] = partial(each, old_visible, sets["plain"])
    figures = dict.fromkeys(work, float("inf"))
    for _ in range(args.runs):  # interleaved, so a busy moment hits every figure alike
        for name, run in work.items():
            figures[name] = min(figures[name], cpu_seconds(run))
    for name, seconds in figures.items():
        per = seconds / args.ideas * 1e6
        print(f"{name:9} {args.ideas} texts: {seconds * 1000:7.2f} ms  ({per:.2f} µs per text)")
    ratio = figures["plain"] / figures["baseline"]
    print(f"plain / baseline: {ratio:.2f}x")
    if ratio > 2:
        print("FAIL: visible() on plain text is too slow")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
