"""The feature extractor: names match columns, edge cases, document independence, and the
scikit-learn transformer contract."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from boilerkit.features import FEATURES, LineFeatures, as_rows, split_rows


def fitted(**params) -> LineFeatures:
    return LineFeatures(**params).fit(None)


def column(lines, name):
    features = fitted()
    names = list(features.get_feature_names_out())
    return features.transform(lines)[:, names.index(name)]


def test_names_match_columns():
    features = fitted()
    matrix = features.transform(["A line.", "Another one here"])
    assert matrix.shape == (2, len(features.get_feature_names_out()))
    assert list(features.get_feature_names_out()) == list(FEATURES)


def test_feature_subset_in_given_order():
    features = fitted(features=["n_words", "n_chars"])
    assert list(features.get_feature_names_out()) == ["n_words", "n_chars"]
    np.testing.assert_array_equal(features.transform(["two words"]), [[2, 9]])


def test_unknown_feature_is_refused():
    with pytest.raises(ValueError, match="unknown feature"):
        LineFeatures(features=["n_words", "shoe_size"]).fit(None)


@pytest.mark.parametrize(
    "name, lines, expected",
    [
        ("n_words", ["  two words  ", "", "one"], [2, 0, 1]),
        ("n_chars", ["  ab  ", ""], [2, 0]),
        ("indent", ["    * item", "flush"], [4, 0]),
        ("ends_terminal", ["A sentence.", "A quote.”", "Menu", "Why?"], [1, 1, 0, 1]),
        # Hindi's danda, the Arabic question mark, Urdu's and Ethiopic's full stops
        ("ends_terminal", ["पुलिस ने बदमाशों को पकड़ा।", "होम", "هل هذا صحيح؟", "یہ ایک جملہ ہے۔", "ሰላም ነው።"],
         [1, 0, 1, 1, 1]),
        ("ends_dash", ["Headline one -", "Text."], [1, 0]),
        ("starts_bullet", ["* item", "• item", "Text"], [1, 1, 0]),
        ("upper_ratio", ["ABC", "abc", "", "123"], [1, 0, 0, 0]),
        ("title_word_ratio", ["Two Words", "two Words"], [1, 0.5]),
        # a run of headlines; a sentence and a short line stand outside any run
        ("run_title_case", ["Big Story Of The Day", "Another Story Goes Here -", "It ended.", "Lone Headline Line",
                            "Home"], [2, 2, 0, 1, 0]),
        ("repeats_in_doc", ["Home", "text", "Home", "Home"], [2, 0, 2, 2]),
        ("position", ["a", "b", "c"], [0, 1, 2]),
        ("lines_to_end", ["a", "b", "c"], [2, 1, 0]),
        ("prev1_n_words", ["one", "two words", "x"], [-1, 1, 2]),
        ("next1_n_words", ["one", "two words", "x"], [2, 1, -1]),
    ],
)
def test_line_features(name, lines, expected):
    np.testing.assert_allclose(column(lines, name), expected)


def test_empty_and_whitespace_lines_never_divide_by_zero():
    matrix = fitted().transform(["", "   ", "\t", "a"])
    assert np.isfinite(matrix).all()


def test_one_line_document():
    matrix = fitted().transform(["Only one line here."])
    assert matrix.shape[0] == 1 and np.isfinite(matrix).all()


def test_no_lines():
    assert fitted().transform(np.empty((0, 2), dtype=object)).shape == (0, len(FEATURES))


def test_characters_outside_the_basic_plane():
    matrix = fitted().transform(["emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "CJK 漢字 text."])
    assert np.isfinite(matrix).all()


DOCS = [
    ["Menu", "Home | News | Sport", "A long line of article text that goes on for a while.", "Footer"],
    ["Other page", "Its only text."],
    ["Third", "", "   indented", "Last line -"],
]


def test_context_stays_inside_each_document():
    features = fitted()
    together = features.transform(as_rows(DOCS))
    alone = np.vstack([features.transform(doc) for doc in DOCS])
    np.testing.assert_array_equal(together, alone)


def test_order_of_documents_does_not_change_a_lines_row():
    features = fitted()
    forward = features.transform(as_rows(DOCS))
    backward = features.transform(as_rows(DOCS[::-1]))
    sizes = [len(doc) for doc in DOCS]
    first_doc_backward = backward[sum(sizes[1:]) :]
    np.testing.assert_array_equal(forward[: sizes[0]], first_doc_backward)


def test_adjacent_documents_with_distinct_keys_are_separate():
    rows = np.array([["a", "x"], ["a", "y"], ["b", "z"]], dtype=object)
    doc_ids, lines = split_rows(rows)
    assert doc_ids.tolist() == [0, 0, 1] and lines == ["x", "y", "z"]


def test_single_string_is_refused():
    with pytest.raises(TypeError, match="single string"):
        fitted().transform("not a list of lines")


# --- scikit-learn contract


def test_clone_and_get_params():
    features = LineFeatures(features=["n_words"], word_rule="scripts", convention={"comments": True},
                            corpus_counts="sites")
    assert clone(features).get_params() == {"features": ["n_words"], "word_rule": "scripts",
                                            "convention": {"comments": True}, "corpus_counts": "sites"}


def test_fit_returns_self():
    features = LineFeatures()
    assert features.fit(["x"]) is features


def test_transform_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LineFeatures().transform(["x"])


def test_distinct_neighbours_skip_lines_the_page_repeats():
    # an article whose paragraphs are separated by the same "Advertisement" line
    page = ["Menu", "First paragraph of the story goes here.", "Advertisement",
            "Second one, a little longer than the first.", "Advertisement", "", "Third and last."]
    words = column(page, "prev_distinct_n_words").tolist()
    assert words == [-1, 1, 7, 7, 8, 8, 8]
    assert column(page, "next_distinct_n_words").tolist() == [7, 8, 8, 3, 3, 3, -1]
    assert column(page, "lines_since_distinct").tolist()[3] == 2
    assert column(page, "lines_until_distinct").tolist()[3] == 3  # the empty line is skipped too


# --- what converters add: Markdown and lynx markup, layout, other scripts

MARKDOWN = [
    "# Harbour authority opens new quay",
    "* [Home](https://example.com/) | [News](https://example.com/news \"All news\")",
    "The new quay, [opened on Monday](https://example.com/quay), can take ships of 300 metres.",
    "[![Logo](/logo.png)](/)",
    "1. First item of a list",
]


def test_features_read_the_visible_text_of_markdown():
    """A line's length and words are those a reader sees: link targets do not count."""
    assert column(MARKDOWN, "n_words")[1] == 4  # "*", "Home", "|", "News"
    assert column(MARKDOWN, "n_chars")[2] == len("The new quay, opened on Monday, can take ships of 300 metres.")
    assert column(MARKDOWN, "has_link_text")[2] == 0  # the URL is not text of the page


def test_link_features_of_markdown_lines():
    share = column(MARKDOWN, "link_char_share")
    assert share[0] == 0 and share[1] == pytest.approx(8 / 10)
    assert 0 < share[2] < 0.5
    assert column(MARKDOWN, "n_links").tolist() == [0, 2, 1, 1, 0]
    assert column(MARKDOWN, "link_only").tolist() == [0, 1, 0, 1, 0]
    assert column(MARKDOWN, "has_image").tolist() == [0, 0, 0, 1, 0]
    assert column(MARKDOWN, "heading_level").tolist() == [1, 0, 0, 0, 0]
    assert column(MARKDOWN, "numbered_item").tolist() == [0, 0, 0, 0, 1]


def test_lynx_link_numbers_are_links_not_text():
    lines = ["   * [4]Home", "   * [5]Services", "   Read [12]the report."]
    assert column(lines, "n_words").tolist() == [2, 2, 3]
    assert column(lines, "link_only").tolist() == [1, 1, 0]
    assert column(lines, "n_links").tolist() == [1, 1, 1]


def test_lynx_links_inside_japanese_text_end_at_a_particle_or_punctuation():
    """No space ends a link inside Japanese prose: taken as up to the next link or the line's
    end, a paragraph with a few keyword links read as all link text."""
    prose = "東京都の[3]小池知事は２日、[4]新しい計画を発表した。詳しい内容は来週にも明らかにするという。"
    items = ["   * [5]【特集】東京の新しい計画、その中身は", "   * [6]速報"]
    share = column([prose, *items], "link_char_share")
    visible = "東京都の小池知事は２日、新しい計画を発表した。詳しい内容は来週にも明らかにするという。"
    assert share[0] == pytest.approx(len("小池知事新しい計画") / len(visible))
    # a link starting its line (a menu, headlines) runs to its end, as before: all but the bullet
    assert share[1:].tolist() == pytest.approx([18 / 19, 2 / 3])


def test_plain_text_has_no_links():
    lines = ["A line of an article, with [brackets] and a <tag>.", "Another"]
    assert column(lines, "n_links").tolist() == [0, 0]
    assert column(lines, "link_char_share").tolist() == [0, 0]


def test_function_words_of_more_languages():
    ratio = column(["Det er en dag som alle andre, og han var ikke hjemme.",  # Norwegian
                    "To je den jako každý jiný, a on nebyl doma.",  # Czech
                    "Xyzzy Plugh Frobozz Zork"], "stopword_ratio")
    assert ratio[0] > 0.4 and ratio[1] > 0.3 and ratio[2] == 0


def test_particles_of_scripts_without_spaces():
    ratio = column(["東京都は新しい計画を発表した。", "東京新計画発表"], "cjk_function_ratio")
    assert ratio[0] > 0.2 and ratio[1] == 0


# --- words of scripts written without spaces (LineFeatures' word_rule)

JAPANESE = "東京都は２日、新しい計画を発表した。"  # 15 kana and Han letters, a digit, a comma, a full stop


def scripts_column(lines, name):
    features = fitted(word_rule="scripts")
    return features.transform(lines)[:, list(features.get_feature_names_out()).index(name)]


def test_by_spaces_a_japanese_sentence_is_one_word():
    np.testing.assert_array_equal(column([JAPANESE], "n_words"), [1])
    np.testing.assert_array_equal(column([JAPANESE], "comma_per_word"), [0])


def test_by_scripts_each_kana_and_han_letter_is_a_word_and_punctuation_joins_the_one_before():
    # 15 letters, and the full-width 2 after は starts a word of its own; 、 and 。 start none
    np.testing.assert_array_equal(scripts_column([JAPANESE], "n_words"), [16])
    np.testing.assert_allclose(scripts_column([JAPANESE], "comma_per_word"), [1 / 16], rtol=1e-6)
    assert scripts_column([JAPANESE * 2], "is_long") == 1
    # a Latin word after a Han letter is one word; a kana middle dot is punctuation
    np.testing.assert_array_equal(scripts_column(["日本Apple新製品", "ホーム・ニュース"], "n_words"), [6, 7])


def test_by_scripts_korean_and_latin_words_are_still_counted_between_spaces():
    lines = ["서울시는 2일 새로운 계획을 발표했다.", "Two words, and more"]
    np.testing.assert_array_equal(scripts_column(lines, "n_words"), column(lines, "n_words"))
    np.testing.assert_array_equal(scripts_column(["عربي، نص"], "comma_per_word"), [0.5])
    np.testing.assert_array_equal(column(["عربي، نص"], "comma_per_word"), [0])


def test_a_word_rule_is_checked_and_fixed_before_words_are_counted():
    with pytest.raises(ValueError, match="unknown word_rule"):
        LineFeatures(word_rule="letters").fit(None)
    from boilerkit.features import Batch

    batch = Batch(*split_rows([JAPANESE]))
    assert batch.n_words.tolist() == [1]
    with pytest.raises(RuntimeError, match="counted words by 'spaces' already"):
        batch.use_word_rule("scripts")


def test_a_model_pickled_before_the_word_rule_counts_words_between_spaces():
    import pickle

    features = fitted()
    del features.word_rule  # as an instance pickled before the parameter existed
    loaded = pickle.loads(pickle.dumps(features))
    assert loaded.get_params()["word_rule"] == "spaces"
    np.testing.assert_array_equal(loaded.transform([JAPANESE]), fitted().transform([JAPANESE]))
