"""Mind-map exports (brainstorm/export/mermaid_writer.py, opml_writer.py): parsed back — OPML
with an XML parser, Mermaid by the structure of its mindmap grammar — with hostile idea texts,
DRAFTs marked, --accepted-only, hidden ideas never exported, and themes as stored."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from brainstorm import themes
from brainstorm.converge_events import ThemeLabelled
from brainstorm.events import IdeaDrafted, IdeaStatusChanged, Status
from brainstorm.export import ExportOptions, export_session
from brainstorm.export.mermaid_writer import NODE_CHARS, mermaid_text
from brainstorm.export.opml_writer import xml_attribute
from brainstorm.session_writer import SessionWriter
from brainstorm.store import SessionStore
from brainstorm.textsafe import visible
from tests.cli_support import Run, new_session

HOSTILE = [
    'He said "stop" ]) and left',
    "`backtick first, then **bold**",
    "::icon(fa fa-bomb) :::urgent",
    "%% not a comment\n%%{init: {'theme': 'dark'}}%%",
    "line one\nline two\r\nline three\ttabbed",
    "<script>alert(1)</script> &amp; &lt;b&gt; #quot; #35;",
    "\x1b[2J\x1b]0;owned\x07 terminal escapes",
    "bidi \u202eevil\u202c and zero\u200bwidth",
    "   leading spaces and ((double)) {{braces}} [[brackets]] (-cloud-) ))bang((",
    "mindmap\n  root((fake))\n    injected",
    "x" * 400,
]
EXPORTED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def draft(
    writer: SessionWriter, text: str, *, title: str | None = None, hidden: bool = False
) -> int:
    (idea_id,) = writer.allocate_idea_ids(1)
    writer.append(
        IdeaDrafted(
            idea=idea_id, text=text, title=title, model="llama3.2", backend="ollama", hidden=hidden
        )
    )
    return idea_id


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SessionWriter]:
    with SessionStore(tmp_path).create('Quieter "offices" ]) %% `now`') as w:
        for text in HOSTILE:
            draft(w, text)
        for text in ("Noise booths for calls", "Noise booths for teams", "Noise booths outside"):
            draft(w, text)
        w.append(IdeaStatusChanged(idea=1, status=Status.ACCEPTED))
        w.append(IdeaStatusChanged(idea=2, status=Status.REJECTED))
        yield w


def export(writer: SessionWriter, fmt: str, **options: bool) -> str:
    return export_session(
        writer.session,
        ExportOptions(format=fmt, exported_at=EXPORTED_AT, **options),  # type: ignore[arg-type]
    )


# --- Mermaid: the grammar's structure -----------------------------------------------------------

# A node as mindmap.jison reads it: an id (no brackets, parentheses, braces, hyphen or newline)
# and one shape around a quoted string (up to the next `"`; not starting with a backtick).
_NODE = re.compile(
    r"^(?P<indent> +)(?P<id>[^()\[\]{}\-\n\s]+)"
    r'(?P<open>\(\(|\(|\[)"(?P<text>[^"`\n][^"\n]*)"(?P<close>\)\)|\)|\])$'
)
_PAIRS = {"((": "))", "(": ")", "[": "]"}
_ENTITIES = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}


def decode(text: str) -> str:
    """What Mermaid shows for a node string: its entity codes as characters."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return chr(int(name)) if name.isdigit() else _ENTITIES[name]

    return re.sub(r"#(\w+);", one, text)


@dataclass
class Node:
    level: int
    id: str
    text: str
    children: list[Node]


def parse_mindmap(document: str) -> Node:
    """The tree a mindmap describes; fails on anything the grammar would read otherwise."""
    lines = [line for line in document.splitlines() if not re.match(r"^\s*%%", line)]
    assert lines[0] == "mindmap"
    stack: list[Node] = []
    root: Node | None = None
    seen: set[str] = set()
    for line in lines[1:]:
        match = _NODE.match(line)
        assert match, f"not a node line: {line!r}"
        assert _PAIRS[match["open"]] == match["close"]
        text = match["text"]
        assert not re.search(r"[<>&%`]", text), text  # written as entity codes
        assert not re.search(r"#(?!(quot|lt|gt|amp|\d+);)", text), text  # every # is a code
        assert match["id"] not in seen
        seen.add(match["id"])
        node = Node(len(match["indent"]), match["id"], decode(text), [])
        assert node.level % 2 == 0
        while stack and stack[-1].level >= node.level:
            stack.pop()
        if not stack:
            assert root is None, "one root only"
            root = node
        else:
            assert node.level == stack[-1].level + 2
            stack[-1].children.append(node)
        stack.append(node)
    assert root is not None
    return root


def shown(text: str) -> str:
    return " ".join(visible(text).split())


def test_mermaid_holds_every_hostile_text_as_text(writer: SessionWriter) -> None:
    themes.regroup(writer, themes.group_ideas(themes.theme_items(writer.session)), max_themes=8)
    root = parse_mindmap(export(writer, "mermaid"))
    assert root.level == 2 and root.text == shown(writer.session.topic)
    ideas = {node.id: node for theme in root.children for node in theme.children}
    assert all(node.level == 4 for node in root.children)
    assert all(node.level == 6 for node in ideas.values())
    assert "i2" not in ideas  # rejected: left out by default
    for idea_id, text in enumerate(HOSTILE, start=1):
        if idea_id == 2:
            continue
        node = ideas[f"i{idea_id}"]
        badge = "ACCEPTED as-is" if idea_id == 1 else "DRAFT — not reviewed"
        expected = shown(f"{badge}: {text}")
        if len(expected) > NODE_CHARS:
            assert node.text == expected[: NODE_CHARS - 1].rstrip() + "…"
        else:
            assert node.text == expected


def test_mermaid_marks_drafts_and_model_names(writer: SessionWriter) -> None:
    themes.regroup(writer, themes.group_ideas(themes.theme_items(writer.session)), max_themes=8)
    board = writer.session.themes
    assert board is not None
    theme = next(t for t in board.themes.values() if 12 in t.ideas)
    writer.append(ThemeLabelled(theme=theme.id, label="Booths", author="model", model="llama3.2"))
    root = parse_mindmap(export(writer, "mermaid"))
    labels = [node.text for node in root.children]
    assert "Booths (DRAFT name by the model)" in labels
    drafts = [n for t in root.children for n in t.children if n.text.startswith("DRAFT")]
    assert len(drafts) == len(HOSTILE) + 3 - 2  # all but the accepted and the rejected
    # --accepted-only: no draft at all, and no empty theme left behind.
    accepted = parse_mindmap(export(writer, "mermaid", include_drafts=False))
    leaves = [n for t in accepted.children for n in t.children]
    assert [n.id for n in leaves] == ["i1"]
    assert len(accepted.children) == 1


def test_mermaid_of_a_session_never_grouped_says_the_themes_are_not_stored(
    writer: SessionWriter,
) -> None:
    document = export(writer, "mermaid", include_rejected=True)
    assert "%% themes: grouped for this export by text, not stored" in document
    root = parse_mindmap(document)
    assert root.children[-1].text == "Rejected ideas"
    assert [n.id for n in root.children[-1].children] == ["i2"]
    assert writer.session.themes is None  # exporting stored nothing


@pytest.mark.parametrize("text", HOSTILE)
def test_mermaid_text_is_one_safe_line(text: str) -> None:
    escaped = mermaid_text(text)
    assert "\n" not in escaped and '"' not in escaped and "`" not in escaped
    assert decode(escaped) == shown(text)


# --- OPML: an XML parser ------------------------------------------------------------------------


def test_opml_parses_back_with_every_text_exact(writer: SessionWriter) -> None:
    themes.regroup(writer, themes.group_ideas(themes.theme_items(writer.session)), max_themes=8)
    root = ET.fromstring(export(writer, "opml", include_rejected=True))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == visible(writer.session.topic)
    assert root.findtext("head/dateCreated") == "Fri, 02 Jan 2026 03:04:05 +0000"
    (topic,) = root.findall("body/outline")
    assert topic.get("text") == visible(writer.session.topic)
    ideas = {o.get("ideaId"): o for theme in topic for o in theme}
    assert len(ideas) == len(HOSTILE) + 3
    for idea_id, text in enumerate(HOSTILE, start=1):
        outline = ideas[str(idea_id)]
        assert outline.get("_note") == visible(text.replace("\r\n", "\n"))
        assert outline.get("status") == writer.session.ideas[idea_id].status.value
        head = " ".join(text.split())
        assert outline.get("text") == visible(f"{_badge(outline)}: {head}")
    assert ideas["3"].get("text", "").startswith("DRAFT — not reviewed: ")
    assert ideas["2"].get("text", "").startswith("REJECTED: ")


def _badge(outline: ET.Element) -> str:
    return {
        "draft": "DRAFT — not reviewed",
        "accepted_as_is": "ACCEPTED as-is",
        "rejected": "REJECTED",
    }[outline.get("badge", "")]


def test_opml_accepted_only_and_hidden_ideas(tmp_path: Path) -> None:
    with SessionStore(tmp_path).create("t", human_first=True) as writer:
        secret = draft(writer, "the model's secret idea", hidden=True)
        mine = draft(writer, "shown idea")
        writer.append(IdeaStatusChanged(idea=mine, status=Status.ACCEPTED))
        kept = draft(writer, "a draft")
        every = export(writer, "opml")
        assert "secret" not in every and "secret" not in export(writer, "mermaid")
        ids = {o.get("ideaId") for o in ET.fromstring(every).iter("outline")}
        assert str(secret) not in ids and {str(mine), str(kept)} <= ids
        accepted = ET.fromstring(export(writer, "opml", include_drafts=False))
        assert {o.get("ideaId") for o in accepted.iter("outline")} - {None} == {str(mine)}


@pytest.mark.parametrize(
    "text", [*HOSTILE, "\ud800 lone surrogate", "\ufffe\uffff", "\x00\x0b\x0c\x7f\x9b"]
)
def test_any_text_is_a_well_formed_attribute(text: str) -> None:
    parsed = ET.fromstring(f'<a v="{xml_attribute(text)}"/>').get("v")
    assert parsed is not None and "\x1b" not in parsed
    if not re.search("[\ud800-\udfff\ufffe\uffff]", text):
        assert parsed == visible(text.replace("\r\n", "\n"))


# --- the command --------------------------------------------------------------------------------


def test_export_command_writes_mind_maps(run: Run, tmp_path: Path) -> None:
    session = new_session(run)
    for text in ("Noise booths", "Noise booths for teams", 'Moss "walls"'):
        assert run("add", session, text).returncode == 0
    assert run("themes", session).returncode == 0
    out = tmp_path / "map.opml"
    result = run("export", session, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert ET.parse(out).getroot().get("version") == "2.0"
    result = run("export", session, "--format", "mermaid")
    assert result.returncode == 0, result.stderr
    root = parse_mindmap(result.stdout)
    assert sorted(n.text for t in root.children for n in t.children) == [
        'WRITTEN BY A PERSON: Moss "walls"',
        "WRITTEN BY A PERSON: Noise booths",
        "WRITTEN BY A PERSON: Noise booths for teams",
    ]
