"""Behaviours of the gold-text alignment, one per test, on small hand-made pages."""

import numpy as np
import pytest

from boilerkit.align import align_labels, align_text, normalize, tokenize

ARTICLE = [
    "The council approved the new bridge on Tuesday after a long debate.",
    "Construction is expected to start next spring and last two years.",
    "Residents welcomed the decision but worried about traffic during the works.",
]
GOLD = "\n".join(ARTICLE)


def labels(lines, gold=GOLD):
    return align_labels(lines, gold).labels.tolist()


def test_line_copied_from_gold_is_content():
    assert labels(["Home", ARTICLE[0]]) == [0, 1]


def test_menu_line_not_in_gold_is_clutter():
    assert labels(["Home | News | Sport | Weather | Contact us", *ARTICLE])[0] == 0


def test_only_the_copy_of_a_repeated_headline_in_gold_order_is_content():
    headline = "Council approves new bridge"
    lines = [headline + " - Daily News", "Home", "News", headline, *ARTICLE, "Most read", headline]
    assert labels(lines, headline + "\n" + GOLD) == [0, 0, 0, 1, 1, 1, 1, 0, 0]


@pytest.mark.parametrize(
    ("gold", "share_label"),
    [(GOLD, 0), ("\n".join([ARTICLE[0], "Share", *ARTICLE[1:]]), 1)],
    ids=["share-not-in-gold", "share-in-gold-at-that-place"],
)
def test_short_line_inside_content_is_content_only_where_gold_has_it(gold, share_label):
    assert labels([ARTICLE[0], "Share", *ARTICLE[1:]], gold)[1] == share_label


def test_empty_gold_labels_everything_clutter():
    assert labels(["Home", *ARTICLE], "") == [0, 0, 0, 0]


def test_lines_without_tokens_between_content_lines_are_content():
    lines = ["***", ARTICLE[0], "* * *", "---", ARTICLE[1], "|"]
    assert labels(lines) == [0, 1, 1, 1, 1, 0]


def test_cjk_characters_are_single_tokens():
    assert tokenize("東京は晴れ。Tokyo") == ["東", "京", "は", "晴", "れ", "tokyo"]


def test_cjk_line_matches_its_gold():
    assert labels(["ホーム", "東京は今日とても晴れています。"], "東京は今日とても晴れています。") == [0, 1]


def test_normalisation_unifies_accents_quotes_dashes_and_case():
    assert normalize("Café “Déjà” – ÉTÉ") == normalize('cafe "deja" - ete')


def test_gold_coverage_counts_gold_words_on_content_lines():
    alignment = align_labels(["Home", ARTICLE[0]], GOLD)
    n_first = len(tokenize(ARTICLE[0]))
    assert alignment.gold_coverage == pytest.approx(n_first / len(tokenize(GOLD)))
    assert alignment.content_precision == 1.0


def test_align_text_of_whole_page_text_keeps_every_line_with_words():
    lines = ["Home", "News", *ARTICLE, "Contact us", "***"]
    assert align_text(lines, "\n".join(lines)).tolist() == [1, 1, 1, 1, 1, 1, 0]


def test_align_text_of_empty_output_is_all_clutter():
    assert np.array_equal(align_text(ARTICLE, ""), np.zeros(3, dtype=np.int8))


# --- dumps with converter markup (Markdown from html2text, link numbers from lynx)

LIST_GOLD = "\n".join([ARTICLE[0], "Buses will be diverted through Mill Street", ARTICLE[1]])


@pytest.mark.parametrize(
    "item",
    [
        "  * [Buses will be diverted through Mill Street](https://example.org/news/2024/03/12/buses-diverted-mill-street)",
        "  * ![Buses will be diverted through Mill Street](https://example.org/img/2024/03/12/buses-mill-street.jpg)",
        "     * [31]Buses [32]will be diverted [33]through [34]Mill [35]Street",
    ],
    ids=["markdown-link", "markdown-image", "lynx-numbers"],
)
def test_link_targets_and_numbers_do_not_hide_a_content_line(item):
    assert labels(["[Home](/) | [12]News", ARTICLE[0], item, ARTICLE[1]], LIST_GOLD) == [0, 1, 1, 1]


def test_the_end_of_a_link_target_broken_over_lines_is_not_words_of_the_page():
    """html2text wraps ``[Buses ...](/news/2024/03/12/buses-`` / ``diverted-mill-street)``: the
    second line's slug repeats the headline's words, and must not be matched as text."""
    dump = ["[Home](/) | [12]News", ARTICLE[0],
            "  * [Buses will be diverted through Mill Street](https://example.org/news/2024/03/12/buses-",
            "diverted-through-mill-street-from-monday-until-the-works-end)", ARTICLE[1]]
    alignment = align_labels(dump, LIST_GOLD)
    assert alignment.labels.tolist() == [0, 1, 1, 1, 1]  # the URL's end, without words, goes with its link
    assert alignment.content_precision == 1.0 and alignment.gold_coverage == 1.0


def test_markdown_emphasis_and_escapes_tokenise_like_plain_text():
    markdown = r"_Disclaimer:_ **bold** `code` ~~struck~~ snake\_case 1\. item \- \*"
    assert tokenize(markdown) == tokenize("Disclaimer: bold code struck snake case 1. item")


def test_gold_with_markdown_is_read_like_the_dump():
    gold = "Read [the full report](https://example.org/r.pdf) before the council meets on Friday."
    alignment = align_labels(["Home", "Read the full report before the council meets on Friday."], gold)
    assert alignment.labels.tolist() == [0, 1] and alignment.gold_coverage == 1.0


def test_citation_markers_of_plain_dumps_stay_words():
    """``[1]`` after a space is a citation of the page's text, not a lynx link number."""
    line = "Rainfall in the valley doubled between 1990 and 2001 [1]"
    alignment = align_labels([line], "Rainfall in the valley doubled between 1990 and 2001.")
    assert alignment.labels.tolist() == [1]
    assert alignment.content_precision == pytest.approx(9 / 10)
