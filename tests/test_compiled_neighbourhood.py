"""The compiled neighbourhood columns are the numpy reference's, bit for bit (the second
pass's trees compare them with thresholds: one differing last bit could flip a line)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import boilerkit
from boilerkit.compiled_neighbourhood import neighbourhood as compiled_neighbourhood
from boilerkit.features import FEATURES, DocumentIndex, as_rows
from boilerkit.stacking import (
    FIRST_NEIGHBOURHOOD_NAMES,
    LINES_FROM_MAIN_BLOCK_CAP,
    NEIGHBOURHOOD_NAMES,
    PROBABILITY_WINDOWS,
    SHAPE_FEATURES,
    neighbourhood,
)


def assert_same_columns(doc, p1, lengths=None, repeats=None, shapes=None):
    expected = neighbourhood(DocumentIndex(doc), p1, lengths, repeats, shapes)
    got = compiled_neighbourhood(doc, p1, lengths, repeats, shapes)
    assert got.shape == expected.shape == (len(p1), len(NEIGHBOURHOOD_NAMES))
    for column, name in enumerate(NEIGHBOURHOOD_NAMES):
        np.testing.assert_array_equal(got[:, column], expected[:, column], err_msg=name)


def test_on_the_real_pages_of_the_sample(sample_docs):
    model = boilerkit.load_model()
    stacker = model.steps[-1][1].estimator_
    X = model[:-1].transform(as_rows(doc["lines"] for doc in sample_docs))
    p1 = stacker.first_pass_proba(X, compiled=False)
    shapes = X[:, [list(FEATURES).index(name) for name in SHAPE_FEATURES]]
    assert_same_columns(stacker._index(X).doc, p1, X[:, stacker.length_column], X[:, stacker.repeat_column], shapes)


def random_documents(seed: int) -> np.ndarray:
    """Document ids of documents of 1 line, a few lines, and more than the widest window
    and the main block's distance cap."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3, 7, 2 * max(PROBABILITY_WINDOWS) + 3, LINES_FROM_MAIN_BLOCK_CAP + 60], size=30)
    return np.repeat(np.arange(len(sizes)), sizes)


@pytest.mark.parametrize("seed", range(8))
def test_on_random_probabilities_lengths_and_repeats(seed):
    doc = random_documents(seed)
    rng = np.random.default_rng(seed)
    # probabilities on and next to the likely-content cut, exact 0s and 1s, and runs of equal values
    p1 = rng.choice([0.0, 0.5, np.nextafter(0.5, 0), 1.0, 0.9, 0.1], size=len(doc))
    p1 = np.where(rng.random(len(doc)) < 0.5, rng.random(len(doc)), p1)
    lengths = rng.choice([0, 5, 79, 80, 300], size=len(doc)).astype(np.float32)
    repeats = rng.choice([0, 0, 1, 3], size=len(doc)).astype(np.float32)
    assert_same_columns(doc, p1, lengths, repeats)


@pytest.mark.parametrize("seed", range(4))
def test_on_random_shapes(seed):
    """Indents beyond the packed shape's 8 bits, every heading level, lines alone in their shape."""
    doc = random_documents(seed)
    rng = np.random.default_rng(seed)
    shapes = np.column_stack([rng.choice([0, 2, 4, 255, 300, 1000], size=len(doc)),
                              *(rng.integers(0, 2, size=len(doc)) for _ in range(2)),
                              rng.integers(0, 7, size=len(doc)),
                              *(rng.integers(0, 2, size=len(doc)) for _ in range(2))]).astype(np.float32)
    assert_same_columns(doc, rng.random(len(doc)), shapes=shapes)


@pytest.mark.parametrize("seed", range(3))
def test_without_lengths_and_repeats(seed):
    doc = random_documents(seed)
    assert_same_columns(doc, np.random.default_rng(seed).random(len(doc)))


def test_of_the_two_heaviest_runs_of_equal_mass_the_first_is_the_main_block():
    p1 = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.9, 0.9, 0.9, 0.9, 0.9])
    doc = np.zeros(len(p1), dtype=np.int64)
    assert_same_columns(doc, p1)
    inside = compiled_neighbourhood(doc, p1)[:, NEIGHBOURHOOD_NAMES.index("in_main_block")]
    assert inside[:5].all() and not inside[5:].any()


def test_no_lines():
    assert compiled_neighbourhood(np.zeros(0, dtype=np.int64), np.zeros(0)).shape == (0, len(NEIGHBOURHOOD_NAMES))


def test_a_stacker_trained_before_the_new_columns_gets_its_columns_on_both_paths():
    model = boilerkit.load_model()
    stacker = model.steps[-1][1].estimator_
    X = model[:-1].transform(as_rows([["Home", "News", "A paragraph long enough to be an article line."] * 5]))
    p1 = stacker.first_pass_proba(X)
    old = copy.copy(stacker)
    del old.neighbourhood_names_  # what unpickling a model of an older boilerkit gives
    compiled, reference = (old.neighbourhood_columns(X, p1, compiled=flag) for flag in (True, False))
    assert compiled.shape == (len(X), len(FIRST_NEIGHBOURHOOD_NAMES))
    np.testing.assert_array_equal(compiled, reference)
