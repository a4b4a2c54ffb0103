"""A second pass over the sequence of line probabilities.

A line's own features rarely decide it alone: a short line ("territory.", "Ingredients")
is content inside an article and clutter inside a menu.  jusText handles this with a fixed
context-sensitive revision of short and near-good blocks from their neighbours; here the
revision is learned.  A first classifier gives every line a probability; a second one sees
the line's features *and* the first pass's probabilities of its neighbourhood (previous and
next lines, window means, distance to the nearest likely-content line, the nearest long
lines, the nearest lines the page does not repeat, the document's share of content) and
makes the final call.

The first pass's probabilities used to train the second are out-of-fold (grouped by
document), so the second classifier learns from probabilities as noisy as those it will
see on new pages, not from the near-perfect ones of lines the first pass was trained on.
Trees grown from one draw of those folds depend on it more than on most changes to the
features, so the second pass can be fitted on several draws and averaged (``second_draws``).
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import GroupKFold
from sklearn.utils.validation import check_is_fitted

from .compiled import use_compiled
from .sklearn_fixes import batched_weighted_binning
from .features import DocumentIndex, is_distinct
from .neighbourhood import (  # noqa: F401 (names the tests and benchmarks import from here)
    PROBABILITY_WINDOWS,
    PROBABILITY_OFFSETS,
    MAX_WINDOWS,
    SIDE_WINDOWS,
    LIKELY_CONTENT,
    DISTANCE_CAP,
    NEIGHBOURHOOD_NAMES,
    FIRST_NEIGHBOURHOOD_NAMES,
    MAIN_BLOCK_SMOOTHING,
    LINES_FROM_MAIN_BLOCK_CAP,
    LONG_LINE_CHARS,
    SHAPE_FEATURES,
    SHAPE_NAMES,
    columns_named,
    documents_from_positions,
    shape_columns,
)

# Rows per call when predicting: tree ensembles walk every row once per tree, so a block of
# rows that stays in the CPU cache across all trees (5,000 rows x ~100 float64 columns is
# about 4 MB) halves the time of one 100,000-row call (measured on 2 cores, sklearn 1.7).
# Each row's sum over the trees is the same, so the probabilities are bit-identical.
PREDICT_CHUNK_ROWS = 5_000

def predict_proba_in_chunks(estimator, X, rows: int = PREDICT_CHUNK_ROWS) -> np.ndarray:
    """``estimator.predict_proba(X)``, computed :data:`PREDICT_CHUNK_ROWS` rows at a time."""
    if len(X) <= rows:
        return estimator.predict_proba(X)
    return np.concatenate([estimator.predict_proba(X[start : start + rows]) for start in range(0, len(X), rows)])


def pass_proba(estimator, X, more_columns: np.ndarray | None = None, compiled: bool | None = None) -> np.ndarray:
    """``estimator.predict_proba`` of ``X`` with ``more_columns`` (if any) appended: by its
    compiled trees (:mod:`boilerkit.trees`) when :func:`~boilerkit.compiled.use_compiled`
    and the estimator has trees it can compile, else by the estimator itself."""
    if use_compiled(compiled):
        from .trees import compiled_trees_or_none

        trees = compiled_trees_or_none(estimator)
        if trees is not None:
            return trees.predict_proba(X, more_columns)
    return predict_proba_in_chunks(estimator, X if more_columns is None else np.hstack([X, more_columns]))


def window_max(index: DocumentIndex, values: np.ndarray, half_width: int) -> np.ndarray:
    result = values.copy()
    for offset in range(1, half_width + 1):
        result = np.maximum(result, index.shifted(values, offset, missing=0.0))
        result = np.maximum(result, index.shifted(values, -offset, missing=0.0))
    return result


def main_block(index: DocumentIndex, p1: np.ndarray) -> list[np.ndarray]:
    """Whether each line is in its document's main block, its signed distance in lines
    (negative before, positive after), and the block's share of the document's lines.

    Comment sections and "related" lists follow the article; a learned revision needs to
    know where the article is, not only what is next to a line.
    """
    n = index.n
    good = index.window_mean(p1, MAIN_BLOCK_SMOOTHING, MAIN_BLOCK_SMOOTHING) >= LIKELY_CONTENT
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (good[1:] != good[:-1]) | (index.doc[1:] != index.doc[:-1])
    run = np.cumsum(new_run) - 1
    mass = np.bincount(run, weights=p1 * good)
    first_line = np.flatnonzero(new_run)
    run_doc = index.doc[first_line]
    best = np.full(index.doc[-1] + 1, -1.0)
    np.maximum.at(best, run_doc, mass)
    # the first run reaching the document's best mass is its main block
    is_best = (mass == best[run_doc]) & (mass > 0)
    chosen = np.full(index.doc[-1] + 1, -1)
    for_runs = np.flatnonzero(is_best)[::-1]  # reversed so the first run wins the assignment
    chosen[run_doc[for_runs]] = for_runs
    block = chosen[index.doc]
    has_block = block >= 0
    run_end = np.r_[first_line[1:], n] - 1
    start = np.where(has_block, first_line[np.maximum(block, 0)], 0)
    end = np.where(has_block, run_end[np.maximum(block, 0)], -1)
    lines = np.arange(n)
    signed = np.where(lines < start, lines - start, np.where(lines > end, lines - end, 0))
    signed = np.where(has_block, np.clip(signed, -LINES_FROM_MAIN_BLOCK_CAP, LINES_FROM_MAIN_BLOCK_CAP), 0)
    inside = has_block & (lines >= start) & (lines <= end)
    share = np.where(has_block, (end - start + 1) / np.maximum(index.doc_n_lines, 1), 0.0)
    return [inside.astype(np.float64), signed.astype(np.float64), share]


def nearest_probability(index: DocumentIndex, p1: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
    """First-pass probability of the nearest line with ``mask`` before and after each line
    (-1: none in the document)."""
    return [index.value_at(p1, index.nearest(mask, direction)) for direction in (-1, +1)]


def nearest_long_probability(index: DocumentIndex, p1: np.ndarray, long: np.ndarray) -> list[np.ndarray]:
    """First-pass probability of the nearest long line before and after each line (-1: none).

    Short lines are judged by the paragraphs around them: a caption between two paragraphs
    of an article is content, the same words between two comments are not; the lines just
    before and after may be other short lines that tell nothing.
    """
    return nearest_probability(index, p1, long)


def neighbourhood(index: DocumentIndex, p1: np.ndarray, lengths: np.ndarray | None = None,
                  repeats: np.ndarray | None = None, shapes: np.ndarray | None = None) -> np.ndarray:
    """Columns describing each line's first-pass probability and its neighbourhood's
    (:data:`NEIGHBOURHOOD_NAMES`); ``lengths`` are the lines' lengths in characters (without
    them no line counts as long), ``repeats`` how many other lines of its document each line
    equals (without them every non-empty line is distinct), ``shapes`` the lines'
    :data:`SHAPE_FEATURES` columns (without them every line has one shape)."""
    n = index.n
    if n == 0:
        return np.zeros((0, len(NEIGHBOURHOOD_NAMES)))
    lengths = np.zeros(n) if lengths is None else np.asarray(lengths, dtype=np.float64)
    repeats = np.zeros(n) if repeats is None else np.asarray(repeats, dtype=np.float64)
    ones = np.ones(n)
    cumulative = np.concatenate(([0.0], np.cumsum(p1)))
    lines = np.arange(n)
    before_count = lines - index.doc_start
    after_count = index.doc_end - lines - 1
    before_mean = np.divide(cumulative[lines] - cumulative[index.doc_start], before_count,
                            out=np.full(n, -1.0), where=before_count > 0)
    after_mean = np.divide(cumulative[index.doc_end] - cumulative[lines + 1], after_count,
                           out=np.full(n, -1.0), where=after_count > 0)
    likely = p1 >= LIKELY_CONTENT
    columns = (
        [p1]
        + [index.shifted(p1, offset) for offset in PROBABILITY_OFFSETS]
        + [index.window_mean(p1, w, w) for w in PROBABILITY_WINDOWS]
        + [window_max(index, p1, w) for w in MAX_WINDOWS]
        + [
            index.doc_sum(p1) / np.maximum(index.doc_sum(ones), 1),
            index.doc_max(p1),
            index.distance_to(likely, -1, DISTANCE_CAP),
            index.distance_to(likely, +1, DISTANCE_CAP),
            before_mean,
            after_mean,
        ]
        + [index.window_mean(p1, w, -1) for w in SIDE_WINDOWS]
        + [index.window_mean(p1, -1, w) for w in SIDE_WINDOWS]
        + main_block(index, p1)
        + nearest_long_probability(index, p1, lengths >= LONG_LINE_CHARS)
        # template inserts ("Advertisement") between paragraphs: see features.distinct_lines
        + nearest_probability(index, p1, is_distinct(repeats, lengths))
    )
    return np.column_stack([*columns, shape_columns(index.doc, p1, shapes)])


class SequenceStacker(ClassifierMixin, BaseEstimator):
    """Two-pass line classifier: ``first`` on the line features, then ``second`` on the line
    features plus the first pass's probabilities around each line.

    Parameters
    ----------
    first, second : classifiers with ``predict_proba``
    position_column : int
        Column of ``X`` holding the line's position in its document (0 = first line); it
        tells where documents start, so the neighbourhood never crosses two documents.
    folds : int
        Grouped folds for the out-of-fold first-pass probabilities the second pass learns from.
    random_state : int
    length_column : int or None
        Column of ``X`` holding the line's length in characters.  With ``length_power`` > 0,
        each line is weighted ``(length + 1) ** length_power`` in both passes (times any
        ``sample_weight`` given to ``fit``).
    length_power : float
        Why: quality is scored per character, and one long paragraph outweighs a dozen
        menu items; unweighted, the trees spend their splits on the many short lines.  The
        square root is a middle way between lines (0) and characters (1).
    repeat_column : int or None
        Column of ``X`` holding how many other lines of its document equal the line; the
        second pass also sees the nearest lines that occur once (template inserts such as
        "Advertisement" between paragraphs skipped).
    shape_columns : tuple of int or None
        Columns of ``X`` holding the :data:`SHAPE_FEATURES`, in that order; the second pass
        also sees the first-pass probabilities of the other lines of the line's shape in its
        document (:func:`boilerkit.neighbourhood.shape_columns`).  None: it does not.
    second_draws : int
        Draws of the out-of-fold folds (seeds ``random_state``, ``random_state + 1``...): a
        second pass is fitted on each draw's probabilities, and the final second pass is
        their mean in log-odds (:func:`mean_of_boostings`, one ensemble of all their trees).
    """

    # Models saved before the parameters existed unpickle without them.
    repeat_column = None
    second_draws = 1
    shape_columns = None

    def __init__(self, first, second, position_column: int, folds: int = 3, random_state: int = 0,
                 length_column: int | None = None, length_power: float = 0.0, repeat_column: int | None = None,
                 second_draws: int = 1, shape_columns: tuple[int, ...] | None = None):
        self.first = first
        self.second = second
        self.position_column = position_column
        self.folds = folds
        self.random_state = random_state
        self.length_column = length_column
        self.length_power = length_power
        self.repeat_column = repeat_column
        self.second_draws = second_draws
        self.shape_columns = shape_columns

    def _index(self, X) -> DocumentIndex:
        return DocumentIndex(documents_from_positions(X[:, self.position_column]))

    def _line_weights(self, X, sample_weight) -> np.ndarray | None:
        if self.length_column is None or not self.length_power:
            return sample_weight
        weights = (np.asarray(X[:, self.length_column], dtype=np.float64) + 1.0) ** self.length_power
        return weights if sample_weight is None else weights * np.asarray(sample_weight, dtype=np.float64)

    def fit(self, X, y, sample_weight=None, real=None, groups=None):
        """Fit both passes; the first pass's out-of-fold probabilities the second learns from
        come from folds of ``groups`` (e.g. sites: then no site's template is on both sides,
        as on new pages), else of documents.  (scikit-learn's weighted binning batched: the
        same trees, many times faster on small data; see :mod:`boilerkit.sklearn_fixes`.)"""
        with batched_weighted_binning():
            return self._fit(X, y, sample_weight, real, groups)

    def _fit(self, X, y, sample_weight, real, groups):
        if self.second_draws > 1:
            check_averageable(self.second)
        X = np.asarray(X)
        y = np.asarray(y)
        index = self._index(X)
        sample_weight = self._line_weights(X, sample_weight)
        real = np.ones(len(y), dtype=bool) if real is None else np.asarray(real, dtype=bool)

        def weights(rows=slice(None)) -> dict:
            return {} if sample_weight is None else {"sample_weight": np.asarray(sample_weight)[rows]}

        self.first_ = clone(self.first).fit(X[real], y[real], **weights(real))
        fold_groups = index.doc if groups is None else np.asarray(groups)
        folds = min(self.folds, len(np.unique(fold_groups)))
        self.neighbourhood_names_ = [name for name in NEIGHBOURHOOD_NAMES
                                     if self.shape_columns is not None or name not in SHAPE_NAMES]
        seconds = []
        for draw in range(max(1, self.second_draws) if folds >= 2 else 1):
            seed = self.random_state + draw
            if folds >= 2:
                out_of_fold = np.zeros(len(y))
                splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
                for train_index, test_index in splitter.split(X, y, fold_groups):
                    train_index = train_index[real[train_index]]
                    fold_model = clone(self.first).fit(X[train_index], y[train_index], **weights(train_index))
                    out_of_fold[test_index] = fold_model.predict_proba(X[test_index])[:, 1]
            else:  # a single document: nothing to hold out, the in-sample pass has to do
                out_of_fold = self.first_.predict_proba(X)[:, 1]
            second = clone(self.second)
            if draw:
                second.set_params(random_state=_shifted_seed(second.get_params().get("random_state"), draw))
            seconds.append(second.fit(self.second_pass_input(X, out_of_fold, index), y, **weights()))
        self.second_ = seconds[0] if len(seconds) == 1 else mean_of_boostings(seconds)
        self.classes_ = self.second_.classes_
        return self

    def first_pass_proba(self, X, compiled: bool | None = None) -> np.ndarray:
        """The first pass's content probability of each row (``compiled``: see :meth:`predict_proba`)."""
        check_is_fitted(self, "second_")
        return pass_proba(self.first_, X, compiled=compiled)[:, 1]

    def neighbourhood_columns(self, X, p1, index: DocumentIndex | None = None,
                              compiled: bool | None = None) -> np.ndarray:
        """The neighbourhood columns this model was trained with (``index``: the documents of
        ``X``, if the caller has them already; ``compiled``: see :meth:`predict_proba`)."""
        lengths = None if self.length_column is None else X[:, self.length_column]
        repeats = None if self.repeat_column is None else X[:, self.repeat_column]
        shapes = None if self.shape_columns is None else X[:, list(self.shape_columns)]
        index = self._index(X) if index is None else index
        if use_compiled(compiled):
            from .compiled_neighbourhood import neighbourhood as compiled_neighbourhood

            columns = compiled_neighbourhood(index.doc, p1, lengths, repeats, shapes)
        else:
            columns = neighbourhood(index, p1, lengths, repeats, shapes)
        # Models saved before the names were kept use the first columns.
        return columns_named(columns, getattr(self, "neighbourhood_names_", FIRST_NEIGHBOURHOOD_NAMES))

    def second_pass_input(self, X, p1, index: DocumentIndex | None = None, compiled: bool | None = None) -> np.ndarray:
        """``X`` and the neighbourhood columns this model was trained with."""
        return np.hstack([X, self.neighbourhood_columns(X, p1, index, compiled)])

    def predict_proba(self, X, compiled: bool | None = None):
        """Class probabilities of each row.  ``compiled``: True runs the compiled kernels
        (numba), False scikit-learn and numpy (the reference); None (default) the compiled
        ones unless the environment variable ``BOILERKIT_COMPILED`` is 0.  Both give the same
        probabilities (``tests/test_trees.py``)."""
        X = np.asarray(X)
        compiled = use_compiled(compiled)
        p1 = self.first_pass_proba(X, compiled)
        # no joined copy of X and the columns on the compiled path: the trees read both
        return pass_proba(self.second_, X, self.neighbourhood_columns(X, p1, compiled=compiled), compiled)

    def predict(self, X, compiled: bool | None = None):
        return self.classes_[(self.predict_proba(X, compiled)[:, 1] >= 0.5).astype(int)]


def _shifted_seed(seed, draw: int):
    return seed + draw if isinstance(seed, (int, np.integer)) else seed


def check_averageable(estimator) -> None:
    """Raise ValueError unless :func:`mean_of_boostings` can average fits of ``estimator``."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    if not isinstance(estimator, HistGradientBoostingClassifier):
        raise ValueError("second_draws > 1 averages HistGradientBoostingClassifier fits, "
                         f"not {type(estimator).__name__}")


def mean_of_boostings(estimators):
    """One fitted ``HistGradientBoostingClassifier`` whose raw score (log-odds) is the mean
    of the ``estimators``' (binary, fitted on the same columns): all their trees, each
    leaf's value divided by their number, from the mean of their baselines.  A copy of the
    first with the others' trees appended, so everything that reads one fitted ensemble
    (``predict_proba``, the compiled trees, a saved model) reads it as it is."""
    merged = copy.deepcopy(estimators[0])
    share = 1.0 / len(estimators)
    predictors = []
    for estimator in estimators:
        for iteration in estimator._predictors:
            trees = []
            for predictor in iteration:
                tree = copy.copy(predictor)
                tree.nodes = predictor.nodes.copy()
                tree.nodes["value"] *= share
                trees.append(tree)
            predictors.append(trees)
    merged._predictors = predictors
    merged._baseline_prediction = sum(e._baseline_prediction for e in estimators) * share
    return merged
