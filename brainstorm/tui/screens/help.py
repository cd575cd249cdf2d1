"""Every key, per screen. The same actions are in the command palette (ctrl+p)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
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

[b]In a session: the prompt box[/b]
  enter         send: the reply streams in and becomes DRAFT cards as ideas complete;
                with an ensemble (s), every source answers at once, each in its own cards
  esc           while it streams: stop the reply, or every reply of an ensemble (what
                arrived is kept, INCOMPLETE)
  esc           otherwise: go to the cards (the newest reply's first card)
  /             jump to the prompt box;  tab moves between prompt and cards

[b]In a session: on a card[/b] (↑ ↓ or j k move between cards)
  e             edit (ctrl+s saves a revision; the model's original is kept)
  a             accept    x  reject    d  back to draft
  h             history: original, each revision, word diff, figures
  r             the whole reply the idea came from, as the model sent it (lines no
                idea came from are marked "none")
  f             follow-up: expand, variations or critique
  c             copy the idea's text to the clipboard

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
                near-duplicate groups, and the human-first comparison after the reveal
  shift+e       export to markdown: a new ./<session id>.md (ctrl+p: accepted only, history)
  esc           back to the session list (when nothing is streaming)

A card flagged [b]≈ #3 #7[/b] says much the same as ideas #3 and #7 (near-duplicates, by
the duplicates setting: text similarity, or Ollama embeddings; see the README).

A session open in another brainstorm window opens [b]read-only[/b]: you can read and \
copy, and ctrl+r takes it over once the other window has closed it.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label(Content("Help"), classes="dialog-title")
            with VerticalScroll(id="help-body"):
                # Our own text: the only place in the app where markup is parsed.
                yield Static(Content.from_markup(HELP_TEXT))
            yield Label(Content("esc closes"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
