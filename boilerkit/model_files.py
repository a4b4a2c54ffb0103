"""Model files: where the bundled model is, the card beside every model, and checksums.

Apart from :mod:`boilerkit.model` so that the compiled model (:mod:`boilerkit.runtime`)
can find and check a model without importing scikit-learn.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
from pathlib import Path

DEFAULT_MODEL_NAME = "default.joblib"
# Bumped when a saved model's layout changes in a way older code cannot read.
MODEL_FORMAT = 1


class ModelError(RuntimeError):
    """A model that cannot be used; the message says what to do."""


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def card_path(model_path: str | os.PathLike) -> Path:
    return Path(model_path).with_suffix(".json")


def default_model_path() -> Path:
    """The bundled model: inside the installed package, or models/ of a source checkout."""
    try:
        bundled = importlib.resources.files("boilerkit.models") / DEFAULT_MODEL_NAME
        if bundled.is_file():
            return Path(str(bundled))
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL_NAME


def read_card(path: str | os.PathLike) -> dict | None:
    file = card_path(path)
    if not file.is_file():
        return None
    try:
        card = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{file}: unreadable model card: {error}") from None
    if not isinstance(card, dict):
        raise ModelError(f"{file}: unreadable model card: not a JSON object")
    return card


def check_checksum(card: dict, path: Path, bundled: bool) -> None:
    """Refuse a model file whose sha256 is not the one its card recorded when it was saved."""
    expected = card.get("model_sha256")
    if expected is None:
        if bundled:
            raise ModelError(f"{path}: the bundled model's card has no checksum: reinstall boilerkit")
        return
    if sha256_of(path) != expected:
        advice = "reinstall boilerkit" if bundled else "get it again or retrain it with `boilerkit train`"
        raise ModelError(
            f"{path}: sha256 differs from the one in {card_path(path).name}: "
            f"the file is damaged or was modified; {advice}"
        )
