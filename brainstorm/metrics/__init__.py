"""Revision metrics: how much people revised what the model suggested.

Pure functions over `Idea` / `Session` state (no I/O, no UI). The definitions are the ones in
DESIGN.md ("Revision metrics"); for one idea, ``original`` is the model's text and ``final`` its
current text, and *words* are whitespace tokens (``str.split()``):

- ``word_edit_rate`` = word-level Levenshtein distance(original, final) / final words — HTER
  without shifts. An empty final counts 1.0 when the original had words, 0.0 when neither had.
  It is *not* capped at 1: deleting most of a long draft costs one edit per deleted word, so the
  true bound is ``max(original words, final words) / final words``.
- ``char_edit_rate`` = character Levenshtein distance / max(len(original), len(final)), i.e.
  RapidFuzz's ``Levenshtein.normalized_distance``: 0 identical … 1 nothing in common.
- ``model_retention`` = kept words / original words, where kept words = the longest common
  subsequence of the two word lists (the model's words that survive, in order).
- ``model_share`` = kept words / final words (the rest of the final text is the person's).
  Both give 1.0 when the text they divide by has no words and the other has none either (an
  untouched empty draft), and 0.0 when only the other has words.

Titles belong to the idea: every figure measures an idea's title and text together
(`idea.measured_text`: the title, a line break, the text), so a person retitling the model's
idea has revised it, and the words of a new title count as edits like any others.
``title_changed`` also says plainly whether the title is no longer the model's.

Human-authored ideas have no model original: their rates are ``None`` and they are counted
apart. Session figures (`session.aggregate`) are ratios of totals, i.e. means of the per-idea
figures weighted by each figure's own denominator (see `SessionMetrics`).

The pieces: `metrics.text` (the figures of one original/final pair), `metrics.idea`
(`IdeaMetrics` of one idea), `metrics.session` (`SessionMetrics` over many ideas, sessions or
groups), `metrics.diff` (the word diff UIs colour).
"""
