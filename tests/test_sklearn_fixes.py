"""The batched weighted binning (boilerkit.sklearn_fixes) gives scikit-learn's thresholds and
trees exactly, and leaves scikit-learn as it was afterwards."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble._hist_gradient_boosting import binning
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper

from boilerkit.sklearn_fixes import batched_weighted_binning, weighted_percentiles


def columns(seed: int, rows: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """Continuous columns, columns of many ties (rounded), a few distinct values, NaN, and
    weights spread over orders of magnitude with some zeros."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 12))
    X[:, :4] = np.round(X[:, :4] * 20)
    X[:, 4] = rng.integers(0, 300, size=rows)
    X[:, 5] = rng.integers(0, 3, size=rows)
    X[rng.random(X.shape) < 0.02] = np.nan
    weights = rng.random(rows) ** 4 * 100
    weights[rng.random(rows) < 0.05] = 0
    return X, weights


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("max_bins", [255, 64, 7])
def test_thresholds_are_scikit_learns(seed, max_bins):
    X, weights = columns(seed)
    expected = _BinMapper(n_bins=max_bins + 1).fit(X, sample_weight=weights).bin_thresholds_
    with batched_weighted_binning():
        got = _BinMapper(n_bins=max_bins + 1).fit(X, sample_weight=weights).bin_thresholds_
    assert len(got) == len(expected)
    for column, (a, b) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(a, b, err_msg=f"column {column}")


def test_percentiles_equal_scikit_learns_on_ties_and_tiny_weights():
    from sklearn.utils.stats import _weighted_percentile

    rng = np.random.default_rng(7)
    array = np.sort(np.round(rng.normal(size=2000) * 5))
    weights = rng.random(2000) ** 8 + 1e-12
    ranks = np.linspace(0, 100, num=256)[1:-1]
    np.testing.assert_array_equal(weighted_percentiles(array, weights, ranks),
                                  _weighted_percentile(array, weights, ranks, average=True))


def test_the_trees_are_the_same_and_scikit_learn_is_restored():
    X, weights = columns(11, rows=4000)
    y = (np.nan_to_num(X[:, 6]) + X[:, 0] / 40 > 0).astype(int)
    original = binning._weighted_percentile

    def fit():
        return HistGradientBoostingClassifier(max_iter=15, early_stopping=False, random_state=0).fit(
            X, y, sample_weight=weights)

    expected = fit().predict_proba(X)
    with batched_weighted_binning():
        with batched_weighted_binning():  # nested, as fits inside fits are
            assert binning._weighted_percentile is not original
        assert binning._weighted_percentile is not original
        got = fit().predict_proba(X)
    assert binning._weighted_percentile is original
    np.testing.assert_array_equal(got, expected)
