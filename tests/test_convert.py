"""HTML converters: the shared data's line convention, blank lines of the others, failures."""

from __future__ import annotations

import os
import shutil
import sys
import time

import pytest

from boilerkit import convert as convert_module
from boilerkit.align import align_labels
from boilerkit.convert import (
    CONVERTERS,
    ConversionTimeout,
    ConverterError,
    check_converter,
    convert,
    lines_with_blanks,
    lines_without_blanks,
)
from .conftest import EXAMPLES

PAGE = (EXAMPLES / "news-page.html").read_text(encoding="utf-8")
GOLD = (EXAMPLES / "news-page.gold.txt").read_text(encoding="utf-8")
SHARED_CONVENTION = ("html-text", "inscriptis")
BLANK_LINE_CONVENTION = ("resiliparse", "html2text", "html2text-wrapped", "lynx", "lynx-nolist", "w3m")
TEXT_BROWSERS = ("lynx", "w3m")
BINARY = {"lynx": "lynx", "lynx-nolist": "lynx", "w3m": "w3m"}
LIBRARY = {"html-text": "html_text", "inscriptis": "inscriptis", "resiliparse": "resiliparse",
           "html2text": "html2text", "html2text-wrapped": "html2text"}
LONG_SENTENCE = "The town council voted on Tuesday evening to replace the old iron bridge"


def missing(name: str) -> str | None:
    """Why a converter cannot run here (its library or binary is not installed), or None."""
    if name in BINARY:
        binary = BINARY[name]
        return None if shutil.which(binary) else f"{binary} not installed (apt-get install {binary})"
    try:
        __import__(LIBRARY[name])
    except ImportError:
        return f"{LIBRARY[name]} not installed (pip install 'boilerkit[convert]')"
    return None


def each(names):
    """The converters as test parameters, skipped where they cannot run, except in CI (which
    installs them all: a skip there would hide a missing install step)."""
    skip = not os.environ.get("CI")
    return [pytest.param(name, marks=[pytest.mark.skip(reason=missing(name))] if skip and missing(name) else [])
            for name in names]


@pytest.mark.parametrize("name", each(CONVERTERS))
def test_every_converter_gives_the_article_text(name):
    text = "\n".join(convert(PAGE, name))
    for word in ("Mill Street", "eighteen", "Maria Lopez", "café"):
        assert word in text
    assert "window.analytics" not in text  # scripts are not text


@pytest.mark.parametrize("name", each(CONVERTERS))
def test_every_converters_dump_of_the_example_is_labelled_from_its_gold(name):
    lines = convert(PAGE, name)
    alignment = align_labels(lines, GOLD)
    assert alignment.gold_coverage == 1.0
    labelled = dict(zip(lines, alignment.labels.tolist()))
    assert {labelled[line] for line in lines if "Sport" in line} == {0}
    assert {labelled[line] for line in lines if "Mill Street" in line or "Saturday market" in line} == {1}


@pytest.mark.parametrize("name", each(SHARED_CONVENTION))
def test_shared_data_convention_has_no_blank_lines_or_trailing_whitespace(name):
    lines = convert(PAGE, name)
    assert lines and all(line.strip() and line == line.rstrip() for line in lines)


@pytest.mark.parametrize("name", each(BLANK_LINE_CONVENTION))
def test_blank_lines_separate_paragraphs_one_at_a_time(name):
    lines = convert(PAGE, name)
    blanks = [i for i, line in enumerate(lines) if not line]
    assert blanks, "paragraph breaks are kept"
    assert lines[0] and lines[-1], "no blank line at the start or the end"
    assert all(lines[i + 1] for i in blanks), "a run of blank lines is collapsed to one"
    assert all(line == line.rstrip() for line in lines)
    assert all(line.strip() or not line for line in lines), "a blank line is empty"


def test_blank_line_convention_keeps_indentation():
    assert lines_with_blanks("\n \n  * item  \n\n\n\t\nnext\n\n") == ["  * item", "", "next"]
    assert lines_without_blanks("\n \n  * item  \n\n\n\t\nnext\n\n") == ["  * item", "next"]


@pytest.mark.parametrize("name", each(["inscriptis"]))
def test_inscriptis_puts_each_table_cell_on_a_line_of_its_own(name):
    html = "<table><tr><td>Home News Sport</td><td>The article starts in this cell.</td></tr></table>"
    assert convert(html, name) == ["Home News Sport", "The article starts in this cell."]


@pytest.mark.parametrize("name", each(["inscriptis"]))
def test_inscriptis_keeps_the_relaxed_profile_bullets(name):
    assert convert("<ul><li>one</li><li>two</li></ul>", name) == ["  * one", "  * two"]


@pytest.mark.parametrize("name", each(["html2text"]))
def test_html2text_writes_markdown_links_and_unwrapped_paragraphs(name):
    lines = convert(PAGE, name)
    assert "  * [Sport](/sport/)" in lines
    assert "# Council approves the new river bridge" in lines
    assert any(line.startswith(LONG_SENTENCE) and line.endswith("[more than two years](/news/bridge-debate).")
               for line in lines)


@pytest.mark.parametrize("name", each(["lynx"]))
def test_lynx_numbers_links_wraps_at_80_columns_and_lists_references(name):
    lines = convert(PAGE, name)
    assert max(map(len, lines)) <= convert_module.LYNX_WIDTH
    assert any(line.strip() == "* [4]Sport" for line in lines)
    assert "References" in lines and lines[-1].strip().startswith("16. ")
    start = next(i for i, line in enumerate(lines) if "The town council voted" in line)
    assert lines[start + 1].strip().startswith("bridge over the river"), "a paragraph is wrapped"


@pytest.mark.parametrize("name", each(["html2text-wrapped"]))
def test_html2text_wrapped_wraps_at_78_columns_and_keeps_a_short_link_whole(name):
    lines = convert(PAGE, name)
    unwrapped = convert(PAGE, "html2text")
    long_line = next(line for line in unwrapped if line.startswith(LONG_SENTENCE))
    assert long_line not in lines and any(line.startswith(LONG_SENTENCE[:40]) for line in lines)
    assert max(len(line) for line in lines if "](" not in line) <= 78
    assert "[more than two years](/news/bridge-debate)." in "\n".join(lines)


@pytest.mark.parametrize("name", each(["lynx-nolist"]))
def test_lynx_nolist_is_lynx_without_link_numbers_or_references(name):
    lines = convert(PAGE, name)
    numbered = convert(PAGE, "lynx")
    assert any(line.strip() == "* Sport" for line in lines)
    assert "References" not in lines and not any("[4]" in line for line in lines)
    assert len(lines) < len(numbered)


@pytest.mark.parametrize("name", each(["w3m"]))
def test_w3m_wraps_at_80_columns_with_bullets_and_no_link_targets(name):
    lines = convert(PAGE, name)
    assert max(map(len, lines)) <= convert_module.W3M_WIDTH
    assert any(line.strip() == "• Sport" for line in lines)
    assert not any("/news/" in line or "References" in line for line in lines)
    start = next(i for i, line in enumerate(lines) if line.startswith(LONG_SENTENCE[:30]))
    assert lines[start + 1] and not lines[start + 1].startswith(" "), "a paragraph is wrapped, not indented"


@pytest.mark.parametrize("name", each(TEXT_BROWSERS))
def test_text_browsers_read_the_text_as_utf8_whatever_the_page_declares(name):
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>café 東京</p></body></html>'
    assert [line.strip() for line in convert(html, name)] == ["café 東京"]


@pytest.mark.parametrize("name", each(["lynx"]))
def test_lynx_references_do_not_change_between_runs(name):
    html = '<p><a href="next.html">next</a> <a href="/top">top</a></p>'
    first = convert(html, name)
    assert first == convert(html, name)
    assert [line.strip() for line in first[-2:]] == ["1. file:///next.html", "2. file:///top"]


@pytest.mark.parametrize("name", each(["lynx"]))
def test_lynx_keeps_a_pages_own_base(name):
    html = '<html><head><base href="https://example.org/a/"></head><body><a href="b">b</a></body></html>'
    assert convert(html, name)[-1].strip() == "1. https://example.org/a/b"


@pytest.mark.parametrize("name", each(["html-text"]))
def test_raw_control_characters_are_dropped_as_the_shared_data_did(name):
    assert convert("<p>(f)\x1dTo undertake\x07</p>", name) == ["(f)To undertake"]


def test_unknown_converter_names_the_known_ones():
    with pytest.raises(ConverterError, match="unknown converter 'pandoc': choose from html-text, inscriptis"):
        convert("<p>x</p>", "pandoc")


def test_missing_library_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "html2text", None)  # import raises ImportError
    with pytest.raises(ConverterError, match=r"^html2text is not installed: pip install 'boilerkit\[convert\]'$"):
        check_converter("html2text")


@pytest.mark.parametrize("name", TEXT_BROWSERS)
def test_a_missing_text_browser_says_how_to_install_it(monkeypatch, name):
    monkeypatch.setattr(convert_module.shutil, "which", lambda binary: None)
    with pytest.raises(ConverterError, match=f"^{name} not found: install the {name} text browser .*apt-get install {name}"):
        check_converter(name)


def test_a_crash_on_a_page_names_the_converter(monkeypatch):
    def broken(html):
        raise IndexError("list index out of range")

    monkeypatch.setitem(CONVERTERS, "html2text", broken)
    with pytest.raises(ConverterError, match=r"^html2text failed: IndexError: list index out of range$"):
        convert("<p>x</p>", "html2text")


def test_a_converter_that_hangs_is_stopped(monkeypatch):
    def hangs(html):
        while True:
            pass

    monkeypatch.setitem(CONVERTERS, "html-text", hangs)
    monkeypatch.setattr(convert_module, "CONVERT_TIMEOUT_SECONDS", 0.2)
    started = time.perf_counter()
    with pytest.raises(ConversionTimeout, match="^html-text: no result after 0.2 CPU s$"):
        convert("<p>x</p>", "html-text")
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("name", each(TEXT_BROWSERS))
def test_a_text_browser_that_hangs_is_stopped(monkeypatch, name):
    monkeypatch.setattr(convert_module, "CONVERT_TIMEOUT_SECONDS", 1e-6)
    with pytest.raises(ConversionTimeout, match=f"^{name}: no result after"):
        convert(PAGE, name)
