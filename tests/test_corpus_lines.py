"""The corpus line counts (``corpus_doc_freq``): by documents, each training line counted with
its own (every model so far), or by sites, a training line counted without its own site, as a
page of a new site is (``LineFeatures(corpus_counts="sites")``)."""

from __future__ import annotations

import numpy as np

import pytest

from boilerkit.features import MIN_CORPUS_DOCS, CorpusLines, LineFeatures, as_rows

MENU = "Home | World | Sport"


def pages_of_sites(sites_with_menu: int, pages_per_site: int = 2):
    """Pages of ``sites_with_menu`` sites, each page a menu line and a line of its own."""
    docs, groups = [], []
    for site in range(sites_with_menu):
        for page in range(pages_per_site):
            docs.append([MENU, f"Report number {site}-{page} on the harbour."])
            groups += [site, site]
    return as_rows(docs), np.array(groups)


def doc_freq_column(features: LineFeatures, matrix: np.ndarray) -> np.ndarray:
    return matrix[:, list(features.get_feature_names_out()).index("corpus_doc_freq")]


def test_a_line_counts_once_per_site_however_many_pages_repeat_it():
    X, groups = pages_of_sites(sites_with_menu=2, pages_per_site=5)
    by_site = CorpusLines.of(X, groups).counts()
    by_document = CorpusLines.of(X).counts()
    assert MENU.lower() not in by_site  # 2 sites: below the minimum
    assert by_document[" ".join(MENU.lower().split())] == 10


def test_a_line_on_enough_sites_is_remembered_with_its_number_of_sites():
    X, groups = pages_of_sites(sites_with_menu=MIN_CORPUS_DOCS + 1)
    assert CorpusLines.of(X, groups).counts() == {"home | world | sport": MIN_CORPUS_DOCS + 1}


def test_a_training_line_is_counted_without_its_own_site():
    X, groups = pages_of_sites(sites_with_menu=MIN_CORPUS_DOCS + 1)
    lines = CorpusLines.of(X, groups)
    held_out = lines.held_out_doc_freq(X, groups)
    is_menu = X[:, 1] == MENU
    np.testing.assert_allclose(held_out[is_menu], np.log1p(MIN_CORPUS_DOCS))  # the other sites
    assert not held_out[~is_menu].any()
    # one site fewer, and the other sites are too few to remember the line
    X, groups = pages_of_sites(sites_with_menu=MIN_CORPUS_DOCS)
    assert not CorpusLines.of(X, groups).held_out_doc_freq(X, groups).any()


def test_a_line_the_training_set_never_saw_counts_zero():
    X, groups = pages_of_sites(sites_with_menu=MIN_CORPUS_DOCS + 1)
    unseen = as_rows([["Something else entirely", MENU]])
    freq = CorpusLines.of(X, groups).held_out_doc_freq(unseen, np.array([99, 99]))
    np.testing.assert_allclose(freq, [0.0, np.log1p(MIN_CORPUS_DOCS + 1)])


def test_by_documents_a_training_line_is_counted_with_its_own_document():
    X, _ = pages_of_sites(sites_with_menu=MIN_CORPUS_DOCS, pages_per_site=1)
    features = LineFeatures()
    training = doc_freq_column(features, features.fit_transform(X))
    np.testing.assert_array_equal(training, doc_freq_column(features, features.transform(X)))
    np.testing.assert_allclose(training[X[:, 1] == MENU], np.log1p(MIN_CORPUS_DOCS))


def test_an_unknown_way_of_counting_is_refused():
    X, _ = pages_of_sites(sites_with_menu=1)
    with pytest.raises(ValueError, match="corpus_counts"):
        LineFeatures(corpus_counts="pages").fit(X)


def test_fit_transform_counts_each_training_document_without_itself_and_transform_with_everything():
    X, _ = pages_of_sites(sites_with_menu=MIN_CORPUS_DOCS + 1, pages_per_site=1)
    features = LineFeatures(corpus_counts="sites")
    training = doc_freq_column(features, features.fit_transform(X))
    applying = doc_freq_column(features, features.transform(X))
    is_menu = X[:, 1] == MENU
    np.testing.assert_allclose(training[is_menu], np.log1p(MIN_CORPUS_DOCS))
    np.testing.assert_allclose(applying[is_menu], np.log1p(MIN_CORPUS_DOCS + 1))


def test_training_with_sites_counts_each_line_without_its_site():
    X, groups = pages_of_sites(sites_with_menu=MIN_CORPUS_DOCS, pages_per_site=3)
    y = np.tile([0, 1], len(X) // 2)
    features = LineFeatures(corpus_counts="sites")
    real = np.ones(len(X), dtype=bool)
    training = doc_freq_column(features, features.fit_transform_augmented(X, y, X, y, real, groups))
    assert not training.any()  # each site sees the menu on 2 others: too few
    assert features.line_counts_ == {"home | world | sport": MIN_CORPUS_DOCS}
