"""The Textual app: a thin layer over the core (store, review, generate, ideation, metrics).

Nothing below `brainstorm.tui` imports Textual; this package is the only place that does.
"""
