"""`brainstorm ask` on a terminal: each idea is printed, marked DRAFT, as soon as the model
has finished writing it, while a live line below shows the one being written.

Ideas get their numbers when the reply is stored, so the live ones are printed without one;
the closing line says which numbers they were saved as. Whatever was not printed live (the
last idea completes only when the reply ends, or a reply that was not a list) is printed at
the end, the same way. Pipes and `--json` never come here: they print once, at the end."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from brainstorm.generate import GenerationOutcome
from brainstorm.ideation import DraftIdea, IdeaStreamSplitter
from brainstorm.models import Idea
from brainstorm.sources import Source
from brainstorm.textsafe import visible

PREVIEW_CHARS = 70  # of the idea being written, on the live line


def render_draft(title: str | None, text: str, source: str) -> Text:
    """An idea just written, as `render_idea` shows a stored one but without its number (it
    has none yet)."""
    line = Text("     ")
    line.append(" DRAFT ", style="bold black on yellow")
    if title:
        line.append(" ")
        line.append(visible(title), style="bold")
    line.append("\n")
    for text_line in visible(text).splitlines() or [""]:
        line.append(f"     {text_line}\n")
    line.append(f"     by {visible(source)}", style="dim")
    return line


class LiveIdeas:
    """Feeds each source's reply to its own splitter and prints ideas as they complete.
    Use as a context manager around the generation; `on_delta` is `run_ensemble`'s."""

    def __init__(self, console: Console, labels: dict[Source, str]) -> None:
        self.console = console
        self.labels = labels
        self.splitters = {source: IdeaStreamSplitter() for source in labels}
        self.printed: dict[Source, list[DraftIdea]] = {source: [] for source in labels}
        self._spinner = Spinner("dots", style="green")
        self._live = Live(self._status(), console=console, transient=True, refresh_per_second=8)

    def __enter__(self) -> LiveIdeas:
        self._live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._live.__exit__(kind, error, trace)

    def on_delta(self, source: Source, delta: str) -> None:
        splitter = self.splitters.get(source)
        if splitter is None:
            return
        for draft in splitter.feed(delta):
            self.printed[source].append(draft)
            self._live.console.print(render_draft(draft.title, draft.text, self.labels[source]))
        self._live.update(self._status())

    def _status(self) -> Group:
        """One line per source: the idea being written, or that it is waiting."""
        lines: list[Text] = []
        for source, splitter in self.splitters.items():
            pending = splitter.pending
            label = self.labels[source] if len(self.splitters) > 1 else ""
            if pending is not None and (pending.text or pending.title):
                words = " ".join(f"{pending.title or ''} {pending.text}".split())
                preview = visible(words[-PREVIEW_CHARS:])
                what = f"writing… {preview}"
            elif self.printed[source]:
                what = "waiting for the next idea…"
            else:
                what = "waiting for the model…"
            lines.append(Text(f"{label}: {what}" if label else what, style="dim"))
        self._spinner.update(text=Text("ctrl+c stops and keeps what arrived", style="dim"))
        return Group(*lines, self._spinner)

    def rest(self, outcome: GenerationOutcome) -> list[Idea]:
        """The stored ideas of `outcome` not printed live (printed live: the same title and
        text, in order, from the start)."""
        shown = self.printed.get(outcome.source, [])
        count = 0
        for draft, idea in zip(shown, outcome.ideas, strict=False):
            if (draft.title, draft.text) != (idea.title, idea.text):
                break
            count += 1
        return outcome.ideas[count:]
