"""Every key, per screen. The same actions are in the command palette (ctrl+p).

The text below is written as it reads in a wide terminal (a key, then its description from
column 16). It is laid out as rows whose descriptions wrap, so at 80 columns nothing needs a
horizontal scrollbar; edit the text, not the layout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

HELP_TEXT = """\
[b]brainstorm[/b]: the model proposes, you decide. Every model idea arrives as a \
[b]DRAFT[/b] and stays one until you edit, accept or reject it. Every revision is kept.

[b]Everywhere[/b]
  ctrl+p        command palette: every action, searchable
  f1 / ?        this help
  ctrl+t        light / dark theme
  ctrl+r        retry the connection; reload a read-only session
  ctrl+q        quit

[b]Session list[/b]
  ↑ ↓, enter    choose and open a session
  n             new session (topic, technique, model, human-first or not, and for
                human-first an optional writing timer)
  r             refresh the list
  shift+r       repair an unreadable session (a new log without the bad lines; the
                original file is kept)

[b]In a session: the prompt box[/b] (it has the focus when a session opens: letters
typed there are a prompt, never a review key)
  enter         send: the reply streams in and becomes DRAFT cards as ideas complete;
                with an ensemble (s), every source answers at once, each in its own cards;
                an empty prompt sends nothing
  tab           to the cards: review keys act only there, on the highlighted card (▶)
  esc           while it streams: stop the reply, or every reply of an ensemble (what
                arrived is kept, INCOMPLETE)
  esc           otherwise: back to the session list (a prompt not sent yet is kept)

[b]In a session: on the cards[/b] (↑ ↓ or j k move the highlight; pageup / pagedown a
page; home / end the first / last card; / back to the prompt box; tab to the
figures when they are shown (↑ ↓ scroll them; tab again to the prompt box), else back
to the prompt box)
  e             edit (ctrl+s saves a revision; the model's original is kept)
  a             accept    x  reject    d  back to draft
  h             history: original, each revision, word diff, figures
  r             the whole reply the idea came from, as the model sent it (lines no
                idea came from are marked "none")
  f             follow-up: expand, variations or critique
  c             copy the idea's text to the clipboard
  u / ctrl+z    undo the last review decision (accept, reject, reopen, edit, add): a new
                event, shown in the history; again, and it walks further back

[b]In a session[/b]
  n             add your own idea
  s             ensemble: send each prompt to several models / temperatures / seeds at
                once (kept until you change it; "Single model" in the dialog or ctrl+p
                goes back); follow-ups still go to the session's model
  shift+r       human-first session: reveal the model's hidden ideas (asks first)
  t             human-first session: start / stop a writing timer (it reminds you to
                reveal when it ends; it never reveals by itself)
  shift+p       pull the session's model when Ollama does not have it
  m             show / hide the session figures: revision figures, diversity and
                near-duplicate groups, the human-first comparison after the reveal, and
                when to stop asking (distinct ideas per prompt, as a small chart)
  shift+e       export to markdown: a new <session id>.md in the export folder (config
                export_dir; the notice says where; ctrl+p: accepted only, history)
  shift+t       themes and votes: the ideas by theme, a vote key and the ranked short list
  esc           back to the session list (when nothing is streaming)

[b]Themes and votes[/b] (shift+t in a session)
  g             group the ideas into themes (stored; names people gave are kept)
  b             themes / one plain list     o  the ranked short list (and back)
  v             give the selected idea a point (your name: the voter setting, else your
                login)     shift+v  take back your points on it
  ↑ ↓ / j k     move between ideas     esc  back to the session

[b]Figures on a card[/b] (once you have edited a model idea; h and m show more)
  words changed  words you added, cut or replaced to get from the model's text to yours;
                the % counts them per word of the text now, so cutting a lot passes 100%
  model words kept  how many of the model's words are still in the text, in order

A card flagged [b]≈ #3 #7[/b] says much the same as ideas #3 and #7 (near-duplicates, by
the duplicates setting: text similarity, or Ollama embeddings; see the README).

A session open in another brainstorm window opens [b]read-only[/b]: you can read and \
copy, and ctrl+r takes it over once the other window has closed it.
"""


@dataclass
class _Block:
    """A paragraph (no key) or a key and its description, as markup."""

    key: str | None
    text: list[str] = field(default_factory=list)


def help_blocks(text: str) -> list[_Block]:
    """Paragraphs and key rows from `HELP_TEXT`'s wide-terminal layout: a row is a line
    indented two spaces (key, two or more spaces, description); a line indented further
    continues the row above; other lines are paragraphs, ended by a blank line."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for line in text.splitlines():
        if not line.strip():
            current = None
        elif line.startswith("    ") and current is not None:
            current.text.append(line.strip())
        elif line.startswith("  "):
            key, *description = re.split(r"\s{2,}", line.strip(), maxsplit=1)
            current = _Block(key, description)
            blocks.append(current)
        elif current is not None and current.key is None:
            current.text.append(line.strip())
        else:
            current = _Block(None, [line.strip()])
            blocks.append(current)
    return blocks


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label(Content("Help"), classes="dialog-title")
            with VerticalScroll(id="help-body"):
                # Our own text: the only place in the app where markup is parsed.
                for block in help_blocks(HELP_TEXT):
                    text = Content.from_markup(" ".join(block.text))
                    if block.key is None:
                        yield Static(text, classes="help-paragraph")
                    else:
                        with Horizontal(classes="help-row"):
                            yield Static(Content(block.key), classes="help-key")
                            yield Static(text, classes="help-text")
            yield Label(
                Content("esc closes · ↑ ↓ and page up / down scroll"), classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
