"""Applying a model to dumps: label every line, write content lines, scores or records.

Documents stream through in batches of about :data:`BATCH_LINES` lines: the features and
the classifier run over a whole batch at once (numpy and the classifier are fast on large
arrays, slow on many small ones), and memory stays flat however large the input.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO

import numpy as np
from threadpoolctl import threadpool_limits  # a scikit-learn dependency

from .features import as_rows
from .io import STDIN, AtomicWriter, Document, ErrorHandler, InputError, documents_of_files, expand_paths, json_line

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
    return _split_by_document(documents, labels, scores)


def _split_by_document(documents: Sequence[Document], labels, scores) -> list[LabelledDocument]:
    bounds = np.cumsum([0] + [len(doc.lines) for doc in documents])
    return [
        LabelledDocument(doc, labels[start:end], scores[start:end])
        for doc, start, end in zip(documents, bounds[:-1], bounds[1:])
    ]


def iter_labelled_documents(
    model,
    documents: Iterable[Document],
    threshold: float | None = None,
    batch_lines: int = BATCH_LINES,
    jobs: int = 1,
    workers: str = "auto",
) -> Iterator[LabelledDocument]:
    """Labelled documents, in input order; with ``jobs`` > 1 the batches are labelled by that
    many worker processes or threads (``workers``: "processes", "threads", or "auto":
    processes; see :func:`_iter_labelled_in_pool` and :data:`POOL_BATCH_LINES`)."""
    if jobs > 1:
        yield from _iter_labelled_in_pool(model, documents, threshold, batch_lines, jobs, workers)
        return
    for batch in batches(documents, batch_lines):
        with threadpool_limits(PREDICT_THREADS, user_api="openmp"):
            labelled = label_documents(model, batch, threshold)
        yield from labelled


# ------------------------------------------------------------------------ worker processes

# OpenMP threads of the classifier in each process: one, so that a process is one core and
# --jobs N is N cores.  The trees are predicted 5,000 rows at a time (cache-sized, see
# boilerkit.stacking), and a second thread adds a fork/join per tree and chunk: on a busy
# 2-core machine 100 trees over 100,000 rows took 83 s wall with two threads against 2.3 s
# with one (sklearn 1.7; threads waiting at each barrier for a descheduled partner).
PREDICT_THREADS = 1
# Lines per batch when several workers label (at most; batch_lines if smaller): the last
# batches run while the other workers idle, and a worker starts only once its first batch
# is read.  Measured on 2M lines, 2 cores, --jobs 2 (2026-12-02, noisy machine): 25,000
# lines 25.3-32.7 s, 10,000 30.7 s, 50,000 35.6 s, 100,000 36.2 s.
POOL_BATCH_LINES = 25_000
# Batches handed to the workers ahead of the one being written, per worker: enough to keep
# every worker busy while the main process reads and writes, few enough that memory stays
# flat (each batch in flight holds its documents, about BATCH_LINES lines).
BATCHES_AHEAD_PER_JOB = 2

_worker_model = None


def _start_worker(model, threads: int) -> None:
    """Pool initializer: keep the model (sent once per worker) and cap the threads of the
    classifier's OpenMP loops (see :data:`PREDICT_THREADS`)."""
    global _worker_model
    _worker_model = model
    # Ctrl-C reaches the whole process group: the main process stops the pool and removes
    # the partial output; workers printing their own KeyboardInterrupt would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threadpool_limits(threads, user_api="openmp")


def _label_in_worker(lines_of_documents: list[list[str]], threshold: float | None):
    """:func:`_label_lines` with the model the worker process was started with."""
    return _label_lines(_worker_model, lines_of_documents, threshold)


def _iter_labelled_in_pool(
    model, documents: Iterable[Document], threshold: float | None, batch_lines: int, jobs: int, workers: str = "auto"
) -> Iterator[LabelledDocument]:
    """Batches labelled by ``jobs`` threads or processes, results in input order.  At most
    ``jobs * BATCHES_AHEAD_PER_JOB`` batches are in flight: the input is read only as fast
    as the workers label it (``Pool.imap`` would read all of it ahead into memory)."""
    pending: deque = deque()
    threads = _use_threads(workers)
    pool = _pool(model, jobs, threads)
    try:
        for batch in batches(documents, min(batch_lines, POOL_BATCH_LINES)):
            lines = [doc.lines for doc in batch]
            # threads share the model; a worker process holds its own copy
            future = (pool.submit(_label_lines, model, lines, threshold) if threads
                      else pool.submit(_label_in_worker, lines, threshold))
            pending.append((batch, future))
            if len(pending) >= jobs * BATCHES_AHEAD_PER_JOB:
                done, future = pending.popleft()
                yield from _split_by_document(done, *future.result())
        while pending:
            done, future = pending.popleft()
            yield from _split_by_document(done, *future.result())
    except BaseException:
        _stop_at_once(pool)
        raise
    pool.shutdown()


def _stop_at_once(pool: Executor) -> None:
    """An error, an early stop or a signal: end the worker processes now and drop the
    queued work, instead of waiting for the batches in hand.  The graceful shutdown could
    hang for good after a signal: with SIGTERM sent to the whole process group (as
    ``timeout`` and job schedulers send it), 2 of about 10 ``--jobs 2`` runs left the main
    process spinning at 100% CPU in the executor's shutdown, its call queue full, while a
    surviving worker waited for the rest of a message 1.8 GB long by its garbled header.
    The workers go first: the executor then finds its pool broken and takes its path for
    dirty queues (it closes them instead of draining them).  Threads cannot be stopped;
    they finish their batch, whose result nobody reads."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


WORKERS = ("auto", "threads", "processes")


def _use_threads(workers: str) -> bool:
    """Threads only when asked for.  The compiled kernels release the GIL, but the Python
    between them (reading rows, the layout, the regex fallbacks) holds it, and the main
    thread's reading and writing too: on 2M lines, 2 cores, two processes took 25.3-29.4 s
    where two threads took 25.8-33.0 s (one job 50.2-54.8 s; alternating runs, 2026-12-02),
    and the three processes together peaked at 657 MB where the threads' one took about
    1 GB (benchmarks/results/speed.txt)."""
    if workers not in WORKERS:
        raise ValueError(f"unknown workers {workers!r}: choose one of {', '.join(WORKERS)}")
    return workers == "threads"


def _pool(model, jobs: int, threads: bool) -> Executor:
    """Threads share the model and the batches, nothing is copied; processes get the model
    once each and a batch's lines by pickling, and run all of their Python at once, where
    threads take turns holding the GIL (see :func:`_use_threads`).  The platform's default start method (fork on Linux:
    works from any script, no `if __name__ == "__main__"` needed).  GNU OpenMP is not
    fork-safe once the parent has used its thread pool, but a worker capped at one thread
    never starts a team."""
    if threads:
        return ThreadPoolExecutor(jobs, thread_name_prefix="boilerkit", initializer=_cap_openmp_threads,
                                  initargs=(PREDICT_THREADS,))
    return ProcessPoolExecutor(jobs, initializer=_start_worker, initargs=(model, PREDICT_THREADS))


def _cap_openmp_threads(threads: int) -> None:
    # OpenMP's thread count is a per-thread setting: each worker thread caps its own
    threadpool_limits(threads, user_api="openmp")


def _label_lines(model, lines_of_documents: list[list[str]], threshold: float | None):
    """Labels and scores of one batch (only the lines travel to a worker process and only
    two arrays come back; the documents and their records stay in the main process)."""
    return model.label_lines(as_rows(lines_of_documents), threshold)


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
    out.write(json_line(output_record(result)))


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
    jobs: int = 1,
) -> ApplySummary:
    """Label every line of ``inputs`` with ``model`` and write ``output_format`` to ``output``
    (``-`` for standard output).  The output file appears only once it is complete.

    An input that cannot be read (a file, or one record of a JSONL file) is skipped: its
    :class:`~boilerkit.io.InputError` goes to ``on_error`` (by default, logged) and into
    ``summary.errors``, and the others are cleaned.  With ``strict``, the first one raises
    and no output is written.

    ``jobs`` > 1 labels batches of up to :data:`POOL_BATCH_LINES` lines in that many worker
    processes, output in the same order as with one; 1 runs everything in this thread.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
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
        results = iter_labelled_documents(model, documents_of_files(paths, report), threshold, batch_lines, jobs)
        for result in results:
            write(result, out)
            summary.documents += 1
            summary.lines += len(result.labels)
            summary.content_lines += int(result.labels.sum())
    return summary
