"""Model files: where the bundled model is, the card beside every model, and checksums.

Apart from :mod:`boilerkit.model` so that the compiled model (:mod:`boilerkit.runtime`)
can find and check a model without importing scikit-learn.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import pickle
import zlib
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


# How the files joblib writes begin: a pickle of protocol 2 or later, or one of the
# compressions joblib offers (zlib, its default with compress=N, gzip, bz2, xz, lzma, lz4).
_JOBLIB_PREFIXES = (b"\x80", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"]\x00\x00", b"\x04\x22\x4d\x18")
# What a joblib file cut short or damaged makes the unpickler raise.
_DAMAGED_ERRORS = (EOFError, zlib.error, pickle.UnpicklingError, ValueError, OSError)


def looks_like_joblib(head: bytes) -> bool:
    """Whether ``head``, the first bytes of a file, begin as a joblib file does."""
    zlib_header = len(head) >= 2 and head[0] == 0x78 and int.from_bytes(head[:2], "big") % 31 == 0
    return zlib_header or head.startswith(_JOBLIB_PREFIXES)


def why_not_loadable(path: str | os.PathLike, error: Exception) -> str:
    """What is wrong with the model file ``path``, which joblib failed to load with ``error``:
    not a model file at all (text, an image), a damaged or cut-off one, or one whose
    classes this installation does not have (another boilerkit or scikit-learn made it)."""
    cause = f"{type(error).__name__}: {error}".rstrip(": ")
    with open(path, "rb") as stream:
        head = stream.read(512)
    if not head:
        return "not a model file: an empty file"
    if not looks_like_joblib(head):
        what = "a text file" if _is_text(head) else "neither joblib nor pickle data"
        return f"not a model file: {what} (a model is the .joblib or .skops file `boilerkit train` saves)"
    if isinstance(error, (ImportError, AttributeError)):
        return (f"not loadable ({cause}): a class it holds is missing here; was it saved by another boilerkit or "
                "scikit-learn?")
    if isinstance(error, _DAMAGED_ERRORS):
        return f"damaged or truncated model file ({cause}): get it again or retrain it with `boilerkit train`"
    return f"not a loadable boilerkit model ({cause})"


def _is_text(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, is UTF-8 text (perhaps cut inside its last character)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:
            return False
    return b"\0" not in head
