"""Scoring line labels against gold labels: per line, per character, and per page.

Everything here returns data (dataclasses of counts); only ``cli.py`` formats it.
The content class (label 1) is the positive class throughout, as in the extraction
benchmarks users know (CleanEval, Dragnet, WCXB): precision asks "how much of what we
kept is content", recall "how much of the content did we keep".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .markup import visible_lines


def _safe_ratio(numerator: float, denominator: float) -> float:
    """A ratio that is 0.0, not NaN, when there is nothing to divide by."""
    return float(numerator / denominator) if denominator else 0.0


@dataclass(frozen=True)
class Counts:
    """Confusion counts of the content class (weighted or not)."""

    tp: float = 0.0
    fp: float = 0.0
    fn: float = 0.0
    tn: float = 0.0

    @property
    def precision(self) -> float:
        return _safe_ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return _safe_ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        return _safe_ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    def as_dict(self) -> dict:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


def confusion(y_true, y_pred, weights=None) -> Counts:
    """Confusion counts of the content class, each line weighted by ``weights`` (default 1)."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    w = np.ones(len(y_true)) if weights is None else np.asarray(weights, dtype=float)
    return Counts(
        tp=float(w[y_true & y_pred].sum()),
        fp=float(w[~y_true & y_pred].sum()),
        fn=float(w[y_true & ~y_pred].sum()),
        tn=float(w[~y_true & ~y_pred].sum()),
    )


def char_weights(lines: Sequence[str]) -> np.ndarray:
    """Number of visible non-whitespace characters of each line: the weight of a line in
    char scores.

    Whitespace is left out so that indentation added by a converter does not count, the
    same rule the data set's statistics use ("whitespace-stripped characters"); so is what
    a converter adds that is not text of the page (:func:`boilerkit.markup.visible_lines`:
    Markdown link targets, whole or broken over lines, and image sources, lynx's link
    numbers), or a line of html2text Markdown would weigh its URLs, often more than its words.
    """
    visible = visible_lines(list(lines))
    return np.fromiter((len("".join(line.split())) for line in visible), dtype=np.int64, count=len(lines))


def page_f1(counts: Counts) -> float:
    """F1 of one page; a page with no gold content and nothing kept is a perfect 1.0."""
    if counts.tp + counts.fp + counts.fn == 0:
        return 1.0
    return counts.f1


@dataclass(frozen=True)
class Scores:
    """Scores of one set of pages: line counts, character-weighted counts, mean page F1."""

    lines: Counts = field(default_factory=Counts)
    chars: Counts = field(default_factory=Counts)
    page_f1_sum: float = 0.0
    n_pages: int = 0

    @property
    def page_f1_mean(self) -> float:
        return _safe_ratio(self.page_f1_sum, self.n_pages)

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            self.lines + other.lines,
            self.chars + other.chars,
            self.page_f1_sum + other.page_f1_sum,
            self.n_pages + other.n_pages,
        )

    def as_dict(self) -> dict:
        return {
            "pages": self.n_pages,
            "lines": self.lines.as_dict(),
            "chars": self.chars.as_dict(),
            "page_f1_mean": self.page_f1_mean,
        }


def score_page(lines: Sequence[str], y_true, y_pred) -> Scores:
    """Scores of one page (a document): its lines, gold labels and predicted labels."""
    if not (len(lines) == len(y_true) == len(y_pred)):
        raise ValueError(
            f"lines, gold labels and predictions differ in length: {len(lines)}, {len(y_true)}, {len(y_pred)}"
        )
    weights = char_weights(lines)
    chars = confusion(y_true, y_pred, weights)
    # a blank line (a paragraph break of Markdown or a text browser) is not a line of the page
    lines_counts = confusion(y_true, y_pred, weights > 0)
    return Scores(lines=lines_counts, chars=chars, page_f1_sum=page_f1(chars), n_pages=1)


@dataclass(frozen=True)
class Evaluation:
    """Scores of a whole set of pages, and of its parts by ``dataset`` and ``page_type``."""

    overall: Scores
    groups: dict[str, dict[str, Scores]]
    # (threshold, line counts, character counts) at other thresholds, when computed
    curve: list[tuple[float, Counts, Counts]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "overall": self.overall.as_dict(),
            **(
                {"threshold_curve": [
                    {"threshold": t, "lines": lines.as_dict(), "chars": chars.as_dict()}
                    for t, lines, chars in self.curve
                ]}
                if self.curve
                else {}
            ),
            **{
                field_name: {value: scores.as_dict() for value, scores in sorted(by_value.items())}
                for field_name, by_value in self.groups.items()
            },
        }


GROUP_FIELDS = ("dataset", "page_type")


def evaluate_pages(pages: Iterable[tuple[dict, Sequence]], group_fields: Sequence[str] = GROUP_FIELDS) -> Evaluation:
    """Scores of ``(document, predicted labels)`` pairs, overall and per group field.

    Each document is a labelled-dump record (``lines``, ``labels`` and, where present,
    ``dataset`` / ``page_type``), as the readers in ``boilerkit.io`` give.
    """
    overall = Scores()
    groups: dict[str, dict[str, Scores]] = {}
    for doc, y_pred in pages:
        page = score_page(doc["lines"], doc["labels"], y_pred)
        overall = overall + page
        for field_name in group_fields:
            value = doc.get(field_name)
            if value is not None:
                by_value = groups.setdefault(field_name, {})
                by_value[str(value)] = by_value.get(str(value), Scores()) + page
    return Evaluation(overall=overall, groups=groups)


CURVE_THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.1, 0.91, 0.1))


def threshold_curve(documents: Sequence[dict], scores: Sequence[np.ndarray], thresholds=CURVE_THRESHOLDS):
    """Line and character counts at each threshold: how precision and recall move with it."""
    y = np.concatenate([np.asarray(doc["labels"], dtype=bool) for doc in documents]) if documents else np.zeros(0)
    p = np.concatenate(scores) if documents else np.zeros(0)
    w = np.concatenate([char_weights(doc["lines"]) for doc in documents]) if documents else np.zeros(0)
    return [(float(t), confusion(y, p >= t), confusion(y, p >= t, w)) for t in thresholds]


# Documents per prediction batch in evaluate (a few hundred pages: ~50k lines).
EVALUATE_BATCH_DOCUMENTS = 256


def evaluate(paths: Sequence, model, threshold: float | None = None, as_gold: bool = False) -> Evaluation:
    """Score ``model`` on labelled dumps (files, globs, directories): overall, per
    ``dataset`` and ``page_type``, and along a range of thresholds.  With ``as_gold``, each
    page is cleaned by its gold's convention (``model.keeping``, :mod:`boilerkit.conventions`):
    user comments kept where its gold keeps them, the headline left out where it does (of
    the conventions the model learned)."""
    from .features import as_rows
    from .io import check_has_labelled_lines, iter_labelled

    documents = list(iter_labelled(paths))
    check_has_labelled_lines(documents, paths)
    labels: list = [None] * len(documents)
    scores: list = [None] * len(documents)
    cleaners = gold_cleaners(model, documents) if as_gold else [(model, list(range(len(documents))))]
    for cleaner, indices in cleaners:
        # Predict in batches of documents, as apply does: the pipeline's fixed cost per call
        # dominates when it is paid once per page.
        for start in range(0, len(indices), EVALUATE_BATCH_DOCUMENTS):
            batch = indices[start : start + EVALUATE_BATCH_DOCUMENTS]
            batch_labels, batch_scores = cleaner.label_lines(as_rows(documents[i]["lines"] for i in batch), threshold)
            bounds = np.cumsum([0] + [len(documents[i]["lines"]) for i in batch])
            for i, a, b in zip(batch, bounds[:-1], bounds[1:]):
                labels[i], scores[i] = batch_labels[a:b], batch_scores[a:b]
    result = evaluate_pages(zip(documents, labels))
    return Evaluation(result.overall, result.groups, threshold_curve(documents, scores))


def gold_cleaners(model, documents: Sequence[dict]) -> list[tuple[object, list[int]]]:
    """``model`` keeping each gold convention among ``documents`` (of the conventions it
    learned; :class:`ModelError` where it learned none), with the indices of the documents
    whose gold follows it."""
    from .conventions import conventions_of
    from .model_files import ModelError

    learned = model.learned_conventions()
    if not learned:
        raise ModelError("this model cannot clean by the gold's convention: it was trained without the pages' gold "
                         "conventions (boilerkit train --gold-conventions)")
    pages: dict[tuple, list[int]] = {}
    for i, doc in enumerate(documents):
        convention = {name: keep for name, keep in conventions_of(doc).items() if name in learned}
        pages.setdefault(tuple(sorted(convention.items())), []).append(i)
    return [(model.keeping(**dict(convention)), indices) for convention, indices in pages.items()]
