"""Which words a line holds: hashed word and word-pair buckets, and their learned weights.

Shape features cannot tell "Add to cart", "Posted by", "Read more" or "All rights reserved"
from a short line of an article; the words can.  Every token (a run of letters and digits,
in small letters) and every pair of adjacent tokens of a line is hashed into one of
:data:`N_BUCKETS` buckets, and a bucket's weight is its log-count ratio between content and
clutter lines (the naive-Bayes weights of Wang & Manning, 2012).  A line's lexical features
are the mean, minimum and maximum weight of its buckets.

Hashing is done with numpy over the code points of a whole batch (no Python per token), with
fixed 64-bit arithmetic, so a bucket is the same on every machine and in every process
(Python's own ``hash`` of a string changes from one process to the next).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

BUCKET_BITS = 20
N_BUCKETS = 1 << BUCKET_BITS
# Additive smoothing of the counts: a bucket seen once says little.
SMOOTHING = 1.0
# Position multipliers of the polynomial hash: a token's hash is the sum of its code points
# times these (position modulo their number), so anagrams differ.
_MULTIPLIERS = np.array([((0x9E3779B97F4A7C15 * (2 * k + 1)) | 1) & (2**64 - 1) for k in range(32)], dtype=np.uint64)
_LENGTH_SALT = np.uint64(0xD6E8FEB86659FD93)
_PAIR_SALT = np.uint64(0xA0761D6478BD642F)


@lru_cache(maxsize=1)
def lower_table() -> np.ndarray:
    """Small-letter code point of every BMP code point (itself when lowering gives several)."""
    table = np.arange(0x10000, dtype=np.uint32)
    for code in range(0x10000):
        lowered = chr(code).lower()
        if len(lowered) == 1:
            table[code] = ord(lowered)
    return table


def _mix(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: spreads every input bit over the whole word."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def token_hashes(codes: np.ndarray, is_word_char: np.ndarray,
                 alone: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets and 64-bit hashes of the tokens (runs of ``is_word_char``) of ``codes``;
    a character of ``alone`` (letters of scripts without spaces) is a token of its own."""
    at = np.flatnonzero(is_word_char)
    if len(at) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    # work on the word characters only: a token is a run of consecutive offsets
    new_token = np.r_[True, np.diff(at) != 1]
    if alone is not None:
        by_itself = alone[at]
        new_token |= by_itself
        new_token[1:] |= by_itself[:-1]
    first = np.flatnonzero(new_token)
    lengths = np.diff(np.r_[first, len(at)])
    position = np.arange(len(at)) - np.repeat(first, lengths)
    chars = codes[at]
    small = np.where(chars < 0x10000, lower_table()[np.minimum(chars, 0xFFFF)], chars).astype(np.uint64)
    sums = np.add.reduceat(small * _MULTIPLIERS[position & (len(_MULTIPLIERS) - 1)], first)
    return at[first], _mix(sums + lengths.astype(np.uint64) * _LENGTH_SALT)


def line_buckets(codes: np.ndarray, is_word_char: np.ndarray, line_starts: np.ndarray,
                 alone: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Line index and bucket of every token and every pair of adjacent tokens of a line,
    sorted by line.  ``line_starts`` are the offsets of the lines in ``codes``; ``alone``:
    see :func:`token_hashes`."""
    starts, hashes = token_hashes(codes, is_word_char, alone)
    lines = np.searchsorted(line_starts, starts, side="right") - 1
    same_line = lines[1:] == lines[:-1]
    pairs = _mix(hashes[:-1][same_line] ^ (hashes[1:][same_line] * _PAIR_SALT))
    all_lines = np.concatenate([lines, lines[:-1][same_line]])
    all_hashes = np.concatenate([hashes, pairs])
    order = np.argsort(all_lines, kind="stable")
    buckets = (all_hashes[order] >> np.uint64(64 - BUCKET_BITS)).astype(np.int64)
    return all_lines[order], buckets


def log_count_ratios(buckets: np.ndarray, is_content: np.ndarray) -> np.ndarray:
    """Weight of each bucket: log of its smoothed share among content tokens over its share
    among clutter tokens (positive: a content word)."""
    content = np.bincount(buckets[is_content], minlength=N_BUCKETS) + SMOOTHING
    clutter = np.bincount(buckets[~is_content], minlength=N_BUCKETS) + SMOOTHING
    return (np.log(content / content.sum()) - np.log(clutter / clutter.sum())).astype(np.float32)


def line_scores(lines: np.ndarray, token_weights: np.ndarray, n_lines: int) -> list[np.ndarray]:
    """Mean, minimum and maximum of the token weights of each line (0 for lines with none);
    ``lines`` is sorted."""
    mean, low, high = np.zeros(n_lines), np.zeros(n_lines), np.zeros(n_lines)
    if len(lines):
        counts = np.bincount(lines, minlength=n_lines)
        mean = np.bincount(lines, weights=token_weights, minlength=n_lines) / np.maximum(counts, 1)
        has = counts > 0
        first = np.searchsorted(lines, np.flatnonzero(has))
        low[has] = np.minimum.reduceat(token_weights, first)
        high[has] = np.maximum.reduceat(token_weights, first)
    return [mean, low, high]
