"""benchmarks/trees.py: its count of the tests a walk makes."""

from __future__ import annotations

import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from boilerkit import trees
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import trees as trees_benchmark  # noqa: E402


def test_a_walk_makes_one_test_per_level_of_each_tree():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    stumps = HistGradientBoostingClassifier(max_iter=5, max_leaf_nodes=2, early_stopping=False).fit(X, y)
    deeper = HistGradientBoostingClassifier(max_iter=5, max_depth=2, early_stopping=False).fit(X, y)
    assert np.array_equal(trees_benchmark.path_lengths(trees.compiled_trees(stumps), X), np.full(len(X), 5))
    visits = trees_benchmark.path_lengths(trees.compiled_trees(deeper), X)
    # depth 2: one or two tests a tree, and some rows take two somewhere
    assert visits.min() >= 5 and visits.max() <= 10 and visits.max() > 5
