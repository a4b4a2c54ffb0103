"""Sites for cross-validation folds: pages of one registered domain are one group."""

from __future__ import annotations

import numpy as np
import pytest

from boilerkit.model import cross_validated_probabilities, training_arrays
from boilerkit.sites import registered_domain, site_groups, site_of


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.bbc.co.uk/news/world-1", "bbc.co.uk"),
        ("http://news.bbc.co.uk/2/hi/", "bbc.co.uk"),
        ("https://forum.example.com.au/t/1", "example.com.au"),
        ("https://someone.blogspot.com/2012/05/x.html", "someone.blogspot.com"),
        ("http://192.168.1.1:8080/page", "192.168.1.1"),
        ("http://localhost/page", "localhost"),
        ("www.example.org/page", "example.org"),
        ("HTTPS://WWW.EXAMPLE.ORG/", "example.org"),
    ],
)
def test_registered_domain(url, domain):
    assert registered_domain(url) == domain


def test_a_page_without_url_is_its_own_site_by_id():
    assert site_of({"id": "dragnet/R75", "url": None}) == "id:dragnet/R75"
    assert site_of({"url": ""}) is None


def test_site_groups_join_pages_of_one_site_and_keep_others_apart():
    docs = [
        {"id": "a", "url": "https://www.example.com/1"},
        {"id": "b", "url": "https://blog.example.com/2"},
        {"id": "c", "url": "https://other.org/3"},
        {"id": "d", "url": None},
        {"id": "e"},
        {},
        {},
    ]
    groups = site_groups(docs)
    assert groups[0] == groups[1]
    assert len({groups[0], groups[2], groups[3], groups[4], groups[5], groups[6]}) == 6


def test_training_groups_are_sites_per_line():
    docs = [
        {"id": "a", "url": "https://example.com/1", "lines": ["x", "y"], "labels": [1, 0]},
        {"id": "b", "url": "https://www.example.com/2", "lines": ["z"], "labels": [1]},
        {"id": "c", "url": "https://other.com/", "lines": ["w"], "labels": [0]},
    ]
    _, _, groups = training_arrays(docs)
    assert groups[0] == groups[1] == groups[2] != groups[3]


def test_cross_validation_never_has_a_site_on_both_sides(monkeypatch):
    """Every fold's test pages come from sites none of its training pages come from."""
    docs = [{"id": str(i), "url": f"https://site{i % 4}.com/{i}", "lines": [f"line {i}"], "labels": [i % 2]}
            for i in range(16)]
    X, y, groups = training_arrays(docs)
    seen = []

    class Spy:
        def fit(self, X_train, y_train, groups=None, conventions=None):
            seen.append({int(k) for k in X_train[:, 0]})
            # The model's own inner folds get the training rows' sites, row for row.
            assert list(groups) == [int(k) % 4 for k in X_train[:, 0]]
            return self

        def predict_proba(self, X_test):
            trained = seen[-1]
            tested = {int(k) for k in X_test[:, 0]}
            assert not {i % 4 for i in trained} & {i % 4 for i in tested}
            return np.zeros((len(X_test), 2))

    monkeypatch.setattr("sklearn.base.clone", lambda model: model)
    cross_validated_probabilities(Spy(), X, y, groups, folds=4, seed=0)
    assert len(seen) == 4
