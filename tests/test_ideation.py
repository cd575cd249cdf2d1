"""Techniques, prompt rendering, and splitting model replies into draft ideas."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import brainstorm
from brainstorm.ideation import (
    DEFAULT_TECHNIQUE,
    FOLLOW_UPS,
    IDEAS_SCHEMA,
    STRUCTURED_INSTRUCTION,
    DraftIdea,
    IdeaStreamSplitter,
    InvalidTechnique,
    Technique,
    TechniqueError,
    UnknownTechnique,
    build_follow_up_messages,
    build_messages,
    get_technique,
    ideas_from_reply,
    load_techniques,
    parse_structured,
    split_ideas,
    split_reply,
    technique_dirs,
)
from tests.split_invariants import check_accounts_for_reply

SHIPPED = {"open", "scamper", "six-hats", "reverse", "how-might-we", "starbursting"}
REPO_PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


@pytest.fixture(autouse=True)
def _no_user_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRAINSTORM_PROMPTS_DIR", raising=False)


def D(text: str, title: str | None = None) -> DraftIdea:
    return DraftIdea(text=text, title=title)


def pending_text(splitter: IdeaStreamSplitter) -> str:
    """The text a live card shows for the idea still being written; "" when there is none."""
    return splitter.pending.text if splitter.pending else ""


def write_technique(directory: Path, name: str, **overrides: str) -> Path:
    values = {
        "name": name,
        "title": f"Title of {name}",
        "description": f"What {name} does.",
        "system": "You are a test.",
        "template": "Topic: {topic}\nExtra: {prompt}\nList ideas.",
    }
    values.update(overrides)
    path = directory / f"{name}.toml"
    path.write_text(
        "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items()),
        encoding="utf-8",
    )
    return path


# --- techniques -------------------------------------------------------------------------------


def test_shipped_techniques_load_sorted_with_open_as_default() -> None:
    techniques = load_techniques()
    assert set(techniques) == SHIPPED
    assert list(techniques) == sorted(techniques)
    assert DEFAULT_TECHNIQUE == "open"
    for name, technique in techniques.items():
        assert technique.name == name == technique.path.stem
        assert technique.path.parent == REPO_PROMPTS
        assert technique.title and "\n" not in technique.description
        assert "{topic}" in technique.template and "{prompt}" in technique.template


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_technique_renders_cleanly(name: str) -> None:
    technique = get_technique(name)
    system, user = build_messages(technique, "  Reduce food waste in a school canteen \n")
    assert (system.role, user.role) == ("system", "user")
    assert system.content == technique.system
    assert "draft" in system.content
    assert user.content.startswith("Topic: Reduce food waste in a school canteen\n")
    assert "numbered list" in user.content
    for leftover in ("{topic}", "{prompt}", "Instruction from the person", "\n\n\n"):
        assert leftover not in user.content
    assert user.content == user.content.strip()

    _, with_prompt = build_messages(technique, "Canteen", "Only ideas that cost nothing.")
    assert with_prompt.content.endswith(
        "takes priority over everything above: Only ideas that cost nothing."
    )
    assert "{prompt}" not in with_prompt.content


def test_structured_messages_ask_for_the_schema_shape() -> None:
    _, user = build_messages(get_technique("open"), "Canteen", structured=True)
    assert user.content.endswith(STRUCTURED_INSTRUCTION)
    # The shape is described, not shown by example (issue 13: small models copy examples).
    for key in ('"ideas"', '"title"', '"description"'):
        assert key in user.content


@pytest.mark.parametrize("kind", [*sorted(SHIPPED), *FOLLOW_UPS])
def test_prompts_describe_the_format_without_a_line_to_copy(kind: str) -> None:
    """Issue 13: SmolLM2 answered "Title of the idea (Substitute): What it is and why it could
    work" — the templates' example line. The format is described in words instead."""
    if kind in FOLLOW_UPS:
        _, user = build_follow_up_messages(kind, "Canteen waste", "Share table: leave food.")
    else:
        _, user = build_messages(get_technique(kind), "Canteen waste", structured=True)
    text = user.content
    assert "Like this" not in text and "Title of the" not in text
    listed = [line for line in text.splitlines() if re.match(r"\s*(?:\d+[.)]|[-*•]) ", line)]
    assert listed == []  # no list line a model could copy as its first item
    for copyable in ("short title", 'one or two sentences"', "What it is"):
        assert copyable not in text


def test_placeholders_are_filled_once_and_text_kept_literal() -> None:
    topic = "{prompt} and {topic} [bold red]x[/] \x1b[31m"
    _, user = build_messages(get_technique("open"), topic, "say {topic}")
    assert f"Topic: {topic}\n" in user.content
    assert user.content.endswith(": say {topic}")


def test_template_without_prompt_placeholder_still_gets_the_prompt(tmp_path: Path) -> None:
    write_technique(tmp_path, "plain", template="Ideas about {topic}, with {braces} kept.")
    technique = get_technique("plain", [tmp_path])
    assert technique.render("cats") == "Ideas about cats, with {braces} kept."
    assert technique.render("cats", "be brief") == (
        "Ideas about cats, with {braces} kept.\n\nbe brief"
    )


def test_empty_topic_is_refused() -> None:
    with pytest.raises(ValueError, match="topic is empty"):
        build_messages(get_technique("open"), "   ")


def test_user_dir_adds_and_overrides_techniques(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = write_technique(tmp_path, "mine")
    override = write_technique(tmp_path, "open", title="My open")
    monkeypatch.setenv("BRAINSTORM_PROMPTS_DIR", str(tmp_path))
    assert technique_dirs()[0] == tmp_path
    assert technique_dirs()[1:] == [REPO_PROMPTS]
    techniques = load_techniques()
    assert set(techniques) == SHIPPED | {"mine"}
    assert techniques["mine"].path == mine
    assert techniques["open"].path == override
    assert techniques["open"].title == "My open"
    assert techniques["scamper"].path.parent == REPO_PROMPTS
    _, user = build_messages(techniques["mine"], "dogs")
    assert user.content == "Topic: dogs\nList ideas."


def test_missing_user_dir_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRAINSTORM_PROMPTS_DIR", str(tmp_path / "nope"))
    with pytest.raises(InvalidTechnique, match="not a directory"):
        load_techniques()


GOOD = {"name": "bad", "title": "T", "description": "D", "system": "S", "template": "{topic}"}


def toml_of(values: dict[str, object]) -> str:
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (toml_of({k: v for k, v in GOOD.items() if k != "system"}), "missing key 'system'"),
        (toml_of({k: v for k, v in GOOD.items() if k != "template"}), "missing key 'template'"),
        (toml_of({**GOOD, "title": 3}), "'title' must be a non-empty string"),
        (toml_of({**GOOD, "system": "  "}), "'system' must be a non-empty string"),
        (toml_of({**GOOD, "name": "other"}), "must match the file name"),
        (toml_of({**GOOD, "template": "no topic"}), "{topic}"),
        (toml_of({**GOOD, "description": "two\nlines"}), "single line"),
        ("name = [unclosed\n", "not valid TOML"),
        (b"\xff\xfe".decode("latin-1"), "not valid TOML"),
    ],
)
def test_invalid_template_files_name_the_file_and_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "bad.toml").write_text(content, encoding="utf-8")
    with pytest.raises(InvalidTechnique) as caught:
        load_techniques([tmp_path])
    assert str(tmp_path / "bad.toml") in str(caught.value)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_unreadable_template_file(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_bytes(b'name = "\xff"\n')
    with pytest.raises(InvalidTechnique, match=r"bad\.toml: cannot be read"):
        load_techniques([tmp_path])


def test_missing_key_error_says_which_key(tmp_path: Path) -> None:
    write_technique(tmp_path, "bad")
    text = (tmp_path / "bad.toml").read_text(encoding="utf-8")
    (tmp_path / "bad.toml").write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("description")),
        encoding="utf-8",
    )
    with pytest.raises(InvalidTechnique, match=r"bad\.toml: missing key 'description'") as caught:
        load_techniques([tmp_path])
    assert caught.value.key == "description"


def test_unknown_technique_lists_the_available_names() -> None:
    with pytest.raises(UnknownTechnique) as caught:
        get_technique("brainwriting")
    message = str(caught.value)
    assert "'brainwriting'" in message
    assert "how-might-we, open, reverse, scamper, six-hats, starbursting" in message
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, TechniqueError)


def test_technique_is_frozen() -> None:
    technique = get_technique("open")
    assert isinstance(technique, Technique)
    with pytest.raises(AttributeError):
        technique.name = "x"  # type: ignore[misc]


# --- follow-ups and schema ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["expand", "variations", "critique"])
def test_follow_ups_render(kind: str) -> None:
    assert kind in FOLLOW_UPS
    idea = "Share table: a table for unopened food {topic}"
    system, user = build_follow_up_messages(kind, "Canteen waste", idea)
    assert system.role == "system" and "draft" in system.content
    assert "Brainstorm topic: Canteen waste" in user.content
    assert f"\n{idea}\n" in user.content
    for leftover in ("{prompt}", "{idea}", "Instruction from the person", "\n\n\n"):
        assert leftover not in user.content
    _, structured = build_follow_up_messages(kind, "Canteen", idea, structured=True)
    assert structured.content.endswith(STRUCTURED_INSTRUCTION)
    _, prompted = build_follow_up_messages(kind, "Canteen", idea, prompt="Keep it cheap.")
    assert prompted.content.endswith("Keep it cheap.")
    _, titled = build_follow_up_messages(kind, "Canteen", "Leave food.", title="Share table")
    assert "\nShare table: Leave food.\n" in titled.content


def test_unknown_follow_up_lists_the_kinds() -> None:
    with pytest.raises(ValueError, match="expand, variations, critique"):
        build_follow_up_messages("summarise", "t", "i")


def test_ideas_schema_is_an_object_of_titled_ideas() -> None:
    assert IDEAS_SCHEMA["type"] == "object"
    assert IDEAS_SCHEMA["required"] == ["ideas"]
    item = IDEAS_SCHEMA["properties"]["ideas"]["items"]
    assert item["properties"] == {"title": {"type": "string"}, "description": {"type": "string"}}
    json.dumps(IDEAS_SCHEMA)  # sendable as Ollama's `format`


# --- splitting plain replies ----------------------------------------------------------------------

NUMBERED_BOLD = """Here are 5 ideas to reduce food waste in a school canteen:

1. **Share Table**: Set up a table where students leave unopened food for others.
2. **Portion Choice**: Let students pick small or large portions.
3. **Compost Club** - A student club composts scraps for the school garden.
4. **Waste Audit:** Weigh what is thrown away each week and post the numbers.
5. **Menu Vote** — Students vote on next month's menu.

I hope these ideas help you get started!"""

EXPECTED_FIVE = [
    D("Set up a table where students leave unopened food for others.", "Share Table"),
    D("Let students pick small or large portions.", "Portion Choice"),
    D("A student club composts scraps for the school garden.", "Compost Club"),
    D("Weigh what is thrown away each week and post the numbers.", "Waste Audit"),
    D("Students vote on next month's menu.", "Menu Vote"),
]


def test_numbered_bold_titles_with_preamble_and_outro() -> None:
    assert split_ideas(NUMBERED_BOLD) == EXPECTED_FIVE


def test_plain_titles_and_number_styles() -> None:
    reply = (
        "1) Share table: Leave unopened food.\n"
        "(2) Portion choice — Pick a size.\n"
        "3. Compost club – Compost scraps.\n"
        "4. A whole sentence without any title, just the idea.\n"
        "10. Menu vote - Vote on menus."
    )
    assert split_ideas(reply) == [
        D("Leave unopened food.", "Share table"),
        D("Pick a size.", "Portion choice"),
        D("Compost scraps.", "Compost club"),
        D("A whole sentence without any title, just the idea."),
        D("Vote on menus.", "Menu vote"),
    ]


def test_titles_on_their_own_line_with_indented_descriptions() -> None:
    reply = """Sure! Here are some ideas:

1. **Share Table**
   Set up a table where students leave unopened food.

2. **Portion Choice**

   Let students pick portion sizes.

3. Compost Club:
   Students compost scraps
   for the garden.

Let me know if you would like more ideas!"""
    assert split_ideas(reply) == [
        D("Set up a table where students leave unopened food.", "Share Table"),
        D("Let students pick portion sizes.", "Portion Choice"),
        D("Students compost scraps\nfor the garden.", "Compost Club"),
    ]


def test_bold_numbers_and_idea_labels() -> None:
    reply = """**1. Share Table**
Leave unopened food.

**2.** Portion Choice: Pick a size.

**Idea 3: Compost Club**
Compost scraps.

4. Idea 4: Menu vote - Vote on menus."""
    assert split_ideas(reply) == [
        D("Leave unopened food.", "Share Table"),
        D("Pick a size.", "Portion Choice"),
        D("Compost scraps.", "Compost Club"),
        D("Vote on menus.", "Menu vote"),
    ]


def test_bullets_of_every_kind() -> None:
    reply = (
        "- Share table: Leave food.\n"
        "* Portion choice: Pick a size.\n"
        "• Compost club: Compost scraps.\n"
        "+ Menu vote: Vote on menus."
    )
    assert [idea.title for idea in split_ideas(reply)] == [
        "Share table",
        "Portion choice",
        "Compost club",
        "Menu vote",
    ]


def test_nested_bullets_belong_to_their_item() -> None:
    reply = """1. **Share Table**: Leave unopened food.
   - Needs a fridge
   - Ask the caretaker
     * who has keys
2. **Portion Choice**
- Small: for light eaters.
- Large: for athletes.
3. **Compost Club**: Compost scraps."""
    assert split_ideas(reply) == [
        D(
            "Leave unopened food.\n- Needs a fridge\n- Ask the caretaker\n  * who has keys",
            "Share Table",
        ),
        D("- Small: for light eaters.\n- Large: for athletes.", "Portion Choice"),
        D("Compost scraps.", "Compost Club"),
    ]


def test_bulleted_ideas_with_nested_bullets() -> None:
    reply = "- **A**: one\n  - detail\n    - deeper\n- **B**: two\n"
    assert split_ideas(reply) == [D("one\n- detail\n  - deeper", "A"), D("two", "B")]


def test_markdown_headings_one_per_idea() -> None:
    reply = """## Ideas for the canteen

### 1. Share Table
Set up a table for unopened food.

### 2. Portion Choice
Let students choose.

These should help you get started."""
    assert split_ideas(reply) == [
        D("Set up a table for unopened food.", "Share Table"),
        D("Let students choose.", "Portion Choice"),
    ]
    # When earlier ideas have several paragraphs, the last one's are kept too.
    reply = reply.replace("food.\n", "food.\n\nIt needs a fridge.\n")
    assert split_ideas(reply) == [
        D("Set up a table for unopened food.\n\nIt needs a fridge.", "Share Table"),
        D("Let students choose.\n\nThese should help you get started.", "Portion Choice"),
    ]


def test_headings_without_numbers() -> None:
    reply = "# Share Table\nA table for food.\n# Portion Choice\nPick a size.\n"
    assert split_ideas(reply) == [
        D("A table for food.", "Share Table"),
        D("Pick a size.", "Portion Choice"),
    ]


def test_section_headings_over_lists_are_dropped() -> None:
    reply = """### Substitute
1. Reusable trays (Substitute): Replace paper trays.
2. Glass cups (Substitute): Replace plastic cups.

**Combine**
3. Garden lunch (Combine): Eat in the garden.

---

### Adapt
- Buffet tags (Adapt): Borrow buffet tags."""
    assert split_ideas(reply) == [
        D("Replace paper trays.", "Reusable trays (Substitute)"),
        D("Replace plastic cups.", "Glass cups (Substitute)"),
        D("Eat in the garden.", "Garden lunch (Combine)"),
        D("Borrow buffet tags.", "Buffet tags (Adapt)"),
    ]


def test_document_title_and_intro_before_a_list_are_dropped() -> None:
    reply = "# Food waste ideas\n\nSome ideas follow.\n\n1. A: one\n2. B: two\n"
    assert split_ideas(reply) == [D("one", "A"), D("two", "B")]


def test_lead_in_between_lists_is_dropped_and_closing_remark_too() -> None:
    reply = (
        "1. A: one\n2. B: two\n\nAnd some bolder ideas:\n\n3. C: three\n4. D: four\n\n"
        "Hope this helps!"
    )
    assert split_ideas(reply) == [D("one", "A"), D("two", "B"), D("three", "C"), D("four", "D")]


def test_paragraphs_kept_when_every_item_has_them() -> None:
    reply = "1. A: one\n\nMore on A.\n\n2. B: two\n\nMore on B."
    assert split_ideas(reply) == [D("one\n\nMore on A.", "A"), D("two\n\nMore on B.", "B")]


def test_reply_without_a_list_is_one_idea() -> None:
    reply = "  Build a compost heap behind the canteen.\nStudents run it.  \n"
    assert split_ideas(reply) == [D("Build a compost heap behind the canteen.\nStudents run it.")]
    assert split_ideas("**Compost heap**: Build one.\n\nStudents run it.") == [
        D("Build one.\n\nStudents run it.", "Compost heap")
    ]
    # Only a bold title counts when there is no list: "Here is one idea:" is no title.
    assert split_ideas("Here is one idea: build a compost heap.") == [
        D("Here is one idea: build a compost heap.")
    ]


@pytest.mark.parametrize("reply", ["", "   ", "\n\n\t\n", "\r\n"])
def test_empty_reply_has_no_ideas(reply: str) -> None:
    assert split_ideas(reply) == []
    assert ideas_from_reply(reply, structured=True) == []


def test_title_only_items_keep_the_title_as_text() -> None:
    assert split_ideas("1. **Share table**\n2. Portion choice\n3.\n") == [
        D("Share table"),
        D("Portion choice"),
    ]


def test_windows_line_endings() -> None:
    assert split_ideas(NUMBERED_BOLD.replace("\n", "\r\n")) == EXPECTED_FIVE


def test_code_fences_are_not_split() -> None:
    reply = "1. Script: Run this.\n```\n# not a heading\n2. not an item\n```\n2. Next: idea."
    assert split_ideas(reply) == [
        D("Run this.\n```\n# not a heading\n2. not an item\n```", "Script"),
        D("idea.", "Next"),
    ]


def test_hostile_text_is_kept_verbatim() -> None:
    markup = "[bold red]x[/] [link=file:///etc/passwd]y[/link]"
    ansi = "\x1b[31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07"
    reply = f"1. {markup}: {ansi}\n2. **{ansi}**: {markup}\n3. {markup} \x00 \u202e"
    assert split_ideas(reply) == [
        D(ansi, markup),
        D(markup, ansi),
        D(f"{markup} \x00 \u202e"),
    ]
    assert split_ideas(ansi) == [D(ansi)]


# --- structured replies ---------------------------------------------------------------------------

IDEAS_JSON = json.dumps(
    {
        "ideas": [
            {"title": "Share table", "description": "Leave unopened food."},
            {"title": "  ", "description": "No title here."},
            {"title": "Title only", "description": ""},
            {"title": "[bold]x[/]", "description": "\x1b[31m**kept**"},
        ]
    }
)
IDEAS_PARSED = [
    D("Leave unopened food.", "Share table"),
    D("No title here."),
    D("Title only"),
    D("\x1b[31m**kept**", "[bold]x[/]"),
]


@pytest.mark.parametrize(
    "reply",
    [
        IDEAS_JSON,
        f"```json\n{IDEAS_JSON}\n```",
        f"Here are the ideas:\n```\n{IDEAS_JSON}\n```\nEnjoy!",
        f"Sure! {IDEAS_JSON} Hope that helps.",
        json.dumps(json.loads(IDEAS_JSON)["ideas"]),  # a bare list
    ],
)
def test_structured_reply_parsed(reply: str) -> None:
    assert parse_structured(reply) == IDEAS_PARSED
    assert ideas_from_reply(reply, structured=True) == IDEAS_PARSED


def test_structured_reply_cut_off_keeps_whole_ideas() -> None:
    cut = IDEAS_JSON[: IDEAS_JSON.index("Title only") + 3]
    assert parse_structured(cut) == IDEAS_PARSED[:2]


@pytest.mark.parametrize(
    "reply",
    ["", "not json", "{broken", '{"thoughts": "none"}', '{"ideas": [1, 2]}', '{"ideas": "x"}'],
)
def test_unparseable_structured_reply_is_none(reply: str) -> None:
    assert parse_structured(reply) is None


def test_structured_fallback_to_splitting() -> None:
    assert ideas_from_reply(NUMBERED_BOLD, structured=True) == EXPECTED_FIVE
    assert ideas_from_reply('{"ideas": []}', structured=True) == []
    # Without structured output asked for, JSON-looking text is plain text.
    assert ideas_from_reply(IDEAS_JSON, structured=False) == [D(IDEAS_JSON)]


# --- streaming ----------------------------------------------------------------------------------


def stream(text: str, cuts: list[int]) -> tuple[list[DraftIdea], list[list[DraftIdea]]]:
    splitter = IdeaStreamSplitter()
    batches: list[list[DraftIdea]] = []
    previous = 0
    for cut in [*sorted(cuts), len(text)]:
        batches.append(splitter.feed(text[previous:cut]))
        previous = cut
    batches.append(splitter.finish())
    return [idea for batch in batches for idea in batch], batches


# Lines built from a list marker (or none) and some content, to meet every kind of line the
# splitter tells apart, in any order.
PREFIXES = st.sampled_from(
    [
        "",
        "   ",
        "\t",
        "1. ",
        "10) ",
        "(3) ",
        "**4.** ",
        "**5. ",
        "Idea 6: ",
        "**Idea 7**: ",
        "- ",
        "* ",
        "• ",
        "  - ",
        "    1. ",
        "# ",
        "### ",
        "```",
        "~~~",
        "---",
        "* * *",
        "**",
    ]
)
CONTENTS = st.sampled_from(
    [
        "",
        "Share table: Leave food.",
        "**Title**: text",
        "**Section**",
        "Lead in:",
        "x — y",
        "Here are some ideas:",
        "Hope this helps!",
        "[bold red]x[/] \x1b[31m",
        "id",
        "I",
        "*",
    ]
)
LINES = st.tuples(PREFIXES, CONTENTS).map("".join)


@st.composite
def replies_and_cuts(draw: st.DrawFn) -> tuple[str, list[int]]:
    if draw(st.booleans()):
        lines = draw(st.lists(LINES, max_size=25))
        text = draw(st.sampled_from(["\n", "\r\n", "\n\n"])).join(lines)
        if draw(st.booleans()):
            text += "\n"
    else:
        text = draw(st.text(alphabet=st.sampled_from(list("ab1.-*# :()\n\r\t•`_")), max_size=200))
    cuts = draw(st.lists(st.integers(0, len(text)), max_size=30))
    return text, cuts


@settings(max_examples=400, deadline=None)
@given(replies_and_cuts())
def test_streaming_matches_whole_split_for_any_chunking(case: tuple[str, list[int]]) -> None:
    text, cuts = case
    ideas, _ = stream(text, cuts)
    assert ideas == split_ideas(text)


@settings(max_examples=100, deadline=None)
@given(replies_and_cuts())
def test_pending_never_fails(case: tuple[str, list[int]]) -> None:
    text, cuts = case
    splitter = IdeaStreamSplitter()
    previous = 0
    for cut in [*sorted(cuts), len(text)]:
        splitter.feed(text[previous:cut])
        pending = splitter.pending  # as a live card reads it, at any cut
        assert pending is None or isinstance(pending.text, str)
        previous = cut
    splitter.finish()
    assert splitter.pending is None


def test_stream_emits_an_idea_once_the_next_one_starts() -> None:
    splitter = IdeaStreamSplitter()
    assert splitter.feed("Here are ideas:\n") == []
    assert pending_text(splitter) == "Here are ideas:"  # would be the idea if nothing followed
    assert splitter.feed("1. **Share table**: Leave") == []
    assert pending_text(splitter) == "Leave"
    assert splitter.pending == D("Leave", "Share table")
    assert splitter.feed(" food.\n") == []
    assert pending_text(splitter) == "Leave food."
    assert splitter.feed("2") == []
    assert pending_text(splitter) == "Leave food."  # "2" may be the next item's number
    assert splitter.feed(". Por") == [D("Leave food.", "Share table")]
    assert pending_text(splitter) == "Por"
    assert splitter.feed("tion choice: Pick.\n\nHope this helps!") == []
    assert pending_text(splitter) == "Pick.\n\nHope this helps!"
    assert splitter.finish() == [D("Pick.", "Portion choice")]
    assert splitter.pending is None
    assert splitter.finish() == []
    with pytest.raises(RuntimeError):
        splitter.feed("more")


def test_stream_of_the_realistic_reply_one_character_at_a_time() -> None:
    splitter = IdeaStreamSplitter()
    seen: list[DraftIdea] = []
    for character in NUMBERED_BOLD:
        seen += splitter.feed(character)
        pending_text(splitter)  # as a live card would
    assert seen == EXPECTED_FIVE[:4]
    assert splitter.finish() == EXPECTED_FIVE[4:]


@pytest.mark.parametrize(
    "text",
    [
        "".join(
            f"{n}. **Idea {n}**: Description of idea {n}, with words.\n   More prose here.\n\n"
            for n in range(1, 1200)
        ),
        "word " * 20_000,  # one long line, no newline
        "Plain prose that is not a list at all, line after line.\n" * 1800,
    ],
    ids=["list", "one-line", "prose"],
)
def test_streaming_100kb_one_character_at_a_time_is_linear(text: str) -> None:
    text = text[:100_000]
    splitter = IdeaStreamSplitter()
    started = time.perf_counter()
    ideas: list[DraftIdea] = []
    for character in text:
        ideas += splitter.feed(character)
    ideas += splitter.finish()
    elapsed = time.perf_counter() - started
    assert ideas == split_ideas(text)
    # About 0.1 s here; re-splitting the buffer on each character would take minutes.
    assert elapsed < 3.0


def test_installed_package_finds_its_bundled_prompts(tmp_path: Path) -> None:
    """In a wheel, prompts/ is installed as brainstorm/_prompts (see pyproject.toml), and the
    code that finds it sits in a subpackage (brainstorm/ideation/)."""
    site = tmp_path / "site-packages"
    shutil.copytree(
        Path(brainstorm.__file__).parent,
        site / "brainstorm",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(REPO_PROMPTS, site / "brainstorm" / "_prompts")
    # Another distribution's top-level prompts/ (there is no pyproject.toml in site-packages)
    # must not be taken for a source checkout's.
    (site / "prompts").mkdir()
    code = (
        "import brainstorm.ideation as i; "
        "print(i.technique_dirs()[0], len(i.load_techniques()), i.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=site,
        env={**os.environ, "PYTHONPATH": str(site)},
    )
    found, count, module = result.stdout.split()
    assert Path(module).resolve().is_relative_to(site.resolve())  # the copy, not the checkout
    assert Path(found) == (site / "brainstorm" / "_prompts").resolve()
    assert count == str(len(SHIPPED))


def test_module_imports_neither_textual_nor_ollama() -> None:
    code = (
        "import sys, brainstorm.ideation; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'ollama')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


# --- nothing lost: every part of a reply is in an idea or reported as not one ----------------


@settings(max_examples=400, deadline=None)
@given(replies_and_cuts())
def test_ideas_and_non_ideas_account_for_the_whole_reply(case: tuple[str, list[int]]) -> None:
    text, cuts = case
    whole = split_reply(text)
    check_accounts_for_reply(whole)
    splitter = IdeaStreamSplitter()
    previous = 0
    for cut in [*sorted(cuts), len(text)]:
        splitter.feed(text[previous:cut])
        previous = cut
    splitter.finish()
    assert splitter.spans == whole.spans  # streaming reports the same spans as a whole read


# --- issue 13: lines a reader would not call ideas, and several items on one line -------------


def test_topic_lines_are_neither_ideas_nor_glued_on() -> None:
    split = split_reply("Topic: Canteen waste\n1. A: one\nTopic: Canteen waste\n2. B: two\n")
    assert split.ideas == [D("one", "A"), D("two", "B")]
    assert [u.strip() for u in split.unassigned()] == ["Topic: Canteen waste"] * 2


def test_title_lines_start_an_idea_and_a_bare_label_is_none() -> None:
    reply = "1. A: one\nTitle: Share table\nA table for unopened food.\nTitle:\n"
    split = split_reply(reply)
    assert split.ideas == [D("one", "A"), D("A table for unopened food.", "Share table")]
    assert [u.strip() for u in split.unassigned()] == ["Title:"]
    assert split_ideas("**Title:** Menu vote\nStudents vote.") == [D("Students vote.", "Menu vote")]
    assert split_ideas("1. Title: Menu vote\nStudents vote.") == [D("Students vote.", "Menu vote")]


def test_a_lead_in_line_before_an_item_is_not_glued_on() -> None:
    split = split_reply("Here's a numbered list:\n1. A: one\nAnd bolder ones:\n2. B: two\n")
    assert split.ideas == [D("one", "A"), D("two", "B")]
    assert [u.strip() for u in split.unassigned()] == [
        "Here's a numbered list:",
        "And bolder ones:",
    ]


def test_several_numbered_items_on_one_line_are_one_card_each() -> None:
    assert split_ideas("Ideas: 1) share table 2) small plates 3) menu vote") == [
        D("share table"),
        D("small plates"),
        D("menu vote"),
    ]
    assert split_ideas("1. Share table.\n2. Small plates. 3. Menu vote. 4. Compost.") == [
        D("Share table."),
        D("Small plates."),
        D("Menu vote."),
        D("Compost."),
    ]
    # A number in a sentence is no item: it must continue the list, after a sentence's end.
    assert split_ideas("1. Serve portions of size 2. Then weigh.\n2. Vote.") == [
        D("Serve portions of size 2. Then weigh."),
        D("Vote."),
    ]


def test_closing_remark_without_a_blank_line_and_sections_after_numbered_headings() -> None:
    split = split_reply("1. A: one\n2. B: two\nI hope these ideas help!")
    assert split.ideas == [D("one", "A"), D("two", "B")]
    assert split.unassigned() == ["I hope these ideas help!"]
    split = split_reply("### 1. A\none\n### 2. B\ntwo\n### Next steps\nStart small.")
    assert split.ideas == [D("one", "A"), D("two", "B")]
    assert split.unassigned() == ["### Next steps\nStart small."]


def test_stray_star_before_a_number_and_dashes_inside_brackets() -> None:
    assert split_ideas("1. One.\n*2. Two.\n3. Tips (4 ideas - 50 points)") == [
        D("One."),
        D("Two."),
        D("Tips (4 ideas - 50 points)"),
    ]


def test_an_opening_remark_before_a_single_idea_is_not_part_of_it() -> None:
    split = split_reply("Let's start!\n\nA compost heap run by the students.")
    assert split.ideas == [D("A compost heap run by the students.")]
    assert [u.strip() for u in split.unassigned()] == ["Let's start!"]
