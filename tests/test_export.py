"""Export: golden markdown, the front matter read back by a YAML parser, hostile text that must
stay text, what each option leaves out, atomic no-clobber writes, JSON, the installed command
and the TUI key.

The markdown is checked with a real CommonMark parser (markdown-it-py, which Rich already
brings) as well as with simple line checks: each idea's text must come back from the parser as
exactly its characters, in paragraphs, with no heading, list, HTML, code, link, table or rule
of its own.

Golden files live in tests/golden/. After an intended change to the export layout, regenerate
them and read the diff before committing:

    BRAINSTORM_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_export.py
    git diff tests/golden
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from brainstorm.events import (
    Event,
    IdeaAdded,
    IdeaDrafted,
    IdeaRevised,
    IdeaStatusChanged,
    PromptSent,
    SessionCreated,
    Status,
    event_to_json,
)
from brainstorm.export import (
    ExportError,
    ExportExists,
    ExportOptions,
    badge_kind,
    badge_label,
    default_export_path,
    diff_block,
    export_data,
    export_json,
    export_markdown,
    export_session,
    save_export,
    write_export,
    yaml_string,
)
from brainstorm.metrics.diff import word_diff
from brainstorm.metrics.idea import idea_metrics
from brainstorm.metrics.session import session_metrics
from brainstorm.models import Author, Session
from brainstorm.presentation import STATUS_WORDS, status_label
from brainstorm.replay import replay
from brainstorm.store import SessionStore
from brainstorm.textsafe import visible

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("BRAINSTORM_REGENERATE_GOLDEN") == "1"
BRAINSTORM = str(Path(sys.executable).with_name("brainstorm"))

SESSION_ID = "quieter-offices-ab12"
TOPIC = "Quieter open-plan offices"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
EXPORTED = datetime(2025, 3, 2, 16, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- a session with every kind of idea --------------------------------------------------------

# id: (title, text) as the model or the person first wrote them.
FIRST_TEXTS: dict[int, tuple[str, str]] = {
    1: ("Phone booths", "Soundproof phone booths for calls.\n- cheap to rent\n- quick to install"),
    2: ("Quiet hours", "No meetings before noon, and"),
    3: ("Noise map", "Show loud areas on a screen."),
    4: ("Carpets", "Lay carpet to soak up footsteps."),
    5: ("Quiet zones", "Mark quiet zones with signs and soft carpet."),
    6: ("Open plan", "Remove all the walls."),
    7: ("Library rules", "Borrow library rules: whisper only."),
    8: ("Earplugs", "Hand out earplugs."),
    9: ("Secret", "A draft still hidden in a human-first round."),
}
KIND_OF = {
    1: "draft",  # not reviewed
    2: "draft",  # incomplete: the stream was cut
    3: "draft",  # edited, not accepted
    4: "accepted_as_is",
    5: "accepted_after_edits",
    6: "rejected",
    7: "written_by_person",
    8: "rejected",  # a person's own idea, rejected later
    9: "draft",  # hidden
}


def session_events(
    topic: str = TOPIC,
    texts: dict[int, tuple[str, str]] | None = None,
    revised: tuple[str, str] | None = None,
    prompt: str = "for a library",
) -> list[Event]:
    """The events of the sample session, in file order, with fixed times. ``texts`` replaces
    the first titles and texts; ``revised`` the texts of the two revisions of idea #5 (and
    idea #3's one); ``prompt`` what the person asked for ideas #1, #2, #5 and #6. Idea #3 is
    a follow-up ("variations") of idea #1; #4 came from a prompt with the topic alone."""
    texts = texts or FIRST_TEXTS
    edit_1, edit_2 = revised or (
        "Mark quiet zones with carpet and clear signs.",
        "Mark quiet zones with carpet, plants and clear signs.",
    )
    ollama = {"model": "llama3.2", "backend": "ollama", "technique": "scamper"}
    events: list[Event] = [
        SessionCreated(
            seq=1,
            at=T0,
            session_id=SESSION_ID,
            topic=topic,
            technique="scamper",
            model="llama3.2",
            human_first=True,
        ),
        PromptSent(seq=2, at=at(1), prompt_id="p1", prompt=prompt, **ollama),
        PromptSent(
            seq=3,
            at=at(2),
            prompt_id="p2",
            prompt="",
            model="smollm2-135m",
            backend="embedded",
            technique="reverse",
        ),
    ]

    def drafted(idea: int, prompt: str = "p1", **extra: Any) -> IdeaDrafted:
        title, text = texts[idea]
        options = ollama if prompt == "p1" else {}
        return IdeaDrafted(
            idea=idea, at=at(5), prompt_id=prompt, title=title, text=text, **{**options, **extra}
        )

    events += [
        drafted(1),
        drafted(2, incomplete=True),
        PromptSent(
            at=at(3),
            prompt_id="p3",
            prompt="variations #1: Variations",
            parent_idea=1,
            follow_up="variations",
            **ollama,
        ),
        drafted(3, "p3", **ollama),
        drafted(4, "p2", model="smollm2-135m", backend="embedded", technique="reverse"),
        drafted(5),
        drafted(6),
        IdeaAdded(idea=7, at=at(60), title=texts[7][0], text=texts[7][1]),
        IdeaAdded(idea=8, at=at(61), title=texts[8][0], text=texts[8][1]),
        drafted(9, hidden=True),
        IdeaStatusChanged(idea=4, at=at(70), status=Status.ACCEPTED),
        IdeaRevised(idea=5, at=at(95), text=edit_1),
        IdeaRevised(idea=5, at=at(125), text=edit_2, title="Quiet zones with signs"),
        IdeaStatusChanged(idea=5, at=at(130), status=Status.ACCEPTED),
        IdeaStatusChanged(idea=6, at=at(140), status=Status.REJECTED),
        IdeaStatusChanged(idea=8, at=at(150), status=Status.REJECTED),
        IdeaRevised(idea=3, at=at(160), text=f"{texts[3][1]} In the lobby."),
    ]
    for seq, event in enumerate(events, start=1):
        event.seq = seq
    return events


def sample_session(**kwargs: Any) -> Session:
    return replay(session_events(**kwargs))


def hostile_session(text: str, title: str | None = None, topic: str = TOPIC) -> Session:
    """Every idea's title and text (and the revisions) replaced by hostile ones."""
    texts = {i: (f"{title or text} {i}", f"{text}\n{i}") for i in FIRST_TEXTS}
    return sample_session(
        topic=topic, texts=texts, revised=(f"{text} edited", f"edited {text}"), prompt=text
    )


OPTIONS: dict[str, ExportOptions] = {
    "default": ExportOptions(exported_at=EXPORTED),
    "accepted_only": ExportOptions(include_drafts=False, exported_at=EXPORTED),
    "rejected_history": ExportOptions(include_rejected=True, history=True, exported_at=EXPORTED),
}

# --- reading the markdown back ----------------------------------------------------------------

MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def split_front_matter(document: str) -> tuple[dict[str, Any], str]:
    assert document.startswith("---\n")
    end = document.index("\n---\n", 3)
    front = yaml.safe_load(document[4:end])
    assert isinstance(front, dict)
    return front, document[end + len("\n---\n") :]


def inline_text(token: Token) -> str:
    """The characters a reader sees in an inline token (escapes and entities decoded)."""
    return "".join(child.content for child in token.children or [] if child.type == "text")


def child_types(token: Token) -> set[str]:
    return {child.type for child in token.children or []}


def sections(tokens: list[Token]) -> list[list[Token]]:
    """The tokens under each ``##`` heading (heading included)."""
    found: list[list[Token]] = []
    for token in tokens:
        if token.type == "heading_open" and token.tag == "h2":
            found.append([])
        if found:
            found[-1].append(token)
    return found


def paragraphs(tokens: list[Token], in_quote: bool = False) -> list[Token]:
    """Inline tokens of paragraphs, inside blockquotes or outside them."""
    depth = 0
    found = []
    for token in tokens:
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type == "inline" and (depth > 0) == in_quote and token.level > 0:
            found.append(token)
    return found


def expected_lines(text: str) -> list[str]:
    """How the text of an idea must read after rendering: each line, control characters made
    visible (surrounding whitespace is not kept by markdown)."""
    lines = visible(text.replace("\r\n", "\n")).split("\n")
    return [line.strip() for line in lines if line.strip()]


def one_line(text: str) -> str:
    return " ".join(visible(text.replace("\r\n", "\n")).split())


def check_structure(document: str, session: Session, options: ExportOptions) -> list[Token]:
    """The structural promises of the markdown, whatever the ideas contain. Returns the body's
    tokens."""
    front, body = split_front_matter(document)
    assert front["session"] == session.id
    assert front["topic"] == session.topic
    lines = body.split("\n")
    assert "---" not in lines, "a line equal to --- outside the front matter"
    assert "<" not in body, "raw HTML (or an autolink) in the body"
    assert "\x1b" not in document and "\x9b" not in document

    tokens = MD.parse(body)
    types = {token.type for token in tokens}
    assert not types & {
        "html_block",
        "hr",
        "fence",
        "code_block",
        "table_open",
        "bullet_list_open",
        "ordered_list_open",
    }, types
    headings = [t for t in tokens if t.type == "heading_open"]
    assert all(t.markup.startswith("#") for t in headings), "a setext heading"
    assert [t.tag for t in headings] == ["h1"] + ["h2"] * (len(headings) - 1)
    h1 = tokens[tokens.index(headings[0]) + 1]
    assert inline_text(h1) == (one_line(session.topic) or "Brainstorm")
    for token in tokens:
        if token.type == "inline":
            assert not child_types(token) & {"html_inline", "link_open", "image"}, token.content
            for child in token.children or []:
                if child.type == "code_inline":  # the one code span: the session id
                    assert child.content == session.id

    exported = export_data(session, options)["ideas"]
    found = sections(tokens)
    assert len(found) == len(exported), "one ## section per exported idea"
    for section, data in zip(found, exported, strict=True):
        idea = session.ideas[data["id"]]
        heading = inline_text(section[1])
        title = one_line(idea.title or "")
        assert heading == (f"{idea.id}. {title}" if title else f"Idea {idea.id}")
        outside = paragraphs(section[2:])
        badge, *text, figures = outside[: len(outside) - 2 if _history_shown(data) else None]
        if data["prompt"] is not None:  # where the idea came from, right under the badge
            provenance, *text = text
            assert child_types(provenance) <= {"text"}, provenance.content
            said = inline_text(provenance)
            assert said.startswith(("From the prompt “", "From a prompt", "A follow-up: ")), said
            if data["prompt"]["text"].strip() and data["prompt"]["follow_up"] is None:
                assert said == f"From the prompt “{one_line(data['prompt']['text'])}”."
        if _history_shown(data):
            assert [inline_text(p) for p in outside[-2:]] == [
                "The model's original:",
                "Changes (removed, added):",
            ]
        assert inline_text(badge).startswith(data["badge_label"])
        assert child_types(badge) <= {"text", "strong_open", "strong_close"}
        assert [inline_text(p).strip() for p in text] == expected_lines(idea.text)
        for paragraph in text:
            assert child_types(paragraph) <= {"text"}, paragraph.content
        assert child_types(figures) <= {"text", "em_open", "em_close"}
        quoted = paragraphs(section, in_quote=True)
        if not _history_shown(data):
            assert not quoted
            continue
        assert idea.original is not None
        original = [inline_text(p).strip() for p in quoted]
        expected = expected_lines(idea.original)
        if idea.original_title and idea.original_title != idea.title:
            expected = [one_line(idea.original_title), *expected]
        assert original[: len(expected)] == expected
        check_diff(quoted[len(expected) :], idea.original, idea.text)
    return tokens


def _history_shown(data: dict[str, Any]) -> bool:
    history = data.get("history")
    return bool(
        history
        and data["author"] == "model"
        and (history["revisions"] or history["original"] != data["text"])
    )


def check_diff(quoted: list[Token], original: str, final: str) -> None:
    """The diff paragraphs show exactly the deleted words struck through, the inserted ones
    bold, and the kept ones plain."""
    ops = word_diff(original, final)
    if original == final:
        return
    seen: dict[str, list[str]] = {"equal": [], "delete": [], "insert": []}
    for paragraph in quoted:
        assert child_types(paragraph) <= {
            "text",
            "s_open",
            "s_close",
            "strong_open",
            "strong_close",
        }, paragraph.content
        tag = "equal"
        for child in paragraph.children or []:
            if child.type in ("s_open", "strong_open"):
                tag = "delete" if child.type == "s_open" else "insert"
            elif child.type in ("s_close", "strong_close"):
                tag = "equal"
            else:
                seen[tag] += child.content.split()
    for tag in seen:
        words = [
            w for t, text in ops if t == tag for w in visible(text.replace("\r\n", "\n")).split()
        ]
        assert seen[tag] == words, tag


# --- golden files -----------------------------------------------------------------------------


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with BRAINSTORM_REGENERATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from the golden file; if the change is intended, regenerate"
        " (see the top of this file) and review the diff"
    )


@pytest.mark.parametrize("name", OPTIONS)
def test_golden_markdown(name: str) -> None:
    session = sample_session()
    document = export_markdown(session, OPTIONS[name])
    check_golden(f"export_{name}.md", document)
    check_structure(document, session, OPTIONS[name])


def test_golden_json() -> None:
    check_golden("export_default.json", export_json(sample_session(), OPTIONS["default"]))


HOSTILE_TEXT = "\n".join(
    [
        "---",
        "title: pwned",
        "---",
        "# Heading",
        "Setext",
        "===",
        "<script>alert(1)</script>",
        "<!-- unclosed comment",
        "```",
        "~~~python",
        "    indented code",
        "- item",
        "1. one",
        "> quote",
        "| a | b |",
        "|---|---|",
        "[link](http://example.com) ![img](x.png) [[wiki]] [^1]",
        "[ref]: http://evil.example",
        "**bold** _em_ `code` ~~struck~~ ==hl== %%hidden%% $x$ #tag ^block &amp; \\",
        "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b2J",
        "crlf\r\nlone\rcr",
    ]
)
HOSTILE_TITLE = "# Title <b>bold</b> `tick ---\n==="


def test_golden_hostile() -> None:
    session = hostile_session(HOSTILE_TEXT, HOSTILE_TITLE, topic='Topic: "---"\n# <script>')
    options = OPTIONS["rejected_history"]
    document = export_markdown(session, options)
    check_golden("export_hostile.md", document)
    check_structure(document, session, options)


# --- front matter -----------------------------------------------------------------------------


def test_front_matter_reads_back() -> None:
    session = sample_session()
    front, _ = split_front_matter(export_markdown(session, OPTIONS["default"]))
    figures = session_metrics(session)
    assert front["brainstorm_export"] == 1
    assert front["session"] == SESSION_ID
    assert front["topic"] == TOPIC
    assert front["techniques"] == ["scamper", "reverse"]
    assert front["models"] == ["llama3.2", "smollm2-135m"]
    assert front["backends"] == ["ollama", "embedded"]
    assert front["human_first"] is True
    assert front["created"] == "2025-03-01T09:00:00Z"
    assert front["updated"] == "2025-03-01T09:02:40Z"
    assert front["exported"] == "2025-03-02T16:30:00Z"
    assert front["included"] == {"drafts": True, "rejected": False, "history": False}
    # Accepted counts the model's ideas only; the two ideas people wrote are theirs.
    assert front["counts"] == {
        "ideas": 9,
        "draft": 4,
        "accepted": 2,
        "rejected": 1,
        "yours": 2,
        "accepted_as_is": 1,
        "accepted_after_edits": 1,
        "written_by_person": 1,
        "incomplete": 1,
        "hidden": 1,
        "exported": 6,
    }
    assert front["left_out"] == {"draft": 0, "rejected": 2, "hidden": 1}
    for key, value in figures.model_dump(exclude={"ideas", "by_status", "by_author"}).items():
        expected = round(value, 4) if isinstance(value, float) else value
        assert front["revision"][key] == expected, key
    assert set(front["revision"]) == set(figures.model_dump()) - {"ideas", "by_status", "by_author"}


HOSTILE_TOPICS = [
    "Quotes \"double\" and 'single'",
    "colon: value, key: other",
    "first line\nsecond line\n---\nthird",
    "---",
    "...",
    "- a list?\n- yes",
    "# not a comment & *star* <script>alert(1)</script>",
    "tab\there, back\\slash, trailing space ",
    " leading space, {flow: map}, [flow, list], !tag, &anchor, *alias, |, >",
    "control \x1b[2J\x00\x07 and \x85 NEL, \u2028 LS, \u2029 PS, \ufeff BOM, \x7f DEL",
    "unicode: é 中文 🎉 \U0001d11e",
    "null",
    "yes",
    "0x1F",
    "2025-03-01",
    "\ufffe\uffff",
]


@pytest.mark.parametrize("topic", HOSTILE_TOPICS)
def test_front_matter_survives_hostile_topics(topic: str) -> None:
    session = sample_session(topic=topic)
    document = export_markdown(session, OPTIONS["default"])
    front, _ = split_front_matter(document)
    assert front["topic"] == topic
    assert front["counts"]["ideas"] == 9
    check_structure(document, session, OPTIONS["default"])


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_yaml_strings_read_back_exactly(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_string(value)}") == {"key": value}
    assert "\n" not in yaml_string(value)


# --- hostile text -----------------------------------------------------------------------------

HOSTILE_TEXTS = [
    "---\ntopic: pwned\nsession: other\n---",
    "---",
    "...",
    "# H1\n## H2\n###### H6\n#hashtag",
    "Setext title\n===\nAnother\n---",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!-- never closed",
    "<div>\n\n*block html*\n\n</div>",
    "```\ncode\n```",
    "````\n```\nnested fence\n```\n````",
    "~~~\ntilde fence",
    "`` ` `` and ```inline```",
    "\x1b[31mred\x1b[0m \x1b]0;evil title\x07 bell\x07 \x9b31m",
    "- one\n+ two\n* three\n1. four\n2) five\n> quote\n>> nested",
    "    four spaces\n\ttab\n        eight",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "[x](javascript:alert(1)) <http://example.com> ![i](x) [[Note]] ![[Embed]]",
    "[ref]: http://evil.example\n[^note]: footnote",
    "***\n___\n- - -\n* * *",
    "**bold** *em* _em_ ~~del~~ ==mark== %%comment%% $math$ $$\nblock\n$$",
    "&amp; &lt;b&gt; &#60;script&#62; &copy;",
    "trailing backslash \\\ntrailing spaces  \nend",
    "windows\r\nline\r\nends and a lone \r carriage return",
    "\u2028line separator\u2029paragraph separator\x85NEL",
    "emoji 🎉 and 中文 and e\u0301",
    "",
    "   ",
]


@pytest.mark.parametrize("history", [False, True])
@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_texts_keep_the_structure(text: str, history: bool) -> None:
    session = hostile_session(text, title=text)
    options = ExportOptions(include_rejected=True, history=history, exported_at=EXPORTED)
    check_structure(export_markdown(session, options), session, options)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(), title=st.text(max_size=30), topic=st.text(min_size=1))
def test_any_text_stays_text(text: str, title: str, topic: str) -> None:
    session = hostile_session(text, title=title, topic=topic)
    options = ExportOptions(include_rejected=True, history=True, exported_at=EXPORTED)
    check_structure(export_markdown(session, options), session, options)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b", "*", "~~", "`", "#", "\n", " ", "-", "<x>", "\\", "("])
    ).map("".join),
    st.lists(
        st.sampled_from(
            ["a", "c", "*", "_", "**", "\n", " ", "1.", "|", "\t", "\xa0", "\u3000", ")"]
        )
    ).map("".join),
)
@example("x", "\u00a0y\u00a0")  # a mark next to a no-break space would not be a mark
@example("a", "a (*b*) \\")
def test_word_diff_marks_always_render(original: str, final: str) -> None:
    lines = diff_block(word_diff(original, final), "> ")
    tokens = MD.parse("\n".join(lines))
    assert {t.type for t in tokens} <= {
        "blockquote_open",
        "blockquote_close",
        "paragraph_open",
        "paragraph_close",
        "inline",
    }
    check_diff(paragraphs(tokens, in_quote=True), original, final)


# --- what is exported -------------------------------------------------------------------------


def exported_ids(session: Session, options: ExportOptions) -> list[int]:
    return [idea["id"] for idea in export_data(session, options)["ideas"]]


def test_default_has_drafts_with_their_badge_but_not_rejected_or_hidden() -> None:
    session = sample_session()
    assert exported_ids(session, OPTIONS["default"]) == [1, 2, 3, 4, 5, 7]
    document = export_markdown(session, OPTIONS["default"])
    tokens = MD.parse(split_front_matter(document)[1])
    badges = [inline_text(paragraphs(s[2:])[0]) for s in sections(tokens)]
    assert [b.split(" · ")[0] for b in badges] == [
        "DRAFT — not reviewed",
        "DRAFT — not reviewed",
        "DRAFT — edited, not accepted",
        "ACCEPTED as-is",
        "ACCEPTED after edits",
        "WRITTEN BY A PERSON",
    ]
    assert "INCOMPLETE: the model's reply was cut off" in badges[1]
    assert "Left out: 2 rejected ideas, 1 hidden model idea (not yet revealed)." in document
    assert "A draft still hidden" not in document


def test_accepted_only_excludes_every_draft() -> None:
    session = sample_session()
    options = OPTIONS["accepted_only"]
    assert exported_ids(session, options) == [4, 5, 7]
    data = export_data(session, options)
    assert {idea["status"] for idea in data["ideas"]} == {"accepted"}
    assert data["left_out"] == {"draft": 3, "rejected": 2, "hidden": 1}
    document = export_markdown(session, options)
    _, body = split_front_matter(document)
    assert "DRAFT" not in body
    for idea_id in (1, 2, 3, 6, 8, 9):
        assert FIRST_TEXTS[idea_id][1].split("\n")[0] not in document
    assert session.ideas[3].text not in document  # an edited draft is still a draft


def test_include_rejected_adds_rejected_ideas_with_their_badge() -> None:
    session = sample_session()
    options = ExportOptions(include_rejected=True, exported_at=EXPORTED)
    assert exported_ids(session, options) == [1, 2, 3, 4, 5, 6, 7, 8]
    labels = {idea["id"]: idea["badge_label"] for idea in export_data(session, options)["ideas"]}
    assert labels[6] == "REJECTED"
    assert labels[8] == "REJECTED — written by a person"


def test_badges_agree_with_the_status_words_everywhere() -> None:
    session = sample_session()
    for idea in session.ideas.values():
        assert badge_kind(idea) == KIND_OF[idea.id]
        label = badge_label(idea)
        if idea.author is Author.HUMAN and idea.status is Status.ACCEPTED:
            assert status_label(idea) == "YOURS" and label == "WRITTEN BY A PERSON"
        else:
            assert label.startswith(STATUS_WORDS[idea.status])
            if idea.author is Author.MODEL:  # the same words as the TUI and the CLI
                assert label.startswith(status_label(idea).split(" (")[0])


def test_history_follows_each_edited_idea() -> None:
    session = sample_session()
    document = export_markdown(session, OPTIONS["rejected_history"])
    tokens = MD.parse(split_front_matter(document)[1])
    with_history = [
        int(inline_text(s[1]).split(".")[0])
        for s in sections(tokens)
        if paragraphs(s, in_quote=True)
    ]
    assert with_history == [3, 5]  # the edited ones; never a person's own idea
    assert "> Mark quiet zones with signs and soft carpet." in document
    assert "> **Quiet zones**" in document  # the model's title, since it was changed
    assert "~~soft~~" in document or "~~signs~~" in document
    assert "**plants**" in document or "**carpet, plants**" in document


def test_no_ideas_still_makes_a_document() -> None:
    session = replay(session_events()[:1])
    document = export_markdown(session, OPTIONS["default"])
    front, body = split_front_matter(document)
    assert front["counts"]["ideas"] == 0
    assert front["revision"]["word_edit_rate"] is None
    assert "*No ideas to export.*" in body


# --- JSON -------------------------------------------------------------------------------------


def test_json_round_trips_the_same_content() -> None:
    session = hostile_session(HOSTILE_TEXT, HOSTILE_TITLE, topic=HOSTILE_TOPICS[9])
    options = ExportOptions(include_rejected=True, history=True, exported_at=EXPORTED)
    text = export_session(session, ExportOptions(**{**vars(options), "format": "json"}))
    data = json.loads(text)
    assert data == export_data(session, options)
    assert "\x1b" not in text and "\x85" not in text and "\u2028" not in text
    assert data["session"]["topic"] == session.topic
    assert data["revision"] == session_metrics(session).model_dump(mode="json")
    front, _ = split_front_matter(export_markdown(session, options))
    assert data["counts"] == front["counts"]
    assert data["left_out"] == front["left_out"]
    assert [i["id"] for i in data["ideas"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    for item in data["ideas"]:
        idea = session.ideas[item["id"]]
        assert item["text"] == idea.text  # verbatim: JSON escaping is enough
        assert item["title"] == idea.title
        assert item["status"] == idea.status.value
        assert item["badge"] == badge_kind(idea)
        assert item["badge_label"] == badge_label(idea)
        assert item["metrics"] == idea_metrics(idea).model_dump(mode="json")
        history = item["history"]
        assert history["original"] == idea.original
        assert [r["text"] for r in history["revisions"]] == [r.text for r in idea.revisions]
        if idea.original is not None:
            diff = history["diff"]
            assert "".join(d["text"] for d in diff if d["op"] != "delete").split() == (
                idea.text.split()
            )


def test_json_without_history_has_no_history() -> None:
    data = export_data(sample_session(), OPTIONS["default"])
    assert all("history" not in idea for idea in data["ideas"])


# --- writing files ----------------------------------------------------------------------------


def no_temp_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_write_creates_and_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "notes.md"
    assert write_export(target, "first\n") == target
    assert target.read_text() == "first\n"
    assert stat.S_IMODE(target.stat().st_mode) & 0o644 == 0o644  # not mkstemp's 0600
    with pytest.raises(ExportExists, match="already exists"):
        write_export(target, "second\n")
    assert target.read_text() == "first\n"
    target.chmod(0o640)
    write_export(target, "third\n", force=True)
    assert target.read_text() == "third\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file's mode is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_the_exists_error_carries_the_path_and_names_no_front_ends_flag(tmp_path: Path) -> None:
    """The CLI words the hint with its flag; the app reads the same error and has no flags."""
    target = tmp_path / "notes.md"
    target.write_text("mine\n")
    with pytest.raises(ExportExists) as caught:
        write_export(target, "ours\n")
    assert caught.value.path == target
    assert str(caught.value) == f"{target} already exists"


@pytest.mark.parametrize("force", [False, True])
def test_a_failure_mid_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, force: bool
) -> None:
    target = tmp_path / "notes.md"
    if force:
        target.write_text("old\n")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(ExportError, match="No space left"):
        write_export(target, "new " * 10_000, force=force)
    assert target.read_text() == "old\n" if force else not target.exists()
    assert no_temp_files(tmp_path)


def test_a_failed_rename_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "notes.md"
    target.write_text("old\n")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ExportError, match="Permission denied"):
        write_export(target, "new\n", force=True)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_a_file_appearing_during_the_write_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The no-clobber check happens again at the rename itself (a hard link)."""
    target = tmp_path / "notes.md"
    real_fsync = os.fsync

    def someone_else_writes(fd: int) -> None:
        if not target.exists():
            target.write_text("theirs\n")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", someone_else_writes)
    with pytest.raises(ExportExists):
        write_export(target, "ours\n")
    assert target.read_text() == "theirs\n"
    assert no_temp_files(tmp_path)


def test_write_refuses_directories_and_missing_folders(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="is a directory"):
        write_export(tmp_path, "x")
    with pytest.raises(ExportError, match="no directory"):
        write_export(tmp_path / "missing" / "notes.md", "x")


def test_save_export_picks_a_free_name(tmp_path: Path) -> None:
    session = sample_session()
    (tmp_path / f"{SESSION_ID}.md").write_text("mine\n")
    assert default_export_path(session, tmp_path) == tmp_path / f"{SESSION_ID}-2.md"
    first = save_export(session, OPTIONS["default"], tmp_path)
    second = save_export(session, OPTIONS["default"], tmp_path)
    assert (first.name, second.name) == (f"{SESSION_ID}-2.md", f"{SESSION_ID}-3.md")
    assert first.is_absolute()
    assert (tmp_path / f"{SESSION_ID}.md").read_text() == "mine\n"
    assert first.read_text() == export_markdown(session, OPTIONS["default"])


# --- the installed command --------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """The installed `brainstorm` with the sample session on disk; runs in tmp_path/out."""
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    events = session_events(texts={**FIRST_TEXTS, 1: ("Booths", HOSTILE_TEXT)})
    (sessions / f"{SESSION_ID}.jsonl").write_text(
        "".join(event_to_json(e) + "\n" for e in events), encoding="utf-8"
    )
    out = tmp_path / "out"
    out.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSTORM_", "OLLAMA_"))}
    env = clean | {
        "BRAINSTORM_SESSIONS_DIR": str(sessions),
        "BRAINSTORM_CONFIG": str(tmp_path / "no-config.toml"),
        "OLLAMA_HOST": "http://127.0.0.1:9",  # export never needs the model
        "NO_COLOR": "1",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [BRAINSTORM, *args],
            env=env,
            cwd=out,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    yield run, out


def test_cli_exports_markdown_to_stdout(cli: tuple[Any, Path]) -> None:
    run, out = cli
    result = run("export", "quieter")  # a unique prefix is enough
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    session = SessionStore(out.parent / "sessions").load(SESSION_ID).session
    check_structure(result.stdout, session, ExportOptions())
    assert "\x1b" not in result.stdout
    assert list(out.iterdir()) == []


def test_cli_writes_a_file_once_then_needs_force(cli: tuple[Any, Path]) -> None:
    run, out = cli
    result = run("export", SESSION_ID, "-o", "notes.md", "--history", "--include-rejected")
    assert result.returncode == 0, result.stderr
    assert "notes.md" in result.stderr
    assert result.stdout == ""
    first = (out / "notes.md").read_text()
    front, _ = split_front_matter(first)
    assert front["included"] == {"drafts": True, "rejected": True, "history": True}

    again = run("export", SESSION_ID, "-o", "notes.md", "--accepted-only")
    assert again.returncode == 1
    assert "notes.md already exists" in again.stderr and "--force" in again.stderr
    assert (out / "notes.md").read_text() == first

    forced = run("export", SESSION_ID, "-o", "notes.md", "--accepted-only", "--force")
    assert forced.returncode == 0, forced.stderr
    front, body = split_front_matter((out / "notes.md").read_text())
    assert front["included"]["drafts"] is False
    assert "DRAFT" not in body
    assert sorted(p.name for p in out.iterdir()) == ["notes.md"]


def test_cli_json(cli: tuple[Any, Path]) -> None:
    run, out = cli
    result = run("export", SESSION_ID, "--format", "json", "--history")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    session = SessionStore(out.parent / "sessions").load(SESSION_ID).session
    assert data["ideas"][0]["text"] == session.ideas[1].text == HOSTILE_TEXT
    assert "history" in data["ideas"][0]
    assert "\x1b" not in result.stdout

    by_suffix = run("export", SESSION_ID, "-o", "ideas.json")  # format from the file name
    assert by_suffix.returncode == 0, by_suffix.stderr
    assert json.loads((out / "ideas.json").read_text())["session"]["id"] == SESSION_ID


def test_cli_errors(cli: tuple[Any, Path]) -> None:
    run, out = cli
    both = run("export", SESSION_ID, "--accepted-only", "--include-rejected")
    assert both.returncode == 2
    assert "contradict" in both.stderr
    missing = run("export", "no-such-session")
    assert missing.returncode == 1
    assert "no-such-session" in missing.stderr
    no_dir = run("export", SESSION_ID, "-o", "missing/notes.md")
    assert no_dir.returncode == 1
    assert "no directory" in no_dir.stderr
    assert list(out.iterdir()) == []


# --- the TUI ----------------------------------------------------------------------------------


async def test_tui_export_key_writes_a_new_file_and_shows_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brainstorm.config import Settings
    from brainstorm.tui.app import BrainstormApp
    from brainstorm.tui.screens.session import SessionScreen

    store = SessionStore(tmp_path / "sessions")
    store.root.mkdir()
    store.path_for(SESSION_ID).write_text(
        "".join(event_to_json(e) + "\n" for e in session_events()), encoding="utf-8"
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{SESSION_ID}.md").write_text("an older export\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # where the app was started: nothing may land there
    settings = Settings(
        sessions_dir=store.root,
        host="http://127.0.0.1:9",
        backend="ollama",
        model="llama3.2",
        export_dir=out,  # issue 14: the export key writes to the folder a person chose
    )
    app = BrainstormApp(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_session(SESSION_ID)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        shown: list[str] = []
        monkeypatch.setattr(screen, "notify", lambda message, **_: shown.append(message))
        screen.board.focus()  # the cards
        await pilot.press("E")
        await pilot.pause()
    written = out / f"{SESSION_ID}-2.md"
    assert shown == [f"Exported to {written}"]
    assert (out / f"{SESSION_ID}.md").read_text() == "an older export\n"
    assert written.read_text().startswith("---\nbrainstorm_export: 1\n")
    front, _ = split_front_matter(written.read_text())
    assert front["included"] == {"drafts": True, "rejected": False, "history": False}
    assert list(elsewhere.iterdir()) == []


async def test_tui_export_defaults_to_an_exports_folder_beside_the_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brainstorm.config import Settings
    from brainstorm.tui.app import BrainstormApp
    from brainstorm.tui.screens.session import SessionScreen

    store = SessionStore(tmp_path / "work" / "sessions")
    store.root.mkdir(parents=True)
    store.path_for(SESSION_ID).write_text(
        "".join(event_to_json(e) + "\n" for e in session_events()), encoding="utf-8"
    )
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    monkeypatch.chdir(checkout)
    settings = Settings(sessions_dir=store.root, host="http://127.0.0.1:9", backend="ollama")
    app = BrainstormApp(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_session(SESSION_ID)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        shown: list[str] = []
        monkeypatch.setattr(screen, "notify", lambda message, **_: shown.append(message))
        screen.export_to_file(ExportOptions())
    written = tmp_path / "work" / "exports" / f"{SESSION_ID}.md"
    assert shown == [f"Exported to {written}"] and written.is_file()
    assert list(checkout.iterdir()) == []


# --- provenance ---------------------------------------------------------------------------------


def test_each_idea_says_which_prompt_produced_it_and_follow_ups_name_their_idea() -> None:
    session = sample_session()
    document = export_markdown(session, OPTIONS["rejected_history"])
    sections = document.split("\n## ")[1:]
    by_id = {int(s.split(".", 1)[0].removeprefix("Idea ")): s for s in sections}
    assert "From the prompt “for a library”." in by_id[1]
    assert "A follow-up: variations of #1 (Phone booths)." in by_id[3]
    assert "From a prompt with the session topic alone." in by_id[4]
    assert "From" not in by_id[7] and "follow-up" not in by_id[7]  # a person's own idea

    data = {i["id"]: i for i in export_data(session, OPTIONS["default"])["ideas"]}
    assert data[1]["prompt"]["text"] == "for a library" and data[1]["prompt"]["id"] == "p1"
    assert data[3]["prompt"]["follow_up"] == "variations"
    assert (data[3]["prompt"]["follows_idea"], data[3]["prompt"]["follows_idea_exported"]) == (
        1,
        True,
    )
    assert data[7]["prompt"] is None


def test_a_follow_up_of_an_idea_left_out_says_so() -> None:
    events = session_events()
    # Reject idea #1: the default export leaves it out, but its follow-up #3 stays a draft.
    events.append(
        IdeaStatusChanged(seq=len(events) + 1, at=at(200), idea=1, status=Status.REJECTED)
    )
    session = replay(events)
    document = export_markdown(session, OPTIONS["default"])
    assert "A follow-up: variations of #1 (not in this export)." in document
    data = {i["id"]: i for i in export_data(session, OPTIONS["default"])["ideas"]}
    assert data[3]["prompt"]["follows_idea_exported"] is False
    check_structure(document, session, OPTIONS["default"])
