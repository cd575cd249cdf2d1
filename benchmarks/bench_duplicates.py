"""Benchmark: near-duplicate detection (text method) over sessions of 1,000–5,000 ideas.

Ideas are 5–40 seeded random words from a 3,000-word vocabulary (brainstorm ideas are short);
one idea in ten is a near copy of an earlier one (a word or two changed, case and punctuation
varied), so there are real groups to find. Times `find_duplicates` (groups, distinct share,
mean pairwise distance; best of 3, `time.perf_counter`) and prints the figures. Exits 1 if
3,000 ideas take longer than the 2-second target.

    .venv/bin/python benchmarks/bench_duplicates.py [--sizes 1000,3000,5000] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import random
import string
import sys
import time

from brainstorm.duplicates import Similarity, find_duplicates

TARGET_SIZE = 3000
TARGET_SECONDS = 2.0


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    letters = string.ascii_lowercase
    return ["".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(size)]


def ideas(rng: random.Random, count: int) -> list[tuple[int, str]]:
    words = vocabulary(rng)
    result: list[tuple[int, str]] = []
    for idea_id in range(1, count + 1):
        if result and rng.random() < 0.1:
            base = rng.choice(result)[1].split()
            base[rng.randrange(len(base))] = rng.choice(words)
            text = " ".join(base).upper() if rng.random() < 0.3 else " ".join(base) + "!"
        else:
            text = " ".join(rng.choices(words, k=rng.randint(5, 40)))
        result.append((idea_id, text))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000,5000")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    print(f"near-duplicates, text method, threshold 0.80 · {os.cpu_count()} CPUs")
    status = 0
    for size in (int(s) for s in args.sizes.split(",")):
        items = ideas(random.Random(args.seed), size)
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            report = find_duplicates(items, Similarity.text())
            best = min(best, time.perf_counter() - started)
        distance = report.mean_pairwise_distance or 0.0
        print(
            f"{size:>6} ideas: {best:6.3f} s · {len(report.groups)} groups,"
            f" {report.duplicated_ideas} ideas in them · distinct {report.distinct_share:.1%}"
            f" · mean pairwise distance {distance:.3f}"
        )
        if size == TARGET_SIZE and best > TARGET_SECONDS:
            print(f"  over the {TARGET_SECONDS:.0f} s target", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
