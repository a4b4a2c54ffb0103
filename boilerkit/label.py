"""Making training data: label the lines of dumps from a clean ("gold") text of each page.

Anyone who has a page's dump and the page's main text as a human would copy it (an
article's text, a product description, the posts of a thread) gets a labelled dump for
``boilerkit train`` without labelling a line by hand.  The rule is
:func:`boilerkit.align.align_labels`, the one the shipped data set was labelled with, so
self-made training data means the same thing as the shipped data.

Two inputs:

* one pair of files: a dump (text, one line a line) and its gold text, written as a
  labelled TSV, ``LABEL<TAB>line`` per dump line;
* a JSONL(.gz) file of pairs, one record a page with the dump as ``"lines"`` (a list of
  strings) or ``"text"`` (a string) and the gold as ``"gold"``; written as the same records
  with ``"labels"`` and ``"gold_coverage"`` added (and ``"lines"`` for ``"text"`` records),
  a labelled dump as ``boilerkit train`` reads it.

*Gold coverage* is the share of the gold's words found on the lines labelled content.  A
pair whose coverage is below :data:`MIN_GOLD_COVERAGE` is almost certainly a wrong pair (the
gold of another page, a dump of an error page, text only rendered by JavaScript): it is
still written, but logged as a warning that names the file and record, so it can be
removed before training.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field

from .align import align_labels
from .io import (
    STDIN,
    AtomicWriter,
    InputError,
    _iter_text_lines,
    _parse_json,
    is_jsonl,
    parse_document_record,
    read_text,
    split_lines,
)

log = logging.getLogger(__name__)

MIN_GOLD_COVERAGE = 0.5
"""Below this gold coverage a pair is reported as probably wrong.  The shipped data set drops
such pages (``shared/data/README.md``, "Dropped pages"): there they were broken HTML, gold of
another page, or text the converter never saw."""


@dataclass(frozen=True)
class LabelledPage:
    """Where a labelled page came from (file and record line, ``None`` for a text dump), its
    ``id`` field if any, and how it was labelled."""

    source: str
    record: int | None
    id: str | None
    lines: int
    content_lines: int
    gold_coverage: float

    @property
    def name(self) -> str:
        where = self.source if self.record is None else f"{self.source}:{self.record}"
        return f"{where} ({self.id})" if self.id else where


@dataclass
class LabelSummary:
    """What :func:`label` did, page by page."""

    pages: list[LabelledPage] = field(default_factory=list)

    @property
    def wrong_pairs(self) -> list[LabelledPage]:
        return [page for page in self.pages if page.gold_coverage < MIN_GOLD_COVERAGE]

    @property
    def lines(self) -> int:
        return sum(page.lines for page in self.pages)

    @property
    def content_lines(self) -> int:
        return sum(page.content_lines for page in self.pages)

    @property
    def mean_gold_coverage(self) -> float:
        return sum(p.gold_coverage for p in self.pages) / len(self.pages) if self.pages else 0.0


def _check(page: LabelledPage) -> LabelledPage:
    if page.gold_coverage < MIN_GOLD_COVERAGE:
        log.warning(
            "%s: only %.0f%% of the gold text is in the dump: probably not the gold of this page",
            page.name, 100 * page.gold_coverage,
        )
    return page


def label_record(record: dict, path: str, number: int) -> tuple[dict, LabelledPage]:
    """A JSONL pair record with ``labels``, ``gold_coverage`` (and ``lines``) added."""
    # A record with both fields is labelled on "lines": that is the field training reads.
    fields = {"lines": record["lines"]} if isinstance(record, dict) and "lines" in record else record
    document = parse_document_record(fields, path, number)
    gold = record.get("gold")
    if gold is None:
        raise InputError(path, 'record has no "gold" field (the clean text of the page)', number)
    if not isinstance(gold, str):
        raise InputError(path, '"gold" must be a string', number)
    alignment = align_labels(document.lines, gold)
    labels = alignment.labels.tolist()
    coverage = round(float(alignment.gold_coverage), 4)
    out = {**record, "lines": document.lines, "labels": labels, "gold_coverage": coverage}
    page = LabelledPage(str(path), number, _record_id(record), len(labels), sum(labels), coverage)
    return out, _check(page)


def _record_id(record: dict) -> str | None:
    value = record.get("id")
    return None if value is None else str(value)


def label(
    dump: str | os.PathLike,
    *,
    gold: str | os.PathLike | None = None,
    output: str | os.PathLike = STDIN,
) -> LabelSummary:
    """Label every line of ``dump`` from its gold text and write the result to ``output``.

    With ``gold``, ``dump`` is one text dump and ``gold`` its clean text; the output is a
    labelled TSV.  Without it, ``dump`` is a JSONL(.gz) file of pairs (``"lines"`` or
    ``"text"``, and ``"gold"``); the output is JSONL.  The output appears only once complete.
    """
    dump, output = str(dump), str(output)
    if gold is None and not is_jsonl(dump):
        raise InputError(dump, "not a JSONL file of pairs: give the clean text of this dump with --gold")
    if gold is not None and is_jsonl(dump):
        raise InputError(dump, "a JSONL file holds its golds in a \"gold\" field: drop --gold")
    if output.lower().endswith(".gz"):
        raise InputError(output, "gzipped output is not supported: write .jsonl (or .tsv) and gzip it after")
    for path in (dump, gold):
        if path is not None and path != STDIN and output != STDIN and os.path.exists(output) \
                and os.path.samefile(path, output):
            raise InputError(output, "output file is also an input: refusing to overwrite it")
    if gold is not None:
        return LabelSummary([_label_text_pair(dump, str(gold), output)])
    return LabelSummary(_label_pairs_file(dump, output))


def _label_text_pair(dump: str, gold: str, output: str) -> LabelledPage:
    lines = split_lines(read_text(dump))
    alignment = align_labels(lines, read_text(gold))
    with AtomicWriter(output) as out:
        out.writelines(f"{y}\t{line}\n" for y, line in zip(alignment.labels.tolist(), lines))
    coverage = round(float(alignment.gold_coverage), 4)
    return _check(LabelledPage(dump, None, None, len(lines), int(alignment.labels.sum()), coverage))


def _label_pairs_file(path: str, output: str) -> list[LabelledPage]:
    pages = []
    with AtomicWriter(output) as out:
        for number, text in _iter_text_lines(path):
            if text.strip():
                record, page = label_record(_parse_json(text, path, number), path, number)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                pages.append(page)
    return pages
