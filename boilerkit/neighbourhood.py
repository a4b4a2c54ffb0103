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
# The columns of a model that knows its lines' shapes (SequenceStacker.shape_columns, see
# shape_columns below); a model that does not leaves them out.
SHAPE_NAMES = ("p1_shape_mean", "shape_share")
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
    + list(SHAPE_NAMES)
)
# Columns of models saved before the nearest long and distinct lines' columns existed (they hold
# no list of names); such models still load and predict.
FIRST_NEIGHBOURHOOD_NAMES = NEIGHBOURHOOD_NAMES[: NEIGHBOURHOOD_NAMES.index("main_block_share") + 1]

# A line's shape: the features (of boilerkit.features) that say how a line is laid out, not
# what it says.  The items of a menu share one, and so do an article's paragraphs, a product
# grid's entries or a forum's posts, however far apart: the first pass's probabilities of a
# line's other lines of the same shape in its document are a vote the windows cannot see.
SHAPE_FEATURES = ("indent", "starts_bullet", "link_only", "heading_level", "ends_terminal", "is_long")
# Bits each shape feature takes in a line's packed shape (values beyond them are capped: an
# indent of 255 characters or more is one shape).
SHAPE_BITS = (8, 1, 1, 3, 1, 1)

# The main block: the run of lines whose smoothed first-pass probability stays at least
# LIKELY_CONTENT with the largest probability mass in its document (the article body).
MAIN_BLOCK_SMOOTHING = 2
LINES_FROM_MAIN_BLOCK_CAP = 200

# A line of at least this many characters is a paragraph, not a menu item or a headline.
LONG_LINE_CHARS = 80


def shape_columns(doc: np.ndarray, p1: np.ndarray, shapes: np.ndarray | None) -> np.ndarray:
    """For each line, the mean first-pass probability of the other lines of its document with
    its shape (-1 where it has none), and the share of its document's lines with that shape.

    ``doc``: each line's document (equal ids in one run per document); ``shapes``: a row per
    line of the :data:`SHAPE_FEATURES` columns (None: every line has one shape).  numpy over
    the whole batch, shared by the reference and the compiled paths: one sort of packed keys
    and two sums, in line order."""
    n = len(p1)
    if n == 0:
        return np.zeros((0, len(SHAPE_NAMES)))
    if shapes is None:
        shapes = np.zeros((n, len(SHAPE_FEATURES)))
    doc = np.asarray(doc, dtype=np.int64)
    doc = doc - doc.min()
    key = doc
    for column, bits in enumerate(SHAPE_BITS):
        value = np.clip(np.asarray(shapes[:, column]), 0, (1 << bits) - 1).astype(np.int64)
        key = (key << bits) | value
    _, group = np.unique(key, return_inverse=True)
    group = group.ravel()
    p1 = np.asarray(p1, dtype=np.float64)
    total = np.bincount(group, weights=p1)[group]
    count = np.bincount(group)[group].astype(np.float64)
    others_mean = np.divide(total - p1, count - 1, out=np.full(n, -1.0), where=count > 1)
    doc_lines = np.bincount(doc)[doc]
    return np.column_stack([others_mean, count / doc_lines])


def documents_from_positions(positions: np.ndarray) -> np.ndarray:
    """Document ids recovered from a line-position column (0 starts a new document)."""
    return np.cumsum(np.asarray(positions) == 0) - 1 if len(positions) else np.zeros(0, dtype=np.int64)


def columns_named(columns: np.ndarray, names) -> np.ndarray:
    """The ``names`` columns of ``columns`` (all of :data:`NEIGHBOURHOOD_NAMES`): models saved
    before a column was added hold fewer names and use those columns only."""
    if len(names) < len(NEIGHBOURHOOD_NAMES):
        columns = columns[:, [NEIGHBOURHOOD_NAMES.index(name) for name in names]]
    return columns
