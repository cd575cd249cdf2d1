"""Benchmark: revision metrics for a 10,000-idea session with 5 revisions per idea.

The session is replayed from events through `replay.apply_event`, as the app would load it: every
idea is a model draft of up to 2,000 characters (seeded random words), revised 5 times by a
person (each revision replaces, inserts or deletes a few words; one idea in ten is rewritten
from scratch in one of its revisions), then accepted, rejected or left a draft.

Times `session_metrics` (best of 3, `time.perf_counter`) and prints the figures. Also times a
harder variant (every text near 2,000 characters) for information. Exits 1 if the main case
is over the 1-second target.

    .venv/bin/python benchmarks/bench_metrics.py [--ideas N] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from brainstorm.events import IdeaDrafted, IdeaRevised, IdeaStatusChanged, SessionCreated, Status
from brainstorm.metrics.session import session_metrics
from brainstorm.models import Session
from brainstorm.replay import apply_event

TARGET_SECONDS = 1.0
REVISIONS = 5
MAX_CHARS = 2000
START = datetime(2025, 1, 1, tzinfo=UTC)


def make_vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(letters, k=rng.randint(1, 10))) for _ in range(size)]


def make_text(rng: random.Random, vocab: list[str], max_chars: int) -> list[str]:
    out: list[str] = []
    used = -1
    while True:
        word = rng.choice(vocab)
        if used + 1 + len(word) > max_chars:
            return out
        out.append(word)
        used += 1 + len(word)


def revise(rng: random.Random, vocab: list[str], text: list[str]) -> list[str]:
    """A person's revision: 1–4 word substitutions, insertions or deletions anywhere."""
    result = list(text)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        if op < 0.4 and result:
            result[rng.randrange(len(result))] = rng.choice(vocab)
        elif op < 0.7 or not result:
            result.insert(rng.randint(0, len(result)), rng.choice(vocab))
        else:
            del result[rng.randrange(len(result))]
    return result


def build_session(n_ideas: int, seed: int, *, min_chars: int) -> Session:
    rng = random.Random(seed)
    vocab = make_vocabulary(rng)
    session = Session.from_created(
        SessionCreated(session_id="bench", topic="benchmark", model="m", at=START)
    )
    at = START
    seq = 0
    for idea_id in range(1, n_ideas + 1):
        length = rng.randint(min_chars, MAX_CHARS)
        text = make_text(rng, vocab, length)
        seq += 1
        at += timedelta(seconds=1)
        apply_event(
            session,
            IdeaDrafted(
                seq=seq, at=at, idea=idea_id, text=" ".join(text), model="m", backend="ollama"
            ),
        )
        rewrite_at = rng.randrange(REVISIONS) if rng.random() < 0.1 else -1
        for r in range(REVISIONS):
            text = make_text(rng, vocab, length) if r == rewrite_at else revise(rng, vocab, text)
            seq += 1
            at += timedelta(seconds=rng.randint(1, 60))
            apply_event(session, IdeaRevised(seq=seq, at=at, idea=idea_id, text=" ".join(text)))
        status = rng.choice([Status.ACCEPTED, Status.ACCEPTED, Status.REJECTED, Status.DRAFT])
        if status is not Status.DRAFT:
            seq += 1
            apply_event(session, IdeaStatusChanged(seq=seq, at=at, idea=idea_id, status=status))
    return session


def best_of(session: Session, runs: int = 3) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of `runs` computations of `session_metrics`."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        session_metrics(session)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def report(label: str, session: Session) -> float:
    seconds, cpu = best_of(session)
    n = len(session.ideas)
    chars = sum(len(i.text) for i in session.ideas.values()) / n
    verdict = "under" if seconds < TARGET_SECONDS else "OVER"
    print(
        f"{label}: {n:,} ideas × {REVISIONS} revisions, mean final text {chars:,.0f} chars: "
        f"{seconds:.3f} s best of 3 (CPU {cpu:.3f} s), {n / seconds:,.0f} ideas/s "
        f"({verdict} the {TARGET_SECONDS:.0f} s target)"
    )
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    # Other busy processes slow every figure below: the load average says how busy it was.
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    session = build_session(args.ideas, args.seed, min_chars=1)
    figures = session_metrics(session)
    seconds = report("texts up to 2,000 chars", session)
    print(
        f"  word_edit_rate {figures.word_edit_rate:.3f}, char_edit_rate "
        f"{figures.char_edit_rate:.3f}, model_retention {figures.model_retention:.3f}, "
        f"revisions {figures.revisions:,}"
    )
    del session
    report("info, texts 1,800–2,000 chars", build_session(args.ideas, args.seed, min_chars=1800))
    return 0 if seconds < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
