"""The session screen's command palette: every workspace action, reachable by name."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from brainstorm.export import ExportOptions
from brainstorm.ideation import FOLLOW_UP_TITLES
from brainstorm.rounds import drafts_hidden
from brainstorm.tui.widgets.round_bar import RoundBar

if TYPE_CHECKING:
    from brainstorm.tui.screens.session import SessionScreen


def session_commands(screen: SessionScreen) -> list[SystemCommand]:
    """The commands for the screen as it is now (the generating, read-only, human-first and
    focused-card states add or drop some)."""
    folder = f"{screen.services.settings.export_directory()}/<session>.md (config export_dir)"
    commands = [
        SystemCommand("Send prompt", "Jump to the prompt box", screen.action_focus_prompt),
        SystemCommand("Add your own idea", "Write an idea yourself", screen.action_add_idea),
        SystemCommand(
            "Show / hide session figures",
            "Revision metrics and a chart",
            screen.action_toggle_metrics,
        ),
        SystemCommand(
            "Themes and votes",
            "The ideas by theme, votes and the ranked short list (shift+t)",
            screen.action_converge,
        ),
        SystemCommand(
            "Export to markdown",
            f"All but rejected ideas, drafts marked DRAFT, into {folder}",
            screen.action_export,
        ),
        SystemCommand(
            "Export accepted ideas only",
            f"Markdown without any draft, into {folder}",
            partial(screen.export_to_file, ExportOptions(include_drafts=False)),
        ),
        SystemCommand(
            "Export with edit history",
            "Markdown plus each edited idea's original and word diff",
            partial(screen.export_to_file, ExportOptions(history=True)),
        ),
        SystemCommand("Back to the session list", "Leave this session", screen.action_leave),
        SystemCommand(
            "Reload session",
            "Retry the connection; take over a read-only session",
            screen.action_reload,
        ),
    ]
    if screen.generating:
        commands.insert(0, SystemCommand("Stop the reply", "Keep what arrived", screen.action_stop))
    if not screen.read_only:
        commands.append(
            SystemCommand(
                "Undo the last review decision",
                "Accept, reject, reopen, edit or add: reverted by a new event (u on the cards)",
                screen.action_undo,
            )
        )
        commands.append(
            SystemCommand(
                "Ensemble: models, temperatures, seeds",
                "Send each prompt to several sources at once",
                screen.action_ensemble,
            )
        )
    if screen.ensemble is not None and not screen.read_only:
        commands.append(
            SystemCommand(
                f"Single model ({screen.model})",
                "Stop the ensemble: prompts go to the session's model alone",
                screen.action_single_model,
            )
        )
    if drafts_hidden(screen.session) and not screen.read_only:
        commands.append(
            SystemCommand(
                "Reveal the model's ideas",
                "End the human-first round: show the hidden model ideas as drafts",
                screen.action_reveal,
            )
        )
        timer = screen.query_one(RoundBar).timer
        running = timer is not None and not timer.done
        commands.append(
            SystemCommand(
                "Writing timer: change or stop" if running else "Writing timer: start",
                "A countdown while you write your own ideas (it never reveals by itself)",
                screen.action_timer,
            )
        )
    state = screen.services.server.backend_state
    if state.can_pull and state.model_missing(screen.model):
        commands.append(
            SystemCommand(
                f"Pull model {screen.model}", "Download it onto Ollama", screen.action_pull_model
            )
        )
    idea_id = screen.current_card
    if idea_id is not None and idea_id in screen.session.ideas:
        verbs = [
            ("edit", "Edit", "Revise the text (a new revision; the original is kept)"),
            ("accept", "Accept", "Mark the idea accepted"),
            ("reject", "Reject", "Mark the idea rejected"),
            ("draft", "Back to draft", "Undo accept / reject"),
            ("history", "History", "Original, revisions, word diff, figures"),
            ("reply", "Show the whole reply of", "The reply as the model sent it, all of it"),
            ("copy", "Copy", "Copy the idea's text to the clipboard"),
        ]
        for action, title, about in verbs:
            commands.append(
                SystemCommand(
                    f"{title} idea #{idea_id}",
                    about,
                    partial(screen.run_card_action, idea_id, action),
                )
            )
        for kind, about in FOLLOW_UP_TITLES.items():
            commands.append(
                SystemCommand(
                    f"Follow-up on idea #{idea_id}: {kind}",
                    about,
                    partial(screen.follow_up, idea_id, kind),
                )
            )
    return commands
