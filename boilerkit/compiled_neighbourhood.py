"""The second pass's neighbourhood columns in one compiled pass over the lines.

:func:`boilerkit.stacking.neighbourhood` is the reference: readable numpy, about thirty
whole-array operations per column group, and about 2 us per line in all -- more than the
compiled trees of both passes together.  This kernel computes the same columns, in the same
order (:data:`boilerkit.stacking.NEIGHBOURHOOD_NAMES`), with the same floating-point
operations in the same order (window sums are differences of one running sum over the
batch, as ``DocumentIndex.window_sum`` computes them), so the columns are bit-identical
and the trees take the same decisions.  ``tests/test_compiled.py`` compares the two on
real pages.
"""

from __future__ import annotations

import numpy as np

from .compiled import njit
from .neighbourhood import (
    DISTANCE_CAP,
    LIKELY_CONTENT,
    LINES_FROM_MAIN_BLOCK_CAP,
    LONG_LINE_CHARS,
    MAIN_BLOCK_SMOOTHING,
    MAX_WINDOWS,
    NEIGHBOURHOOD_NAMES,
    PROBABILITY_OFFSETS,
    PROBABILITY_WINDOWS,
    SHAPE_NAMES,
    SIDE_WINDOWS,
    shape_columns,
)


def neighbourhood(doc: np.ndarray, p1: np.ndarray, lengths: np.ndarray | None = None,
                  repeats: np.ndarray | None = None, shapes: np.ndarray | None = None) -> np.ndarray:
    """:func:`boilerkit.stacking.neighbourhood` of the lines of documents ``doc`` (one id
    per line, equal ids in one run per document), compiled (the shape columns by the
    reference's own numpy: :func:`boilerkit.neighbourhood.shape_columns`)."""
    n = len(p1)
    lengths = np.zeros(n) if lengths is None else np.asarray(lengths, dtype=np.float64)
    repeats = np.zeros(n) if repeats is None else np.asarray(repeats, dtype=np.float64)
    out = np.empty((n, len(NEIGHBOURHOOD_NAMES)), dtype=np.float64)
    _neighbourhood(
        np.asarray(doc, dtype=np.int64), np.asarray(p1, dtype=np.float64), lengths, repeats,
        np.array(PROBABILITY_OFFSETS, dtype=np.int64), np.array(PROBABILITY_WINDOWS, dtype=np.int64),
        np.array(MAX_WINDOWS, dtype=np.int64), np.array(SIDE_WINDOWS, dtype=np.int64),
        LIKELY_CONTENT, DISTANCE_CAP, MAIN_BLOCK_SMOOTHING, LINES_FROM_MAIN_BLOCK_CAP, float(LONG_LINE_CHARS), out,
    )
    out[:, len(NEIGHBOURHOOD_NAMES) - len(SHAPE_NAMES):] = shape_columns(doc, p1, shapes)
    return out


@njit(cache=True, nogil=True, exported=(
    "i8[1C], f8[1A], f8[1C], f8[1C], i8[1C], i8[1C], i8[1C], i8[1C], f8, i8, i8, i8, f8, f8[2C] -> none",
))
def _neighbourhood(doc, p1, lengths, repeats, offsets, windows, max_windows, side_windows, likely, distance_cap,
                   smoothing, block_cap, long_chars, out):
    n = p1.shape[0]
    if n == 0:
        return
    start, end = _document_bounds(doc)
    cumulative = _running_sum(p1)
    column = 0
    out[:, column] = p1
    column += 1
    for offset in offsets:
        _shifted(p1, start, end, offset, -1.0, out[:, column])
        column += 1
    for width in windows:
        _window_mean(cumulative, start, end, width, width, out[:, column])
        column += 1
    for width in max_windows:
        _window_max(p1, start, end, width, out[:, column])
        column += 1
    _document_mean_and_max(p1, cumulative, start, end, out[:, column], out[:, column + 1])
    column += 2
    likely_content = p1 >= likely
    _distance_to_nearest(likely_content, start, end, -1, distance_cap, out[:, column])
    _distance_to_nearest(likely_content, start, end, +1, distance_cap, out[:, column + 1])
    column += 2
    _mean_before_and_after(cumulative, start, end, out[:, column], out[:, column + 1])
    column += 2
    for width in side_windows:
        _window_mean(cumulative, start, end, width, -1, out[:, column])
        column += 1
    for width in side_windows:
        _window_mean(cumulative, start, end, -1, width, out[:, column])
        column += 1
    _main_block(p1, cumulative, start, end, likely, smoothing, block_cap, out[:, column], out[:, column + 1],
                out[:, column + 2])
    column += 3
    long_line = lengths >= long_chars
    _nearest_probability(p1, long_line, start, end, out[:, column], out[:, column + 1])
    column += 2
    distinct = (repeats == 0) & (lengths > 0)  # features.is_distinct
    _nearest_probability(p1, distinct, start, end, out[:, column], out[:, column + 1])


@njit(nogil=True)
def _document_bounds(doc):
    """Each line's document's first line and one past its last (``DocumentIndex.doc_start``
    and ``doc_end``)."""
    n = doc.shape[0]
    start = np.empty(n, dtype=np.int64)
    end = np.empty(n, dtype=np.int64)
    first = 0
    for i in range(n):
        if i > 0 and doc[i] != doc[i - 1]:
            first = i
        start[i] = first
    last = n
    for i in range(n - 1, -1, -1):
        if i < n - 1 and doc[i] != doc[i + 1]:
            last = i + 1
        end[i] = last
    return start, end


@njit(nogil=True)
def _running_sum(values):
    """``[0, v0, v0 + v1, ...]``, added in the order ``np.cumsum`` adds them."""
    cumulative = np.empty(values.shape[0] + 1, dtype=np.float64)
    cumulative[0] = 0.0
    if values.shape[0]:
        cumulative[1] = values[0]
    for i in range(1, values.shape[0]):
        cumulative[i + 1] = cumulative[i] + values[i]
    return cumulative


@njit(nogil=True)
def _shifted(values, start, end, offset, missing, out):
    for i in range(values.shape[0]):
        source = i + offset
        out[i] = values[source] if start[i] <= source < end[i] else missing


@njit(nogil=True)
def _window_mean(cumulative, start, end, before, after, out):
    """Mean over lines ``i - before .. i + after`` of the document (0 for no line), as
    ``DocumentIndex.window_mean`` computes it."""
    for i in range(out.shape[0]):
        low = max(i - before, start[i])
        high = min(i + after + 1, end[i])
        out[i] = (cumulative[high] - cumulative[low]) / max(float(high - low), 1.0)


@njit(nogil=True)
def _window_max(values, start, end, half_width, out):
    """``stacking.window_max``: lines outside the document count as 0."""
    for i in range(values.shape[0]):
        best = values[i]
        for offset in range(1, half_width + 1):
            for source in (i + offset, i - offset):
                neighbour = values[source] if start[i] <= source < end[i] else 0.0
                best = max(best, neighbour)
        out[i] = best


@njit(nogil=True)
def _document_mean_and_max(values, cumulative, start, end, mean, maximum):
    i = 0
    n = values.shape[0]
    while i < n:
        first, last = start[i], end[i]
        total = (cumulative[last] - cumulative[first]) / max(float(last - first), 1.0)
        largest = values[first]
        for j in range(first + 1, last):
            largest = max(largest, values[j])
        for j in range(first, last):
            mean[j] = total
            maximum[j] = largest
        i = last


@njit(nogil=True)
def _nearest(mask, start, end, direction):
    """``DocumentIndex.nearest``: the nearest line with ``mask`` strictly before (-1) or
    after (+1) each line in its document, -1 for none."""
    n = mask.shape[0]
    nearest = np.full(n, -1, dtype=np.int64)
    found = -1
    if direction < 0:
        for i in range(n):
            if i == start[i]:
                found = -1
            nearest[i] = found
            if mask[i]:
                found = i
    else:
        for i in range(n - 1, -1, -1):
            if i == end[i] - 1:
                found = -1
            nearest[i] = found
            if mask[i]:
                found = i
    return nearest


@njit(nogil=True)
def _distance_to_nearest(mask, start, end, direction, cap, out):
    nearest = _nearest(mask, start, end, direction)
    for i in range(out.shape[0]):
        out[i] = float(min(abs(nearest[i] - i), cap)) if nearest[i] >= 0 else float(cap)


@njit(nogil=True)
def _nearest_probability(values, mask, start, end, before, after):
    for direction, out in ((-1, before), (1, after)):
        nearest = _nearest(mask, start, end, direction)
        for i in range(out.shape[0]):
            out[i] = values[nearest[i]] if nearest[i] >= 0 else -1.0


@njit(nogil=True)
def _mean_before_and_after(cumulative, start, end, before, after):
    """Mean of the lines before (after) each line in its document, -1 for none."""
    for i in range(before.shape[0]):
        count = i - start[i]
        before[i] = (cumulative[i] - cumulative[start[i]]) / count if count > 0 else -1.0
        count = end[i] - i - 1
        after[i] = (cumulative[end[i]] - cumulative[i + 1]) / count if count > 0 else -1.0


@njit(nogil=True)
def _main_block(p1, cumulative, start, end, likely, smoothing, cap, inside, signed, share):
    """``stacking.main_block``: per document, the first run of smoothed-likely lines with
    the largest probability mass (mass summed line by line, as ``np.bincount`` does)."""
    n = p1.shape[0]
    smoothed = np.empty(n, dtype=np.float64)
    _window_mean(cumulative, start, end, smoothing, smoothing, smoothed)
    i = 0
    while i < n:
        first, last = start[i], end[i]
        best_start, best_end, best_mass = -1, -1, -1.0
        run_start = first
        while run_start < last:
            good = smoothed[run_start] >= likely
            run_end = run_start
            mass = 0.0
            while run_end < last and (smoothed[run_end] >= likely) == good:
                mass += p1[run_end] * (1.0 if good else 0.0)
                run_end += 1
            if mass > 0 and mass > best_mass:
                best_start, best_end, best_mass = run_start, run_end - 1, mass
            run_start = run_end
        for j in range(first, last):
            if best_start < 0:
                inside[j], signed[j], share[j] = 0.0, 0.0, 0.0
                continue
            distance = j - best_start if j < best_start else (j - best_end if j > best_end else 0)
            inside[j] = 1.0 if best_start <= j <= best_end else 0.0
            signed[j] = float(min(max(distance, -cap), cap))
            share[j] = (best_end - best_start + 1) / max(last - first, 1)
        i = last
