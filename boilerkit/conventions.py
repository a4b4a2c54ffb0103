"""Where the benchmarks' gold texts disagree on what is content, and what boilerkit keeps.

Every public extraction benchmark draws the line somewhere else (``shared/data/README.md``):
CleanEval's annotators kept user comments, Dragnet's gold leaves them out; CleanEval,
CleanPortalEval, Dragnet and Fundus keep the headline, ScrapingHub's ``articleBody``,
Readability's expected output and WCXB's ``main_content`` do not.  Trained on all of them,
a model sees the same comment section labelled content on one page and clutter on the next,
and learns to hedge: on Dragnet's blogs it kept comment sections at 0.5-0.8.

So each training page tells the model its gold's convention, as two extra inputs
(:data:`CONVENTIONS`), and every page the model cleans gets boilerkit's own
(:data:`BOILERKIT`: no user comments, the headline kept) unless the user asks for another
(``apply --comments``, ``--no-headline``; :meth:`boilerkit.model.BoilerplateModel.keeping`),
as trafilatura's users choose ``include_comments``.  The model learns each benchmark's line
from its pages, and cleans by the one asked for.  A model trained without the conventions
never split on them, and refuses a request it would ignore (:func:`check_learned`).

A labelled record says its convention in a ``"gold_conventions"`` field
(``{"comments": true, "headline": false}``); records of the shared data's datasets get
theirs from :data:`DATASET_CONVENTIONS` by their ``"dataset"`` field; any other record
is taken to follow boilerkit's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .model_files import ModelError

# The conventions the model is told about, in this order (columns of conventions arrays).
CONVENTIONS = ("comments", "headline")
# What each convention decides, for messages.
DESCRIPTIONS = {"comments": "user comments", "headline": "the headline"}
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


def cleaning_convention(convention: Mapping[str, bool] | None = None) -> dict[str, bool]:
    """What a model asked to clean by ``convention`` keeps: boilerkit's own convention, with
    the names ``convention`` gives changed (``{"comments": True}`` keeps user comments)."""
    convention = dict(convention or {})
    check_names(convention)
    return {**BOILERKIT, **{name: bool(value) for name, value in convention.items()}}


def check_names(names) -> None:
    """Refuse names that are not of :data:`CONVENTIONS`."""
    unknown = sorted(set(names) - set(CONVENTIONS))
    if unknown:
        raise ValueError(f"unknown convention(s) {', '.join(unknown)}: known are {', '.join(CONVENTIONS)}")


def check_learned(convention: Mapping[str, bool], learned: Sequence[str]) -> None:
    """Refuse to clean by ``convention`` where it departs from boilerkit's in a convention
    the model never learned (its trees do not split on it): the request would silently do
    nothing."""
    for name, keep in cleaning_convention(convention).items():
        if keep != BOILERKIT[name] and name not in learned:
            raise ModelError(f"this model cannot {'keep' if keep else 'leave out'} {DESCRIPTIONS[name]} on request: "
                             "it was trained without the pages' gold conventions (boilerkit train --gold-conventions)")


def learned_conventions(feature_names: Sequence[str], *split_columns: np.ndarray) -> tuple[str, ...]:
    """The conventions a model can clean by on request: those whose feature column some
    tree splits on (``split_columns``: the columns compared by each pass's splits)."""
    split_on = {int(column) for columns in split_columns for column in np.asarray(columns).tolist()}
    names = list(feature_names)
    return tuple(name for name in CONVENTIONS
                 if f"gold_keeps_{name}" in names and names.index(f"gold_keeps_{name}") in split_on)


def as_row(conventions: dict[str, bool]) -> list[float]:
    return [float(conventions[name]) for name in CONVENTIONS]


def convention_rows(documents: Sequence[dict], told: Sequence[str] = CONVENTIONS) -> np.ndarray:
    """One row per document: its gold convention as 0/1 per :data:`CONVENTIONS`; for the
    conventions not ``told``, boilerkit's on every page (a constant the model cannot learn)."""
    check_names(told)
    rows = [as_row({**BOILERKIT, **{name: keep for name, keep in conventions_of(doc).items() if name in told}})
            for doc in documents]
    return np.array(rows, dtype=np.float64).reshape(-1, len(CONVENTIONS))
