"""The second pass's neighbourhood columns: their names and the windows, caps and cut-offs
they are computed with.

Shared by the reference computation (:func:`boilerkit.stacking.neighbourhood`), the compiled
one (:mod:`boilerkit.compiled_neighbourhood`) and the compiled model
(:mod:`boilerkit.runtime`), which must not import scikit-learn to read them.
"""

from __future__ import annotations

import numpy as np

# Half-widths (in lines) of the windows over first-pass probabilities.
PROBABILITY_WINDOWS = (1, 2, 3, 5, 10, 25)
PROBABILITY_OFFSETS = (-3, -2, -1, 1, 2, 3)
# Half-widths of the windows whose largest first-pass probability is a column.
MAX_WINDOWS = (1, 3)
# One-sided windows: where content starts or stops, the two sides disagree.
SIDE_WINDOWS = (5, 15)
# A line the first pass finds likely content; distances to such lines are features.
LIKELY_CONTENT = 0.5
DISTANCE_CAP = 50
NEIGHBOURHOOD_NAMES = (
    ["p1"]
    + [f"p1_{'prev' if o < 0 else 'next'}{abs(o)}" for o in PROBABILITY_OFFSETS]
    + [f"p1_window{w}" for w in PROBABILITY_WINDOWS]
    + [f"p1_max_window{w}" for w in MAX_WINDOWS]
    + ["p1_doc_mean", "p1_doc_max", "lines_since_likely", "lines_until_likely", "p1_before_mean", "p1_after_mean"]
    + [f"p1_{side}_window{w}" for side in ("prev", "next") for w in SIDE_WINDOWS]
    + ["in_main_block", "lines_from_main_block", "main_block_share"]
    + ["p1_prev_long", "p1_next_long"]
    + ["p1_prev_distinct", "p1_next_distinct"]
)
# Columns of models saved before the nearest long and distinct lines' columns existed (they hold
# no list of names); such models still load and predict.
FIRST_NEIGHBOURHOOD_NAMES = NEIGHBOURHOOD_NAMES[: NEIGHBOURHOOD_NAMES.index("main_block_share") + 1]

# The main block: the run of lines whose smoothed first-pass probability stays at least
# LIKELY_CONTENT with the largest probability mass in its document (the article body).
MAIN_BLOCK_SMOOTHING = 2
LINES_FROM_MAIN_BLOCK_CAP = 200

# A line of at least this many characters is a paragraph, not a menu item or a headline.
LONG_LINE_CHARS = 80


def documents_from_positions(positions: np.ndarray) -> np.ndarray:
    """Document ids recovered from a line-position column (0 starts a new document)."""
    return np.cumsum(np.asarray(positions) == 0) - 1 if len(positions) else np.zeros(0, dtype=np.int64)


def columns_named(columns: np.ndarray, names) -> np.ndarray:
    """The ``names`` columns of ``columns`` (all of :data:`NEIGHBOURHOOD_NAMES`): models saved
    before a column was added hold fewer names and use those columns only."""
    if len(names) < len(NEIGHBOURHOOD_NAMES):
        columns = columns[:, [NEIGHBOURHOOD_NAMES.index(name) for name in names]]
    return columns
