"""Gold conventions: each training page tells the model what its gold counts as content; the
pages it cleans all get boilerkit's convention."""

from __future__ import annotations

import numpy as np

from boilerkit.conventions import BOILERKIT, conventions_of, convention_rows
from boilerkit.features import as_rows
from boilerkit.model import build_model, training_conventions


def test_conventions_of_records():
    assert conventions_of({"dataset": "cleaneval"}) == {"comments": True, "headline": True}
    assert conventions_of({"dataset": "wcxb"}) == {"comments": False, "headline": False}
    assert conventions_of({"dataset": "my-own"}) == BOILERKIT
    assert conventions_of({}) == BOILERKIT
    assert conventions_of({"dataset": "cleaneval", "gold_conventions": {"comments": False}}) == {
        "comments": False, "headline": True}


def test_convention_rows_follow_the_lines_of_each_page():
    docs = [{"dataset": "cleaneval", "lines": ["a", "b"]}, {"dataset": "scrapinghub", "lines": ["c"]}]
    np.testing.assert_array_equal(convention_rows(docs), [[1, 1], [0, 0]])
    np.testing.assert_array_equal(training_conventions(docs), [[1, 1], [1, 1], [0, 0]])


ARTICLE = ("The harbour authority opened the new quay on Monday, after three years of works that "
           "cost the town more than it had planned, and ships of 300 metres can now berth there.")
COMMENT = "Kate on October 23rd, 2012: great news, I love this harbour and its new quay!"


def test_a_model_told_the_conventions_cleans_by_boilerkits():
    """The same comment line is content on pages whose gold keeps comments and clutter on
    the others: told which page is which, the model drops it on a new page."""
    pages, labels, docs = [], [], []
    for i in range(40):
        keeps = i % 2 == 0
        pages.append([f"Story {i}: the new quay", ARTICLE, COMMENT, f"Footer {i} links"])
        labels += [1, 1, int(keeps), 0]
        docs.append({"dataset": "cleaneval" if keeps else "dragnet", "lines": pages[-1]})
    X, y = as_rows(pages), np.array(labels)
    told = build_model(max_iter=30).fit(X, y, conventions=training_conventions(docs))
    new_page = ["Story 99: the new quay", ARTICLE, COMMENT, "Footer 99 links"]
    assert told.predict_proba(new_page)[2, 1] < 0.2
    assert told.predict_proba(new_page)[1, 1] > 0.8  # the article stays
