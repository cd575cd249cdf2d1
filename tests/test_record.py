"""The record of a reply (issue 13): kept verbatim as it arrives, ideas appended as each one
completes, a token-limit cut marked like any other cut, and prompts whose writer died read as
interrupted — in new session files and in ones written before any of this (schema 1)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from brainstorm.ask import AskRequest
from brainstorm.events import (
    GenerationCompleted,
    GenerationInterrupted,
    IdeaDrafted,
    PromptSent,
    ReplyText,
)
from brainstorm.generate import generate
from brainstorm.ideation import IDEAS_SCHEMA
from brainstorm.llm.base import Message
from brainstorm.llm.ollama import OllamaBackend
from brainstorm.replies import prompt_reply, reply_of
from brainstorm.session_log import read_events
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Source
from brainstorm.store import SessionStore
from tests.fakes import FakeOllama

# What real models send: a lead-in, bold titles, a rule, a remark after it, a "bonus" idea
# after a second rule, a closing remark, CRLF line ends, characters beyond ASCII.
REPLY = (
    "Sure! Here are five ideas for a quieter office:\n"
    "\n"
    "1. **Moss walls** – living walls that absorb sound.\n"
    "2. **Quiet hours**: no meetings before 11, café-style.\r\n"
    "3. **Phone booths** for calls 🌱\n"
    "\n"
    "---\n"
    "\n"
    "This works because each idea costs little.\n"
    "\n"
    "***\n"
    "Bonus idea: a library escape room.\n"
    "\n"
    "Hope this helps — let me know!"
)
FIVE = "".join(f"{n}. Idea number {n} is here.\n" for n in range(1, 6))


def request(options: dict[str, object] | None = None) -> AskRequest:
    return AskRequest(
        prompt="ideas",
        messages=(Message("user", "Ideas for quieter offices?"),),
        sources=(Source("llama3.2"),),
        technique="open",
        options=dict(options or {}),
    )


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path)


@pytest.fixture
def writer(store: SessionStore) -> Iterator[SessionWriter]:
    with store.create("quieter offices") as w:
        yield w


@pytest.fixture
async def backend(fake_ollama: FakeOllama) -> AsyncIterator[OllamaBackend]:
    async with OllamaBackend(fake_ollama.url) as backend:
        yield backend


async def test_the_reply_is_stored_byte_for_byte(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama, store: SessionStore
) -> None:
    # Chunks cut mid-word, mid-line, between "\r" and "\n".
    chunks = [REPLY[i : i + 7] for i in range(0, len(REPLY), 7)]
    fake_ollama.add_model("llama3.2", chunks=chunks)
    outcome = await generate(writer, backend, request())
    assert outcome.ok and outcome.prompt_id is not None
    loaded = store.load(writer.session_id).session
    record = loaded.prompts[outcome.prompt_id]
    assert record.reply == REPLY
    assert record.reply.encode() == REPLY.encode()  # type: ignore[union-attr]
    assert record.status == "completed" and record.done_reason == "stop"
    # The file holds the text as pieces, which join to the reply.
    events = read_events(writer.path)[0]
    pieces = [e.text for e in events if isinstance(e, ReplyText)]
    assert "".join(pieces) == REPLY
    # Text no idea came from is found, not dropped.
    reply = prompt_reply(loaded, record)
    unassigned = " ".join(span.text for span in reply.unassigned)
    assert "Here are five ideas" in unassigned
    assert "This works because" in unassigned
    assert "Hope this helps" in unassigned
    assert "---" in unassigned
    for idea_id in record.ideas:  # every idea's lines are found in the reply
        assert reply.lines_of(idea_id), loaded.ideas[idea_id]
        assert reply_of(loaded, idea_id) == reply


async def test_ideas_are_on_disk_as_each_completes_before_the_reply_ends(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama, store: SessionStore
) -> None:
    lines = FIVE.splitlines(keepends=True)
    fake_ollama.add_model("llama3.2", chunks=lines)
    fake_ollama.hold(after=4)  # ideas 1-4 arrived; the 5th never does (until released)
    arrived = asyncio.Event()
    seen: list[str] = []

    def on_delta(text: str) -> None:
        seen.append(text)
        if len(seen) == 4:
            arrived.set()

    task = asyncio.create_task(generate(writer, backend, request(), on_delta=on_delta))
    try:
        await arrived.wait()
        # Another process reading now (the writer is alive: the prompt is in progress).
        loaded = store.load(writer.session_id).session
        (record,) = loaded.prompts.values()
        assert record.status == "in_progress"
        texts = [loaded.ideas[i].text for i in record.ideas]
        assert texts == [f"Idea number {n} is here." for n in (1, 2, 3)]
        assert not any(loaded.ideas[i].incomplete for i in record.ideas)
        assert record.reply == "".join(lines[:4])  # the 4th idea's text is there, not yet an idea
        assert writer._commit is not None and writer._commit.syncs <= 1  # not one per idea
    finally:
        fake_ollama.release()
    outcome = await task
    assert [idea.text for idea in outcome.ideas][-1] == "Idea number 5 is here."
    events = read_events(writer.path)[0]
    kinds = [type(e).__name__ for e in events if not isinstance(e, ReplyText)]
    assert kinds[-1] == "GenerationCompleted"
    assert kinds.index("GenerationCompleted") > kinds.index("IdeaDrafted")
    done = next(e for e in events if isinstance(e, GenerationCompleted))
    assert done.ideas == [1, 2, 3, 4, 5]
    assert outcome.ideas[0].stats is not None  # the outcome's figures reach every idea


async def test_a_token_limit_cut_marks_the_last_idea_incomplete(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama, store: SessionStore
) -> None:
    fake_ollama.add_model("llama3.2", reply=FIVE)
    outcome = await generate(writer, backend, request({"num_predict": 9}))  # 6 word chunks a line
    assert outcome.stats is not None and outcome.stats.done_reason == "length"
    assert outcome.ideas and outcome.ideas[-1].incomplete
    assert not any(idea.incomplete for idea in outcome.ideas[:-1])
    assert outcome.ideas[-1].text == "Idea number"
    record = store.load(writer.session_id).session.prompts[outcome.prompt_id or ""]
    assert record.status == "incomplete" and record.done_reason == "length"


async def test_a_stream_cut_keeps_the_text_and_marks_the_idea_being_written(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model("llama3.2", reply=FIVE)
    fake_ollama.cut_mid_stream(after=8)
    outcome = await generate(writer, backend, request())
    assert outcome.error is not None
    record = writer.session.prompts[outcome.prompt_id or ""]
    assert record.status == "failed" and record.reply == outcome.text and outcome.text
    assert [i.incomplete for i in outcome.ideas] == [False] * (len(outcome.ideas) - 1) + [True]


def test_a_prompt_whose_writer_died_reads_as_interrupted(store: SessionStore) -> None:
    with store.create("crash") as writer:
        sent = writer.append(
            PromptSent(prompt_id="p1", prompt="x", model="m", backend="ollama", keeps_reply=True)
        )
        writer.append(ReplyText(prompt_id="p1", text="1. One.\n2. Tw"), durable=False)
        writer.append(IdeaDrafted(idea=1, prompt_id="p1", text="One.", model="m", backend="ollama"))
        session_id = writer.session_id
        # While this writer lives, a reader sees the reply in progress.
        assert store.load(session_id).session.prompts["p1"].status == "in_progress"
    assert sent.seq == 2
    # The writer is gone (here: closed; in life: killed) and never wrote an outcome.
    record = store.load(session_id).session.prompts["p1"]
    assert (record.status, record.reply, record.ideas) == ("interrupted", "1. One.\n2. Tw", [1])
    # The next writer records it, once.
    with store.open_writer(session_id) as again:
        assert again.session.prompts["p1"].status == "interrupted"
    with store.open_writer(session_id):
        pass
    events = read_events(store.path_for(session_id))[0]
    assert [e.prompt_id for e in events if isinstance(e, GenerationInterrupted)] == ["p1"]


def test_appends_that_may_wait_are_written_at_once_and_synced_later(
    writer: SessionWriter, store: SessionStore
) -> None:
    commit = writer._commit
    assert commit is not None
    before = commit.syncs
    writer.append(
        PromptSent(prompt_id="p", prompt="x", model="m", backend="b", keeps_reply=True),
        durable=False,
    )
    # Already in the file (a killed process loses nothing written), not yet fsynced.
    assert '"prompt_sent"' in writer.path.read_text()
    assert commit.pending or commit.syncs > before  # or the timer was quicker than us
    writer.sync()
    assert not commit.pending
    writer.append(ReplyText(prompt_id="p", text="abc"), durable=False)
    writer.close()  # closing makes it durable
    assert not commit.pending
    assert store.load(writer.session_id).session.prompts["p"].reply == "abc"


# A session written before replies were kept (schema 1): ideas stored at the end, the
# configured model under `model`, stats on each idea, one prompt killed mid-reply.
OLD_FILE = [
    {
        "type": "session_created",
        "seq": 1,
        "at": "2025-03-01T09:00:00Z",
        "schema": 1,
        "session_id": "old-ab12",
        "topic": "Quieter offices",
        "technique": "open",
        "model": "llama3.2",
    },
    {
        "type": "prompt_sent",
        "seq": 2,
        "at": "2025-03-01T09:00:01Z",
        "prompt_id": "aaaa1111",
        "prompt": "more",
        "technique": "open",
        "model": "llama3.2",
        "backend": "ollama",
        "options": {},
    },
    *[
        {
            "type": "idea_drafted",
            "seq": 2 + n,
            "at": "2025-03-01T09:00:05Z",
            "idea": n,
            "prompt_id": "aaaa1111",
            "text": text,
            "model": "llama3.2",
            "backend": "ollama",
            "technique": "open",
            "options": {},
            "stats": {"eval_count": 30, "eval_duration": 1000000000, "done_reason": "stop"},
        }
        for n, text in ((1, "Moss walls."), (2, "Quiet hours."))
    ],
    {
        "type": "generation_completed",
        "seq": 5,
        "at": "2025-03-01T09:00:05Z",
        "prompt_id": "aaaa1111",
        "ideas": [1, 2],
    },
    {
        "type": "prompt_sent",
        "seq": 6,
        "at": "2025-03-01T09:01:00Z",
        "prompt_id": "bbbb2222",
        "prompt": "killed",
        "model": "llama3.2",
        "backend": "ollama",
    },
]


def test_an_old_session_file_still_reads(store: SessionStore, tmp_path: Path) -> None:
    store.root.mkdir(parents=True, exist_ok=True)
    path = store.path_for("old-ab12")
    path.write_text("".join(json.dumps(event) + "\n" for event in OLD_FILE), encoding="utf-8")
    session = store.load("old-ab12").session
    assert session.default_model == "llama3.2"
    assert session.models_that_wrote() == ["llama3.2"]
    done, killed = session.prompts["aaaa1111"], session.prompts["bbbb2222"]
    assert (done.status, done.ideas, done.reply) == ("completed", [1, 2], None)
    assert done.done_reason is None  # schema 1 kept it on the ideas only
    assert killed.status == "interrupted" and killed.reply is None
    assert session.ideas[1].stats is not None and session.ideas[1].stats.eval_count == 30
    reply = prompt_reply(session, done)
    assert not reply.recorded and reply.text is None and reply.unassigned == []
    # A new writer appends in the new format after the old lines, and both read back.
    before = path.read_bytes()
    with store.open_writer("old-ab12") as writer:
        writer.append(
            PromptSent(prompt_id="cccc3333", prompt="new", model="m", backend="b", keeps_reply=True)
        )
        writer.append(ReplyText(prompt_id="cccc3333", text="1. New."))
    assert path.read_bytes().startswith(before)  # nothing rewritten
    again = store.load("old-ab12").session
    assert again.prompts["cccc3333"].reply == "1. New."
    assert again.prompts["bbbb2222"].status == "interrupted"
    assert os.path.getsize(path) > len(before)


async def test_a_structured_reply_is_kept_verbatim_and_split_when_whole(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    text = (
        "Here you go:\n```json\n"
        '{"ideas": [{"title": "Moss walls", "description": "Living walls absorb sound."}]}\n'
        "```\nEnjoy!"
    )
    fake_ollama.add_model("llama3.2", structured=text)
    asked = dataclasses.replace(request(), schema=IDEAS_SCHEMA)
    outcome = await generate(writer, backend, asked)
    assert [(i.title, i.text) for i in outcome.ideas] == [
        ("Moss walls", "Living walls absorb sound.")
    ]
    record = writer.session.prompts[outcome.prompt_id or ""]
    assert record.reply == text and record.structured
    reply = prompt_reply(writer.session, record)
    assert [line.idea for line in reply.lines if "Moss walls" in line.text] == [1]
    unassigned = [span.text for span in reply.unassigned]
    assert unassigned[0].startswith("Here you go:") and unassigned[-1].endswith("Enjoy!")


async def test_a_labelled_idea_after_a_rule_owns_its_line_in_the_reply(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    # The splitter drops the label ("Bonus idea:") from the idea; its line is still the idea's.
    text = (
        "1. **Share Table**: A table by the exit.\n\n---\n\n"
        "**Bonus idea:** A library escape room about food.\n\n"
        "One more idea: Compost club, run by students.\n\n***\n\n"
        "This works because waste becomes visible."
    )
    fake_ollama.add_model("llama3.2", chunks=[text])
    outcome = await generate(writer, backend, request())
    assert [(i.title, i.text) for i in outcome.ideas][1:] == [
        (None, "A library escape room about food."),
        (None, "Compost club, run by students."),
    ]
    record = writer.session.prompts[outcome.prompt_id or ""]
    reply = prompt_reply(writer.session, record)
    owner = {line.text: line.idea for line in reply.lines if not line.blank}
    assert owner["**Bonus idea:** A library escape room about food."] == 2
    assert owner["One more idea: Compost club, run by students."] == 3
    assert [span.text for span in reply.unassigned] == [
        "---",
        "***\n\nThis works because waste becomes visible.",
    ]
