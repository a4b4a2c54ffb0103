"""The model: one scikit-learn Pipeline (line features -> classifier with its threshold),
its training, its model card, and saving and loading.

A saved model is a plain joblib file holding a :class:`BoilerplateModel` (a ``Pipeline``),
with its card both inside (``model.card_``) and beside it as JSON (``model.json``), so the
card can be read, and versions checked, without unpickling anything.

Loading a joblib (pickle) file runs whatever code its author put in it.  For models shared
between people, save them as ``.skops`` instead: :mod:`skops.io` rebuilds only types on an
allow-list (:data:`TRUSTED_TYPES` and scikit-learn's own), and boilerkit refuses any other.
The card beside a model holds its sha256, checked before anything is loaded, so a damaged
or swapped file is refused rather than unpickled.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import platform
import time
import warnings
import zipfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.model_selection import FixedThresholdClassifier, GroupKFold
from sklearn.pipeline import Pipeline

from . import __version__
from .augment import with_headline_lists
from .conventions import (CONVENTIONS, check_learned, check_names, cleaning_convention, convention_rows,
                          learned_conventions)
from .evaluate import char_weights, confusion, evaluate_pages
from .features import FEATURES, LineFeatures, as_rows
from .layout import (features_of_rows, logical_firsts, logical_labels, logical_means, logical_rows,
                     physical_probabilities)
from .neighbourhood import SHAPE_FEATURES
from .runtime import LineLabeller, compiled_path
from .stacking import SequenceStacker
from .training_defaults import (FIRST_PASS_ITER, SECOND_PASS_DRAWS, SECOND_PASS_ITER, SECOND_PASS_LEARNING_RATE,
                                WORD_RULE)
from .io import check_has_both_labels, check_has_labelled_lines, expand_paths, iter_labelled, replacing
from .model_files import (  # noqa: F401 (part of this module's interface)
    DEFAULT_MODEL_NAME,
    MODEL_FORMAT,
    ModelError,
    card_path,
    check_checksum,
    default_model_path,
    read_card,
    sha256_of,
    why_not_loadable,
)
from .sites import site_groups

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5
# Thresholds tried when tuning on cross-validated probabilities.
THRESHOLD_GRID = np.round(np.arange(0.2, 0.81, 0.025), 3)
SKOPS_SUFFIX = ".skops"
# Types a .skops model may hold beyond those skops trusts by default (numpy, and the
# scikit-learn estimators): boilerkit's own classes and the parts of scikit-learn that
# skops.io.get_untrusted_types() lists for a trained model.  Anything else is refused.
TRUSTED_TYPES = (
    "boilerkit.features.LineFeatures",
    "boilerkit.model.BoilerplateModel",
    "boilerkit.stacking.SequenceStacker",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)


class BoilerplateModel(LineLabeller, Pipeline):
    """A ``Pipeline`` of :class:`~boilerkit.features.LineFeatures` and a thresholded classifier.

    ``predict`` / ``predict_proba`` take a list of lines (one document) or ``(document,
    line)`` rows (see :func:`boilerkit.features.as_rows`); label 1 is content.
    """

    # Models saved before the parameters existed unpickle without them.
    headline_lists = 0.0
    random_state = 0

    def __init__(self, steps, *, transform_input=None, memory=None, verbose=False, headline_lists: float = 0.0,
                 random_state: int = 0):
        super().__init__(steps, memory=memory, verbose=verbose)
        self.transform_input = transform_input
        self.headline_lists = headline_lists
        self.random_state = random_state

    def fit(self, X, y=None, groups=None, conventions=None, **params):
        """Fit on ``X`` rows and labels ``y``; with ``headline_lists`` > 0, that share of the
        pages holding an article first get a synthetic headline list (:mod:`boilerkit.augment`).
        The model learns on the dump's logical lines (:mod:`boilerkit.layout`): no blank lines,
        wrapped paragraphs joined.

        ``groups`` (one per row: the site of its page, say) are the folds of what the model
        learns out of fold, the word weights and the first pass's probabilities: then the
        second pass learns how far to trust them on sites they were not learned from, as on
        new pages.  Without groups, documents are the folds.  ``conventions`` (a row per row
        of ``X``, see :func:`boilerkit.conventions.convention_rows`) tell the model what each
        training page's gold counts as content; without them, boilerkit's own convention.
        """
        layout = logical_rows(X)
        X = layout.rows
        if y is not None:
            y = logical_labels(layout, y)
        # per-line fit parameters (sample weights, groups) follow their lines
        params = {key: logical_means(layout, value) if np.ndim(value) == 1 and len(value) == layout.n_physical
                  else value for key, value in params.items()}
        if groups is not None:
            groups = logical_firsts(layout, groups)
        if conventions is not None:
            conventions = logical_firsts(layout, conventions)
        if y is not None and (self.headline_lists or groups is not None or conventions is not None):
            X_augmented, y_augmented, source = with_headline_lists(X, y, self.headline_lists, self.random_state)
            real = source >= 0
            # the features' own statistics (word weights, corpus line counts) come from the real pages only
            # an inserted line takes the group and convention of the line before it
            previous_real = np.maximum.accumulate(source)
            groups_augmented = None if groups is None else groups[previous_real]
            Xt = self.steps[0][1].fit_transform_augmented(
                X, y, X_augmented, y_augmented, real, groups_augmented,
                None if conventions is None else conventions[previous_real])
            # per-row fit parameters (sample weights) follow their rows; inserted lines weigh 1
            params = {key.split("__")[-1]: np.where(real, np.asarray(value)[np.maximum(source, 0)], 1.0)
                      if np.ndim(value) == 1 and len(value) == len(y) else value
                      for key, value in params.items()}
            self._fit_classifier_on_real_and_synthetic(Xt, y_augmented, real, params, groups_augmented)
            return self
        return super().fit(X, y, **params)

    def _fit_classifier_on_real_and_synthetic(self, Xt, y, real: np.ndarray, params: dict,
                                              groups: np.ndarray | None = None) -> None:
        """Fit the classifier step, telling its stacker which rows are real and their groups
        (metadata routing: the threshold wrapper passes them on only when asked to)."""
        classifier = self.steps[-1][1]
        routed = {"real": real, **({} if groups is None else {"groups": groups})}
        with sklearn.config_context(enable_metadata_routing=True):
            # the caller's own per-row parameters (sample weights) are requested too: routing
            # refuses any parameter the estimator has not asked for
            classifier.estimator.set_fit_request(**{key: True for key in (*routed, *params)})
            try:
                classifier.fit(Xt, y, **routed, **params)
            finally:
                # The request is needed for this call only, and it refers back to its estimator:
                # skops cannot save such a cycle, and the user's estimator is left as it was.
                for estimator in (classifier.estimator, getattr(classifier, "estimator_", None)):
                    if estimator is not None:
                        vars(estimator).pop("_metadata_request", None)

    def predict_proba(self, X, **params):
        """Class probabilities of every row of ``X``: those of its logical line, and for a
        blank line those of the lines around it (:mod:`boilerkit.layout`)."""
        layout = logical_rows(X)
        p_logical = self._logical_proba(layout, **params) if len(layout.rows) else np.zeros((0, 2))
        return physical_probabilities(layout, p_logical)

    def _logical_proba(self, layout, **params) -> np.ndarray:
        """``predict_proba`` of the layout's rows: the features from the layout's batch where
        it serves (:func:`boilerkit.layout.features_of_rows`, as the compiled model computes
        them), unless this Pipeline is not boilerkit's two steps."""
        features = self.steps[0][1]
        if params or len(self.steps) != 2 or not isinstance(features, LineFeatures):
            return super().predict_proba(layout.rows, **params)
        return self.steps[-1][1].predict_proba(features_of_rows(layout, features.features_of))

    def predict(self, X, **params):
        return self.classes_[(self.predict_proba(X, **params)[:, 1] >= self.threshold).astype(int)]

    def keeping(self, **convention: bool) -> BoilerplateModel:
        """This model cleaning by another convention where benchmarks' gold disagree:
        ``keeping(comments=True)`` keeps user comments, ``keeping(headline=False)`` leaves the
        headline out (:mod:`boilerkit.conventions`).  A new model sharing this one's fitted
        parts; :class:`ModelError` where this model was not trained to tell the convention
        apart (``train --gold-conventions``)."""
        features = self.steps[0][1]
        check_learned(convention, self.learned_conventions())
        copied = copy.copy(features)
        copied.convention = cleaning_convention({**(features.convention or {}), **convention})
        model = copy.copy(self)
        model.steps = [(self.steps[0][0], copied), *self.steps[1:]]
        return model

    def learned_conventions(self) -> tuple[str, ...]:
        """The conventions this model can clean by on request (see :meth:`keeping`)."""
        stacker = getattr(self.steps[-1][1], "estimator_", None)
        passes = [getattr(stacker, name, None) for name in ("first_", "second_")]
        columns = [split_columns(trees) for trees in passes if hasattr(trees, "_predictors")]
        return learned_conventions(self.steps[0][1].feature_names_, *columns)

    @property
    def threshold(self) -> float:
        return float(self.steps[-1][1].threshold)


def boosted_trees(max_iter: int, seed: int, learning_rate: float = 0.1) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=max_iter,
        learning_rate=learning_rate,
        max_leaf_nodes=63,
        min_samples_leaf=40,
        l2_regularization=1.0,
        # A fixed number of rounds: early stopping would hold out a random 10% of *lines*,
        # not documents, and make results depend on it.
        early_stopping=False,
        random_state=seed,
    )


# Grouped folds for the out-of-fold first-pass probabilities the second pass learns from.
# With 2, those probabilities come from first passes trained on half the pages, noisier
# than the final first pass's on new pages, and the second pass learns to lean more on the
# context: grouped 5-fold CV (benchmarks/quality.py, char / line / page F1), with the
# distinct-neighbour columns, lines.jsonl.gz 0.9505 / 0.8575 / 0.9215 with 4 folds ->
# 0.9517 / 0.85998 / 0.9220 with 2; WCXB 0.9078 / 0.8139 / 0.8566 -> 0.9073 / 0.8116 /
# 0.8545.  Fewer, smaller first-pass fits too: the default model trains in 6 minutes, not 12.
# 3 folds were worse than both 2 and 4 (measured before the distinct-neighbour columns).
STACKING_FOLDS = 2

# Lines weigh (characters + 1) ** this in training (see SequenceStacker.length_power):
# grouped 5-fold CV, character / page F1: lines.jsonl.gz 0.934 / 0.897 -> 0.937 / 0.902,
# WCXB 0.889 / 0.837 -> 0.891 / 0.842 (benchmarks/quality.py, before the lexical features).
LENGTH_WEIGHT_POWER = 0.5

# Share of the training pages holding an article that get a synthetic list of unrelated
# headlines after it (boilerkit.augment: the labelled pages hardly show one as a dump does).
# Only the second pass learns from them.  Grouped 5-fold CV with run_title_case, char / line /
# page F1: lines.jsonl.gz 0.9522 / 0.8603 / 0.9218 without lists -> 0.9512 / 0.8621 / 0.9225;
# WCXB 0.9065 / 0.8138 / 0.8544 -> 0.9084 / 0.8165 / 0.8560; and the README example's
# headlines at most 0.139 instead of up to 0.677.  In both passes (0.1 or 0.3) they cost
# news/blog 0.003 char F1 (benchmarks/results/experiments.md, "Headline lists after the article").
HEADLINE_LISTS = 0.1


def build_model(
    seed: int = 0, threshold: float = DEFAULT_THRESHOLD, max_iter: int = SECOND_PASS_ITER, two_pass: bool = True
) -> BoilerplateModel:
    """An unfitted model with boilerkit's default settings: line features, then two passes
    of gradient-boosted trees (see :mod:`boilerkit.stacking`), then the threshold."""
    features = LineFeatures(word_rule=WORD_RULE)
    if two_pass:
        classifier = SequenceStacker(
            boosted_trees(min(FIRST_PASS_ITER, max_iter), seed),
            boosted_trees(max(1, max_iter // SECOND_PASS_DRAWS), seed, SECOND_PASS_LEARNING_RATE),
            second_draws=SECOND_PASS_DRAWS,
            position_column=list(FEATURES).index("position"),
            folds=STACKING_FOLDS,
            random_state=seed,
            length_column=list(FEATURES).index("n_chars"),
            length_power=LENGTH_WEIGHT_POWER,
            repeat_column=list(FEATURES).index("repeats_in_doc"),
            shape_columns=tuple(list(FEATURES).index(name) for name in SHAPE_FEATURES),
        )
    else:
        classifier = boosted_trees(max_iter, seed)
    return BoilerplateModel(
        [
            ("features", features),
            ("classifier", FixedThresholdClassifier(classifier, threshold=threshold, response_method="predict_proba")),
        ],
        headline_lists=HEADLINE_LISTS,
        random_state=seed,
    )


# ----------------------------------------------------------------------------- training


def _data_summary(path: str, documents: list[dict]) -> dict:
    n_lines = sum(len(doc["lines"]) for doc in documents)
    converters = sorted({doc["converter"] for doc in documents if isinstance(doc.get("converter"), str)})
    return {
        "path": os.path.basename(path) if path != "-" else "-",
        "sha256": sha256_of(path) if os.path.isfile(path) else None,
        **({"converters": converters} if converters else {}),
        "documents": len(documents),
        "lines": n_lines,
        "content_lines": sum(sum(doc["labels"]) for doc in documents),
    }


def dump_rank(page_id: str, converter: str) -> int:
    """A fixed pseudo-random rank of one dump of a page, from the page id and the converter."""
    return int.from_bytes(hashlib.sha1(f"{page_id}\x00{converter}".encode()).digest()[:8], "big")


def dumps_of_each_page(documents: Sequence[dict], per_page: int | None, per_dataset: dict[str, int] | None = None
                       ) -> list[dict]:
    """At most ``per_page`` dumps of each page (records sharing an ``id``, e.g. one page by
    several converters; None: all), or ``per_dataset[its dataset]``, picked by :func:`dump_rank`: the
    same for every run, different from page to page, so every converter gets its share.
    Records without an id are all kept."""
    per_dataset = per_dataset or {}
    by_page: dict[str, list[dict]] = {}
    for doc in documents:
        if doc.get("id") is not None:
            by_page.setdefault(str(doc["id"]), []).append(doc)
    kept = set()
    for page_id, dumps in by_page.items():
        ranked = sorted(dumps, key=lambda doc: dump_rank(page_id, str(doc.get("converter", doc.get("source")))))
        kept.update(id(doc) for doc in ranked[: per_dataset.get(str(dumps[0].get("dataset")), per_page)])
    return [doc for doc in documents if doc.get("id") is None or id(doc) in kept]


def load_training_data(paths: Sequence[str | os.PathLike], dumps_per_page: int | None = None,
                       dumps_per_dataset: dict[str, int] | None = None) -> tuple[list[dict], list[dict]]:
    """Labelled documents of all ``paths`` (each tagged with its ``source`` file), and a
    summary per file for the model card; with ``dumps_per_page``, at most that many dumps of
    each page (:func:`dumps_of_each_page`)."""
    documents, sources = [], []
    for path in expand_paths(paths):
        started = time.perf_counter()
        docs = [{**doc, "source": os.path.basename(path)} for doc in iter_labelled([path])]
        log.info("read %s: %d documents in %.1f s", path, len(docs), time.perf_counter() - started)
        documents.extend(docs)
        sources.append(path)
    check_has_labelled_lines(documents, paths)
    if dumps_per_page or dumps_per_dataset:
        documents = dumps_of_each_page(documents, dumps_per_page, dumps_per_dataset)
    summaries = [_data_summary(path, [doc for doc in documents if doc["source"] == os.path.basename(path)])
                 for path in sources]
    return documents, summaries


def training_conventions(documents: Sequence[dict], told: Sequence[str] = CONVENTIONS) -> np.ndarray:
    """The gold convention of every line's page (a row per line, :mod:`boilerkit.conventions`),
    of the conventions ``told`` (the others constant)."""
    lengths = [len(doc["lines"]) for doc in documents]
    return np.repeat(convention_rows(documents, told), lengths, axis=0)


def training_arrays(documents: Sequence[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X`` rows, labels ``y`` and the ``groups`` of labelled documents: the site of each
    line's page (:func:`boilerkit.sites.site_groups`), so that folds keep sites apart."""
    X = as_rows(doc["lines"] for doc in documents)
    y = np.concatenate([np.asarray(doc["labels"], dtype=np.int8) for doc in documents])
    groups = site_groups(documents)[X[:, 0].astype(np.int64)]
    return X, y, groups


def cross_validated_probabilities(model, X, y, groups, folds: int, seed: int, conventions=None) -> np.ndarray:
    """Out-of-fold content probabilities from grouped k-fold (no group, i.e. no site, in
    both train and test)."""
    probabilities = np.zeros(len(y))
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (train_index, test_index) in enumerate(splitter.split(X, y, groups), start=1):
        started = time.perf_counter()
        fitted = sklearn.base.clone(model).fit(
            X[train_index], y[train_index], groups=groups[train_index],
            conventions=None if conventions is None else conventions[train_index])
        probabilities[test_index] = fitted.predict_proba(X[test_index])[:, 1]
        log.info("cross-validation fold %d/%d: %.1f s", fold, folds, time.perf_counter() - started)
    return probabilities


def split_columns(estimator: HistGradientBoostingClassifier) -> np.ndarray:
    """The feature columns some split of a fitted HistGradientBoosting model compares."""
    nodes = [predictor.nodes for iteration in estimator._predictors for predictor in iteration]
    return np.unique(np.concatenate([n["feature_idx"][n["is_leaf"] == 0] for n in nodes] or [np.zeros(0, int)]))


def per_document(documents: Sequence[dict], values: np.ndarray) -> list[np.ndarray]:
    bounds = np.cumsum([0] + [len(doc["lines"]) for doc in documents])
    return [values[start:end] for start, end in zip(bounds[:-1], bounds[1:])]


def best_threshold(documents: Sequence[dict], y, probabilities) -> float:
    """The threshold with the best character-weighted F1 of the content class."""
    weights = np.concatenate([char_weights(doc["lines"]) for doc in documents])
    f1 = [confusion(y, probabilities >= t, weights).f1 for t in THRESHOLD_GRID]
    return float(THRESHOLD_GRID[int(np.argmax(f1))])


def train(
    paths: Sequence[str | os.PathLike],
    *,
    cv: int = 0,
    seed: int = 0,
    threshold: float | None = None,
    max_iter: int = SECOND_PASS_ITER,
    dumps_per_page: int | None = None,
    dumps_per_dataset: dict[str, int] | None = None,
    gold_conventions: bool | Sequence[str] = False,
) -> BoilerplateModel:
    """Train a model on labelled dumps (with ``dumps_per_page``, at most that many dumps of
    one page, or ``dumps_per_dataset`` of a page of that dataset: see :func:`dumps_of_each_page`).

    With ``cv`` >= 2, k-fold cross-validation grouped by site gives out-of-fold
    probabilities: they are scored (into the model card) and, unless ``threshold`` is given,
    pick the threshold with the best character-weighted F1.  The final model is then fitted
    on all the data.

    With ``gold_conventions`` (True: all of :data:`~boilerkit.conventions.CONVENTIONS`, or
    the names of some), each training page tells the model its gold's convention
    (:mod:`boilerkit.conventions`), and the model can clean by the one asked for
    (:meth:`BoilerplateModel.keeping`).  Off by default: ``benchmarks/results/experiments.md``
    ("the gold conventions") has what it changed on the shared data.
    """
    told = tuple(CONVENTIONS) if gold_conventions is True else tuple(gold_conventions or ())
    check_names(told)
    documents, summaries = load_training_data(paths, dumps_per_page, dumps_per_dataset)
    check_has_both_labels(documents, paths)  # not in load_training_data: pages added to a base model may be one-sided
    X, y, groups = training_arrays(documents)
    log.info("training data: %d documents, %d lines, %.1f%% content", len(documents), len(y), 100 * y.mean())
    model = build_model(seed=seed, threshold=DEFAULT_THRESHOLD if threshold is None else threshold, max_iter=max_iter)
    conventions = training_conventions(documents, told) if told else None
    metrics = None
    if cv >= 2:
        probabilities = cross_validated_probabilities(model, X, y, groups, cv, seed, conventions)
        if threshold is None:
            threshold = best_threshold(documents, y, probabilities)
            log.info("threshold tuned on cross-validated probabilities: %.3f", threshold)
        predictions = per_document(documents, (probabilities >= threshold).astype(np.int8))
        evaluation = evaluate_pages(zip(documents, predictions), group_fields=("source", "dataset", "page_type"))
        metrics = {"folds": cv, "grouped_by": "site", "seed": seed, "threshold": threshold,
                   **evaluation.as_dict()}
    model.set_params(classifier__threshold=DEFAULT_THRESHOLD if threshold is None else threshold)
    started = time.perf_counter()
    model.fit(X, y, groups=groups, conventions=conventions)
    log.info("fitted the final model on all data in %.1f s", time.perf_counter() - started)
    model.card_ = model_card(model, summaries, len(y), int(y.sum()), metrics, seed)
    # the conventions the training pages told (a list), or False
    model.card_["gold_conventions"] = list(told) or False
    return model


def model_card(model: BoilerplateModel, data: list[dict], n_lines: int, n_content: int, metrics, seed: int) -> dict:
    return {
        "model_format": MODEL_FORMAT,
        "boilerkit_version": __version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "threshold": model.threshold,
        "seed": seed,
        # the share of article pages that got a synthetic headline list in training (boilerkit.augment)
        "headline_lists": model.headline_lists,
        "classifier": type(model.steps[-1][1].estimator).__name__,
        "classifier_params": {
            k: v for k, v in model.steps[-1][1].estimator.get_params().items() if isinstance(v, (int, float, str, bool))
        },
        "feature_names": [str(name) for name in model[:-1].get_feature_names_out()],
        # how the features count words (boilerkit.features.WORD_RULES)
        "word_rule": model.steps[0][1].word_rule,
        "training_data": data,
        "training_lines": n_lines,
        "training_content_lines": n_content,
        "cross_validation": metrics,
    }


# ------------------------------------------------------------------------ save and load


def is_skops(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(SKOPS_SUFFIX)


def save_model(model: BoilerplateModel, path: str | os.PathLike) -> Path:
    """Write the model and its card (JSON, with the model file's sha256) beside it.

    The format follows the suffix: ``.skops`` (safe to share, see :func:`load_model`), else
    joblib.  Both files are written under temporary names and renamed when complete.
    """
    path = Path(path)
    with replacing(path) as tmp:  # a symbolic link stays one: its target gets the model
        if is_skops(path):
            # imported here: it imports much of scikit-learn (1.3 s), which a joblib model does not need
            import skops.io

            skops.io.dump(model, tmp, compression=zipfile.ZIP_DEFLATED)
        else:
            joblib.dump(model, tmp, compress=3)
    card = {**getattr(model, "card_", {}), "model_file": path.name, "model_sha256": sha256_of(path)}
    card.update(_save_compiled_form(model, path, card["model_sha256"]))
    with replacing(card_path(path)) as card_tmp:
        card_tmp.write_text(json.dumps(card, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def files_saved(path: str | os.PathLike) -> list[Path]:
    """The files :func:`save_model` writes for a model saved as ``path``: the model, its card
    and its compiled form."""
    return [Path(path), card_path(path), compiled_path(path)]


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def check_compatible(card: dict, path) -> None:
    """Refuse, with what to do, a model from another model format or scikit-learn release."""
    if card.get("model_format") != MODEL_FORMAT:
        raise ModelError(
            f"{path}: model format {card.get('model_format')} (boilerkit {card.get('boilerkit_version')}) "
            f"cannot be read by boilerkit {__version__} (format {MODEL_FORMAT}): retrain it with "
            f"`boilerkit train`, or install boilerkit=={card.get('boilerkit_version')}"
        )
    saved = card.get("sklearn_version", "?")
    if _minor(saved) != _minor(sklearn.__version__):
        raise ModelError(
            f"{path}: saved with scikit-learn {saved}, this is scikit-learn {sklearn.__version__}: "
            f"install scikit-learn=={saved} or retrain the model with `boilerkit train`"
        )


def _save_compiled_form(model: BoilerplateModel, path: Path, model_sha256: str) -> dict:
    """Write the model's compiled form beside it (:mod:`boilerkit.runtime`: what ``apply``
    loads without scikit-learn) and return the card's entries for it; none, and no file, for
    a model the compiled path cannot run."""
    from .runtime import NotCompilable, compile_model, compiled_path, save_compiled

    target = compiled_path(path)
    try:
        compiled = compile_model(model)
    except NotCompilable as error:
        log.info("%s: no compiled form (%s): apply loads the Pipeline", path, error)
        target.unlink(missing_ok=True)  # a stale one from an earlier model of this name
        return {}
    save_compiled(compiled, target, model_sha256)
    return {"compiled_file": target.name, "compiled_sha256": sha256_of(target)}


def _load_skops(path: Path):
    """The object in a .skops file, refusing any type not on the allow-list."""
    import skops.io  # see save_model

    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as error:  # a damaged zip or schema
        raise ModelError(f"{path}: not a loadable .skops model ({type(error).__name__}: {error})") from None
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ModelError(
            f"{path}: holds types boilerkit does not trust ({', '.join(refused)}): refusing to load it; "
            "a .skops model from boilerkit holds only boilerkit and scikit-learn types"
        )
    return skops.io.load(path, trusted=untrusted)


def load_model(path: str | os.PathLike | None = None) -> BoilerplateModel:
    """Load a saved model, by default the bundled one.

    A joblib file can run code when it is loaded: load joblib models only from people you
    trust.  A ``.skops`` file is rebuilt from an allow-list of types (:data:`TRUSTED_TYPES`
    and those skops trusts), so it is the format to share models in.  A model whose card
    records a sha256 (every model saved by :func:`save_model`) must match it; the bundled
    model must have one.
    """
    bundled = path is None
    path = Path(path) if path is not None else default_model_path()
    if not path.is_file():
        raise ModelError(f"{path}: {'a directory, not a model file' if path.is_dir() else 'no such model file'}")
    card = read_card(path)
    if card is not None:
        check_compatible(card, path)
        check_checksum(card, path, bundled)
    elif bundled:
        raise ModelError(f"{path}: the bundled model has no card ({card_path(path).name}): reinstall boilerkit")
    with warnings.catch_warnings():
        # Same minor release (checked above): patch releases keep the pickled layout.
        warnings.simplefilter("ignore", InconsistentVersionWarning)
        try:
            model = _load_skops(path) if is_skops(path) else joblib.load(path)
        except ModelError:
            raise
        except Exception as error:  # unpickling errors come in every type
            raise ModelError(f"{path}: {why_not_loadable(path, error)}") from None
    if not isinstance(model, BoilerplateModel):
        raise ModelError(f"{path}: holds a {type(model).__name__}, not a boilerkit model")
    if card is None:
        check_compatible(getattr(model, "card_", {}), path)
    return model
