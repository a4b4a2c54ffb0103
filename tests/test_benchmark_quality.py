"""benchmarks/quality.py's cross-validation over several files at once (``--joint``): which
probabilities go back to which file, and its cache.  The cross-validation itself is
replaced by one that returns each line's position in the union, so nothing is trained."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import quality  # noqa: E402


@pytest.fixture
def joint_cv(monkeypatch, tmp_path, sample_docs):
    """(files, calls): two "files" of the sample, and the union sizes cross-validated so far."""
    calls: list[int] = []

    def positions_in_union(model, X, y, groups, folds, seed):
        calls.append(len(y))
        return np.arange(len(y), dtype=float)

    monkeypatch.setattr(quality, "CACHE", tmp_path)
    monkeypatch.setattr(quality, "cross_validated_probabilities", positions_in_union)
    return {"a.jsonl.gz": sample_docs[:20], "b.jsonl.gz": sample_docs[20:]}, calls


def n_lines(docs):
    return sum(len(doc["lines"]) for doc in docs)


def test_joint_cv_gives_each_file_the_probabilities_of_its_own_lines(joint_cv):
    files, calls = joint_cv
    joint = quality.boilerkit_joint_cv(files, folds=5, seed=0, force=False)

    n_a, n_b = n_lines(files["a.jsonl.gz"]), n_lines(files["b.jsonl.gz"])
    assert calls == [n_a + n_b]
    assert list(joint) == ["a.jsonl.gz", "b.jsonl.gz"]
    np.testing.assert_array_equal(joint["a.jsonl.gz"], np.arange(n_a))
    np.testing.assert_array_equal(joint["b.jsonl.gz"], np.arange(n_a, n_a + n_b))


def test_joint_cv_is_cached_per_set_of_files(joint_cv):
    files, calls = joint_cv
    first = quality.boilerkit_joint_cv(files, folds=5, seed=0, force=False)
    again = quality.boilerkit_joint_cv(files, folds=5, seed=0, force=False)
    assert len(calls) == 1
    np.testing.assert_array_equal(again["b.jsonl.gz"], first["b.jsonl.gz"])

    quality.boilerkit_joint_cv({"b.jsonl.gz": files["b.jsonl.gz"]}, folds=5, seed=0, force=False)
    quality.boilerkit_joint_cv(files, folds=5, seed=0, force=True)
    assert len(calls) == 3
