"""Compiled trees (boilerkit.trees) predict what scikit-learn predicts, and the stacker uses
them without changing its results or its saved form.  No timing here: see benchmarks/trees.py."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

import boilerkit
from boilerkit.compiled import ENV_VAR
from boilerkit.features import as_rows
from boilerkit.stacking import pass_proba
from boilerkit.trees import CompiledTrees, NotCompilable, _round_down_to_float32, compiled_trees, compiled_trees_or_none

from .conftest import ROOT

# The largest difference allowed between compiled and scikit-learn probabilities (the
# kernel adds the same numbers in the same order: the difference found is 0).
TOLERANCE = 1e-9


@pytest.fixture(scope="session")
def bundled_model():
    return boilerkit.load_model()


@pytest.fixture(scope="session", params=["bundled", "small"])
def stacker_and_rows(request, bundled_model, small_model, sample_docs):
    """A fitted stacker (of the bundled model, or of a small one trained in the tests) and
    the feature rows of the sample's real pages."""
    model = bundled_model if request.param == "bundled" else small_model
    X = model[:-1].transform(as_rows(doc["lines"] for doc in sample_docs))
    return model.steps[-1][1].estimator_, X


def assert_same_predictions(estimator, X, more_columns=None):
    joined = X if more_columns is None else np.hstack([X, more_columns])
    expected = estimator.predict_proba(joined)
    got = compiled_trees(estimator).predict_proba(X, more_columns)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= TOLERANCE
    np.testing.assert_array_equal(estimator.classes_[got.argmax(axis=1)], estimator.predict(joined))


def test_first_pass_on_real_pages(stacker_and_rows):
    stacker, X = stacker_and_rows
    assert X.dtype == np.float32  # the case that needs care: scikit-learn compares in float64
    assert_same_predictions(stacker.first_, X)


def test_second_pass_on_real_pages(stacker_and_rows):
    stacker, X = stacker_and_rows
    columns = stacker.neighbourhood_columns(X, stacker.first_pass_proba(X, compiled=False), compiled=False)
    assert_same_predictions(stacker.second_, X, columns)


def test_second_pass_on_the_joined_array(stacker_and_rows):
    stacker, X = stacker_and_rows
    assert_same_predictions(stacker.second_, stacker.second_pass_input(X, stacker.first_pass_proba(X)))


@pytest.mark.parametrize("share", [0.05, 0.5, 1.0])
def test_missing_and_infinite_values(stacker_and_rows, share):
    stacker, X = stacker_and_rows
    rng = np.random.default_rng(0)
    X = X[:2000].copy()
    X[rng.random(X.shape) < share] = np.nan
    X[rng.random(X.shape) < 0.01] = np.inf
    X[rng.random(X.shape) < 0.01] = -np.inf
    assert_same_predictions(stacker.first_, X)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_one_odd_value_among_plain_rows(stacker_and_rows, value):
    """Blocks of rows without NaN take a walk that skips the missing-value test: one NaN (or
    infinity) in one row of one block, the blocks before and after it plain."""
    stacker, X = stacker_and_rows
    X = X[:1000].copy()
    X[500, :] = value
    assert_same_predictions(stacker.first_, X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_at_and_next_to_every_threshold(bundled_model, dtype):
    """Rows whose values sit on the thresholds and one step of ``dtype`` either side: where
    a float32 value and a float64 threshold differ in their last bits."""
    estimator = bundled_model.steps[-1][1].estimator_.first_
    trees = compiled_trees(estimator)
    inner = trees.is_leaf == 0
    rows = []
    for direction in (-np.inf, 0, np.inf):
        values = trees.threshold[inner].astype(dtype)
        values = values if direction == 0 else np.nextafter(values, dtype(direction))
        row = np.zeros((len(values), estimator.n_features_in_), dtype=dtype)
        row[np.arange(len(values)), trees.feature[inner]] = values
        rows.append(row)
    assert_same_predictions(estimator, np.concatenate(rows))


def test_thresholds_rounded_down_to_float32_decide_as_the_float64_ones():
    """The float32 walk's thresholds: for every float32 x, ``x <= t32`` exactly when ``x <= t``."""
    big = float(np.finfo(np.float32).max)
    thresholds = np.array([0.1, -0.1, 1.0, 1 / 3, 1e-45, -1e-45, 0.0, big, big * 1.5, -big * 1.5, 1e300, -1e300,
                           np.inf, -np.inf, *np.random.default_rng(0).normal(scale=100, size=200)])
    below = _round_down_to_float32(thresholds)
    assert below.dtype == np.float32
    with np.errstate(over="ignore"):  # the step from float32's largest value is infinite
        near = np.concatenate([np.nextafter(below, np.float32(d)) for d in (-np.inf, np.inf)] + [below])
    x = np.concatenate([near, np.array([0, -0.0, np.inf, -np.inf, big, -big], dtype=np.float32)])
    np.testing.assert_array_equal(x[:, None] <= below[None, :], x[:, None].astype(np.float64) <= thresholds[None, :])


@pytest.mark.parametrize("rows", [0, 1, 7, 8, 9, 63, 64, 65, 1000])
def test_any_number_of_rows(stacker_and_rows, rows):
    """Blocks (BLOCK_ROWS) and rows walked together (ROWS_TOGETHER): every remainder."""
    stacker, X = stacker_and_rows
    if rows == 0:  # scikit-learn refuses an empty array; the compiled trees give no rows
        assert compiled_trees(stacker.first_).predict_proba(X[:0]).shape == (0, 2)
        return
    assert_same_predictions(stacker.first_, X[:rows])


def random_data(rows=500, features=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features))
    return X, (X[:, 0] + 0.5 * rng.normal(size=rows) > 0).astype(int)


def test_trees_that_are_a_single_leaf():
    """Constant features: no split anywhere, every tree is its root."""
    X, y = random_data()
    X[:] = 1.0
    estimator = HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    assert all(len(predictor.nodes) == 1 for iteration in estimator._predictors for predictor in iteration)
    assert_same_predictions(estimator, X)


def test_a_single_leaf_among_other_trees():
    """A tree that stops at its root (the boosting found no split worth making) between
    trees that split: its value is added to every row, the other trees still walk."""
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor

    X, y = random_data()
    estimator = HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    split = estimator._predictors[2][0]
    leaf = split.nodes[:1].copy()
    leaf["is_leaf"], leaf["value"], leaf["left"], leaf["right"] = 1, 0.25, 0, 0
    estimator._predictors[2][0] = TreePredictor(leaf, split.binned_left_cat_bitsets, split.raw_left_cat_bitsets)
    assert_same_predictions(estimator, X)


@pytest.mark.parametrize("warm_start", [False, True])
def test_an_estimator_fitted_again_gets_its_new_trees(warm_start):
    X, y = random_data()
    estimator = HistGradientBoostingClassifier(max_iter=5, warm_start=warm_start).fit(X, y)
    assert_same_predictions(estimator, X)
    estimator.set_params(max_iter=10).fit(X, 1 - y if not warm_start else y)
    assert_same_predictions(estimator, X)


def test_class_labels_other_than_0_and_1():
    X, y = random_data()
    estimator = HistGradientBoostingClassifier(max_iter=10).fit(X, np.where(y == 1, "content", "clutter"))
    assert_same_predictions(estimator, X)


def test_wrong_number_of_features_is_refused(bundled_model):
    estimator = bundled_model.steps[-1][1].estimator_.first_
    with pytest.raises(ValueError, match="features"):
        compiled_trees(estimator).predict_proba(np.zeros((3, estimator.n_features_in_ - 1)))


def multiclass_trees():
    X, _ = random_data()
    return HistGradientBoostingClassifier(max_iter=3).fit(X, np.arange(len(X)) % 3)


def categorical_trees():
    X, y = random_data()
    X[:, 1] = np.arange(len(X)) % 4
    return HistGradientBoostingClassifier(max_iter=3, categorical_features=[1]).fit(X, y)


@pytest.mark.parametrize("make", [multiclass_trees, categorical_trees, HistGradientBoostingClassifier],
                         ids=["multiclass", "categorical", "unfitted"])
def test_trees_that_cannot_be_compiled_are_refused(make):
    estimator = make()
    with pytest.raises(NotCompilable):
        CompiledTrees.from_estimator(estimator)
    assert compiled_trees_or_none(estimator) is None


def test_pass_without_compilable_trees_uses_the_estimator():
    X, _ = random_data()
    estimator = multiclass_trees()
    np.testing.assert_array_equal(pass_proba(estimator, X, compiled=True), estimator.predict_proba(X))


# ------------------------------------------------------------------------- the stacker


def test_stacker_compiled_and_reference_paths_agree(stacker_and_rows):
    stacker, X = stacker_and_rows
    compiled, reference = stacker.predict_proba(X, compiled=True), stacker.predict_proba(X, compiled=False)
    assert np.abs(compiled - reference).max() <= TOLERANCE
    np.testing.assert_array_equal(stacker.predict(X, compiled=True), stacker.predict(X, compiled=False))


def test_environment_variable_forces_the_reference_path(stacker_and_rows, monkeypatch):
    stacker, X = stacker_and_rows

    def refuse(*args, **kwargs):
        raise AssertionError("the compiled trees ran")

    monkeypatch.setattr(CompiledTrees, "predict_proba", refuse)
    monkeypatch.setenv(ENV_VAR, "0")
    assert stacker.predict_proba(X[:50]).shape == (50, 2)
    monkeypatch.setenv(ENV_VAR, "1")
    with pytest.raises(AssertionError, match="compiled trees ran"):
        stacker.predict_proba(X[:50])


def test_compiled_arrays_are_not_saved_with_the_model(small_model, sample_docs):
    """Predicting builds the compiled arrays beside the model, not in it: its pickle is the
    same before and after (so .skops files and older boilerkits see no new type)."""
    model = pickle.loads(pickle.dumps(small_model))
    before = pickle.dumps(model)
    model.content_probability(sample_docs[0]["lines"])
    assert compiled_trees_or_none(model.steps[-1][1].estimator_.first_) is not None
    assert pickle.dumps(model) == before


def test_skops_model_saved_after_predicting_loads(small_model, sample_docs, tmp_path):
    lines = sample_docs[0]["lines"]
    expected = small_model.content_probability(lines)
    path = boilerkit.save_model(small_model, tmp_path / "model.skops")
    np.testing.assert_array_equal(boilerkit.load_model(path).content_probability(lines), expected)


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})


WITHOUT_NUMBA = """
import sys, logging
sys.modules["numba"] = None  # import numba now raises ImportError
logging.basicConfig(level=logging.WARNING, format="WARNING %(message)s")
import numpy as np, boilerkit
model = boilerkit.load_model()
lines = ["Home", "About us", "A long paragraph of an article that says something of interest."] * 30
first = model.content_probability(lines)
second = model.content_probability(lines)
assert np.array_equal(first, second)
print(repr(first.tolist()))
"""


def test_without_numba_predicts_with_scikit_learn_and_warns_once(bundled_model):
    # without the ahead-of-time build too: it serves without numba (tests/test_ahead_of_time.py)
    result = run_python(WITHOUT_NUMBA, BOILERKIT_AHEAD_OF_TIME="0")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("WARNING") == 1 and "numba" in result.stderr
    lines = ["Home", "About us", "A long paragraph of an article that says something of interest."] * 30
    assert eval(result.stdout) == bundled_model.content_probability(lines).tolist()


CACHE_STATS = """
import boilerkit
from boilerkit import compiled_neighbourhood, trees
boilerkit.load_model().content_probability(["Home", "A paragraph of an article, long enough to count."])
stats = [trees._sum_of_trees.dispatcher.stats, compiled_neighbourhood._neighbourhood.dispatcher.stats]
print(sum(len(s.cache_misses) for s in stats), sum(len(s.cache_hits) for s in stats))
"""


def test_a_second_process_loads_the_kernels_from_the_disk_cache():
    run_python(CACHE_STATS, BOILERKIT_AHEAD_OF_TIME="0")  # compiles, if no earlier run did
    result = run_python(CACHE_STATS, BOILERKIT_AHEAD_OF_TIME="0")
    assert result.returncode == 0, result.stderr
    misses, hits = map(int, result.stdout.split())
    assert misses == 0 and hits >= 2
