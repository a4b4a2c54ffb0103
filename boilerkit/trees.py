"""Compiled tree ensembles: a fitted binary ``HistGradientBoostingClassifier`` walked by numba.

scikit-learn predicts one tree at a time over all the rows it is given (boilerkit gives it
5,000, 3 to 7 MB as float64: more than the 1 MB L2 cache holds), one row at a time: each
node visit waits on the last, since the next node depends on the comparison just made, and
the CPU's guesses of where a row goes are often wrong.  Here the same trees are flattened into arrays and walked by a
compiled kernel that

* takes the rows a block at a time (:data:`BLOCK_ROWS`), copied into a small float64
  buffer that stays in the CPU cache while every tree walks it;
* walks eight rows of the block through a tree together (:data:`ROWS_TOGETHER`), choosing
  children without branches, so the CPU works on eight independent walks at once instead
  of waiting on one;
* reads one packed word per node for the column and the children, which sit side by side
  (:class:`CompiledTrees`), and tests for leaves only once a walk may have reached one;
* indexes its arrays with unsigned integers, which numba need not check for negative ones.

Every decision is the one scikit-learn makes: scikit-learn converts ``X`` to float64
(``X_DTYPE``) and sends a row left when ``x <= threshold``, or, for a missing value (NaN),
the way the split learned (``missing_go_to_left``) -- see ``_predictor.pyx`` in
``sklearn/ensemble/_hist_gradient_boosting``.  float32 rows are widened to float64 exactly
(or, where every column is float32, compared with thresholds rounded down to float32, which
decide alike: :attr:`CompiledTrees.threshold_below`), the trees' values are added in
scikit-learn's order starting from the same baseline, and the probabilities come from the
estimator's own loss: they are bit-identical.

The flat arrays are built from the fitted estimator when first needed and kept beside it
(:func:`compiled_trees`), never in the estimator, so saved models do not change.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .compiled import njit

# Rows copied into the cache-resident buffer and walked by every tree before the next
# block.  benchmarks/trees.py --blocks (bundled model, 200,148 lines of lines.jsonl.gz, both
# passes, CPU us per line, 2 busy cores, load 5 to 7): three runs walking 4 rows together,
# 16 rows 12.3 / 11.8 / 11.2, 32 10.8 / 12.4 / 11.0, 64 10.9 / 11.3 / 11.4, 128 10.6 / 11.3 /
# 11.8, 256 12.2 / 12.6 / 12.0, 1024 14.6 / 14.7 / 14.1; with 8 rows together and the
# missing-value test skipped (benchmarks/results/trees.txt) 6.8, 8.1, 7.2, 7.2, 7.7, 9.8.
# 16 to 128 are within the noise of each other, larger blocks slower; at 64 the block (171
# columns x 64 rows x 8 bytes = 88 kB) stays well inside the 1 MB L2 cache.
BLOCK_ROWS = 64
# Rows walked through a tree together (spelt out as a to h in _tree_walk): independent walks
# the CPU overlaps.  First pass / second pass, us per line, best of 6, three runs on 40,000
# lines (load 5): 2 rows 4.96 / 6.41, 4.89 / 6.24, 5.11 / 6.31; 4 rows 3.42 / 4.96,
# 3.48 / 4.44, 3.53 / 4.78; 8 rows 3.04 / 3.69, 2.93 / 3.78, 3.16 / 3.92.
ROWS_TOGETHER = 8
# QuickScorer (Lucchese et al., SIGIR 2015: per feature, a masked AND for every node whose
# test a row fails, in any tree, then each tree's leaf from its mask) does not pay here:
# with 63-leaf trees a line fails 2,873 + 5,606 tests of the two passes' 19,840, against
# 953 + 1,326 on its walks (20,000 lines of lines.jsonl.gz; benchmarks/trees.py --node-work).
# Smaller blocks pay only where they stay exact (2026-12-03, first pass, 40,000 lines of
# lines.jsonl.gz, numba JIT, one process, load 0.5; the float64 walk 1.84-1.89 us a line):
# the rows as float32 with each threshold rounded down to float32 (exact for float32
# features, not for the second pass's float64 columns) 1.62, adopted for the first pass
# (CompiledTrees.threshold_below); as uint8 ranks among each column's thresholds (exact for
# any column, the block 11 kB, in L1) 1.25 to walk but 1.2-1.9 more to rank the rows (150
# columns, 4 steps of binary search each); threshold and packed word interleaved in one
# array 2.08.  Nor does ending a walk when no row moved instead of testing for leaves (one
# step more, no loads for the test: float32 first pass 1.26-1.28 -> 1.32-1.35, 2026-12-04),
# nor the second pass on float32 rows and thresholds rounded to nearest, a tie decided again
# in float64 (exact, but the branch undoes the eight overlapping walks: 2.29 -> 34 us a line).
# A walk step costs about 5 cycles, 8 rows overlapping; what is left is the number of steps
# (the first pass's 120 trees take 1,139 a line walked 8 rows together, 953 alone; the
# second's 200 trees 1,669 and 1,351): the model's shape.


class NotCompilable(ValueError):
    """An estimator whose trees this module cannot walk (multiclass, categorical splits...)."""


# Bits of a packed node below its first child's index: the column it compares.
FEATURE_BITS = 16
FEATURE_MASK = (1 << FEATURE_BITS) - 1


@dataclass(frozen=True, eq=False)
class CompiledTrees:
    """The trees of a fitted binary ``HistGradientBoostingClassifier`` as flat arrays.

    All trees' nodes are concatenated, each tree's nodes numbered so that a node's two
    children are neighbours (right = left + 1): a step is ``left + (x > threshold)``, with
    no branch and no second child array to read.  A leaf is its own left child with an
    infinite threshold (and NaN sent left), so a row that reached its leaf stays there while
    the other rows walked with it go on; a walk has ended when no row moved.
    """

    # int64: the first child's index << FEATURE_BITS | the column compared.  One load gives
    # both: 8 walks interleaved are bound by their loads (3 a step instead of 5: first pass
    # 6.74 -> 4.57 us a line, second 9.32 -> 6.44; benchmarks/trees.py, 100,946 lines, load 1).
    packed: np.ndarray
    threshold: np.ndarray  # float64: go left when x <= threshold; +inf at a leaf
    missing_left: np.ndarray  # uint8: where a NaN goes (left at a leaf)
    value: np.ndarray  # float64: a leaf's contribution to the raw score (0 elsewhere)
    roots: np.ndarray  # int64: each tree's first node, in scikit-learn's order
    # int64: each tree's shallowest leaf: steps every row takes before a walk can have ended
    first_leaf_depth: np.ndarray
    baseline: float  # the raw score before any tree
    n_features: int
    loss: object  # the estimator's own loss: raw scores -> probabilities, as it computes them

    @property
    def feature(self) -> np.ndarray:
        """The column each node compares (0 at a leaf)."""
        return self.packed & ((1 << FEATURE_BITS) - 1)

    @property
    def is_leaf(self) -> np.ndarray:
        return (self.packed >> FEATURE_BITS) == np.arange(len(self.packed))

    @cached_property
    def threshold_below(self) -> np.ndarray:
        """:attr:`threshold` rounded down to float32: the same decisions on float32 rows.

        For a float32 ``x``, ``x <= t`` exactly when ``x <= t32``, the largest float32 not
        above ``t``: ``t32 <= t`` gives one way, and no float32 lies in ``(t32, t]`` the
        other.  The first pass reads only float32 features, so it walks a float32 block
        with these thresholds, half the bytes of the float64 one: the bundled model's first
        pass 1.57 -> 1.26-1.39 us a line (40,000 lines of lines.jsonl.gz, best of 7, one
        process, load 0.3, 2026-12-04)."""
        return _round_down_to_float32(self.threshold)

    def split_columns(self) -> np.ndarray:
        """The columns some split compares, once each."""
        return np.unique(self.feature[~self.is_leaf])

    @classmethod
    def from_estimator(cls, estimator) -> CompiledTrees:
        check_compilable(estimator)
        if estimator.n_features_in_ >= 1 << FEATURE_BITS:
            raise NotCompilable(f"more than {(1 << FEATURE_BITS) - 1} features")
        trees = [_children_side_by_side(predictor.nodes) for iteration in estimator._predictors
                 for predictor in iteration]
        sizes = np.array([len(nodes) for nodes, _ in trees], dtype=np.int64)
        roots = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        nodes = np.concatenate([nodes for nodes, _ in trees])
        left = np.concatenate([left for _, left in trees]) + np.repeat(roots, sizes)
        leaf = nodes["is_leaf"].astype(bool)
        feature = np.where(leaf, 0, nodes["feature_idx"]).astype(np.int64)
        return cls(
            packed=(left << FEATURE_BITS) | feature,
            threshold=np.where(leaf, np.inf, nodes["num_threshold"]).astype(np.float64),
            missing_left=(leaf | nodes["missing_go_to_left"].astype(bool)).astype(np.uint8),
            value=np.where(leaf, nodes["value"], 0.0).astype(np.float64),
            roots=roots,
            first_leaf_depth=np.array([nodes["depth"][nodes["is_leaf"].astype(bool)].min() for nodes, _ in trees],
                                      dtype=np.int64),
            baseline=float(estimator._baseline_prediction[0, 0]),
            n_features=int(estimator.n_features_in_),
            loss=estimator._loss,
        )

    def raw_predict(self, X: np.ndarray, more_columns: np.ndarray | None = None) -> np.ndarray:
        """The raw score (log-odds of class 1) of every row of ``X``, or of ``X`` with
        ``more_columns`` appended (without building the joined array)."""
        X = _as_2d_float(X)
        more_columns = np.zeros((len(X), 0)) if more_columns is None else _as_2d_float(more_columns)
        if len(more_columns) != len(X):
            raise ValueError(f"X has {len(X)} rows but more_columns {len(more_columns)}")
        n_features = X.shape[1] + more_columns.shape[1]
        if n_features != self.n_features:
            raise ValueError(f"X has {n_features} features, but the trees expect {self.n_features}")
        out = np.empty(len(X), dtype=np.float64)
        if X.dtype == np.float32 and more_columns.shape[1] == 0:
            threshold, more_columns = self.threshold_below, np.zeros((len(X), 0), dtype=np.float32)
        else:
            threshold = self.threshold
        _sum_of_trees(X, more_columns, self.packed, threshold, self.missing_left, self.value, self.roots,
                      self.first_leaf_depth, self.baseline, BLOCK_ROWS, out)
        return out

    def predict_proba(self, X: np.ndarray, more_columns: np.ndarray | None = None) -> np.ndarray:
        """``estimator.predict_proba`` of ``X`` (with ``more_columns`` appended)."""
        return self.loss.predict_proba(self.raw_predict(X, more_columns))


def _children_side_by_side(nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A tree's nodes renumbered (root first, then the two children of each split in the
    splits' order), and each node's first child in the new numbering (itself at a leaf)."""
    split = np.flatnonzero(nodes["is_leaf"] == 0)
    new = np.zeros(len(nodes), dtype=np.int64)
    new[nodes["left"][split]] = 1 + 2 * np.arange(len(split))
    new[nodes["right"][split]] = 2 + 2 * np.arange(len(split))
    order = np.empty(len(nodes), dtype=np.int64)
    order[new] = np.arange(len(nodes))
    renumbered = nodes[order]
    left = np.arange(len(nodes), dtype=np.int64)
    is_split = renumbered["is_leaf"] == 0
    left[is_split] = new[renumbered["left"][is_split]]
    return renumbered, left


def _round_down_to_float32(values: np.ndarray) -> np.ndarray:
    """The largest float32 not above each of ``values`` (infinities stay; float32's largest
    finite value for what lies above it, minus infinity for what lies below its lowest)."""
    with np.errstate(over="ignore"):  # beyond float32's range: infinite, then stepped back below
        nearest = values.astype(np.float32)
    above = nearest.astype(np.float64) > values
    nearest[above] = np.nextafter(nearest[above], np.float32(-np.inf))
    return nearest


def _as_2d_float(X) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-D array, got {X.ndim} dimension(s)")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)  # as scikit-learn's validation does
    return X


def check_compilable(estimator) -> None:
    """Raise :class:`NotCompilable` unless ``estimator`` is a fitted binary
    ``HistGradientBoostingClassifier`` with numerical splits only."""
    _check_type(estimator)
    if not hasattr(estimator, "_predictors"):
        raise NotCompilable("the estimator is not fitted")
    if estimator.n_trees_per_iteration_ != 1:
        raise NotCompilable("only binary classifiers (one tree per iteration) are compiled")
    if getattr(estimator, "is_categorical_", None) is not None or any(
        predictor.nodes["is_categorical"].any() for iteration in estimator._predictors for predictor in iteration
    ):
        raise NotCompilable("categorical splits are not compiled")


def _check_type(estimator) -> None:
    # imported here: the compiled model (boilerkit.runtime) walks trees without scikit-learn
    from sklearn.ensemble import HistGradientBoostingClassifier

    if not isinstance(estimator, HistGradientBoostingClassifier):
        raise NotCompilable(f"not a HistGradientBoostingClassifier: {type(estimator).__name__}")


# Compiled trees of each estimator, built once and dropped with it: kept out of the
# estimator so that pickles and .skops files never hold them.  Each entry remembers the
# estimator's list of trees it was built from, and its length: fitting the estimator again
# makes a new list, and warm_start adds to it, either of which makes the entry stale.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def compiled_trees(estimator) -> CompiledTrees:
    """The :class:`CompiledTrees` of a fitted estimator, built on first use and again after
    the estimator is fitted again (checked then: :func:`check_compilable`)."""
    _check_type(estimator)  # before hashing it: only the trees' estimator is known to be hashable
    predictors = getattr(estimator, "_predictors", None)
    entry = _COMPILED.get(estimator)
    if entry is None or entry[0] is not predictors or entry[1] != len(predictors):
        entry = _COMPILED[estimator] = (predictors, len(predictors or ()), CompiledTrees.from_estimator(estimator))
    return entry[2]


def compiled_trees_or_none(estimator) -> CompiledTrees | None:
    """:func:`compiled_trees`, or None for an estimator that has no trees to compile."""
    try:
        return compiled_trees(estimator)
    except NotCompilable:
        return None


# ------------------------------------------------------------------------------ kernels


# The walk indexes with unsigned integers: numba wraps a negative index of an array around
# (as Python does), which costs a test at every signed index it cannot prove positive -- the
# node read from the packed word, at every step of every walk.  Unsigned, the tests go, and
# with them a quarter of the walk's time (first pass 3.37 -> 2.49, second 4.92 -> 3.61 us a
# line; the bundled model on 21,496 lines of lines.jsonl.gz, best of 7, one process, load 1).
_FEATURE_BITS = np.uint64(FEATURE_BITS)
_FEATURE_MASK = np.uint64(FEATURE_MASK)


@njit(cache=True, nogil=True, exported=(
    "f4[2A], f8[2C], i8[1C], f8[1C], u1[1C], f8[1C], i8[1C], i8[1C], f8, i8, f8[1C] -> none",
    "f8[2A], f8[2C], i8[1C], f8[1C], u1[1C], f8[1C], i8[1C], i8[1C], f8, i8, f8[1C] -> none",
    "f4[2A], f4[2C], i8[1C], f4[1C], u1[1C], f8[1C], i8[1C], i8[1C], f8, i8, f8[1C] -> none",
))
def _sum_of_trees(X, more_columns, packed, threshold, missing_left, value, roots, first_leaf_depth, baseline,
                  block_rows, out):
    """``out[i]``: baseline plus every tree's leaf value for row ``i`` of ``X | more_columns``,
    compared with ``threshold`` in its own type (float32 ones: see CompiledTrees.threshold_below)."""
    n = X.shape[0]
    # one column's rows side by side, column after column: row r of column c at c * block_rows + r
    block = np.empty((X.shape[1] + more_columns.shape[1]) * block_rows, dtype=threshold.dtype)
    stride = np.uint64(block_rows)
    for start in range(0, n, block_rows):
        rows = min(block_rows, n - start)
        has_missing = _copy_block(X, more_columns, start, rows, block, block_rows)
        for row in range(rows):
            out[start + row] = baseline
        # Two compiled copies of the walk, picked once per block: a block without NaN (all
        # of boilerkit's features) skips the missing-value test at every node, 16 to 19% of
        # the walk's time (40,000 lines of lines.jsonl.gz, both kernels in one process).
        # (Passing the child function as an argument instead made numba refuse to cache.)
        block_out = out[start:start + rows]
        if has_missing:
            for tree in range(roots.shape[0]):
                _add_tree_with_missing(block, stride, rows, np.uint64(roots[tree]), first_leaf_depth[tree], packed,
                                       threshold, missing_left, value, block_out)
        else:
            for tree in range(roots.shape[0]):
                _add_tree_without_missing(block, stride, rows, np.uint64(roots[tree]), first_leaf_depth[tree],
                                          packed, threshold, missing_left, value, block_out)


@njit(nogil=True, inline="always")
def _copy_block(X, more_columns, start, rows, block, block_rows) -> bool:
    """Rows ``start ..`` of ``X | more_columns`` into ``block``, a column's rows side by side
    (rows walked together read the same feature of neighbouring rows, often one cache line);
    returns whether any value is missing (NaN)."""
    n_first = X.shape[1]
    has_missing = False
    for row in range(rows):
        for column in range(n_first):
            x = block[column * block_rows + row] = X[start + row, column]
            has_missing |= x != x
        for column in range(more_columns.shape[1]):
            x = block[(n_first + column) * block_rows + row] = more_columns[start + row, column]
            has_missing |= x != x
    return has_missing


@njit(nogil=True, inline="always")
def _child_with_missing(block, stride, row, node, packed, threshold, missing_left):
    """The node after ``node`` for ``row`` (both unsigned; ``stride``: a column's rows in the
    block), as scikit-learn picks it (NaN <= t is false)."""
    node_packed = np.uint64(packed[node])
    x = block[(node_packed & _FEATURE_MASK) * stride + row]
    go_left = (x <= threshold[node]) | (np.isnan(x) & (missing_left[node] != 0))
    return (node_packed >> _FEATURE_BITS) + np.uint64(not go_left)


@njit(nogil=True, inline="always")
def _child_without_missing(block, stride, row, node, packed, threshold, missing_left):
    """:func:`_child_with_missing` for a row known to hold no NaN."""
    node_packed = np.uint64(packed[node])
    x = block[(node_packed & _FEATURE_MASK) * stride + row]
    return (node_packed >> _FEATURE_BITS) + np.uint64(x > threshold[node])


@njit(nogil=True, inline="always")
def _at_leaf(packed, node):
    return (np.uint64(packed[node]) >> _FEATURE_BITS) == node


def _tree_walk(child):
    """A compiled function that adds one tree's leaf values to ``out`` (the block's rows),
    :data:`ROWS_TOGETHER` rows at a time, each step to the node ``child`` picks."""

    @njit(nogil=True, inline="always")
    def add_tree(block, stride, rows, root, first_leaf_depth, packed, threshold, missing_left, value, out):
        row = 0
        while row + ROWS_TOGETHER <= rows:
            a = b = c = d = e = f = g = h = root
            at = np.uint64(row)
            steps = 0
            while True:
                a = child(block, stride, at, a, packed, threshold, missing_left)
                b = child(block, stride, at + np.uint64(1), b, packed, threshold, missing_left)
                c = child(block, stride, at + np.uint64(2), c, packed, threshold, missing_left)
                d = child(block, stride, at + np.uint64(3), d, packed, threshold, missing_left)
                e = child(block, stride, at + np.uint64(4), e, packed, threshold, missing_left)
                f = child(block, stride, at + np.uint64(5), f, packed, threshold, missing_left)
                g = child(block, stride, at + np.uint64(6), g, packed, threshold, missing_left)
                h = child(block, stride, at + np.uint64(7), h, packed, threshold, missing_left)
                steps += 1
                # no row is at a leaf before the tree's shallowest one: no test until then
                if steps >= first_leaf_depth and (
                        _at_leaf(packed, a) & _at_leaf(packed, b) & _at_leaf(packed, c) & _at_leaf(packed, d)
                        & _at_leaf(packed, e) & _at_leaf(packed, f) & _at_leaf(packed, g) & _at_leaf(packed, h)):
                    break
            for offset, leaf in enumerate((a, b, c, d, e, f, g, h)):
                out[row + offset] += value[leaf]
            row += ROWS_TOGETHER
        while row < rows:
            node = root
            at = np.uint64(row)
            while not _at_leaf(packed, node):
                node = child(block, stride, at, node, packed, threshold, missing_left)
            out[row] += value[node]
            row += 1

    return add_tree


_add_tree_with_missing = _tree_walk(_child_with_missing)
_add_tree_without_missing = _tree_walk(_child_without_missing)


@njit(cache=True, nogil=True, exported=("f8[1C] -> f8[1C]",))
def _logistic(raw):
    """``scipy.special.expit(raw)``, the probabilities of scikit-learn's binary log loss, bit
    for bit: ``1 / (1 + exp(-x))`` with the C library's ``exp``, one value at a time, as
    scipy computes it.  numpy's ``np.exp`` may instead use vector code whose last bit
    differs: on a CPU with AVX-512 (numpy 2.4, scipy 1.17) 2% of the values differed by one
    unit in the last place, and the compiled model's probabilities with them."""
    out = np.empty(raw.shape[0], dtype=np.float64)
    for i in range(raw.shape[0]):
        out[i] = 1.0 / (1.0 + math.exp(-raw[i]))
    return out
