"""Applying a model to dumps: label every line, write content lines, scores or records.

Documents stream through in batches of about :data:`BATCH_LINES` lines: the features and
the classifier run over a whole batch at once (numpy and the classifier are fast on large
arrays, slow on many small ones), and memory stays flat however large the input.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from .features import as_rows
from .io import STDIN, AtomicWriter, Document, ErrorHandler, InputError, documents_of_files, expand_paths

log = logging.getLogger(__name__)

FORMATS = ("text", "tsv", "jsonl", "wet")  # wet: WET in, WET out (see boilerkit.warc)
# Lines per prediction batch: large enough that per-batch overhead vanishes, small enough
# that a batch's features (about 80 float32 columns) stay well under 100 MB.
BATCH_LINES = 100_000
# Digits of the probabilities written in tsv/jsonl: more is noise, fewer hides ranking.
SCORE_DIGITS = 4


@dataclass
class LabelledDocument:
    document: Document
    labels: np.ndarray
    scores: np.ndarray


@dataclass
class ApplySummary:
    documents: int = 0
    lines: int = 0
    content_lines: int = 0
    # Inputs (files or JSONL records) skipped because they could not be read.
    errors: list[InputError] = field(default_factory=list)


def batches(documents: Iterable[Document], batch_lines: int = BATCH_LINES) -> Iterator[list[Document]]:
    """Consecutive groups of documents holding about ``batch_lines`` lines each."""
    batch: list[Document] = []
    size = 0
    for document in documents:
        batch.append(document)
        size += len(document.lines)
        if size >= batch_lines:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def label_documents(model, documents: Sequence[Document], threshold: float | None = None) -> list[LabelledDocument]:
    """Labels and content probabilities of every line of ``documents``, predicted as one batch."""
    labels, scores = model.label_lines(as_rows(doc.lines for doc in documents), threshold)
    bounds = np.cumsum([0] + [len(doc.lines) for doc in documents])
    return [
        LabelledDocument(doc, labels[start:end], scores[start:end])
        for doc, start, end in zip(documents, bounds[:-1], bounds[1:])
    ]


def iter_labelled_documents(
    model, documents: Iterable[Document], threshold: float | None = None, batch_lines: int = BATCH_LINES
) -> Iterator[LabelledDocument]:
    for batch in batches(documents, batch_lines):
        yield from label_documents(model, batch, threshold)


# ------------------------------------------------------------------------ output formats


def write_text(result: LabelledDocument, out: IO[str]) -> None:
    out.writelines(line + "\n" for line, label in zip(result.document.lines, result.labels) if label)


def write_tsv(result: LabelledDocument, out: IO[str]) -> None:
    out.writelines(
        f"{label}\t{score:.{SCORE_DIGITS}f}\t{line}\n"
        for line, label, score in zip(result.document.lines, result.labels, result.scores)
    )


def output_record(result: LabelledDocument) -> dict:
    """The input record with ``labels`` and ``scores`` added (and ``content`` for text)."""
    doc = result.document
    record = dict(doc.record) if doc.record is not None else {"source": doc.source, "text": "\n".join(doc.lines)}
    record["labels"] = result.labels.tolist()
    record["scores"] = np.round(result.scores, SCORE_DIGITS).tolist()
    if doc.text_field == "text":
        record["content"] = "\n".join(line for line, label in zip(doc.lines, result.labels) if label)
    return record


def write_jsonl(result: LabelledDocument, out: IO[str]) -> None:
    out.write(json.dumps(output_record(result), ensure_ascii=False) + "\n")


WRITERS = {"text": write_text, "tsv": write_tsv, "jsonl": write_jsonl}


# --------------------------------------------------------------------------- review lists

SORTS = ("document", "uncertain")


def review_writer(threshold: float):
    """A writer of a *review list*: ``LINE_NUMBER<TAB>LABEL<TAB>PROBABILITY<TAB>line`` rows
    of each document, least certain first (``|probability - threshold|`` ascending, ties in
    document order).

    It is for reading, not for training: ``LINE_NUMBER`` (from 1) is the line in the dump,
    which is also the row of the ``--format tsv`` file of the same dump, where a wrong
    label is corrected.  A file out of document order would lose the context (previous
    and next lines) that the features are computed from.
    """

    def write_review(result: LabelledDocument, out: IO[str]) -> None:
        order = np.argsort(np.abs(result.scores - threshold), kind="stable")
        lines, labels, scores = result.document.lines, result.labels, result.scores
        out.writelines(f"{i + 1}\t{labels[i]}\t{scores[i]:.{SCORE_DIGITS}f}\t{lines[i]}\n" for i in order.tolist())

    return write_review


def check_output_is_not_input(output: str, inputs: Sequence[str]) -> None:
    if output == STDIN or not os.path.exists(output):
        return
    for path in inputs:
        if path != STDIN and os.path.exists(path) and os.path.samefile(path, output):
            raise InputError(output, "output file is also an input: refusing to overwrite it")


def apply(
    inputs: Sequence[str | os.PathLike],
    model,
    *,
    threshold: float | None = None,
    output_format: str = "text",
    sort: str = "document",
    output: str | os.PathLike = STDIN,
    batch_lines: int = BATCH_LINES,
    strict: bool = False,
    on_error: ErrorHandler | None = None,
) -> ApplySummary:
    """Label every line of ``inputs`` with ``model`` and write ``output_format`` to ``output``
    (``-`` for standard output).  The output file appears only once it is complete.

    An input that cannot be read (a file, or one record of a JSONL file) is skipped: its
    :class:`~boilerkit.io.InputError` goes to ``on_error`` (by default, logged) and into
    ``summary.errors``, and the others are cleaned.  With ``strict``, the first one raises
    and no output is written.
    """
    if output_format not in FORMATS:
        raise ValueError(f"unknown format {output_format!r}: choose one of {', '.join(FORMATS)}")
    summary = ApplySummary()

    def skip(error: InputError) -> None:
        summary.errors.append(error)
        if on_error is not None:
            on_error(error)
        else:
            log.error("%s", error)

    report = None if strict else skip
    paths = expand_paths(inputs, on_error=report)
    check_output_is_not_input(str(output), paths)
    if output_format == "wet":
        from .warc import check_wet_inputs, wet_writer

        check_wet_inputs(paths)
        write = wet_writer(gzipped=str(output).lower().endswith(".gz"))
    else:
        write = WRITERS[output_format]
    if sort not in SORTS:
        raise ValueError(f"unknown sort order {sort!r}: choose one of {', '.join(SORTS)}")
    if sort == "uncertain":
        if output_format != "tsv":
            raise ValueError("sort 'uncertain' writes a review list: it needs the tsv format")
        write = review_writer(model.threshold if threshold is None else threshold)
    with AtomicWriter(output) as out:
        for result in iter_labelled_documents(model, documents_of_files(paths, report), threshold, batch_lines):
            write(result, out)
            summary.documents += 1
            summary.lines += len(result.labels)
            summary.content_lines += int(result.labels.sum())
    return summary
