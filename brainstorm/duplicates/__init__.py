"""Near-duplicate ideas: which ideas of a session say the same thing, and how diverse it is.

Pure core (no UI, no model client): the CLI, the TUI and the human-first figures all call it.

**Similarity** (`brainstorm.duplicates.similarity`). Two methods, chosen by the
``duplicates`` setting:

- ``"text"`` (default; offline, deterministic, instant): each idea's text (title and text) is
  *canonicalised* — Unicode NFKC, ``str.casefold``, whitespace runs collapsed — then reduced to
  its words (runs of letters and digits; punctuation dropped) **sorted alphabetically**, and two
  ideas are compared with RapidFuzz's normalized Indel similarity (``fuzz.ratio``) of those
  sorted-word strings. That is RapidFuzz's ``token_sort_ratio`` on canonical text: 1.0 for the
  same words in any order, case, spacing or punctuation; character-level below that, so
  plurals, inflections and typos ("streetlight"/"street lights") still count as close.
  Rejected alternatives: ``token_set_ratio`` scores 1.0 whenever one idea's words are a subset
  of the other's ("Bikes" vs "Bikes for the elderly", or a short idea against any elaboration
  of it), which flags far too much in a brainstorm of short ideas; plain ``ratio`` depends on
  word order ("phone booths with noise cancelling" vs "noise-cancelling phone booths");
  ``WRatio`` mixes partial matches in and scores unrelated short texts high. On hand-made
  pairs, paraphrases score 0.83–0.94 and different ideas on the same topic 0.35–0.67
  ("Tool library"/"Seed library" 0.67, "Quiet hours every morning"/"…afternoon" 0.65),
  hence the default threshold 0.80.
- ``"embeddings"``: cosine similarity of embeddings of the canonical texts (Ollama's
  ``/api/embed``, or ``/v1/embeddings`` with the OpenAI-compatible backend), from the
  ``embedding_model`` setting (e.g. ``nomic-embed-text``). It catches
  paraphrases that share few words, but needs the server and that model, and its scale
  depends on the model: the default threshold 0.85 is a starting point; tune
  ``duplicate_threshold`` for your model. Vectors are kept by text hash
  (`brainstorm.duplicates.cache`): only texts never embedded before are sent.
- ``"auto"``: embeddings when the embedding model answers, otherwise text (with a note why).

Whatever the method, two ideas with the same words in the same order — after
canonicalisation, ignoring punctuation — have similarity exactly 1.0, so an idea is always a
near-duplicate of an identical copy, at any threshold.

**What a reader gets.** Two ideas are *near-duplicates* when their similarity reaches the
threshold. Per idea: its few nearest near-duplicates and how many it has ("≈ #3 #7 +9,993"),
never the whole list. Per session: *groups* and *distinct ideas*.

**Groups are leader groups, not chains.** Ideas are taken in id order (the order they were
written); an idea that is a near-duplicate of no earlier *leader* becomes a leader itself,
any other joins the group of its most similar earlier leader (ties: the earliest). So every
member of a group restates its leader directly, the leaders are pairwise *not*
near-duplicates, and every other idea is a near-duplicate of some leader: ``distinct`` = the
number of leaders counts ideas no two of which say the same thing. We chose this over
single-linkage union-find (the earlier version), which joins A≈B and B≈C into one group even
when A and C have nothing in common: on a session of many ideas on one topic, chains grow
into a few giant groups whose members are unrelated, so "3 distinct ideas of 10,000" and
"≈ #1 … #9,999" said nothing a reader could use. Complete-link groups (every pair alike) have
no unique answer and cost a search per change; leader groups are one pass in id order, stable
as ideas arrive (a new idea never moves an older one), and the leader is a natural name for
its group (the first time the idea came up). Nearest-neighbour flags then say what chains
would have: which other ideas an idea resembles, whatever their groups.

**Diversity.** ``distinct`` = leaders; ``distinct_share`` = distinct / ideas (1.0: no
duplicates). ``mean_pairwise_distance`` = mean of (1 − similarity) over every unordered pair of
ideas (text: 0 same … 1 nothing alike; embeddings: cosine distance, 0 … 2), kept as a running
sum of the pairs' similarities.

**Cost follows the new ideas** (`brainstorm.duplicates.index`). An idea is compared with
every other once, when it arrives or its text changes (one row, O(n)); the index — per idea
its nearest list, count, links to leaders; the pair sum — is stored beside the session
(`brainstorm.duplicates.cache`) and read back by the next command, so `show` on a session of
10,000 ideas compares only what changed since. Building an index from nothing costs what the
pairs cost (n²/2 comparisons in blocks of rows: a few seconds for 10,000 varied ideas on two
cores, ``benchmarks/bench_scale.py``); the result equals an index kept up to date idea by idea.
"""

from brainstorm.duplicates.index import NEAR_KEPT, NEAR_SHOWN, DuplicateIndex
from brainstorm.duplicates.progress import Comparing, ProgressCallback
from brainstorm.duplicates.report import DuplicateGroup, DuplicateReport, NearDuplicates
from brainstorm.duplicates.session import (
    DuplicateTracker,
    find_duplicates,
    session_duplicates,
    session_ideas,
    session_items,
)
from brainstorm.duplicates.similarity import (
    BLOCK_ROWS,
    DEFAULT_THRESHOLDS,
    Match,
    Method,
    Requested,
    Similarity,
    best_matches,
    build_similarity,
    canonical,
    idea_text,
    similarity_from_settings,
    text_key,
    text_similarity,
)

__all__ = [
    "BLOCK_ROWS",
    "DEFAULT_THRESHOLDS",
    "NEAR_KEPT",
    "NEAR_SHOWN",
    "Comparing",
    "DuplicateGroup",
    "DuplicateIndex",
    "DuplicateReport",
    "DuplicateTracker",
    "Match",
    "Method",
    "NearDuplicates",
    "ProgressCallback",
    "Requested",
    "Similarity",
    "best_matches",
    "build_similarity",
    "canonical",
    "find_duplicates",
    "idea_text",
    "session_duplicates",
    "session_ideas",
    "session_items",
    "similarity_from_settings",
    "text_key",
    "text_similarity",
]
