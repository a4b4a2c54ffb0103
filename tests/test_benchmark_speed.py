"""benchmarks/speed.py: its corpus is what apply reads, and its stage timings follow the model's path."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from boilerkit.features import as_rows
from boilerkit.io import iter_documents, split_lines
from tests.conftest import EXAMPLES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import speed  # noqa: E402

PAGES = [speed.Page("a", ["one", "two", "three"]), speed.Page("b", []), speed.Page("c", ["four", "five"])]


@pytest.mark.parametrize("min_lines", [1, 5, 6, 11])
def test_the_corpus_repeats_the_pages_until_it_holds_the_lines_asked_for(tmp_path, min_lines):
    corpus = speed.write_corpus(PAGES, min_lines, tmp_path / "corpus.jsonl")
    documents = list(iter_documents([str(corpus.path)]))
    lines = [len(document.lines) for document in documents]
    assert sum(lines) == corpus.lines >= min_lines
    assert sum(lines[:-1]) < min_lines  # it stops at the page that reaches the count
    assert corpus.documents == len(documents)
    assert [document.text_field for document in documents] == ["lines"] * len(documents)
    assert len({document.record["id"] for document in documents}) == len(documents)


def test_a_corpus_of_pages_without_lines_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no page"):
        speed.write_corpus([speed.Page("empty", [])], 10, tmp_path / "corpus.jsonl")


@pytest.mark.parametrize("compiled", ["1", "0"])
def test_the_stages_give_the_models_probabilities(small_model, sample_docs, monkeypatch, compiled):
    monkeypatch.setenv(speed.ENV_VAR, compiled)
    # blank lines and a hard-wrapped dump take the layout's way back to physical lines
    documents = [doc["lines"] for doc in sample_docs[:8]]
    news = split_lines((EXAMPLES / "news-dump.txt").read_text(encoding="utf-8"))
    documents.append([wrapped for line in news for wrapped in [*textwrap.wrap(line, 72), ""]])
    documents.append(["", "Menu", "", "A paragraph of the page that says something.", ""])
    rows = as_rows(documents)
    stopwatch = speed.Stopwatch()
    staged = speed.content_probability_in_stages(small_model, rows, stopwatch)
    np.testing.assert_array_equal(staged, small_model.content_probability(rows))
    assert set(stopwatch.seconds) == set(speed.STAGES)


def test_a_childs_peak_memory_is_its_own_not_the_benchmarks(tmp_path):
    """Linux keeps a process's largest resident size across exec: a child forked straight
    from a benchmark holding hundreds of MB would report them as its own peak."""
    ballast = np.ones(40_000_000)  # 320 MB, every page written: resident in this process
    small = speed.usage_of_child([sys.executable, "-c", "pass"], tmp_path / "usage.json")
    large = speed.usage_of_child([sys.executable, "-c", "import numpy; numpy.ones(20_000_000).sum()"],
                                 tmp_path / "usage.json")
    assert ballast.sum() == 40_000_000
    assert small["exit"] == 0 and small["max_rss_kb"] < 100_000
    assert large["max_rss_kb"] > small["max_rss_kb"] + 120_000  # its own 160 MB array counts
    assert not (tmp_path / "usage.json").exists()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from Linux's /proc")
def test_peak_memory_counts_the_worker_processes_together(tmp_path):
    """With --jobs N the work is in N worker processes: one process's peak would hide them."""
    hold = "import time, numpy; a = numpy.ones(12_500_000); a.sum(); time.sleep(1.5)"  # 100 MB each
    two_workers = ("import subprocess, sys; ps = [subprocess.Popen([sys.executable, '-c', %r]) for _ in range(2)];"
                   " [p.wait() for p in ps]" % hold)
    one = speed.usage_of_child([sys.executable, "-c", hold], tmp_path / "usage.json")
    two = speed.usage_of_child([sys.executable, "-c", two_workers], tmp_path / "usage.json")
    assert one["exit"] == two["exit"] == 0
    assert two["max_rss_kb"] > one["max_rss_kb"] + 80_000


def test_start_up_is_checked_by_its_median_run():
    load = speed.Load.now()
    fast = speed.StartUp("--version", [0.2, 0.25, 0.9], 0.3, load)  # one slow run of three
    slow = speed.StartUp("--help", [0.2, 0.4, 0.5], 0.3, load)
    text, checks = speed.report_start_up([fast, slow])
    assert [check.met for check in checks] == [True, False]
    assert "`boilerkit --version`" in text and "0.25" in text
