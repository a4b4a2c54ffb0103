"""Word features: stable hashing, per-line scores, and cross-fitted weights in training."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from boilerkit import lexical
from boilerkit.features import LEXICAL_FEATURES, Batch, LineFeatures, as_rows, split_rows


def buckets_of(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return Batch(*split_rows(lines)).token_buckets


def test_buckets_are_the_same_in_another_process():
    """Python's str hash changes between processes; a saved model's buckets must not."""
    lines = ["Add to cart", "Posted by Ada on 3 May", "Ελληνικά κείμενα", "中文字符"]
    here = buckets_of(lines)[1].tolist()
    code = (
        "from boilerkit.features import Batch, split_rows;"
        f"print(Batch(*split_rows({lines!r})).token_buckets[1].tolist())"
    )
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert str(here) == there.strip()


def test_case_and_punctuation_do_not_change_the_words():
    assert buckets_of(["Add to Cart!"])[1].tolist() == buckets_of(["add to cart"])[1].tolist()


def test_word_order_and_spelling_change_the_buckets():
    one, other = buckets_of(["dog bites man"])[1], buckets_of(["man bites dog"])[1]
    assert sorted(one[:3]) == sorted(other[:3])  # the same three words
    assert set(one[3:]).isdisjoint(other[3:])  # but other pairs
    assert buckets_of(["god"])[1][0] != buckets_of(["dog"])[1][0]


def test_pairs_never_join_two_lines():
    lines, buckets = buckets_of(["alpha beta", "gamma", "", "delta epsilon zeta"])
    # 2 words + 1 pair, 1 word, nothing, 3 words + 2 pairs
    assert np.bincount(lines, minlength=4).tolist() == [3, 1, 0, 5]
    assert np.all(np.diff(lines) >= 0)


def test_by_scripts_each_han_and_kana_letter_is_a_token_and_pairs_are_bigrams():
    def scripts_buckets(lines):
        batch = Batch(*split_rows(lines))
        batch.use_word_rule("scripts")
        return batch.token_buckets

    lines, buckets = scripts_buckets(["関連記事", "記事一覧", "Apple新製品 news"])
    # 4 letters + 3 pairs; 4 + 3; Apple, 新, 製, 品, news + 4 pairs
    assert np.bincount(lines, minlength=3).tolist() == [7, 7, 9]
    assert buckets[lines == 0][2] == buckets[lines == 1][0]  # 記 in both lines
    assert buckets[lines == 0][6] == buckets[lines == 1][4]  # and the bigram 記事
    # by spaces each line is one token (the last: three): its words match nothing else
    assert np.bincount(buckets_of(["関連記事", "記事一覧"])[0]).tolist() == [1, 1]
    # words of other scripts are hashed as before
    assert scripts_buckets(["Add to cart"])[1].tolist() == buckets_of(["Add to cart"])[1].tolist()


def line_scores_by_hand(lines, weights, n_lines):
    out = np.zeros((3, n_lines))
    for line in range(n_lines):
        mine = weights[lines == line]
        if len(mine):
            out[:, line] = mine.mean(), mine.min(), mine.max()
    return out


@pytest.mark.parametrize("seed", range(5))
def test_line_scores_match_a_loop(seed):
    rng = np.random.default_rng(seed)
    n_lines = 30
    lines = np.sort(rng.integers(0, n_lines, size=80))
    weights = rng.normal(size=80)
    np.testing.assert_allclose(lexical.line_scores(lines, weights, n_lines), line_scores_by_hand(lines, weights, n_lines))


def test_a_word_seen_only_in_content_gets_a_positive_weight():
    buckets = np.array([5, 5, 5, 7, 7, 7])
    weights = lexical.log_count_ratios(buckets, np.array([True, True, True, False, False, False]))
    assert weights[5] > 0 > weights[7]


def training_pages(n_docs=10):
    """Pages whose content lines hold "quartz" and clutter lines "subscribe"; document 0
    alone has the word "zyxwv" on a content line."""
    docs, labels = [], []
    for doc in range(n_docs):
        docs.append(["quartz mining report", "subscribe now", "quartz samples" + (" zyxwv" if doc == 0 else "")])
        labels += [1, 0, 1]
    return as_rows(docs), np.array(labels)


def lexical_columns(features: LineFeatures, matrix: np.ndarray) -> np.ndarray:
    names = list(features.get_feature_names_out())
    return matrix[:, [names.index(name) for name in LEXICAL_FEATURES]]


def test_fitted_weights_separate_content_words_from_clutter_words():
    X, y = training_pages()
    features = LineFeatures().fit(X, y)
    mean = lexical_columns(features, features.transform(X))[:, 0]
    assert mean[y == 1].min() > 0 > mean[y == 0].max()


def test_training_lines_are_scored_without_their_own_documents_words():
    """Cross-fitting: in fit_transform, a word found in one document only is unseen for its
    own line (weight ~0, the smoothed prior), while transform counts it as a content word."""
    X, y = training_pages()
    features = LineFeatures()
    cross_fitted = lexical_columns(features, features.fit_transform(X, y))
    in_sample = lexical_columns(features, features.transform(X))
    line = 2  # "quartz samples zyxwv": its least content-like word is "zyxwv"
    assert abs(cross_fitted[line, 1]) < 0.01
    assert in_sample[line, 1] > 0.5


def test_without_labels_the_lexical_columns_are_zero():
    X, _ = training_pages()
    features = LineFeatures().fit(X)
    assert not lexical_columns(features, features.transform(X)).any()


def test_word_context_stays_inside_each_document():
    X, y = training_pages()
    features = LineFeatures().fit(X, y)
    docs = [["subscribe now", "quartz report"], ["quartz mining", "", "subscribe"], ["quartz"]]
    together = features.transform(as_rows(docs))
    alone = np.vstack([features.transform(doc) for doc in docs])
    assert lexical_columns(features, together).any()
    np.testing.assert_array_equal(together, alone)


ARTICLE = (
    "The harbour authority said on Tuesday that the new quay would open to cargo ships in the spring "
    "after two years of dredging work"
)
OTHER_ARTICLE = "A second long paragraph about the local football club and its new manager who arrived from abroad"


def shared(docs: list[list[str]]) -> np.ndarray:
    return Batch(*split_rows(as_rows(docs))).feature("shared_with_long")


def test_a_title_shares_the_words_of_the_article_and_a_stray_headline_does_not():
    title, headline, menu = "The Harbour Authority", "Pop star shares holiday photos", "Home"
    share = shared([[title, ARTICLE, headline, menu]])
    assert share[0] == 1.0  # every word and pair of the title is in the paragraph
    assert share[2] == 0.0 and share[3] == 0.0
    # words: harbour, authority, new, quay in; opens out; pairs: harbour authority, new quay in
    assert shared([["Harbour authority opens new quay", ARTICLE]])[0] == pytest.approx(6 / 9)


def test_a_long_line_does_not_count_its_own_words():
    assert shared([[ARTICLE]])[0] == 0.0
    assert shared([[ARTICLE, ARTICLE]]).tolist() == [1.0, 1.0]


def test_shared_words_are_counted_once_and_only_within_a_document():
    # "quay quay quay" holds two distinct buckets: the word (in the article), the pair (not)
    assert shared([["quay quay quay", ARTICLE]])[0] == 0.5
    # of "quay zebra" only the word quay is in the article, not zebra or the pair
    assert shared([["quay zebra", ARTICLE]])[0] == pytest.approx(1 / 3)
    assert shared([["The harbour authority"], [ARTICLE, OTHER_ARTICLE]])[0] == 0.0


def test_cross_fitted_word_weights_by_group_never_learn_from_the_lines_own_group():
    """A site's template words vouch for themselves when its other pages teach them (folds
    by document); with folds by site they are learned from other sites only."""
    import numpy as np

    from boilerkit.features import LineFeatures, as_rows

    pages = [["zorbly quindle", "plain clutter words"] for _ in range(10)]  # one site's template
    pages += [["other content here", "plain clutter words"] for _ in range(10)]  # other sites
    X = as_rows(pages)
    y = np.tile([1, 0], 20)
    features = LineFeatures(features=["lexical_mean"])
    by_document = features.fit_transform_augmented(X, y, X, y, np.ones(len(y), dtype=bool))[:, 0]
    groups = np.repeat([0] * 10 + list(range(1, 11)), 2)  # the template's pages are one site
    by_site = LineFeatures(features=["lexical_mean"]).fit_transform_augmented(
        X, y, X, y, np.ones(len(y), dtype=bool), groups)[:, 0]
    assert by_document[0] > 1.0  # learned from the site's other pages
    assert abs(by_site[0]) < 0.2  # never seen outside its site: no evidence either way
