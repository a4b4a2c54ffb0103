"""Whether to predict with the compiled kernels (numba) or the reference path (scikit-learn
and numpy).

The compiled kernels (:mod:`boilerkit.compiled_features`, :mod:`boilerkit.trees`,
:mod:`boilerkit.compiled_neighbourhood`) give the same results as the reference path, several
times faster.  They need numba; without
it boilerkit still works, on the reference path, and says so once.
"""

from __future__ import annotations

import functools
import logging
import os

log = logging.getLogger(__name__)

# Set to 0 to predict on the reference path (boilerkit.features' numpy and Python, scikit-learn's
# trees, numpy's neighbourhood columns): for tests comparing the two, benchmarks, or a
# suspected kernel bug.
ENV_VAR = "BOILERKIT_COMPILED"


@functools.cache
def numba_importable() -> bool:
    """Whether numba can be imported; if not, one warning per process (not per batch)."""
    try:
        import numba  # noqa: F401
    except ImportError as error:
        log.warning("numba cannot be imported (%s): predicting with scikit-learn, several times slower; "
                    "pip install 'numba>=0.59'", error)
        return False
    return True


def use_compiled(compiled: bool | None = None) -> bool:
    """Whether to run the compiled kernels: ``compiled`` if given, else unless
    ``BOILERKIT_COMPILED=0``; never without numba."""
    if compiled is None:
        compiled = os.environ.get(ENV_VAR, "1").strip() != "0"
    return compiled and numba_importable()
