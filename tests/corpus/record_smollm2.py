"""Record real SmolLM2 replies for the splitting corpus (tests/corpus/smollm2/).

    .venv/bin/python tests/corpus/record_smollm2.py [--seeds 1,2] [--out tests/corpus/smollm2]

Runs the embedded backend (llama.cpp, SmolLM2-135M-Instruct, the `embedded` extra) on every
shipped technique and every follow-up, with the messages `brainstorm` sends, and writes one
JSON file per reply: the technique or follow-up, topic, options (seed, temperature), the exact
messages sent and the raw reply. The expected ideas are *not* written here: a person reads
each reply and writes them (``expected``, ``not_ideas``) into the file; `test_corpus.py`
checks the splitter against them. Re-recording keeps what was reviewed only when the reply is
unchanged (llama.cpp with a fixed seed on the same build gives the same text).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from brainstorm.ideation import build_follow_up_messages, build_messages, load_techniques
from brainstorm.llm.base import ChatRequest, Message
from brainstorm.llm.embedded import EMBEDDED_MODEL, EmbeddedBackend

TOPICS = {
    1: "Reduce food waste in a school canteen",
    2: "Make Monday stand-up meetings useful",
}
FOLLOW_UP_IDEA = (
    "Share table",
    "Set up a table where students leave unopened food and drinks for others to take.",
)
TEMPERATURE = 0.8  # the backend's default, as a person gets it


async def _reply(backend: EmbeddedBackend, messages: list[Message], seed: int) -> str:
    options = {"seed": seed, "temperature": TEMPERATURE}
    request = ChatRequest(model=EMBEDDED_MODEL, messages=messages, options=options)
    parts = [chunk.text async for chunk in backend.stream_chat(request) if chunk.text]
    return "".join(parts)


def _record(
    name: str, kind: str, topic: str, seed: int, messages: list[Message], reply: str
) -> dict[str, Any]:
    return {
        "source": f"embedded:{EMBEDDED_MODEL}",
        kind: name,
        "topic": topic,
        "options": {"seed": seed, "temperature": TEMPERATURE},
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "reply": reply,
    }


def _write(path: Path, record: dict[str, Any]) -> None:
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("reply") == record["reply"] and old.get("messages") == record["messages"]:
            return  # same reply: keep what a person reviewed
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path} (review its expected ideas)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "smollm2")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    backend = EmbeddedBackend()
    try:
        for technique in load_techniques().values():
            for seed in seeds:
                topic = TOPICS[1 + (seed - 1) % len(TOPICS)]
                messages = build_messages(technique, topic)
                reply = await _reply(backend, messages, seed)
                record = _record(technique.name, "technique", topic, seed, messages, reply)
                _write(args.out / f"{technique.name}-seed{seed}.json", record)
        for kind in ("expand", "variations", "critique"):
            seed = seeds[0]
            topic = TOPICS[1]
            title, text = FOLLOW_UP_IDEA
            messages = build_follow_up_messages(kind, topic, text, title=title)
            reply = await _reply(backend, messages, seed)
            record = _record(kind, "follow_up", topic, seed, messages, reply)
            _write(args.out / f"follow-up-{kind}-seed{seed}.json", record)
    finally:
        await backend.aclose()


if __name__ == "__main__":
    asyncio.run(main())
