"""Converter markup: what visible_text removes, that it never joins lines, the public patterns."""

from __future__ import annotations

import shutil
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerkit.markup import (
    AUTOLINK,
    LYNX_LINK_NUMBER,
    MARKDOWN_ESCAPE,
    MARKDOWN_HEADING,
    MARKDOWN_IMAGE,
    MARKDOWN_LINK,
    MARKDOWN_LINK_END,
    MARKDOWN_LIST_ITEM,
    mended_targets,
    visible_lines,
    visible_text,
)

from .conftest import EXAMPLES


@pytest.mark.parametrize(
    ("dump", "visible"),
    [
        ("Read [the report](https://example.org/report.pdf) now", "Read the report now"),
        ('[Home](/ "Start page") | [News](/news/)', "Home | News"),
        ("[![Logo of the site](/img/logo.png)](/)", "Logo of the site"),
        ('![A bridge at dusk](/photos/bridge.jpg "Photo: J. Miller")', "A bridge at dusk"),
        ("![](/ads/pixel.gif)", ""),
        ('[](http://www.facebook.com/someone "Facebook")', ""),
        ("[[PDF]](/files/report.pdf)", "[PDF]"),
        (r"![Cats \[and\] dogs](/a.png)", "Cats [and] dogs"),
        (r"[Foo](https://en.wikipedia.org/wiki/Foo_\(bar\)) is", "Foo is"),
        ("in North Carolina](/tours/nc.html) and more", "in North Carolina and more"),
        ("See <https://example.org/a> for more", "See https://example.org/a for more"),
        ("     * [4]Sport", "     * Sport"),
        ("[12]Home | [13]“Quotes” | [14][logo.gif]", "Home | “Quotes” | [logo.gif]"),
        ("as the report says [1]", "as the report says [1]"),
        ("1\\. Control Panel \\- \\*new\\* snake\\_case \\\\", "1. Control Panel - *new* snake_case \\"),
        ("C:\\Users\\me", "C:\\Users\\me"),
    ],
)
def test_visible_text(dump, visible):
    assert visible_text(dump) == visible


def test_a_link_split_over_lines_loses_only_its_target_and_stays_two_lines():
    assert visible_text("[Teacher workshops\nin North Carolina](/nc.html)") == "[Teacher workshops\nin North Carolina"


@pytest.mark.parametrize(
    ("lines", "visible"),
    [
        (["* [Free Marathon Plan](/marathon-training-", "plan/13-week-plan)", "Read on."],
         ["* Free Marathon Plan", "", "Read on."]),
        (["[Logo](https://example.org/wp-", "content/uploads/2023/02/logo-", "light.png) [Home](/)"],
         ["Logo", "", " Home"]),
        (['[Home](https://example.org/a-', 'b "Start page") | [News](/news/)'], ["Home", " | News"]),
        (["[Africanews ](https://fr.africanews.com", "                  )"], ["Africanews ", ""]),
    ],
    ids=["at-a-hyphen", "over-three-lines", "with-a-title", "closed-on-a-line-of-its-own"],
)
def test_visible_lines_remove_link_targets_broken_over_lines(lines, visible):
    assert visible_lines(lines) == visible


@pytest.mark.parametrize(
    "lines",
    [
        ["[Plan](/marathon-training-", "", "plan/13-week-plan)"],  # a blank line ends a paragraph
        ["[Plan](/marathon-training-", "and two words) of text"],  # not a URL's end: more than one word
        ["[Plan](/marathon-training-", "plan/13-week-(plan)"],  # "(" never stands in html2text's URLs
    ],
)
def test_visible_lines_leave_lines_that_do_not_end_a_broken_target(lines):
    assert visible_lines(lines) == [visible_text(line) for line in lines]


def test_a_mended_target_stays_on_its_first_line():
    assert mended_targets("[Plan](/training-\nplan/13-week) and more\nNext") == "[Plan](/training-plan/13-week)\n and more\nNext"


def real_dumps() -> list[list[str]]:
    """html2text and lynx output of the example page (lynx only where it is installed)."""
    from boilerkit.convert import convert

    pytest.importorskip("html2text")
    html = (EXAMPLES / "news-page.html").read_text(encoding="utf-8")
    names = ["html2text"] + (["lynx"] if shutil.which("lynx") else [])
    return [convert(html, name) for name in names]


def test_visible_text_of_a_joined_batch_is_that_of_each_line_on_real_output():
    for lines in real_dumps():
        assert any(visible_text(line) != line for line in lines)
        assert visible_text("\n".join(lines)).split("\n") == [visible_text(line) for line in lines]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet='[]()!<>\\"# *_-.1a: /', max_size=30), min_size=1, max_size=8))
def test_visible_text_never_joins_lines(lines):
    lines = [line.replace("\n", "") for line in lines]
    assert visible_text("\n".join(lines)).split("\n") == [visible_text(line) for line in lines]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet='[]()!<>\\"# *_-.1a: /', max_size=30), min_size=1, max_size=8))
def test_visible_lines_keep_one_line_a_line_and_only_shorten_them(lines):
    lines = [line.replace("\n", "") for line in lines]
    visible = visible_lines(lines)
    assert len(visible) == len(lines)
    assert sum(map(len, visible)) <= sum(len(visible_text(line)) for line in lines)


def test_the_example_pages_wrapped_markdown_has_a_broken_image_link_and_loses_its_url():
    from boilerkit.convert import convert

    pytest.importorskip("html2text")
    lines = convert((EXAMPLES / "news-page.html").read_text(encoding="utf-8"), "html2text-wrapped")
    broken = [i for i, line in enumerate(lines) if line.endswith("/photos/bridge-")]
    assert len(broken) == 1
    visible = visible_lines(lines)
    assert visible[broken[0]] == "The old iron bridge at dusk"
    assert "large.jpg" not in visible[broken[0] + 1] and "The old iron bridge at dusk." in visible[broken[0] + 1]


def test_patterns_take_linear_time_on_unclosed_brackets():
    started = time.perf_counter()
    visible_text("[" * 5000 + "](" * 5000 + "![" * 5000 + "\\" * 5000)
    assert time.perf_counter() - started < 2


def test_link_pattern_groups():
    match = MARKDOWN_LINK.search('Go [Home](/index.html "Start page") now')
    assert (match["text"], match["url"], match["title"]) == ("Home", "/index.html", "Start page")
    assert match.group(0) == '[Home](/index.html "Start page")'


def test_link_pattern_takes_a_linked_image_whole():
    match = MARKDOWN_LINK.fullmatch("[![Logo](/logo.png)](/)")
    assert match["text"] == "![Logo](/logo.png)" and match["url"] == "/"
    assert visible_text(match["text"]) == "Logo"


def test_link_pattern_counts_links_and_not_images():
    line = "[Home](/) | ![banner](/b.png) | [News](/news/) [![x](/x.png)](/x)"
    assert [m["text"] for m in MARKDOWN_LINK.finditer(line)] == ["Home", "News", "![x](/x.png)"]


def test_link_text_share_of_a_line_can_be_computed_from_the_pattern():
    line = "By Jane Miller | [Share](/share) | [Email](/email)"
    in_links = sum(len(visible_text(m["text"])) for m in MARKDOWN_LINK.finditer(line))
    assert in_links / len(visible_text(line)) == pytest.approx(len("ShareEmail") / len("By Jane Miller | Share | Email"))


def test_image_pattern_groups():
    match = MARKDOWN_IMAGE.search('x ![A bridge](/b.jpg "Photo") y')
    assert (match["alt"], match["src"], match["title"]) == ("A bridge", "/b.jpg", "Photo")


def test_link_end_pattern_finds_the_end_of_a_link_begun_on_an_earlier_line():
    assert MARKDOWN_LINK_END.search("in North Carolina](/nc.html)")["url"] == "/nc.html"


def test_autolink_lynx_number_and_escape_groups():
    assert AUTOLINK.search("at <http://example.org/a?b=1>.")["url"] == "http://example.org/a?b=1"
    assert [m["number"] for m in LYNX_LINK_NUMBER.finditer("[12]Home [13]News [14] x [15]")] == ["12", "13"]
    assert [m["char"] for m in MARKDOWN_ESCAPE.finditer(r"1\. \*a\* \_")] == [".", "*", "*", "_"]


def test_heading_and_list_patterns_find_every_lines_marker_in_a_batch():
    batch = "# Title\n## Section\n#hashtag\n  * item\n- other\n12. twelfth\n*emphasis*\n2024. A year"
    assert [m["level"] for m in MARKDOWN_HEADING.finditer(batch)] == ["#", "##"]
    assert [m["marker"] for m in MARKDOWN_LIST_ITEM.finditer(batch)] == ["*", "-", "12.", "2024."]
