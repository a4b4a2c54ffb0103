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

* either of them holding **HTML** instead of a dump: an HTML file, or records with the page
  as ``"html"``, turned into dumps by the converters named (:mod:`boilerkit.convert`),
  each page once per converter; a record comes out with ``"lines"``, ``"labels"``,
  ``"gold_coverage"`` and ``"converter"`` added and ``"html"`` removed.

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

from collections.abc import Sequence

from .align import align_labels
from .convert import ConverterError, check_converter, convert, decode_html
from .io import (
    STDIN,
    AtomicWriter,
    InputError,
    _iter_text_lines,
    _parse_json,
    is_jsonl,
    looks_binary,
    parse_document_record,
    read_bytes,
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
    ``id`` field if any, the converter that made its dump (``None`` for a given dump), and
    how it was labelled."""

    source: str
    record: int | None
    id: str | None
    lines: int
    content_lines: int
    gold_coverage: float
    converter: str | None = None

    @property
    def name(self) -> str:
        where = self.source if self.record is None else f"{self.source}:{self.record}"
        where = f"{where} ({self.id})" if self.id else where
        return f"{where} with {self.converter}" if self.converter else where


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

    def by_converter(self) -> dict[str | None, LabelSummary]:
        """The pages of each converter (``None``: given dumps), in the order first met."""
        groups: dict[str | None, LabelSummary] = {}
        for page in self.pages:
            groups.setdefault(page.converter, LabelSummary()).pages.append(page)
        return groups


def _check(page: LabelledPage) -> LabelledPage:
    if page.gold_coverage < MIN_GOLD_COVERAGE:
        log.warning(
            "%s: only %.0f%% of the gold text is in the dump: probably not the gold of this page",
            page.name, 100 * page.gold_coverage,
        )
    return page


def label_record(record: dict, path: str, number: int, converter: str | None = None) -> tuple[dict, LabelledPage]:
    """A JSONL pair record with ``labels``, ``gold_coverage`` (and ``lines``) added; with a
    ``converter``, its ``"html"`` is turned into ``lines`` by that converter first."""
    if converter is None:
        lines, gold, fields = _record_lines(record, path, number), _record_gold(record, path, number), {}
    else:
        html, gold = _record_html(record, path, number, converter), _record_gold(record, path, number)
        # Converted only once the record is known to be whole: conversion can take seconds.
        lines, fields = _converted(html, converter, path, number), {"converter": converter}
    alignment = align_labels(lines, gold)
    labels = alignment.labels.tolist()
    coverage = round(float(alignment.gold_coverage), 4)
    kept = {key: value for key, value in record.items() if converter is None or key != "html"}
    out = {**kept, "lines": lines, "labels": labels, "gold_coverage": coverage, **fields}
    page = LabelledPage(str(path), number, _record_id(record), len(labels), sum(labels), coverage, converter)
    return out, _check(page)


def _record_lines(record, path: str, number: int) -> list[str]:
    if isinstance(record, dict) and "html" in record and not {"lines", "text"} & record.keys():
        raise InputError(path, 'record has "html" but no "text" or "lines": give --converter to convert it', number)
    # A record with both fields is labelled on "lines": that is the field training reads.
    fields = {"lines": record["lines"]} if isinstance(record, dict) and "lines" in record else record
    return parse_document_record(fields, path, number).lines


def _record_html(record, path: str, number: int, converter: str) -> str:
    if not isinstance(record, dict):
        raise InputError(path, f"expected a JSON object, got {type(record).__name__}", number)
    html = record.get("html")
    if html is None:
        raise InputError(path, f'record has no "html" field (the page to convert with {converter})', number)
    if not isinstance(html, str):
        raise InputError(path, '"html" must be a string', number)
    return html


def _converted(html: str, converter: str, path: str, number: int | None) -> list[str]:
    try:
        return convert(html, converter)
    except ConverterError as error:
        raise InputError(path, str(error), number) from None


def _record_gold(record: dict, path: str, number: int) -> str:
    gold = record.get("gold")
    if gold is None:
        raise InputError(path, 'record has no "gold" field (the clean text of the page)', number)
    if not isinstance(gold, str):
        raise InputError(path, '"gold" must be a string', number)
    return gold


def _record_id(record: dict) -> str | None:
    value = record.get("id")
    return None if value is None else str(value)


def label(
    dump: str | os.PathLike,
    *,
    gold: str | os.PathLike | None = None,
    output: str | os.PathLike = STDIN,
    converters: Sequence[str] = (),
) -> LabelSummary:
    """Label every line of ``dump`` from its gold text and write the result to ``output``.

    With ``gold``, ``dump`` is one text dump and ``gold`` its clean text; the output is a
    labelled TSV.  Without it, ``dump`` is a JSONL(.gz) file of pairs (``"lines"`` or
    ``"text"``, and ``"gold"``); the output is JSONL.  With ``converters`` (names of
    :data:`boilerkit.convert.CONVERTERS`), the dump is HTML instead: the file with ``gold``
    (one converter), the records' ``"html"`` field without (each page is written once per
    converter, in the order given).  The output appears only once complete.

    Raises :class:`InputError` for a bad input, :class:`~boilerkit.convert.ConverterError`
    for a converter that is unknown or cannot run here (before anything is read).
    """
    dump, output = str(dump), str(output)
    for name in converters:
        check_converter(name)
    if gold is not None and len(converters) > 1:
        raise InputError(dump, "one page makes one TSV: give one --converter, or put the page in a JSONL file")
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
        converter = converters[0] if converters else None
        return LabelSummary([_label_text_pair(dump, str(gold), output, converter)])
    return LabelSummary(_label_pairs_file(dump, output, converters or (None,)))


def _label_text_pair(dump: str, gold: str, output: str, converter: str | None) -> LabelledPage:
    lines = split_lines(read_text(dump)) if converter is None else _converted(_read_html(dump), converter, dump, None)
    alignment = align_labels(lines, read_text(gold))
    with AtomicWriter(output) as out:
        out.writelines(f"{y}\t{line}\n" for y, line in zip(alignment.labels.tolist(), lines))
    coverage = round(float(alignment.gold_coverage), 4)
    return _check(LabelledPage(dump, None, None, len(lines), int(alignment.labels.sum()), coverage, converter))


def _read_html(path: str) -> str:
    data = read_bytes(path)
    if looks_binary(data):
        raise InputError(path, "binary file (control bytes such as NUL), not an HTML page")
    return decode_html(data)


def _label_pairs_file(path: str, output: str, converters: Sequence[str | None]) -> list[LabelledPage]:
    pages = []
    with AtomicWriter(output) as out:
        for number, text in _iter_text_lines(path):
            if not text.strip():
                continue
            record = _parse_json(text, path, number)
            for converter in converters:
                labelled, page = label_record(record, path, number, converter)
                out.write(json.dumps(labelled, ensure_ascii=False) + "\n")
                pages.append(page)
    return pages
