"""The speed-ups keep every result bit-identical (no timing here: see benchmarks/speed.py).

* regex hints (features.PATTERN_HINTS) give the same columns as scanning the whole batch;
* predicting in chunks of rows gives the same probabilities as one call;
* ``apply --jobs 2`` writes the same output as one process, and small batches the same as
  one batch holding everything.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time

import numpy as np
import pytest

from boilerkit import features
from boilerkit.apply import apply, iter_labelled_documents
from boilerkit.features import (
    COMMENT_PATTERN,
    DATE_PATTERN,
    DIGIT,
    IGNORECASE_ASCII_FOLDS,
    PATTERN_HINTS,
    Batch,
    as_rows,
    char_class_table,
    compute_features,
    split_rows,
)
from boilerkit.io import Document
from boilerkit.stacking import predict_proba_in_chunks

from .conftest import EXAMPLES, SAMPLE

PATTERNS = [DATE_PATTERN, COMMENT_PATTERN]

# Pieces of random lines: the words the patterns look for, in odd cases and scripts, and the
# characters that fold or lower oddly (dotless i, long s, dotted capital I, Kelvin sign).
PIECES = [
    "Comments", "COMMENTS:", "comment", "Reply", "REPLIES", "responses", "Trackback", "pingbacks", "discussion",
    "Kommentare", "commentaires", "comentarios", "commenti", "reactions", "says:", "SAID :", "wrote:", "writes",
    "reſponse", "ſays:", "commentſ", "dıscussıon", "İnfo", "K", "Ki", "3 days ago", "an hour AGO", "a week ago",
    "Oct 25", "25th October", "9:59", "2012-10-25", "25/10/2012", "1.2.03", "٣ days ago", "３:４５", "𝟓:𝟓𝟓",
    "Jan", "may", "the", "and", "Menu", "Home", "·", "|", "»", "©", "中文字符", "ﬆ", "\t", "  ", ".", ":", "-", "ago",
    "days", "12", "x", "\u00a0", "\u2028",
]  # fmt: skip


def random_lines(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        size = rng.choice([0, 1, 2, 3, 5, 8, 20])
        joiner = rng.choice([" ", "", "  ", "\t"])
        lines.append(joiner.join(rng.choice(PIECES) for _ in range(size)))
    return lines


def random_rows(seed: int, n_docs: int = 20) -> np.ndarray:
    rng = random.Random(seed)
    return as_rows(random_lines(seed * 1000 + i, rng.randint(0, 60)) for i in range(n_docs))


def full_scan(batch: Batch, pattern: re.Pattern) -> np.ndarray:
    """The reference: one regex scan of the whole joined batch, matches mapped to lines."""
    offsets = np.array([m.start() for m in pattern.finditer(batch.joined)], dtype=np.int64)
    hit = np.zeros(batch.n)
    if len(offsets):
        hit[np.searchsorted(batch._bounds[0], offsets, side="right") - 1] = 1.0
    return hit


def sample_lines() -> list[str]:
    from boilerkit.io import read_labelled

    return [line for doc in read_labelled([SAMPLE]) for line in doc["lines"]]


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("pattern", PATTERNS, ids=["date", "comment"])
def test_hinted_regex_matches_full_scan_on_random_text(pattern, seed):
    batch = Batch(*split_rows(random_rows(seed)))
    assert pattern.pattern in PATTERN_HINTS
    np.testing.assert_array_equal(batch.lines_matching(pattern), full_scan(batch, pattern))


@pytest.mark.parametrize("pattern", PATTERNS, ids=["date", "comment"])
def test_hinted_regex_matches_full_scan_on_the_sample(pattern):
    batch = Batch(*split_rows(sample_lines()))
    np.testing.assert_array_equal(batch.lines_matching(pattern), full_scan(batch, pattern))


def test_a_dotted_capital_i_is_folded_and_keeps_the_offsets():
    # U+0130 lowers to two characters; one such line used to send its whole batch to the
    # full scan (about 1 s per 100,000 lines and pattern), and it is common in Turkish text
    batch = Batch(*split_rows(["İstanbul says:", "3 days ago", "nothing", "İİİ DİSCUSSİON"]))
    assert batch.folded is not None and len(batch.folded) == len(batch.joined)
    np.testing.assert_array_equal(batch.lines_matching(COMMENT_PATTERN), [1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(batch.lines_matching(COMMENT_PATTERN), full_scan(batch, COMMENT_PATTERN))


def test_every_regex_feature_pattern_has_a_hint():
    """A pattern edited without its hint still gives the right column, but slowly: update
    the hint in features.PATTERN_HINTS (a literal that every alternative of it contains)."""
    assert set(PATTERN_HINTS) == {pattern.pattern for pattern in PATTERNS}


def test_ignorecase_folds_to_ascii_are_all_listed():
    """Every character that re.IGNORECASE matches with an ASCII letter lowers to it, or is
    in IGNORECASE_ASCII_FOLDS, or lowers to more than one character (the fallback)."""
    everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for char in set(re.findall(letter, everything, re.IGNORECASE)):
            lowered = char.lower()
            assert lowered == letter or IGNORECASE_ASCII_FOLDS.get(char) == letter or len(lowered) != 1, hex(ord(char))


def test_folding_keeps_what_the_patterns_look_at():
    """The hinted scan matches the folded text without IGNORECASE: folding may change a
    character only into one that the pattern treats alike (same \\w, \\d and \\s class, and a
    letter that IGNORECASE matches with the original)."""
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        folded = IGNORECASE_ASCII_FOLDS.get(char, char.lower())
        if folded == char or len(folded) != 1:  # unchanged, or the fallback's case
            continue
        for cls in (r"\w", r"\d", r"\s", r"[ \t]"):
            assert bool(re.match(cls, char)) == bool(re.match(cls, folded)), (hex(code), cls)
        if folded.isascii() and folded.isalpha():
            assert re.match(folded, char, re.IGNORECASE), hex(code)


def test_every_backslash_d_character_of_the_bmp_is_flagged_digit():
    digits = re.findall(r"\d", "".join(chr(code) for code in range(0x10000) if not 0xD800 <= code < 0xE000))
    table = char_class_table()
    assert all(table[ord(char)] & DIGIT for char in digits)


@pytest.mark.parametrize("seed", range(5))
def test_features_are_the_same_without_hints(seed, monkeypatch):
    rows = random_rows(100 + seed, n_docs=40)
    fast = compute_features(rows)
    monkeypatch.setattr(features, "PATTERN_HINTS", {})
    np.testing.assert_array_equal(fast, compute_features(rows))


def test_features_of_the_sample_are_the_same_without_hints(monkeypatch):
    lines = sample_lines()
    fast = compute_features(lines)
    monkeypatch.setattr(features, "PATTERN_HINTS", {})
    np.testing.assert_array_equal(fast, compute_features(lines))


@pytest.mark.parametrize("rows", [1, 7, 5000])
def test_predicting_in_chunks_gives_the_same_probabilities(small_model, sample_docs, rows):
    X = small_model[:-1].transform(as_rows(doc["lines"] for doc in sample_docs[:10]))
    classifier = small_model.steps[-1][1].estimator_
    first = classifier.first_ if hasattr(classifier, "first_") else classifier
    np.testing.assert_array_equal(predict_proba_in_chunks(first, X, rows), first.predict_proba(X))


# ----------------------------------------------------------------------------- apply


def documents_of(sample_docs) -> list[Document]:
    return [Document(doc["lines"], doc["id"]) for doc in sample_docs]


def labelled(model, documents, **options) -> list[tuple[list[int], list[float]]]:
    return [(r.labels.tolist(), r.scores.tolist()) for r in iter_labelled_documents(model, documents, **options)]


def test_small_batches_give_the_same_labels_as_one_batch(small_model, sample_docs):
    documents = documents_of(sample_docs)
    assert labelled(small_model, documents, batch_lines=50) == labelled(small_model, documents, batch_lines=10**9)


@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_two_jobs_give_the_same_labels_as_one_process(small_model, sample_docs, workers):
    documents = documents_of(sample_docs)
    assert labelled(small_model, documents, batch_lines=500, jobs=2, workers=workers) == labelled(
        small_model, documents)


@pytest.mark.parametrize("compiled", ["1", "0"])
def test_jobs_run_in_processes_unless_threads_are_asked_for(monkeypatch, compiled):
    """The GIL-holding Python between the compiled kernels made threads the slower choice."""
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    from boilerkit.apply import _pool, _use_threads

    monkeypatch.setenv("BOILERKIT_COMPILED", compiled)
    assert _use_threads("auto") is False
    with _pool(None, 2, _use_threads("auto")) as pool:
        assert isinstance(pool, ProcessPoolExecutor)
    with _pool(None, 2, _use_threads("threads")) as pool:
        assert isinstance(pool, ThreadPoolExecutor)
    with pytest.raises(ValueError, match="workers"):
        _use_threads("fibres")


def test_pool_batches_are_capped_and_keep_the_input_order(monkeypatch, small_model, sample_docs):
    from boilerkit import apply as apply_module

    monkeypatch.setattr(apply_module, "POOL_BATCH_LINES", 40)
    seen = []
    original = apply_module._label_lines

    def spy(model, lines_of_documents, threshold):
        seen.append(sum(map(len, lines_of_documents)))
        return original(model, lines_of_documents, threshold)

    monkeypatch.setattr(apply_module, "_label_lines", spy)
    documents = documents_of(sample_docs)
    assert labelled(small_model, documents, batch_lines=10**9, jobs=2, workers="threads") == labelled(
        small_model, documents)
    longest = max(len(doc.lines) for doc in documents)
    assert len(seen) > 1 and max(seen) < 40 + longest


class StallingModel:
    """Labels every line clutter, but takes ten minutes over a batch holding "STALL"."""

    def label_lines(self, rows, threshold=None):
        lines = np.asarray(rows)[:, -1]
        if "STALL" in lines.tolist():
            time.sleep(600)
        return np.zeros(len(lines), dtype=np.int64), np.zeros(len(lines))


def test_an_early_stop_ends_the_worker_processes_without_waiting_for_their_batches(monkeypatch):
    """A consumer that stops (an error, Ctrl-C, SIGTERM) must not wait for the batches in
    hand: the graceful shutdown it replaced could hang for good after a signal."""
    from boilerkit import apply as apply_module

    pools = []
    monkeypatch.setattr(apply_module, "_pool", lambda *args, make=apply_module._pool: pools.append(make(*args)) or pools[-1])
    documents = [Document(["fine"], "first")] + [Document(["STALL"], f"stalls-{i}") for i in range(4)]
    results = iter_labelled_documents(StallingModel(), documents, batch_lines=1, jobs=2, workers="processes")
    assert next(results).labels.tolist() == [0]
    workers = list(pools[0]._processes.values())
    closing = threading.Thread(target=results.close, daemon=True)
    closing.start()
    closing.join(timeout=60)  # the workers' batches would take 600 s
    assert not closing.is_alive(), "closing the results waited for the workers' batches"
    for worker in workers:
        assert _ends_within(worker, seconds=10), f"worker {worker.pid} still runs"


def _ends_within(worker, seconds: float) -> bool:
    """Whether the worker process has ended (or ends within ``seconds``).  ``is_alive`` cannot
    tell: the executor's own thread reaps the killed workers too, and the Process object that
    loses that race never learns the exit code (waitpid fails with ECHILD, and it reads as
    running; 2 of 3 runs of this file once failed so).  A reaped process is gone from the system."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.join(timeout=0.1)
        if worker.exitcode is not None:
            return True
        try:
            os.kill(worker.pid, 0)
        except ProcessLookupError:
            return True
    return False


@pytest.mark.parametrize("output_format", ["text", "tsv", "jsonl"])
def test_apply_with_two_jobs_writes_the_same_file(small_model, tmp_path, output_format):
    inputs = [str(SAMPLE), str(EXAMPLES / "documents.jsonl"), str(EXAMPLES / "news-dump.txt")]
    one, two = tmp_path / "one", tmp_path / "two"
    summary_one = apply(inputs, small_model, output_format=output_format, output=one)
    summary_two = apply(inputs, small_model, output_format=output_format, output=two, jobs=2, batch_lines=300)
    assert one.read_bytes() == two.read_bytes()
    assert (summary_one.documents, summary_one.lines, summary_one.content_lines) == (
        summary_two.documents, summary_two.lines, summary_two.content_lines
    )


def test_apply_streaming_writes_the_same_file_as_one_batch(small_model, tmp_path):
    one, many = tmp_path / "one", tmp_path / "many"
    apply([str(SAMPLE)], small_model, output_format="tsv", output=one, batch_lines=10**9)
    apply([str(SAMPLE)], small_model, output_format="tsv", output=many, batch_lines=100)
    assert one.read_bytes() == many.read_bytes()


def test_cli_jobs_2_writes_the_same_output(small_model_path, tmp_path):
    from typer.testing import CliRunner

    from boilerkit.cli import app

    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.tsv"
        result = CliRunner().invoke(app, ["apply", str(SAMPLE), "-m", str(small_model_path), "-f", "tsv",
                                          "-o", str(out), "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0]


def test_jobs_below_one_is_refused(small_model, tmp_path):
    with pytest.raises(ValueError, match="jobs"):
        apply([str(SAMPLE)], small_model, output=tmp_path / "out", jobs=0)
