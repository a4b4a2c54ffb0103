"""Synthetic "related stories" lists for training.

The commonest clutter of a news dump, a list of unrelated headlines right after the
article (``data/examples/news-dump.txt``), is rare in the labelled pages as a dump shows
it: 66 of their 559,529 lines end in " -".  A model trained on them alone is unsure of such
a list (the bundled model of 8716425 gave the example's headlines 0.05-0.50, its seed 1
twin up to 0.81): short pages are mostly content there, and a headline's words are news
words.  So training inserts such lists into a share of the training pages: after the last
content line of a page with an article (at least ``ARTICLE_LONG_LINES`` long content
lines), a run of real clutter headlines taken from the training pages' own headline lists,
in one of the styles dumps give link lists, labelled clutter.  Only the second pass learns from them
(``SequenceStacker.fit(real=...)``): the first pass, and the features' own statistics, see
the real pages only.  The pages scored in cross-validation are never altered: the lists go
into the training folds only.
"""

from __future__ import annotations

import numpy as np

from .features import LONG_LINE_WORDS, Batch, batch_of

# Headline-like clutter lines in runs of at least this many are the pool lists are drawn from.
POOL_RUN = 3
POOL_MIN_WORDS = 4
# A page gets a list only if it holds an article: this many long content lines (the
# features' long line, LONG_LINE_WORDS+ words).
ARTICLE_LONG_LINES = 3
LIST_LENGTH = (5, 16)  # lines, upper bound excluded
# How dumps render link lists: bare, html2text's " -" bullets turned suffixes, bars.
LIST_STYLES = ("", " -", " |")


def headline_pool(batch: Batch, y: np.ndarray) -> list[str]:
    """The clutter lines of the training pages that sit in runs of headline-like lines."""
    in_lists = (batch.feature("run_title_case") >= POOL_RUN) & (y == 0) & (batch.n_words >= POOL_MIN_WORDS)
    return [batch.stripped[i] for i in np.flatnonzero(in_lists)]


def article_pages(batch: Batch, y: np.ndarray) -> np.ndarray:
    """Whether each document holds an article (enough long content lines)."""
    long_content = ((y == 1) & (batch.n_words >= LONG_LINE_WORDS)).astype(np.float64)
    return np.bincount(batch.doc, weights=long_content) >= ARTICLE_LONG_LINES


def with_headline_lists(X, y, share: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X`` rows and labels ``y`` with a headline list inserted into about ``share`` of the
    pages that hold an article, and for every row the index of the row it came from (-1
    for inserted lines), so per-row arrays such as sample weights can follow."""
    X = np.asarray(X, dtype=object)
    y = np.asarray(y)
    source = np.arange(len(y))
    if X.ndim != 2 or len(y) == 0 or share <= 0:
        return X, y, source
    batch = batch_of(X)
    pool = headline_pool(batch, y)
    if not pool:
        return X, y, source
    rng = np.random.default_rng(seed)
    chosen = article_pages(batch, y) & (rng.random(batch.doc[-1] + 1) < share)
    content_rows = np.flatnonzero(y == 1)
    last_content = np.full(batch.doc[-1] + 1, -1)
    np.maximum.at(last_content, batch.doc[content_rows], content_rows)
    pieces_X, pieces_y, pieces_source = [], [], []
    start = 0
    for doc in np.flatnonzero(chosen):
        cut = last_content[doc] + 1
        length = int(rng.integers(*LIST_LENGTH))
        style = LIST_STYLES[int(rng.integers(len(LIST_STYLES)))]
        block = np.zeros((length, X.shape[1]), dtype=object)
        if X.shape[1] == 4:  # logical rows: no blank line before, one physical line each
            block[:, 3] = 1
        block[:, 0] = X[cut - 1, 0]
        block[:, 1] = [pool[i] + style for i in rng.integers(len(pool), size=length)]
        pieces_X += [X[start:cut], block]
        pieces_y += [y[start:cut], np.zeros(length, dtype=y.dtype)]
        pieces_source += [source[start:cut], np.full(length, -1)]
        start = cut
    pieces_X.append(X[start:])
    pieces_y.append(y[start:])
    pieces_source.append(source[start:])
    return np.concatenate(pieces_X), np.concatenate(pieces_y), np.concatenate(pieces_source)
