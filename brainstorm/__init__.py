"""brainstorm: ideate with a local language model; every model output stays a draft."""

__version__ = "0.1.0"
