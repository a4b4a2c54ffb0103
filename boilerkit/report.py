"""Looking at what the model decides: per-line decisions of a dump, and a static HTML report.

* :func:`line_decisions` gives every line of a dump with its label and probability, in
  document order or least certain first (``boilerkit inspect``, which colours them).
* :func:`build_report` scores a model on labelled dumps and gathers what a person needs to
  judge it: the metrics, precision-recall curves, the features that matter most, and the
  pages it gets most wrong; :func:`write_report` renders that as one self-contained HTML
  file (``boilerkit evaluate --report DIR``).  The curve is an SVG written here, so no
  plotting library is needed.

Everything here returns data or writes files; only ``cli.py`` prints.
"""

from __future__ import annotations

import html
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_curve
from threadpoolctl import threadpool_limits

from . import __version__
from .apply import check_output_is_not_input, iter_labelled_documents
from .evaluate import Evaluation, char_weights, confusion, evaluate_pages, page_f1, score_page, threshold_curve
from .features import as_rows
from .io import AtomicWriter, InputError, check_has_labelled_lines, iter_documents, iter_labelled

log = logging.getLogger(__name__)

# Pages shown with their lines in the report: the ones with the lowest character F1.
WORST_PAGES = 8
# Lines on which the permutation importance of the features is measured: whole pages
# drawn at random (the second pass needs whole documents) until this many lines.  About
# 5,000 lines keep a feature's measured F1 drop stable to about 0.002 on the sample data.
IMPORTANCE_LINES = 5_000
IMPORTANCE_REPEATS = 2
TOP_FEATURES = 25
# Lines shown around each wrong line of a worst page (the rest is folded away).
CONTEXT_LINES = 3
# Points of a drawn precision-recall curve: more are invisible at 600 pixels.
CURVE_POINTS = 300


# ------------------------------------------------------------------------ line decisions


@dataclass(frozen=True)
class LineDecision:
    number: int  # line number in its document, from 1
    line: str
    label: int
    score: float


@dataclass
class DocumentDecisions:
    source: str  # file, and record number for JSONL
    threshold: float
    lines: list[LineDecision]


def line_decisions(
    paths: Sequence[str | os.PathLike], model, threshold: float | None = None, sort: str = "document"
) -> list[DocumentDecisions]:
    """Every line of the dumps in ``paths`` with its label and content probability.

    ``sort="uncertain"`` orders each document's lines by ``|probability - threshold|``,
    least certain first (ties in document order), as ``apply --sort uncertain`` does.
    """
    if sort not in ("document", "uncertain"):
        raise ValueError(f"unknown sort order {sort!r}: choose document or uncertain")
    cut = model.threshold if threshold is None else threshold
    result = []
    for labelled in iter_labelled_documents(model, iter_documents(paths), threshold):
        doc = labelled.document
        order = np.arange(len(doc.lines))
        if sort == "uncertain":
            order = np.argsort(np.abs(labelled.scores - cut), kind="stable")
        source = doc.source if doc.number is None else f"{doc.source}:{doc.number}"
        result.append(
            DocumentDecisions(
                source,
                cut,
                [LineDecision(int(i) + 1, doc.lines[i], int(labelled.labels[i]), float(labelled.scores[i]))
                 for i in order.tolist()],
            )
        )
    return result


# -------------------------------------------------------------------------------- report


@dataclass
class PageResult:
    """One labelled page with the model's decisions."""

    name: str
    lines: list[str]
    gold: np.ndarray
    labels: np.ndarray
    scores: np.ndarray

    @property
    def char_f1(self) -> float:
        return page_f1(confusion(self.gold, self.labels, char_weights(self.lines)))

    @property
    def n_wrong(self) -> int:
        return int((self.gold != self.labels).sum())


@dataclass
class Curve:
    name: str
    precision: np.ndarray
    recall: np.ndarray
    thresholds: np.ndarray
    # (precision, recall) at the model's threshold
    at_threshold: tuple[float, float]


@dataclass
class Report:
    model_name: str
    threshold: float
    data: list[str]
    evaluation: Evaluation
    curves: list[Curve]
    # (feature name, mean drop of character F1 when the feature is shuffled, std)
    importances: list[tuple[str, float, float]]
    importance_lines: int
    worst: list[PageResult]
    card: dict = field(default_factory=dict)
    created: str = ""


def pr_curve(name: str, y, scores, weights, threshold: float) -> Curve:
    precision, recall, thresholds = precision_recall_curve(y, scores, sample_weight=weights)
    counts = confusion(y, scores >= threshold, weights)
    return Curve(name, precision, recall, thresholds, (counts.precision, counts.recall))


def _sample_pages(pages: Sequence[PageResult], max_lines: int, seed: int) -> list[PageResult]:
    """Whole pages in random order (fixed seed) until ``max_lines`` lines."""
    chosen, total = [], 0
    for index in np.random.default_rng(seed).permutation(len(pages)):
        if total >= max_lines:
            break
        chosen.append(pages[index])
        total += len(pages[index].lines)
    return chosen


def permutation_importances(
    model, pages: Sequence[PageResult], max_lines: int = IMPORTANCE_LINES, repeats: int = IMPORTANCE_REPEATS,
    seed: int = 0,
) -> tuple[list[tuple[str, float, float]], int]:
    """How much character F1 drops when each line feature is shuffled across lines.

    Measured on whole pages drawn at random up to ``max_lines`` lines.  The features are
    computed once; each column in turn is permuted and the rest of the pipeline (the
    classifier, with its second pass, and the threshold) predicts again.  The ``position``
    column is not shuffled: the second pass finds where documents start from it, so
    shuffling it measures broken documents, not the feature.  (This is why
    ``sklearn.inspection.permutation_importance``, which shuffles every column, is not
    used.)
    """
    sample = _sample_pages(pages, max_lines, seed)
    if not sample:
        return [], 0
    features, rest = model[:-1], model[-1]
    X = features.transform(as_rows(page.lines for page in sample))
    names = [str(name) for name in features.get_feature_names_out()]
    y = np.concatenate([page.gold for page in sample])
    weights = np.concatenate([char_weights(page.lines) for page in sample])
    baseline = confusion(y, rest.predict(X), weights).f1
    rng = np.random.default_rng(seed)
    importances = []
    # One OpenMP thread: on a few thousand lines the trees' thread pool costs more than it
    # saves, up to 30 times more on a busy machine (2.5 s against 0.08 s a prediction
    # measured on 3,000 lines with two shared cores).
    with threadpool_limits(1):
        for column, name in enumerate(names):
            if name == "position":
                continue
            drops = []
            for _ in range(repeats):
                shuffled = X.copy()
                shuffled[:, column] = rng.permutation(shuffled[:, column])
                drops.append(baseline - confusion(y, rest.predict(shuffled), weights).f1)
            importances.append((name, float(np.mean(drops)), float(np.std(drops))))
    importances.sort(key=lambda item: -item[1])
    return importances, len(y)


def build_report(
    paths: Sequence[str | os.PathLike],
    model,
    threshold: float | None = None,
    *,
    worst_pages: int = WORST_PAGES,
    importance_lines: int = IMPORTANCE_LINES,
    seed: int = 0,
    model_name: str = "",
) -> Report:
    """Score ``model`` on the labelled dumps of ``paths`` and gather the report's data."""
    cut = model.threshold if threshold is None else threshold
    documents = list(iter_labelled(paths))
    check_has_labelled_lines(documents, paths)
    labels, scores = model.label_lines(as_rows(doc["lines"] for doc in documents), threshold)
    bounds = np.cumsum([0] + [len(doc["lines"]) for doc in documents])
    pages = [
        PageResult(
            str(doc.get("id") or doc.get("url") or f"page {i + 1}"),
            doc["lines"],
            np.asarray(doc["labels"], dtype=np.int8),
            labels[start:end],
            scores[start:end],
        )
        for i, (doc, start, end) in enumerate(zip(documents, bounds[:-1], bounds[1:]))
    ]
    result = evaluate_pages(zip(documents, (page.labels for page in pages)))
    evaluation = Evaluation(result.overall, result.groups, threshold_curve(documents, [p.scores for p in pages]))
    y = np.concatenate([page.gold for page in pages])
    weights = np.concatenate([char_weights(page.lines) for page in pages])
    curves = [
        pr_curve("characters", y, scores, weights, cut),
        pr_curve("lines", y, scores, None, cut),
    ]
    started = time.perf_counter()
    importances, n_importance = permutation_importances(model, pages, importance_lines, seed=seed)
    log.info("permutation importance on %d lines: %.1f s", n_importance, time.perf_counter() - started)
    worst = sorted((page for page in pages if page.n_wrong), key=lambda page: (page.char_f1, -page.n_wrong))
    return Report(
        model_name=model_name,
        threshold=cut,
        data=[str(path) for path in paths],
        evaluation=evaluation,
        curves=curves,
        importances=importances,
        importance_lines=n_importance,
        worst=worst[:worst_pages],
        card=dict(getattr(model, "card_", {}) or {}),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


# ------------------------------------------------------------------------------ rendering

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1180px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
.meta { color: #666; } table { border-collapse: collapse; }
td, th { padding: 2px 10px; text-align: right; border-bottom: 1px solid #eee; }
td:first-child, th:first-child { text-align: left; }
.curve { display: flex; gap: 2em; align-items: flex-start; }
.bar { background: #4a7fb5; height: 12px; display: inline-block; vertical-align: middle; }
.imp td { padding: 1px 8px; } .imp td.name { font-family: ui-monospace, monospace; }
.page { margin: 1em 0 2em; } .page h3 { font-size: 1.05em; margin-bottom: .3em; }
.lines { font: 12.5px/1.35 ui-monospace, monospace; max-height: 520px; overflow: auto;
         border: 1px solid #ddd; padding: 4px 0; }
.ln { white-space: pre-wrap; padding: 0 8px; display: flex; gap: 10px; }
.ln .p { color: #777; flex: 0 0 3.6em; text-align: right; }
.ln .n { color: #aaa; flex: 0 0 2.8em; text-align: right; }
.gap { color: #888; font-style: italic; padding-left: 7.5em; background: #f4f4f4; }
.ln .t { flex: 1; }
.tp { background: #e8f5e9; } .tn { color: #999; }
.fp { background: #ffcdd2; } .fn { background: #ffe0a3; }
.legend span { padding: 1px 6px; margin-right: 8px; }
"""


def _pct(value: float) -> str:
    return f"{value:.3f}"


def _metrics_table(evaluation: Evaluation) -> str:
    rows = [("all", evaluation.overall)]
    for group, by_value in evaluation.groups.items():
        rows += [(f"{group}={value}", scores) for value, scores in sorted(by_value.items())]
    head = ("<tr><th>set</th><th>pages</th><th>char P</th><th>char R</th><th>char F1</th>"
            "<th>line P</th><th>line R</th><th>line F1</th><th>page F1</th></tr>")
    body = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{s.n_pages}</td>"
        f"<td>{_pct(s.chars.precision)}</td><td>{_pct(s.chars.recall)}</td><td><b>{_pct(s.chars.f1)}</b></td>"
        f"<td>{_pct(s.lines.precision)}</td><td>{_pct(s.lines.recall)}</td><td>{_pct(s.lines.f1)}</td>"
        f"<td>{_pct(s.page_f1_mean)}</td></tr>"
        for name, s in rows
    )
    return f"<table>{head}{body}</table>"


def _threshold_table(evaluation: Evaluation, threshold: float) -> str:
    head = "<tr><th>threshold</th><th>char P</th><th>char R</th><th>char F1</th><th>line F1</th></tr>"
    body = "".join(
        f"<tr><td>{t:.2f}</td><td>{_pct(chars.precision)}</td><td>{_pct(chars.recall)}</td>"
        f"<td>{_pct(chars.f1)}</td><td>{_pct(lines.f1)}</td></tr>"
        for t, lines, chars in evaluation.curve
    )
    return f"<table>{head}{body}</table>"


def curve_svg(curves: Sequence[Curve], width: int = 560, height: int = 420) -> str:
    """Precision (y) against recall (x) for each curve, the operating point marked."""
    left, bottom, top, right = 50, 40, 15, 15
    plot_w, plot_h = width - left - right, height - top - bottom
    colours = ["#1f5fa8", "#d9711c", "#2e8b57"]

    def xy(recall: float, precision: float) -> tuple[float, float]:
        return left + recall * plot_w, top + (1 - precision) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#999"/>']
    for tick in np.linspace(0, 1, 6):
        x, _ = xy(tick, 0)
        _, y = xy(0, tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#e4e4e4"/>')
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{tick:.1f}</text>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:.1f}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle">recall</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {top + plot_h / 2})">precision</text>')
    for i, curve in enumerate(curves):
        colour = colours[i % len(colours)]
        step = max(1, len(curve.recall) // CURVE_POINTS)
        keep = np.unique(np.r_[np.arange(0, len(curve.recall), step), len(curve.recall) - 1])
        points = " ".join("{:.1f},{:.1f}".format(*xy(r, p)) for r, p in zip(curve.recall[keep], curve.precision[keep]))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        px, py = xy(curve.at_threshold[1], curve.at_threshold[0])
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" fill="{colour}" stroke="#fff"/>')
        parts.append(f'<line x1="{left + 12}" y1="{top + plot_h - 40 + 18 * i}" x2="{left + 32}" '
                     f'y2="{top + plot_h - 40 + 18 * i}" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{left + 38}" y="{top + plot_h - 36 + 18 * i}">{html.escape(curve.name)} '
                     f'(P {curve.at_threshold[0]:.3f}, R {curve.at_threshold[1]:.3f} at the threshold)</text>')
    parts.append("</svg>")
    return "".join(parts)


def _importance_table(importances: Sequence[tuple[str, float, float]], top: int = TOP_FEATURES) -> str:
    shown = importances[:top]
    if not shown:
        return "<p>No importances measured.</p>"
    scale = max(max(drop for _, drop, _ in shown), 1e-9)
    rows = "".join(
        f'<tr><td class="name">{html.escape(name)}</td><td>{drop:+.4f} ± {std:.4f}</td>'
        f'<td><span class="bar" style="width:{max(0.0, drop) / scale * 360:.0f}px"></span></td></tr>'
        for name, drop, std in shown
    )
    return f'<table class="imp"><tr><th>feature</th><th>char F1 drop</th><th></th></tr>{rows}</table>'


_KIND = {(1, 1): "tp", (0, 0): "tn", (0, 1): "fp", (1, 0): "fn"}


def shown_lines(wrong: np.ndarray, context: int = CONTEXT_LINES) -> np.ndarray:
    """Which lines of a page to show: the wrong ones and ``context`` lines either side."""
    shown = np.zeros(len(wrong), dtype=bool)
    for offset in range(-context, context + 1):
        shifted = np.roll(wrong, offset)
        if offset > 0:
            shifted[:offset] = False
        elif offset < 0:
            shifted[offset:] = False
        shown |= shifted
    return shown


def _page_html(page: PageResult) -> str:
    counts = score_page(page.lines, page.gold, page.labels)
    shown = shown_lines(page.gold != page.labels)
    rows, hidden = [], 0
    for number, (line, g, k, s) in enumerate(zip(page.lines, page.gold, page.labels, page.scores), start=1):
        if not shown[number - 1]:
            hidden += 1
            continue
        if hidden:
            rows.append(f'<div class="ln gap">⋯ {hidden} line{"s" if hidden > 1 else ""} decided right ⋯</div>')
            hidden = 0
        rows.append(f'<div class="ln {_KIND[(int(g), int(k))]}"><span class="n">{number}</span>'
                    f'<span class="p">{s:.3f}</span><span class="t">{html.escape(line) or "&nbsp;"}</span></div>')
    if hidden:
        rows.append(f'<div class="ln gap">⋯ {hidden} line{"s" if hidden > 1 else ""} decided right ⋯</div>')
    rows = "".join(rows)
    return (
        f'<div class="page"><h3>{html.escape(page.name)}</h3>'
        f'<div class="meta">char F1 {page.char_f1:.3f} · {len(page.lines)} lines, {page.n_wrong} wrong '
        f'(kept clutter {counts.lines.fp:.0f}, dropped content {counts.lines.fn:.0f})</div>'
        f'<div class="lines">{rows}</div></div>'
    )


def render_html(report: Report) -> str:
    card = report.card
    model_bits = [report.model_name or "model"]
    if card.get("boilerkit_version"):
        model_bits.append(f"boilerkit {card['boilerkit_version']}")
    if card.get("created"):
        model_bits.append(f"trained {card['created']}")
    pages = report.evaluation.overall.n_pages
    legend = ('<p class="legend"><span class="tp">content, kept</span><span class="fp">clutter, kept (false positive)'
              '</span><span class="fn">content, dropped (false negative)</span><span class="tn">clutter, dropped'
              '</span> — before each line: its number and its content probability.</p>')
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>boilerkit evaluation report</title>',
        f"<style>{_CSS}</style></head><body>",
        "<h1>boilerkit evaluation report</h1>",
        f'<p class="meta">{html.escape(" · ".join(model_bits))} · threshold {report.threshold:.3f} · '
        f'data: {html.escape(", ".join(report.data))} ({pages} pages) · report by boilerkit {__version__}, '
        f"{html.escape(report.created)}</p>",
        "<h2>Scores</h2>",
        "<p>Content is the positive class: precision is how much of what was kept is content, recall how much "
        "of the content was kept. Character scores weigh each line by its non-whitespace characters.</p>",
        _metrics_table(report.evaluation),
        "<h2>Precision and recall</h2>",
        '<div class="curve">',
        curve_svg(report.curves),
        _threshold_table(report.evaluation, report.threshold),
        "</div>",
        "<h2>Features that matter most</h2>",
        f"<p>Drop of character F1 when one feature is shuffled across lines (permutation importance on "
        f"{report.importance_lines} lines of whole pages, {IMPORTANCE_REPEATS} shuffles each). "
        f"Features the model can replace by correlated ones show small drops.</p>",
        _importance_table(report.importances),
        "<h2>Worst pages</h2>",
        f"<p>The {len(report.worst)} pages with the lowest character F1: their wrong lines, with "
        f"{CONTEXT_LINES} lines either side, coloured by gold label and decision.</p>",
        legend,
        *(_page_html(page) for page in report.worst),
        "</body></html>",
    ])


REPORT_FILE = "index.html"


def check_report_directory(directory: str | os.PathLike, inputs: Sequence[str]) -> None:
    """Raise :class:`InputError` when a report could not be written into ``directory`` (a file
    is there or where one of its parents would be made, or the nearest existing parent is not
    writable), or would replace one of ``inputs`` (already expanded paths).  Checked before
    the evaluation, which can take minutes."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise _not_a_directory(directory)
    existing = _nearest_existing(Path(directory))
    if not existing.is_dir():
        raise InputError(directory, f"cannot make the report directory: {existing} is not a directory")
    if not os.access(existing, os.W_OK):
        raise InputError(directory, f"cannot write the report: {existing} is not writable")
    check_output_is_not_input(os.path.join(directory, REPORT_FILE), inputs)


def _nearest_existing(path: Path) -> Path:
    """``path`` or the nearest of its parents that exists."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _not_a_directory(directory: str | os.PathLike) -> InputError:
    return InputError(directory, f"not a directory: the report is written into one, as {REPORT_FILE}")


def write_report(report: Report, directory: str | os.PathLike) -> Path:
    """Write ``report`` as ``directory/index.html`` (the directory is made if needed)."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise _not_a_directory(directory) from None
    except OSError as error:
        raise InputError(directory, f"cannot make the report directory: {error.strerror or error}") from None
    path = directory / REPORT_FILE
    page = render_html(report)
    with AtomicWriter(path) as out:
        out.write(page)
    return path
