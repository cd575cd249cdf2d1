"""The fake model replies the batch and host benchmarks time, calibrated so that one reply
takes a chosen time as the real client sees it (a helper of bench_batch.py and
bench_hosts.py, not a benchmark)."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import TYPE_CHECKING

from brainstorm.llm.base import ChatRequest, Message
from brainstorm.llm.ollama import OllamaBackend

if TYPE_CHECKING:
    from tests.fakes import FakeOllama

CHUNKS = ["1. A shared tool library.\n", "2. Street-light walks.\n", "3. Seed ", "swaps."]
MODEL = "bench"


async def reply_seconds(fake: FakeOllama, samples: int = 5) -> float:
    """Mean time for one reply, one request at a time, through the real client and backend."""
    backend = OllamaBackend(fake.url)
    request = ChatRequest(model=MODEL, messages=[Message("user", "calibrate")])
    times: list[float] = []
    try:
        for _ in range(samples + 1):  # the first one opens the connection
            started = time.perf_counter()
            async for _chunk in backend.stream_chat(request):
                pass
            times.append(time.perf_counter() - started)
    finally:
        await backend.aclose()
    return statistics.mean(times[1:])


def calibrate(fake: FakeOllama, target: float) -> float:
    """Set the server's chunk delay so that one reply takes `target` seconds as the client
    sees it (the fake's pause is not exactly its nominal delay). Returns the measured time."""
    delay = target / len(CHUNKS)
    for _ in range(3):
        fake.chunk_delay = delay
        measured = asyncio.run(reply_seconds(fake))
        delay *= target / measured
    fake.chunk_delay = delay
    return asyncio.run(reply_seconds(fake))
