"""boilerkit: remove boilerplate from plain-text web page dumps, line by line.

>>> import boilerkit
>>> model = boilerkit.load_model()          # the bundled default model
>>> model.clean(text)                        # the content lines of a dump, as one string
>>> model.predict(lines), model.predict_proba(lines)   # one document's lines
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["BoilerplateModel", "ModelError", "load_model", "save_model", "train", "__version__"]

if TYPE_CHECKING:
    from .model import BoilerplateModel, ModelError, load_model, save_model, train


def __getattr__(name: str):
    """``boilerkit.load_model`` and the rest of :mod:`boilerkit.model`'s public names, imported
    on first use: importing boilerkit (as ``boilerkit --help`` does) loads no scikit-learn."""
    if name in __all__:
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
