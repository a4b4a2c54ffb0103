"""The compiled model: a saved model's prediction path, without scikit-learn.

On the compiled path prediction never calls scikit-learn: the features, both passes' trees
and the neighbourhood columns are numba kernels.  Yet ``boilerkit apply`` spent most of its
start-up importing scikit-learn and unpickling the Pipeline (2.2 and 0.3 s of 5.5 s on a
2-core machine with only boilerkit installed).  A compiled model holds what the kernels read
-- the feature names, the line counts and word weights learned in ``fit``, both passes'
flat trees (:class:`boilerkit.trees.CompiledTrees`), the stacker's columns and the
threshold -- in one ``.npz`` file beside the model (``default.compiled.npz`` beside
``default.joblib``), written by :func:`boilerkit.model.save_model`, listed in the card with
its sha256, and read by numpy alone (``allow_pickle=False``: loading it runs no code).

Its probabilities are the Pipeline's, bit for bit (``tests/test_runtime.py``): the same
kernels on the same arrays, and the logistic function as scikit-learn's binary loss computes
it.  Where there is no compiled form (a model saved by an older boilerkit, a classifier the
kernels cannot walk) or the compiled path is off, :func:`load_for_apply` loads the Pipeline.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import __version__
from .conventions import check_learned, cleaning_convention, learned_conventions
from .features import compute_features
from .io import replacing
from .layout import features_of_rows, logical_rows, physical_probabilities
from .model_files import MODEL_FORMAT, ModelError, default_model_path, read_card, sha256_of
from .neighbourhood import FIRST_NEIGHBOURHOOD_NAMES, columns_named, documents_from_positions

COMPILED_SUFFIX = ".compiled.npz"
# Bumped when the arrays of a compiled model change: an older file is then not used.
COMPILED_FORMAT = 1
_TREE_ARRAYS = ("packed", "threshold", "missing_left", "value", "roots", "first_leaf_depth")


class Logistic:
    """scikit-learn's ``HalfBinomialLoss.predict_proba``: class 1 the logistic function of
    the raw score (scipy's ``expit``, computed as scipy does by
    :func:`boilerkit.trees._logistic`; importing scipy.special alone takes 0.7 s), class 0
    one minus it."""

    @staticmethod
    def predict_proba(raw: np.ndarray) -> np.ndarray:
        from .trees import _logistic

        proba = np.empty((raw.shape[0], 2), dtype=np.float64)
        proba[:, 1] = _logistic(np.ascontiguousarray(raw, dtype=np.float64))
        proba[:, 0] = 1 - proba[:, 1]
        return proba


class LineLabeller:
    """What both the Pipeline (:class:`~boilerkit.model.BoilerplateModel`) and the compiled
    model do with their ``predict_proba`` and ``threshold``."""

    def content_probability(self, X) -> np.ndarray:
        """Probability that each line is content."""
        if len(X) == 0:
            return np.zeros(0)
        return self.predict_proba(X)[:, 1]

    def label_lines(self, X, threshold: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Labels (0/1) and content probabilities of the lines in ``X``."""
        cut = self.threshold if threshold is None else threshold
        if cut != cut:  # NaN: no probability is at least it, every line would silently be clutter
            raise ValueError("threshold is NaN: give a probability, from 0 to 1")
        scores = self.content_probability(X)
        return (scores >= cut).astype(np.int8), scores

    def clean(self, text: str, threshold: float | None = None) -> str:
        """The content lines of ``text``, in order, joined by newlines."""
        from .io import split_lines

        if not isinstance(text, str):  # None would clean to "", bytes fail deep in a regex
            raise TypeError(f"expected the text of a dump as a str, got {type(text).__name__}")
        lines = split_lines(text)
        labels, _ = self.label_lines(lines, threshold)
        return "\n".join(line for line, label in zip(lines, labels) if label)


@dataclass(frozen=True, eq=False)
class CompiledModel(LineLabeller):
    """What a :class:`~boilerkit.model.BoilerplateModel` predicts with on the compiled path.

    ``predict_proba``, ``label_lines``, ``content_probability``, ``clean`` and ``threshold``
    take and give what the model's do."""

    feature_names: list[str]
    line_counts: dict[str, int]
    token_weights: np.ndarray | None
    first: object  # CompiledTrees
    second: object  # CompiledTrees
    position_column: int
    length_column: int | None
    repeat_column: int | None
    neighbourhood_names: list[str]
    threshold: float
    word_rule: str = "spaces"  # LineFeatures.word_rule
    convention: dict | None = None  # LineFeatures.convention
    shape_columns: tuple[int, ...] | None = None  # SequenceStacker.shape_columns

    def keeping(self, **convention: bool) -> CompiledModel:
        """:meth:`boilerkit.model.BoilerplateModel.keeping`."""
        check_learned(convention, self.learned_conventions())
        return replace(self, convention=cleaning_convention({**(self.convention or {}), **convention}))

    def learned_conventions(self) -> tuple[str, ...]:
        """:meth:`boilerkit.model.BoilerplateModel.learned_conventions`."""
        return learned_conventions(self.feature_names, self.first.split_columns(), self.second.split_columns())

    def predict_proba(self, X) -> np.ndarray:
        layout = logical_rows(X, compiled=True)
        if not len(layout.rows):
            return physical_probabilities(layout, np.zeros((0, 2)))
        features = features_of_rows(layout, self._features)
        p1 = self.first.predict_proba(features)[:, 1]
        return physical_probabilities(layout, self.second.predict_proba(features, self._neighbourhood(features, p1)))

    def _features(self, X, batch=None) -> np.ndarray:
        return compute_features(X, self.feature_names, self.line_counts, self.token_weights, compiled=True,
                                batch=batch, word_rule=self.word_rule, convention=self.convention)

    def _neighbourhood(self, features: np.ndarray, p1: np.ndarray) -> np.ndarray:
        """:meth:`boilerkit.stacking.SequenceStacker.neighbourhood_columns` on the compiled path."""
        from .compiled_neighbourhood import neighbourhood

        doc = documents_from_positions(features[:, self.position_column])
        lengths = None if self.length_column is None else features[:, self.length_column]
        repeats = None if self.repeat_column is None else features[:, self.repeat_column]
        shapes = None if self.shape_columns is None else features[:, list(self.shape_columns)]
        return columns_named(neighbourhood(doc, p1, lengths, repeats, shapes), self.neighbourhood_names)

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= self.threshold).astype(int)


# ------------------------------------------------------------------------------ from a model


class NotCompilable(ValueError):
    """A model whose prediction path the compiled model cannot reproduce."""


def compile_model(model) -> CompiledModel:
    """The :class:`CompiledModel` of a fitted :class:`~boilerkit.model.BoilerplateModel`
    whose classifier is a thresholded :class:`~boilerkit.stacking.SequenceStacker` of two
    binary HistGradientBoosting passes; :class:`NotCompilable` otherwise."""
    from .stacking import SequenceStacker
    from .trees import CompiledTrees, NotCompilable as TreesNotCompilable

    if not getattr(model, "steps", None):
        raise NotCompilable(f"not a fitted BoilerplateModel: {type(model).__name__}")
    features, classifier = model.steps[0][1], model.steps[-1][1]
    stacker = getattr(classifier, "estimator_", None)
    if not isinstance(stacker, SequenceStacker) or not hasattr(stacker, "second_"):
        raise NotCompilable(f"the classifier is not a fitted SequenceStacker: {type(stacker).__name__}")
    try:
        first, second = CompiledTrees.from_estimator(stacker.first_), CompiledTrees.from_estimator(stacker.second_)
    except TreesNotCompilable as error:
        raise NotCompilable(str(error)) from None
    for trees in (first, second):
        if type(trees.loss).__name__ != "HalfBinomialLoss":
            raise NotCompilable(f"a loss other than the binary log loss: {type(trees.loss).__name__}")
    return CompiledModel(
        feature_names=[str(name) for name in features.feature_names_],
        line_counts=dict(getattr(features, "line_counts_", {}) or {}),
        token_weights=getattr(features, "token_weights_", None),
        first=first,
        second=second,
        position_column=int(stacker.position_column),
        length_column=None if stacker.length_column is None else int(stacker.length_column),
        repeat_column=None if stacker.repeat_column is None else int(stacker.repeat_column),
        neighbourhood_names=list(getattr(stacker, "neighbourhood_names_", FIRST_NEIGHBOURHOOD_NAMES)),
        threshold=float(classifier.threshold),
        word_rule=str(getattr(features, "word_rule", "spaces")),
        convention=getattr(features, "convention", None),
        shape_columns=_shape_columns(getattr(stacker, "shape_columns", None)),
    )


def _shape_columns(columns) -> tuple[int, ...] | None:
    return None if columns is None else tuple(int(column) for column in columns)


# ------------------------------------------------------------------------------ the .npz file


def compiled_path(model_path: str | os.PathLike) -> Path:
    """Where the compiled form of the model at ``model_path`` is: ``name.compiled.npz``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + COMPILED_SUFFIX)


def save_compiled(compiled: CompiledModel, path: str | os.PathLike, model_sha256: str) -> None:
    """Write ``compiled`` to ``path`` (under a temporary name, renamed when complete);
    ``model_sha256``: the model file it was made from."""
    path = Path(path)
    keys = [key.encode("utf-8") for key in compiled.line_counts]
    meta = {
        "compiled_format": COMPILED_FORMAT,
        "boilerkit_version": __version__,
        "model_sha256": model_sha256,
        "feature_names": compiled.feature_names,
        "position_column": compiled.position_column,
        "length_column": compiled.length_column,
        "repeat_column": compiled.repeat_column,
        "shape_columns": compiled.shape_columns,
        "neighbourhood_names": compiled.neighbourhood_names,
        "threshold": compiled.threshold,
        "word_rule": compiled.word_rule,
        "convention": compiled.convention,
        "passes": {name: {"baseline": trees.baseline, "n_features": trees.n_features}
                   for name, trees in (("first", compiled.first), ("second", compiled.second))},
    }
    arrays = {
        "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
        "line_count_keys": np.frombuffer(b"".join(keys), dtype=np.uint8),
        "line_count_key_ends": np.cumsum([len(key) for key in keys], dtype=np.int64),
        "line_count_values": np.array(list(compiled.line_counts.values()), dtype=np.int64),
    }
    if compiled.token_weights is not None:
        arrays["token_weights"] = np.asarray(compiled.token_weights)
    for name, trees in (("first", compiled.first), ("second", compiled.second)):
        for array in _TREE_ARRAYS:
            arrays[f"{name}_{array}"] = getattr(trees, array)
    with replacing(path) as tmp, open(tmp, "wb") as stream:
        np.savez_compressed(stream, **arrays)


def read_compiled(path: str | os.PathLike) -> tuple[CompiledModel, dict]:
    """The :class:`CompiledModel` in ``path`` and the metadata saved with it."""
    from .trees import CompiledTrees

    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    blob, ends = arrays["line_count_keys"].tobytes(), arrays["line_count_key_ends"].tolist()
    keys = [blob[start:end].decode("utf-8") for start, end in zip([0, *ends[:-1]], ends)]
    passes = {
        name: CompiledTrees(**{array: arrays[f"{name}_{array}"] for array in _TREE_ARRAYS},
                            baseline=float(meta["passes"][name]["baseline"]),
                            n_features=int(meta["passes"][name]["n_features"]), loss=Logistic())
        for name in ("first", "second")
    }
    compiled = CompiledModel(
        feature_names=list(meta["feature_names"]),
        line_counts=dict(zip(keys, arrays["line_count_values"].tolist())),
        token_weights=arrays.get("token_weights"),
        first=passes["first"],
        second=passes["second"],
        position_column=meta["position_column"],
        length_column=meta["length_column"],
        repeat_column=meta["repeat_column"],
        neighbourhood_names=list(meta["neighbourhood_names"]),
        threshold=float(meta["threshold"]),
        word_rule=str(meta.get("word_rule", "spaces")),  # files written before the rule: spaces
        convention=meta.get("convention"),
        shape_columns=_shape_columns(meta.get("shape_columns")),  # files written before: none
    )
    return compiled, meta


def load_compiled(model_path: str | os.PathLike | None = None) -> CompiledModel | None:
    """The compiled form of the model at ``model_path`` (default: the bundled model), or None
    where there is none to trust: no card, a card from another model format, no compiled
    file, or one whose sha256 is not the card's or that was made from another model file."""
    model_path = default_model_path() if model_path is None else Path(model_path)
    card = read_card(model_path) if model_path.is_file() else None
    path = compiled_path(model_path)
    if card is None or card.get("model_format") != MODEL_FORMAT or "compiled_sha256" not in card:
        return None
    if not path.is_file() or sha256_of(path) != card["compiled_sha256"]:
        return None
    try:
        compiled, meta = read_compiled(path)
    except Exception as error:  # a damaged archive comes in many types
        raise ModelError(f"{path}: not a readable compiled model ({type(error).__name__}: {error})") from None
    if meta.get("compiled_format") != COMPILED_FORMAT or meta.get("model_sha256") != card.get("model_sha256"):
        return None
    return compiled


def load_for_apply(model_path: str | os.PathLike | None = None):
    """What ``apply`` predicts with: the compiled model where there is one and the compiled
    path is on (:func:`~boilerkit.compiled.use_compiled`), else the Pipeline
    (:func:`~boilerkit.model.load_model`).  Both label every line alike."""
    from .compiled import use_compiled

    if use_compiled():
        compiled = load_compiled(model_path)
        if compiled is not None:
            return compiled
    from .model import load_model

    return load_model(model_path)
