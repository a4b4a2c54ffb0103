"""A work-around for scikit-learn 1.9's slow weighted binning, with the same results.

``HistGradientBoostingClassifier.fit`` with sample weights (boilerkit always passes them: a
line weighs by its length) finds each feature's bin thresholds by calling
``sklearn.utils.stats._weighted_percentile`` once per percentile: 254 calls, each sorting
the whole column again.  On fewer than 200,000 rows (above that scikit-learn subsamples and
bins unweighted) this is most of a fit: ``boilerkit train`` on the 11,247 lines of
``data/sample.jsonl.gz`` with ``--cv 2 --max-iter 10`` took 214 s on a 2-core machine, and
adapting a model to a site (``train --base``, a few pages plus the base data) minutes.
scikit-learn's pull request #34248 (merged June 2026, after 1.9) computes them in one pass.

:func:`batched_weighted_binning` computes all the percentiles of a column at once, on the
first call for it, then hands them out one call at a time: one sort, and each step of
``_weighted_percentile``'s "averaged_inverted_cdf" on the whole array of percentiles
(:func:`weighted_percentiles`, the same float operations in the same order).  The
thresholds, and so the models, are bit-identical (``tests/test_sklearn_fixes.py``).  Calls
it does not cover (2-D arrays, NaN, zero weights: the binning drops both first) go to
scikit-learn's function; where scikit-learn's binning does not look as expected, nothing is
changed.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator

import numpy as np

# Each joblib thread of the binning works on its own column: one cached column per thread.
_local = threading.local()
_lock = threading.Lock()
_active = 0


def _percentiles_like_the_binning(first_rank: float) -> np.ndarray | None:
    """The percentiles the binning asks for, from the first one: ``linspace(0, 100,
    max_bins + 1)[1:-1]`` (``binning._find_binning_thresholds``), or None if it is not one."""
    if not first_rank > 0:
        return None
    max_bins = int(round(100 / first_rank))
    ranks = np.linspace(0, 100, num=max_bins + 1)[1:-1]
    return ranks if len(ranks) and ranks[0] == first_rank else None


def weighted_percentiles(array: np.ndarray, sample_weight: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """``_weighted_percentile(array, sample_weight, ranks, average=True)`` of a 1-D float64
    ``array`` without NaN and positive float64 weights, each step on every rank at once."""
    order = np.argsort(array.reshape(-1, 1), axis=0)[:, 0]  # as scikit-learn sorts: the same order of ties
    cdf = np.cumsum(sample_weight[order])
    adjusted = np.asarray(ranks, dtype=np.float64) / 100 * cdf[-1]
    at_zero = adjusted == 0
    adjusted[at_zero] = np.nextafter(adjusted[at_zero], adjusted[at_zero] + 1)
    last = len(order) - 1
    index = np.clip(np.searchsorted(cdf, adjusted), 0, last)
    fraction_above = cdf[index] - adjusted
    below = array[order[index]]
    above = array[order[np.clip(index + 1, 0, last)]]
    return np.where(fraction_above > np.finfo(np.float64).eps, below, (below + above) / 2)


def _covered(array, sample_weight) -> bool:
    return (isinstance(array, np.ndarray) and isinstance(sample_weight, np.ndarray) and array.ndim == 1
            and array.dtype == np.float64 and sample_weight.dtype == np.float64
            and sample_weight.shape == array.shape and len(array) > 0
            and not np.isnan(array).any() and bool((sample_weight > 0).all()))


def _batched(original):
    def weighted_percentile(array, sample_weight, percentile_rank=50, average=False, **options):
        if options or not average or np.ndim(percentile_rank) != 0 or np.ndim(array) != 1:
            return original(array, sample_weight, percentile_rank, average=average, **options)
        rank = float(percentile_rank)
        cached = getattr(_local, "column", None)
        if cached is None or cached[0]() is not array or cached[1]() is not sample_weight or rank not in cached[2]:
            ranks = _percentiles_like_the_binning(rank)
            if ranks is None:
                return original(array, sample_weight, percentile_rank, average=average)
            if _covered(array, sample_weight):
                values = weighted_percentiles(array, sample_weight, ranks)
            else:
                values = original(array, sample_weight, ranks, average=True)
            cached = (weakref.ref(array), weakref.ref(sample_weight), dict(zip(ranks.tolist(), values)))
            _local.column = cached
        return cached[2][rank]

    weighted_percentile.boilerkit_batched = True
    return weighted_percentile


@contextlib.contextmanager
def batched_weighted_binning() -> Iterator[None]:
    """Within it, scikit-learn's weighted binning computes each column's percentiles in one
    call (see the module's docstring).  Re-entrant and thread-safe: the patch is in place
    while any caller is inside."""
    global _active
    try:
        from sklearn.ensemble._hist_gradient_boosting import binning
    except ImportError:
        yield
        return
    with _lock:
        original = getattr(binning, "_weighted_percentile", None)
        if original is None:
            patched = False
        else:
            patched = True
            if not getattr(original, "boilerkit_batched", False):
                binning._weighted_percentile = _batched(original)
                binning._boilerkit_original_weighted_percentile = original
            _active += 1
    try:
        yield
    finally:
        if patched:
            with _lock:
                _active -= 1
                if _active == 0:
                    binning._weighted_percentile = binning._boilerkit_original_weighted_percentile
                    _local.column = None
