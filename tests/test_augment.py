"""Synthetic headline lists: where they go, what they hold, and that fitting uses them."""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import FixedThresholdClassifier

from boilerkit.augment import LIST_LENGTH, LIST_STYLES, with_headline_lists
from boilerkit.features import LineFeatures, as_rows
from boilerkit.model import BoilerplateModel

ARTICLE = [f"Paragraph {i} of the story runs on for well over fifteen words, as the paragraphs of an article do."
           for i in range(4)]
RELATED = ["Related Stories From Around The Web", "Local Team Wins The Big Final Again",
           "Ten Things You Never Knew About Cats", "Markets Fall As Rates Rise Again"]


def pages():
    article_page = (["Home | News | Sport", *ARTICLE, "Copyright 2026"], [0, 1, 1, 1, 1, 0])
    list_page = (["Menu", *RELATED, "About us"], [0, 0, 0, 0, 0, 0])
    short_page = (["Just a note.", "Thanks."], [1, 1])  # content, but no article
    docs = [article_page, list_page, short_page]
    return as_rows(lines for lines, _ in docs), np.concatenate([labels for _, labels in docs])


def test_a_list_of_clutter_headlines_follows_the_last_content_line_of_article_pages_only():
    X, y = pages()
    X2, y2, source = with_headline_lists(X, y, share=1.0, seed=0)
    inserted = np.flatnonzero(source < 0)
    assert LIST_LENGTH[0] <= len(inserted) < LIST_LENGTH[1]
    assert inserted.tolist() == list(range(5, 5 + len(inserted)))  # after line 4, the article's last
    assert (y2[inserted] == 0).all() and (X2[inserted, 0] == 0).all()
    style = next(s for s in LIST_STYLES[::-1] if X2[inserted[0], 1].endswith(s))
    assert {line.removesuffix(style) for line in X2[inserted, 1]} <= set(RELATED)
    # every original row is kept, in order, with its label
    np.testing.assert_array_equal(X2[source >= 0], X)
    np.testing.assert_array_equal(y2[source >= 0], y)
    np.testing.assert_array_equal(source[source >= 0], np.arange(len(y)))


def test_no_share_or_no_headline_lists_to_draw_from_changes_nothing():
    X, y = pages()
    for X2, y2, _ in (with_headline_lists(X, y, share=0.0), with_headline_lists(X[:6], y[:6], share=1.0)):
        assert len(y2) == len(X2) in (len(y), 6)
        np.testing.assert_array_equal(X2, X[: len(X2)])


class RowCounter(ClassifierMixin, BaseEstimator):
    """Records what it was fitted on."""

    def fit(self, X, y, sample_weight=None, real=None):
        self.n_rows_, self.sample_weight_, self.real_, self.classes_ = len(y), sample_weight, real, np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), 2), 0.5)


def counting_model(**params) -> BoilerplateModel:
    counter = RowCounter()
    with sklearn.config_context(enable_metadata_routing=True):
        counter.set_fit_request(sample_weight=True, real=True)
    return BoilerplateModel([("features", LineFeatures()), ("classifier", FixedThresholdClassifier(counter))], **params)


def test_fitting_a_model_inserts_the_lists_marks_them_and_carries_sample_weights_along():
    X, y = pages()
    model = counting_model(headline_lists=1.0)
    weights = np.arange(len(y), dtype=float) + 2
    with sklearn.config_context(enable_metadata_routing=True):
        model.fit(X, y, sample_weight=weights)
    counter = model.named_steps["classifier"].estimator_
    _, _, source = with_headline_lists(X, y, share=1.0, seed=0)
    assert counter.n_rows_ == len(source) > len(y)
    np.testing.assert_array_equal(counter.real_, source >= 0)
    np.testing.assert_array_equal(counter.sample_weight_, np.where(source >= 0, weights[np.maximum(source, 0)], 1.0))
    with sklearn.config_context(enable_metadata_routing=True):
        plain = counting_model().fit(X, y)
    assert plain.named_steps["classifier"].estimator_.n_rows_ == len(y)
