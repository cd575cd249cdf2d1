"""Fakes that speak real protocols (never mocks): see `ollama_server`."""

from tests.fakes.ollama_server import (
    BUSY_MESSAGE,
    PULL_NOT_FOUND,
    FakeModel,
    FakeOllama,
    Fault,
    RecordedRequest,
    free_port,
    schema_example,
    split_reply,
    unused_url,
)

__all__ = [
    "BUSY_MESSAGE",
    "PULL_NOT_FOUND",
    "FakeModel",
    "FakeOllama",
    "Fault",
    "RecordedRequest",
    "free_port",
    "schema_example",
    "split_reply",
    "unused_url",
]
