"""boilerkit: remove boilerplate from plain-text web page dumps, line by line.

>>> import boilerkit
>>> model = boilerkit.load_model()          # the bundled default model
>>> model.clean(text)                        # the content lines of a dump, as one string
>>> model.predict(lines), model.predict_proba(lines)   # one document's lines
"""

__version__ = "0.1.0"

from .model import BoilerplateModel, ModelError, load_model, save_model, train  # noqa: E402

__all__ = ["BoilerplateModel", "ModelError", "load_model", "save_model", "train", "__version__"]
