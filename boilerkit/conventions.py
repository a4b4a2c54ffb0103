"""Where the benchmarks' gold texts disagree on what is content, and what boilerkit keeps.

Every public extraction benchmark draws the line somewhere else (``shared/data/README.md``):
CleanEval's annotators kept user comments, Dragnet's gold leaves them out; CleanEval,
CleanPortalEval, Dragnet and Fundus keep the headline, ScrapingHub's ``articleBody``,
Readability's expected output and WCXB's ``main_content`` do not.  Trained on all of them,
a model sees the same comment section labelled content on one page and clutter on the next,
and learns to hedge: on Dragnet's blogs it kept comment sections at 0.5-0.8.

So each training page tells the model its gold's convention, as two extra inputs
(:data:`CONVENTIONS`), and every page the model cleans gets boilerkit's own
(:data:`BOILERKIT`): no user comments, the headline kept.  The model learns each
benchmark's line from its pages, and applies one, the same for every user.  Scores against
a benchmark whose gold follows another convention pay for the difference (CleanEval's
comment sections, ScrapingHub's headlines).

A labelled record says its convention in a ``"gold_conventions"`` field
(``{"comments": true, "headline": false}``); records of the shared data's datasets get
theirs from :data:`DATASET_CONVENTIONS` by their ``"dataset"`` field; any other record
is taken to follow boilerkit's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The conventions the model is told about, in this order (columns of conventions arrays).
CONVENTIONS = ("comments", "headline")
# What boilerkit keeps: the text a reader came for, with its headline, without what other
# readers wrote under it (the gold of most benchmarks here leaves user comments out).
BOILERKIT = {"comments": False, "headline": True}
# The shared data's datasets (README "Datasets", "WCXB", "Fundus").
DATASET_CONVENTIONS = {
    "cleaneval": {"comments": True, "headline": True},
    "cleanportaleval": {"comments": False, "headline": True},
    "dragnet": {"comments": False, "headline": True},
    "readability": {"comments": False, "headline": False},
    "scrapinghub": {"comments": False, "headline": False},
    "wcxb": {"comments": False, "headline": False},
    "fundus": {"comments": False, "headline": True},
}


def conventions_of(record: dict) -> dict[str, bool]:
    """The gold convention of a labelled record (see the module's docstring)."""
    given = record.get("gold_conventions")
    if isinstance(given, dict):
        return {**BOILERKIT, **{name: bool(given[name]) for name in CONVENTIONS if name in given}}
    return DATASET_CONVENTIONS.get(str(record.get("dataset", "")).lower(), BOILERKIT)


def as_row(conventions: dict[str, bool]) -> list[float]:
    return [float(conventions[name]) for name in CONVENTIONS]


def convention_rows(documents: Sequence[dict]) -> np.ndarray:
    """One row per document: its gold convention as 0/1 per :data:`CONVENTIONS`."""
    return np.array([as_row(conventions_of(doc)) for doc in documents], dtype=np.float64).reshape(-1, len(CONVENTIONS))


def boilerkit_row() -> np.ndarray:
    return np.array(as_row(BOILERKIT), dtype=np.float64)
