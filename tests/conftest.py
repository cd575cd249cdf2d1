"""Fixtures shared by every test module. Keep this file generic: feature-specific fixtures
belong next to the tests that use them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes import FakeOllama, unused_url


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    """A running fake Ollama server (no models until a test adds them); stopped afterwards.

    Fails the test if the fake itself raised unexpectedly, so a bug in the fake can never
    pass for a bug (or a fix) in the code under test.
    """
    with FakeOllama() as server:
        yield server
    assert not server.errors, "the fake Ollama server failed:\n" + "\n".join(server.errors)


@pytest.fixture
def dead_ollama_url() -> str:
    """`http://127.0.0.1:PORT` with nothing listening there (Ollama "not running")."""
    return unused_url()
