"""`boilerkit label`: labelled dumps from dumps and their clean text."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from boilerkit import convert as convert_module
from boilerkit.align import align_labels
from boilerkit.cli import app
from boilerkit.convert import CONVERTERS, convert
from boilerkit.io import parse_labelled_tsv, read_labelled, split_lines
from boilerkit.label import label

from .conftest import EXAMPLES

runner = CliRunner()

ARTICLE = [
    "The council voted on Tuesday to close the old bridge for repairs next spring.",
    "Work is expected to take four months and will cost about two million pounds.",
    "Residents said they were worried about longer journeys to the town centre.",
]
MENU = ["Home", "News | Sport | Weather", "Share this article", "Most read: Bridge to close for repairs next spring"]
# Made-up pairs in the layout of the shipped data: a dump with navigation around the article
# (one with the headline repeated in a "most read" box), one given as "text", and a wrong pair.
PAIRS = [
    {"id": "a", "dataset": "made-up", "lines": MENU[:2] + ["Bridge to close for repairs next spring"] + ARTICLE + MENU[2:],
     "gold": "Bridge to close for repairs next spring\n" + "\n".join(ARTICLE)},
    {"id": "b", "url": "https://example.org/b", "text": "\n".join(["Menu", *ARTICLE[:2], "Footer (c) 2024"]),
     "gold": " ".join(ARTICLE[:2])},
    {"id": "c", "lines": MENU, "gold": "A completely different page about cooking pasta with fresh tomatoes and basil."},
]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def pairs_file(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in PAIRS), encoding="utf-8")
    return path


def test_labels_are_those_of_align_labels(pairs_file, tmp_path):
    """The labels of the label_agreement benchmark: align_labels(lines, gold) per record."""
    out = tmp_path / "labelled.jsonl"
    label(pairs_file, output=out)
    records = [json.loads(line) for line in split_lines(out.read_text(encoding="utf-8"))]
    assert [r["id"] for r in records] == ["a", "b", "c"]
    for record, pair in zip(records, PAIRS):
        lines = pair.get("lines") or split_lines(pair["text"])
        assert record["labels"] == align_labels(lines, pair["gold"]).labels.tolist()
    assert records[0]["labels"] == [0, 0, 1, 1, 1, 1, 0, 0]


def test_output_keeps_fields_adds_lines_and_coverage_and_trains(pairs_file, tmp_path):
    out = tmp_path / "labelled.jsonl"
    label(pairs_file, output=out)
    records = read_labelled([out])
    assert records[1]["url"] == "https://example.org/b" and records[1]["text"] == PAIRS[1]["text"]
    assert records[1]["lines"] == split_lines(PAIRS[1]["text"])
    assert records[0]["gold"] == PAIRS[0]["gold"]
    assert records[0]["gold_coverage"] == 1.0 and records[2]["gold_coverage"] < 0.5


def test_cli_warns_about_a_wrong_pair_naming_file_and_record(pairs_file, tmp_path):
    result = run("label", pairs_file, "-o", tmp_path / "out.jsonl")
    assert result.exit_code == 0, result.output
    warnings = [line for line in split_lines(result.stderr) if "gold text is in the dump" in line]
    assert len(warnings) == 1 and warnings[0].startswith(f"boilerkit: {pairs_file}:3 (c): only ")
    assert "labelled 3 page(s)" in result.stderr and "1 page(s) below 0.5" in result.stderr


def test_cli_labels_one_dump_with_its_gold_as_tsv(tmp_path):
    dump, gold = tmp_path / "page.txt", tmp_path / "page.gold.txt"
    dump.write_text("\n".join(PAIRS[0]["lines"]) + "\n", encoding="utf-8")
    gold.write_text(PAIRS[0]["gold"], encoding="utf-8")
    result = run("label", dump, "--gold", gold)
    assert result.exit_code == 0, result.output
    parsed = parse_labelled_tsv(result.stdout, "out.tsv")
    assert parsed["lines"] == PAIRS[0]["lines"]
    assert parsed["labels"] == [0, 0, 1, 1, 1, 1, 0, 0]


@pytest.mark.parametrize(
    "record, message",
    [
        ({"lines": ["a"]}, 'record has no "gold" field (the clean text of the page)'),
        ({"lines": ["a"], "gold": ["a"]}, '"gold" must be a string'),
        ({"gold": "a"}, 'record has neither a "text" nor a "lines" field'),
        ({"lines": "a", "gold": "a"}, '"lines" must be a list of strings'),
    ],
)
def test_bad_record_is_one_line_and_leaves_no_output(tmp_path, record, message):
    bad = tmp_path / "pairs.jsonl"
    bad.write_text(json.dumps(PAIRS[0]) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("label", bad, "-o", out)
    assert result.exit_code != 0
    assert result.output.strip() == f"boilerkit: error: {bad}:2: {message}"
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["pairs.jsonl"]


def test_text_dump_without_gold_is_refused(tmp_path):
    dump = tmp_path / "page.txt"
    dump.write_text("Home\n", encoding="utf-8")
    result = run("label", dump)
    assert result.exit_code != 0 and "--gold" in result.output and len(result.output.strip().splitlines()) == 1


def test_pairs_file_with_gold_option_is_refused(pairs_file, tmp_path):
    result = run("label", pairs_file, "--gold", pairs_file)
    assert result.exit_code != 0 and "drop --gold" in result.output


def test_gzipped_output_is_refused_not_written_as_plain_text(pairs_file, tmp_path):
    result = run("label", pairs_file, "-o", tmp_path / "out.jsonl.gz")
    assert result.exit_code != 0 and "gzipped output is not supported" in result.output
    assert not (tmp_path / "out.jsonl.gz").exists()


# --- HTML pages: dumps made by converters (boilerkit.convert)

PAGE_HTML = EXAMPLES / "news-page.html"
PAGE_GOLD = EXAMPLES / "news-page.gold.txt"
RECIPE = {
    "id": "recipe", "url": "https://example.org/pasta", "dataset": "made-up",
    "html": "<html><body><nav><a href='/'>Home</a> | <a href='/recipes'>Recipes</a></nav>"
            "<h1>Pasta with fresh tomatoes</h1><p>Cook the pasta in salted water until it is just tender, "
            "then toss it with the chopped tomatoes, olive oil and torn basil leaves.</p>"
            "<footer>Share this recipe</footer></body></html>",
    "gold": "Pasta with fresh tomatoes\nCook the pasta in salted water until it is just tender, then toss it "
            "with the chopped tomatoes, olive oil and torn basil leaves.",
}


def needs_converters(*names):
    """Skip unless the converters' libraries (and lynx) are installed here."""
    modules = {"html-text": "html_text", "html2text": "html2text", "inscriptis": "inscriptis"}
    for name in names:
        if name == "lynx" and convert_module.shutil.which("lynx") is None:
            pytest.skip("lynx not installed (apt-get install lynx)")
        if name in modules:
            pytest.importorskip(modules[name])


@pytest.fixture
def pages_file(tmp_path):
    news = {"id": "news", "html": PAGE_HTML.read_text(encoding="utf-8"), "gold": PAGE_GOLD.read_text(encoding="utf-8")}
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps(news) + "\n" + json.dumps(RECIPE) + "\n", encoding="utf-8")
    return path


def read_records(path):
    return [json.loads(line) for line in split_lines(path.read_text(encoding="utf-8"))]


def test_html_records_become_labelled_dumps_of_the_converter(pages_file, tmp_path):
    needs_converters("html2text")
    out = tmp_path / "out.jsonl"
    result = run("label", pages_file, "--converter", "html2text", "-o", out)
    assert result.exit_code == 0, result.output
    records = read_records(out)
    assert [r["id"] for r in records] == ["news", "recipe"]
    recipe = records[1]
    assert "html" not in recipe and recipe["converter"] == "html2text"
    assert (recipe["url"], recipe["dataset"], recipe["gold"]) == (RECIPE["url"], "made-up", RECIPE["gold"])
    assert recipe["lines"] == convert(RECIPE["html"], "html2text")
    assert recipe["labels"] == align_labels(recipe["lines"], RECIPE["gold"]).labels.tolist()
    assert list(zip(recipe["labels"], recipe["lines"]))[2:5] == [
        (1, "# Pasta with fresh tomatoes"), (1, ""), (1, recipe["lines"][4])]  # the blank between them too
    assert recipe["labels"][:2] == [0, 0] and recipe["labels"][5:] == [0, 0]
    assert recipe["gold_coverage"] == 1.0 and records[0]["gold_coverage"] == 1.0
    assert read_labelled([out])[0]["lines"] == records[0]["lines"]  # trains as it is


def test_several_converters_write_each_page_once_per_converter_in_the_order_given(pages_file, tmp_path):
    needs_converters("html-text", "lynx")
    out = tmp_path / "out.jsonl"
    result = run("label", pages_file, "-c", "lynx", "-c", "html-text", "-o", out)
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["converter"]) for r in read_records(out)] == [
        ("news", "lynx"), ("news", "html-text"), ("recipe", "lynx"), ("recipe", "html-text")]
    assert "labelled 2 page(s) with lynx" in result.stderr and "labelled 2 page(s) with html-text" in result.stderr


def test_one_html_page_with_its_gold_becomes_a_labelled_tsv(tmp_path):
    needs_converters("lynx")
    out = tmp_path / "page.tsv"
    result = run("label", PAGE_HTML, "--gold", PAGE_GOLD, "--converter", "lynx", "-o", out)
    assert result.exit_code == 0, result.output
    parsed = parse_labelled_tsv(out.read_text(encoding="utf-8"), out)
    assert parsed["lines"] == convert(PAGE_HTML.read_text(encoding="utf-8"), "lynx")
    labelled = dict(zip(parsed["lines"], parsed["labels"]))
    assert labelled["     * [4]Sport"] == 0 and labelled["     * The Saturday market moves to the station square."] == 1


def test_an_html_page_is_read_in_the_charset_it_declares(tmp_path):
    needs_converters("html-text")
    page = tmp_path / "page.html"
    page.write_bytes('<meta charset="windows-1252"><p>Le café “Zéphyr” ouvre ses portes demain matin.</p>'.encode("cp1252"))
    gold = tmp_path / "gold.txt"
    gold.write_text("Le café “Zéphyr” ouvre ses portes demain matin.", encoding="utf-8")
    result = run("label", page, "--gold", gold, "-c", "html-text")
    assert result.exit_code == 0, result.output
    assert parse_labelled_tsv(result.stdout, "out")["lines"] == ["Le café “Zéphyr” ouvre ses portes demain matin."]


def test_one_page_with_several_converters_is_refused(tmp_path):
    needs_converters("html-text", "lynx")
    out = tmp_path / "page.tsv"
    result = run("label", PAGE_HTML, "--gold", PAGE_GOLD, "-c", "lynx", "-c", "html-text", "-o", out)
    assert result.exit_code != 0 and "give one --converter" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.parametrize(
    "record, message",
    [
        ({"lines": ["a"], "gold": "a"}, 'record has no "html" field (the page to convert with html-text)'),
        ({"html": ["<p>a</p>"], "gold": "a"}, '"html" must be a string'),
        ({"html": "<p>a</p>", "gold": None}, 'record has no "gold" field (the clean text of the page)'),
        ({"html": "<p>a</p>", "gold": {"text": "a"}}, '"gold" must be a string'),
        ([1, 2], "expected a JSON object, got list"),
    ],
)
def test_bad_html_record_is_one_line_and_leaves_no_output(tmp_path, record, message):
    needs_converters("html-text")
    bad = tmp_path / "pages.jsonl"
    bad.write_text(json.dumps(RECIPE) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("label", bad, "--converter", "html-text", "-o", out)
    assert result.exit_code != 0
    assert result.output.strip() == f"boilerkit: error: {bad}:2: {message}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages.jsonl"]


def test_html_record_without_converter_asks_for_one(tmp_path):
    bad = tmp_path / "pages.jsonl"
    bad.write_text(json.dumps(RECIPE) + "\n", encoding="utf-8")
    result = run("label", bad, "-o", tmp_path / "out.jsonl")
    assert result.exit_code != 0
    assert result.output.strip() == (f'boilerkit: error: {bad}:1: record has "html" but no "text" or "lines": '
                                     "give --converter to convert it")


def test_unknown_converter_is_one_line_before_anything_is_written(pages_file, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run("label", pages_file, "-c", "pandoc", "-o", out)
    assert result.exit_code != 0 and not out.exists()
    assert result.output.strip() == ("boilerkit: error: unknown converter 'pandoc': choose from "
                                     "html-text, inscriptis, resiliparse, html2text, html2text-wrapped, lynx, lynx-nolist, w3m")


def test_missing_converter_library_says_how_to_install_it(pages_file, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "html2text", None)  # import raises ImportError
    out = tmp_path / "out.jsonl"
    result = run("label", pages_file, "-c", "html2text", "-o", out)
    assert result.exit_code != 0 and not out.exists()
    assert result.output.strip() == "boilerkit: error: html2text is not installed: pip install 'boilerkit[convert]'"


def crashes_on_the_recipe(html):
    if "Pasta" in html:
        raise IndexError("list index out of range")
    return convert_module.lines_without_blanks(html)


def hangs_on_the_recipe(html):
    while "Pasta" in html:
        pass
    return convert_module.lines_without_blanks(html)


@pytest.mark.parametrize(
    "function, message",
    [(crashes_on_the_recipe, "html2text failed: IndexError: list index out of range"),
     (hangs_on_the_recipe, "html2text: no result after 0.2 CPU s")],
    ids=["crash", "timeout"],
)
def test_a_converter_failing_on_one_page_names_file_and_record_and_leaves_no_output(
        pages_file, tmp_path, monkeypatch, function, message):
    monkeypatch.setitem(CONVERTERS, "html2text", function)
    monkeypatch.setattr(convert_module, "CONVERT_TIMEOUT_SECONDS", 0.2)
    out = tmp_path / "out.jsonl"
    result = run("label", pages_file, "-c", "html2text", "-o", out)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == f"boilerkit: error: {pages_file}:2: {message}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages.jsonl"]
