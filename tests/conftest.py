"""Shared fixtures: small labelled data of the project's own, and a small model trained on it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from boilerkit.io import read_labelled
from boilerkit.model import train

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
EXAMPLES = DATA / "examples"
SAMPLE = DATA / "sample.jsonl.gz"


def read_in_background(fifo) -> tuple[threading.Thread, list[bytes]]:
    """A thread reading ``fifo`` to its end (a writer blocks until a reader opens it)."""
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, received


@pytest.fixture(scope="session")
def sample_docs() -> list[dict]:
    return read_labelled([SAMPLE])


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory) -> Path:
    """A quickly trained model (few boosting rounds) saved to disk, for contract tests."""
    from boilerkit.model import save_model

    model = train([SAMPLE], max_iter=20)
    return save_model(model, tmp_path_factory.mktemp("model") / "small.joblib")


@pytest.fixture(scope="session")
def small_model(small_model_path):
    from boilerkit.model import load_model

    return load_model(small_model_path)
