"""benchmarks/dumps.py on a two-page data folder of our own: the records, the figures, the cache."""

from __future__ import annotations

import gzip
import json
import shutil
import sys

import pytest

from boilerkit.align import align_labels
from boilerkit.convert import CONVERTERS, convert
from tests.conftest import EXAMPLES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import dumps  # noqa: E402

for module in ("html_text", "inscriptis", "resiliparse", "html2text"):
    pytest.importorskip(module)
for browser in ("lynx", "w3m"):
    if shutil.which(browser) is None:
        pytest.skip(f"{browser} not installed (apt-get install {browser})", allow_module_level=True)

NEWS = {"id": "made-up/news", "dataset": "made-up", "page_type": "article", "url": None,
        "html": (EXAMPLES / "news-page.html").read_text(encoding="utf-8"),
        "gold": (EXAMPLES / "news-page.gold.txt").read_text(encoding="utf-8")}
WRONG_GOLD = {"id": "made-up/wrong", "dataset": "made-up", "page_type": "forum", "url": "https://example.org/w",
              "html": "<p>Home</p><p>Our opening hours are nine to five on weekdays and ten to two on Saturdays.</p>",
              "gold": "A completely different page about cooking pasta with fresh tomatoes and basil."}


def write_jsonl_gz(path, records):
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in records)


def read_jsonl_gz(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A pages file and its shared lines file: the news page made with html-text (as the
    shared data would), the other page with inscriptis but with lines that differ."""
    folder = tmp_path / "data"
    folder.mkdir()
    write_jsonl_gz(folder / "pages.jsonl.gz", [NEWS, WRONG_GOLD])
    shared = [
        {"id": NEWS["id"], "converter": "html-text", "lines": convert(NEWS["html"], "html-text")},
        {"id": WRONG_GOLD["id"], "converter": "inscriptis", "lines": ["not what inscriptis makes"]},
    ]
    write_jsonl_gz(folder / "lines.jsonl.gz", shared)
    monkeypatch.setattr(dumps, "PAGES_FILES", ("pages.jsonl.gz",))
    monkeypatch.setattr(dumps, "CACHE_DIR", tmp_path / "cache")
    return folder


def run(data_dir, *options):
    dumps.main(["--data-dir", str(data_dir), "--workers", "1", *options])


def test_every_converter_writes_records_in_the_shared_format_with_coverage(data_dir):
    run(data_dir)
    for converter in CONVERTERS:
        records = read_jsonl_gz(dumps.CACHE_DIR / f"lines-{converter}.jsonl.gz")
        assert [r["id"] for r in records] == [NEWS["id"], WRONG_GOLD["id"]]
        news = records[0]
        assert list(news) == ["id", "dataset", "page_type", "url", "converter", "lines", "labels", "gold_coverage"]
        assert news["converter"] == converter and news["lines"] == convert(NEWS["html"], converter)
        assert news["labels"] == align_labels(news["lines"], NEWS["gold"]).labels.tolist()
        assert news["gold_coverage"] == 1.0


def test_figures_count_low_coverage_pages_and_identical_dumps_of_the_same_converter(data_dir, capsys):
    run(data_dir)
    stats = {c: dumps.load_stats(dumps.CACHE_DIR / f"lines-{c}.jsonl.gz") for c in CONVERTERS}
    assert {c: s.below_min_coverage for c, s in stats.items()} == dict.fromkeys(CONVERTERS, 1)
    assert (stats["html-text"].identical, stats["html-text"].compared) == (1, 1)
    assert (stats["inscriptis"].identical, stats["inscriptis"].compared) == (0, 1)
    assert stats["lynx"].compared == 0
    output = capsys.readouterr().out
    assert "1/1 (100.0%)" in output and "0/1 (0.0%)" in output
    assert "dropped from the shared data (html-text 1, inscriptis 1, resiliparse 1, html2text 1, html2text-wrapped 1, lynx 1, lynx-nolist 1, w3m 1)" in output


def test_existing_files_are_kept_unless_forced(data_dir, monkeypatch):
    run(data_dir)
    made = dumps.CACHE_DIR / "lines-lynx.jsonl.gz"
    made.write_bytes(gzip.compress(b""))  # marks the file: a remade one is not empty
    run(data_dir)
    assert read_jsonl_gz(made) == []
    run(data_dir, "--force")
    assert len(read_jsonl_gz(made)) == 2


def fails_on_the_forum_page(html):
    if "nine to five" in html:
        raise IndexError("list index out of range")
    return ["fine"]


def test_a_page_the_converter_fails_on_is_left_out_and_named(data_dir, monkeypatch, capsys):
    monkeypatch.setitem(CONVERTERS, "html2text", fails_on_the_forum_page)  # workers are forked with it
    run(data_dir)
    assert [r["id"] for r in read_jsonl_gz(dumps.CACHE_DIR / "lines-html2text.jsonl.gz")] == [NEWS["id"]]
    assert dumps.load_stats(dumps.CACHE_DIR / "lines-html2text.jsonl.gz").failed == {
        WRONG_GOLD["id"]: "html2text failed: IndexError: list index out of range"}
    assert f"failed: {WRONG_GOLD['id']}: html2text failed: IndexError" in capsys.readouterr().out
