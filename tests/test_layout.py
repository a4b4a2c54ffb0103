"""Logical lines: blank lines taken out and given back, hard-wrapped paragraphs joined."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from boilerkit.features import as_rows, batch_of, compute_features
from boilerkit.layout import (MAX_REDONE_SHARE, features_of_rows, first_unbroken_runs, holds_url, is_wide,
                              logical_labels, logical_means, logical_rows, physical_probabilities)

PARAGRAPHS = [
    "Camera and editing technology has changed rapidly over the course of the past decade. In the past, "
    "only a select few trained specialists would take interest in photography, as the equipment and "
    "management required substantial knowledge.",
    "Now, photography has become far more user-friendly and affordable. Nearly anyone with a powerful "
    "camera can explore photography as a medium, and trends in photography show that this field is no "
    "longer limited to professionals now!",
    "There are more photos today than ever before! Research into technology and storage has shown that "
    "there has been more data usage in the past few years than in the entire history of mankind, and the "
    "frequency at which everyday individuals take photographs is considered the primary cause.",
]
MENU = ["   * [4]Home", "   * [5]Services", "   * [6]About us", "   * [7]Contact"]


def wrapped_dump(width: int = 78) -> list[str]:
    """A text browser's dump: a menu, then paragraphs wrapped at ``width`` columns, indented 3."""
    lines = MENU + [""]
    for paragraph in PARAGRAPHS:
        lines += textwrap.wrap(paragraph, width, initial_indent="   ", subsequent_indent="   ") + [""]
    return lines[:-1]


def test_a_wrapped_paragraph_becomes_one_logical_line():
    dump = wrapped_dump()
    layout = logical_rows(dump)
    texts = list(layout.rows[:, 1])
    assert texts[: len(MENU)] == MENU  # short lines are not wrapped paragraphs
    assert [text.strip() for text in texts[len(MENU):]] == PARAGRAPHS
    assert layout.rows[len(MENU):, 3].tolist() == [
        len(textwrap.wrap(p, 78, initial_indent="   ", subsequent_indent="   ")) for p in PARAGRAPHS
    ]
    assert layout.rows[:, 2].tolist() == [0, 0, 0, 0, 1, 1, 1]  # a blank line before each paragraph


def test_every_physical_line_of_a_paragraph_gets_the_paragraph_probability():
    dump = wrapped_dump()
    layout = logical_rows(dump)
    p_logical = np.linspace(0.1, 0.9, len(layout.rows))
    p = physical_probabilities(layout, np.c_[1 - p_logical, p_logical])[:, 1]
    assert len(p) == len(dump)
    for physical, logical in enumerate(layout.logical):
        if logical >= 0:
            assert p[physical] == p_logical[logical]


def test_lines_of_a_dump_that_is_not_wrapped_stay_apart():
    """The shared data's dumps: one paragraph a line, of any length, ending sentences."""
    dump = PARAGRAPHS + ["Short line.", "Another one that ends here."] + PARAGRAPHS
    layout = logical_rows(dump)
    assert list(layout.rows[:, 1]) == dump
    assert (layout.rows[:, 3] == 1).all()


def test_wrapped_at_other_widths_too():
    for width in (64, 72, 100):
        layout = logical_rows(wrapped_dump(width))
        assert [text.strip() for text in layout.rows[len(MENU):, 1]] == PARAGRAPHS


@pytest.mark.parametrize("link_words", [1, 2], ids=["link-of-one-word", "link-text-broken-across-lines"])
def test_markdown_wrapped_around_unbreakable_link_targets_is_still_wrapped(link_words):
    """html2text's default Markdown: lines with a link target run far past the width (a URL
    without a hyphen or a slash to break at is not broken), and must not be taken for the width; the line before a link moved
    whole to the next line ends early."""
    url = "https://example.org/" + "a-long-path-segment/" * 8
    lines = [f"* [Menu item {i}](/section/{i})" for i in range(4)] + [""]
    for paragraph in PARAGRAPHS:
        words = paragraph.split()
        words[3:3 + link_words] = [f"[{' '.join(words[3:3 + link_words])}]({url})"]  # a link inside the paragraph
        lines += textwrap.wrap(" ".join(words), 78, break_long_words=False, break_on_hyphens=False) + [""]
    lines = lines[:-1]
    assert max(map(len, lines)) > 160  # the link lines stick far out
    layout = logical_rows(lines)
    paragraphs = [text for text in layout.rows[:, 1] if not text.startswith("*")]
    assert len(paragraphs) == len(PARAGRAPHS)  # each paragraph joined into one logical line
    assert all(url in text for text in paragraphs)


def test_markdown_wrapped_with_long_list_items_left_whole_is_still_wrapped():
    """html2text wraps paragraphs at 78 columns and leaves list items whole: a page with
    more long items than the width's outliers must still be read as wrapped."""
    items = [f"  * {paragraph}" for paragraph in PARAGRAPHS * 3]  # 9 items of 200-270 columns
    lines = items + [""]
    for paragraph in PARAGRAPHS:
        lines += textwrap.wrap(paragraph, 78) + [""]
    layout = logical_rows(lines[:-1])
    assert layout.rows[:, 1].tolist() == items + PARAGRAPHS


def test_a_text_browsers_reference_list_does_not_set_the_width():
    """lynx lists every link's URL after the page; a share link's query can hold spaces, so
    those lines have words enough to tell a width, and run to 120-230 columns.  Within the
    widths a wrapped page can have, they would be read as its width."""
    title = "India fires missiles into Pakistani-controlled territory"
    references = ["References", ""] + [
        f"  {n}. https://twitter.com/intent/tweet?url=https://example.com/news/story-{n}&text={title}&via=example"
        for n in range(1, 9)] + [f"  9. mailto:?Subject=I saw this on Example&Body={title}"]
    assert 100 < min(map(len, references[2:])) and max(map(len, references[2:])) < 160
    layout = logical_rows(wrapped_dump() + [""] + references)
    assert [text.strip() for text in layout.rows[len(MENU):len(MENU) + len(PARAGRAPHS), 1]] == PARAGRAPHS
    assert layout.rows[len(MENU) + len(PARAGRAPHS), 1] == "References"


def test_lines_holding_a_url_are_found_among_lines_with_colons():
    lines = ["Time: 10:30", "see https://example.org/a for more", "plain text", "write to mailto:me@example.org",
             "ftp://files.example.org", "a: b: c", ""]
    assert holds_url(lines).tolist() == [False, True, False, True, True, False, False]

# Japanese paragraphs of the kind a news page holds (written for these tests), each opened
# by an ideographic space as Japanese paragraphs are.
JAPANESE = [
    "　東京都内の公園では、春の訪れとともに多くの家族連れが花見を楽しんでいる。今年は例年よりも開花が早く、週末には"
    "各地で人出が増える見込みだという。近くの商店街でも、季節限定の菓子や弁当を求める客で行列ができていた。",
    "　気象庁によると、来週にかけて気温の高い日が続き、桜の見頃は今月末まで続く予想である。一方で、急な雨や強い風"
    "に注意が必要だとしており、外出の際は最新の情報を確認するよう呼びかけている。",
    "　公園の管理事務所は、混雑を避けるために時間をずらして訪れるよう求めている。また、ごみの持ち帰りや周辺の住民へ"
    "の配慮も重ねて求めており、夜間の宴会は今年も禁止とした。担当者は「一人一人の心がけで、気持ちよく過ごせる場所"
    "にしたい」と話している。",
]
JAPANESE_MENU = ["   * [1]ホーム", "   * [2]ニュース", "   * [3]スポーツ", "   * [4]エンタメ", "   * [5]ランキング"]


def columns(text: str) -> int:
    return len(text) + int(is_wide(np.array([ord(c) for c in text], dtype=np.uint32)).sum())


def wrapped_anywhere(text: str, width: int, measure=len, indent: str = "") -> list[str]:
    """``text`` broken between any two letters, each line as long as fits in ``width``."""
    lines, line = [], indent
    for char in text:
        if measure(line + char) > width:
            lines.append(line)
            line = indent
        line += char
    return lines + [line]


def japanese_dump(width: int, measure) -> list[str]:
    """A menu, then the paragraphs broken anywhere at ``width`` by ``measure``, with no blank line
    between them (as lynx dumps a page whose paragraphs are spaced by their indentation)."""
    lines = [*JAPANESE_MENU, ""]
    for paragraph in JAPANESE:
        lines += wrapped_anywhere(paragraph, width, measure, indent="   ")
    return lines


@pytest.mark.parametrize("compiled", [False, True], ids=["reference", "compiled"])
@pytest.mark.parametrize("width, measure", [(74, len), (78, columns)], ids=["lynx-characters", "w3m-columns"])
def test_japanese_broken_anywhere_is_joined_without_spaces(width, measure, compiled):
    """lynx breaks Japanese between any two letters at 74 characters, w3m at 78 display
    columns (39 letters): no line has words enough to tell the width, and a paragraph's next
    line begins with a letter that would not have fitted, not with a word."""
    dump = japanese_dump(width, measure)
    assert width - 1 <= max(map(measure, dump)) <= width and " " not in "".join(line.strip() for line in dump[6:])
    layout = logical_rows(dump, compiled=compiled)
    assert layout.rows[:, 1].tolist() == JAPANESE_MENU + ["   " + paragraph for paragraph in JAPANESE]
    assert layout.rows[len(JAPANESE_MENU):, 3].tolist() == [
        len(wrapped_anywhere(paragraph, width, measure, indent="   ")) for paragraph in JAPANESE]


def test_japanese_paragraphs_one_a_line_stay_apart():
    """A converter that does not wrap: long lines of Japanese that end their sentences."""
    dump = JAPANESE_MENU + [paragraph.strip() for paragraph in JAPANESE * 2]
    assert list(logical_rows(dump).rows[:, 1]) == dump


def test_korean_wrapped_at_display_columns_is_joined_by_words():
    """w3m wraps Korean, written with spaces, between words at 78 columns (a Hangul syllable
    takes two): 36-46 characters, too few to be read as a width in characters."""
    words = ("서울 시내 공원에는 봄을 맞아 많은 가족들이 꽃구경을 즐기고 있다 올해는 예년보다 개화가 빨라 주말에는 "
             "각지에서 나들이객이 늘어날 것으로 보인다").split()
    paragraphs = [" ".join(words[i:] + words[:i]) for i in range(0, 12, 3)]
    dump = []
    for paragraph in paragraphs:
        line = ""
        for word in paragraph.split():
            if line and columns(line + " " + word) > 78:
                dump.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        dump += [line, ""]
    assert max(map(len, dump)) < 60 <= max(map(columns, dump)) <= 78
    assert logical_rows(dump).rows[:, 1].tolist() == paragraphs


def test_a_page_with_a_menu_of_languages_is_read_as_any_page():
    """Three lines of Japanese (a menu of languages, a comment) among many of English do not
    make a page written without spaces."""
    menu = ["日本語に翻訳する日本語に翻訳する", "中文翻译中文翻译中文翻译", "한국어로 번역하기 한국어로 번역하기"]
    plain = logical_rows(wrapped_dump())
    with_menu = logical_rows(wrapped_dump() + [""] + menu)
    assert with_menu.rows[:len(plain.rows), 1].tolist() == plain.rows[:, 1].tolist()
    assert with_menu.rows[len(plain.rows):, 1].tolist() == menu


def test_a_lines_first_word_is_what_a_tool_breaking_cjk_anywhere_would_move_whole():
    """Up to a space or a letter that breaks anywhere (that letter alone if it comes first),
    then up to a space; in characters and in display columns.  Hangul breaks at spaces."""
    lines = ["75社以上が", "Kindleが立ち上がる", "「本件", "Google Play", "　サッカー", "유세에서 연설"]
    characters, columns, to_space, to_space_in_columns = first_unbroken_runs(lines)
    assert characters.tolist() == [2, 6, 1, 6, 1, 4]
    assert columns.tolist() == [2, 6, 2, 6, 2, 8]
    assert to_space.tolist() == [6, 12, 3, 6, 4, 4]
    assert to_space_in_columns.tolist() == [10, 18, 6, 6, 8, 8]


def test_wide_characters_are_those_unicode_calls_wide_or_fullwidth():
    """Letters, digits and punctuation (symbols such as emoji aside: terminals disagree on
    them) are wide where Unicode's East Asian Width says W or F."""
    import unicodedata

    codes = np.array([c for c in range(0x40000) if unicodedata.category(chr(c))[0] in "LNP"], dtype=np.uint32)
    expected = np.array([unicodedata.east_asian_width(chr(c)) in "WF" for c in codes.tolist()])
    np.testing.assert_array_equal(is_wide(codes), expected)


BROKEN = ["  * [Free 13 Week Beginner Marathon Training Plan](/marathon-training-",
          "plan/13-week-beginner-marathon-training-plan)"]


def test_a_link_target_broken_over_lines_joins_them_in_a_dump_that_is_not_wrapped():
    """html2text breaks a long URL at a hyphen; the line after holds only the URL's end."""
    dump = ["Plans for every runner.", *BROKEN, "  * [Logo](https://example.org/wp-", "content/uploads/logo-",
            "light.png) [Home](/)", "Short line."]
    layout = logical_rows(dump)
    assert layout.rows[:, 1].tolist() == [
        "Plans for every runner.",
        "  * [Free 13 Week Beginner Marathon Training Plan](/marathon-training- plan/13-week-beginner-marathon-training-plan)",
        "  * [Logo](https://example.org/wp- content/uploads/logo- light.png) [Home](/)",
        "Short line.",
    ]
    assert layout.rows[:, 3].tolist() == [1, 2, 3, 1]


@pytest.mark.parametrize(
    "dump",
    [[BROKEN[0], "", BROKEN[1]], [BROKEN[0], "two words) of text"]],
    ids=["blank-line-between", "not-a-url"],
)
def test_lines_that_do_not_end_a_broken_target_stay_apart(dump):
    layout = logical_rows(dump)
    assert (layout.rows[:, 3] == 1).all()


def test_a_broken_target_never_joins_two_documents():
    layout = logical_rows(as_rows([[BROKEN[0]], [BROKEN[1], "Next page."]]))
    assert (layout.rows[:, 3] == 1).all() and len(layout.rows) == 3


def test_a_blank_line_is_content_only_between_content():
    dump = ["a", "", "b", "", "", "c", ""]
    layout = logical_rows(dump)
    assert list(layout.rows[:, 1]) == ["a", "b", "c"]
    assert layout.rows[:, 2].tolist() == [0, 1, 2]
    p = physical_probabilities(layout, np.array([[0.1, 0.9], [0.2, 0.8], [0.7, 0.3]]))[:, 1]
    np.testing.assert_allclose(p, [0.9, 0.8, 0.8, 0.3, 0.3, 0.3, 0.0])


def test_blank_lines_never_reach_across_documents():
    layout = logical_rows(as_rows([["a", ""], ["", "b"]]))
    assert layout.rows[:, 2].tolist() == [0, 0]  # the blank line opening document 2 separates nothing
    p = physical_probabilities(layout, np.array([[0.1, 0.9], [0.1, 0.9]]))[:, 1]
    np.testing.assert_allclose(p, [0.9, 0.0, 0.0, 0.9])


def test_only_blank_lines():
    layout = logical_rows(["", "  ", "\t"])
    assert len(layout.rows) == 0
    np.testing.assert_array_equal(physical_probabilities(layout, np.zeros((0, 2))), [[1, 0]] * 3)


def test_a_paragraph_takes_the_label_of_most_of_its_characters():
    dump = wrapped_dump()
    layout = logical_rows(dump)
    first = [i for i, row in enumerate(layout.logical) if row == len(MENU)]
    y = np.zeros(len(dump), dtype=np.int8)
    y[first[:-1]] = 1  # all but the paragraph's short last line: most of its characters
    labels = logical_labels(layout, y)
    assert labels[len(MENU)] == 1 and labels[len(MENU) + 1] == 0
    y[:] = 0
    y[first[-1]] = 1  # its last line only
    assert logical_labels(layout, y)[len(MENU)] == 0


def test_per_line_weights_follow_their_lines():
    dump = ["a", "", "b"]
    np.testing.assert_allclose(logical_means(logical_rows(dump), [2.0, 5.0, 4.0]), [2.0, 4.0])


def test_the_batch_of_logical_rows_knows_the_layout():
    batch = batch_of(logical_rows(wrapped_dump()).rows)
    assert batch.blank_before.tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert (batch.physical_lines[len(MENU):] > 1).all()


def test_a_model_labels_blank_and_wrapped_lines(small_model):
    dump = wrapped_dump()
    p = small_model.predict_proba(dump)[:, 1]
    assert len(p) == len(dump)
    layout = logical_rows(dump)
    for logical in range(len(layout.rows)):
        assert len(set(p[layout.logical == logical])) == 1


def features_noting_batches(calls: list[bool]):
    """compute_features, noting for each call whether it was given a batch."""
    def features(X, batch=None):
        calls.append(batch is not None)
        return compute_features(X, batch=batch)
    return features


def test_rows_of_documents_without_a_joined_paragraph_take_the_layouts_batch(sample_docs):
    documents = [doc["lines"] for doc in sample_docs[:6]]
    pages = documents[:3] + [["", "  "], wrapped_dump()] + documents[3:]  # a page of blank lines leaves no gap
    layout = logical_rows(as_rows(pages))
    wrapped = layout.rows[:, 0] == layout.rows[list(layout.rows[:, 1]).index(MENU[0]), 0]
    assert wrapped.sum() < MAX_REDONE_SHARE * len(layout.rows) and (layout.rows[wrapped, 3] > 1).any()
    calls = []
    got = features_of_rows(layout, features_noting_batches(calls))
    assert calls == [True, False]  # the layout's batch, then the wrapped page's rows alone
    # the wrapped page: its own rows' features
    np.testing.assert_array_equal(got[wrapped], compute_features(layout.rows[wrapped]))
    # the others: those of the rows, up to the order in which window and document sums add
    # the lines (cumulative over a batch: float64 rounding, then float32)
    expected = compute_features(layout.rows)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    assert (got[~wrapped] == expected[~wrapped]).mean() > 0.999


def test_rows_of_a_batch_without_joined_paragraphs_are_the_layouts_batch(sample_docs):
    layout = logical_rows(as_rows([doc["lines"] for doc in sample_docs[:6]] + [["", " "], ["one line"]]))
    calls = []
    got = features_of_rows(layout, features_noting_batches(calls))
    assert calls == [True]
    np.testing.assert_array_equal(got, compute_features(layout.rows))


def test_a_batch_of_mostly_wrapped_pages_gets_a_batch_of_its_rows(sample_docs):
    layout = logical_rows(as_rows([wrapped_dump(), sample_docs[0]["lines"][:3], wrapped_dump(70)]))
    calls = []
    got = features_of_rows(layout, features_noting_batches(calls))
    assert calls == [False]
    np.testing.assert_array_equal(got, compute_features(layout.rows))
