"""The second pass: document boundaries, neighbourhood columns and the classifier contract."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from boilerkit.features import DocumentIndex
from boilerkit.stacking import NEIGHBOURHOOD_NAMES, SequenceStacker, documents_from_positions, neighbourhood


def test_documents_from_positions():
    assert documents_from_positions(np.array([0, 1, 2, 0, 0, 1])).tolist() == [0, 0, 0, 1, 2, 2]


def test_neighbourhood_never_crosses_documents():
    index = DocumentIndex(np.array([0, 0, 1, 1]))
    p1 = np.array([0.9, 0.8, 0.1, 0.2])
    columns = neighbourhood(index, p1)
    assert columns.shape == (4, len(NEIGHBOURHOOD_NAMES))
    prev1 = columns[:, NEIGHBOURHOOD_NAMES.index("p1_prev1")]
    assert prev1.tolist() == [-1, 0.9, -1, 0.1]
    doc_mean = columns[:, NEIGHBOURHOOD_NAMES.index("p1_doc_mean")]
    np.testing.assert_allclose(doc_mean, [0.85, 0.85, 0.15, 0.15])


def _toy_data(n_docs=12, length=10, seed=0):
    rng = np.random.default_rng(seed)
    position = np.tile(np.arange(length), n_docs)
    signal = rng.normal(size=n_docs * length)
    X = np.column_stack([position, signal])
    y = (signal > 0).astype(int)
    return X, y


def test_stacker_contract():
    X, y = _toy_data()
    model = SequenceStacker(LogisticRegression(max_iter=1000), LogisticRegression(max_iter=1000), position_column=0, folds=3)
    assert clone(model).get_params()["folds"] == 3
    assert model.fit(X, y) is model
    proba = model.predict_proba(X)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert (model.predict(X) == y).mean() > 0.9


def test_stacker_with_one_document():
    X, y = _toy_data(n_docs=1)
    model = SequenceStacker(LogisticRegression(max_iter=1000), LogisticRegression(max_iter=1000), position_column=0).fit(X, y)
    assert model.predict_proba(X).shape == (len(y), 2)


class WeightRecorder(LogisticRegression):
    """A logistic regression that remembers the sample weights of its last fit."""

    def fit(self, X, y, sample_weight=None):
        self.seen_weight_ = None if sample_weight is None else np.asarray(sample_weight).copy()
        return super().fit(X, y, sample_weight=sample_weight)


def test_lines_weigh_by_their_length_in_both_passes():
    X, y = _toy_data()
    lengths = np.arange(len(y)) % 7 * 10.0
    X = np.column_stack([X, lengths])
    model = SequenceStacker(WeightRecorder(max_iter=1000), WeightRecorder(max_iter=1000), position_column=0, folds=2,
                            length_column=2, length_power=0.5)
    model.fit(X, y, sample_weight=np.full(len(y), 2.0))
    expected = 2.0 * np.sqrt(lengths + 1)
    np.testing.assert_allclose(model.first_.seen_weight_, expected)
    np.testing.assert_allclose(model.second_.seen_weight_, expected)


def test_no_length_power_means_no_weights():
    X, y = _toy_data()
    model = SequenceStacker(WeightRecorder(max_iter=1000), WeightRecorder(max_iter=1000), position_column=0, folds=2).fit(X, y)
    assert model.first_.seen_weight_ is None and model.second_.seen_weight_ is None


def _columns(names, index, p1, lengths, repeats=None, shapes=None):
    columns = neighbourhood(index, p1, lengths, repeats, shapes)
    return {name: columns[:, NEIGHBOURHOOD_NAMES.index(name)].tolist() for name in names}


def test_nearest_long_line_probability_skips_short_lines_and_stays_in_its_document():
    index = DocumentIndex(np.array([0, 0, 0, 0, 1, 1]))
    p1 = np.array([0.9, 0.5, 0.4, 0.2, 0.7, 0.6])
    lengths = np.array([200, 10, 10, 100, 300, 5])
    got = _columns(["p1_prev_long", "p1_next_long"], index, p1, lengths)
    assert got["p1_prev_long"] == [-1, 0.9, 0.9, 0.9, -1, 0.7]
    assert got["p1_next_long"] == [0.2, 0.2, 0.2, -1, -1, -1]


def test_nearest_distinct_line_probability_skips_repeated_and_empty_lines():
    index = DocumentIndex(np.array([0, 0, 0, 0, 0, 1, 1]))
    p1 = np.array([0.9, 0.1, 0.8, 0.0, 0.7, 0.6, 0.2])
    lengths = np.array([200, 13, 150, 0, 120, 50, 13])
    repeats = np.array([0, 1, 0, 1, 0, 0, 0])  # line 1 is "Advertisement", line 3 empty
    got = _columns(["p1_prev_distinct", "p1_next_distinct"], index, p1, lengths, repeats)
    assert got["p1_prev_distinct"] == [-1, 0.9, 0.9, 0.8, 0.8, -1, 0.6]
    assert got["p1_next_distinct"] == [0.8, 0.8, 0.7, 0.7, -1, 0.2, -1]


def test_a_model_saved_before_repeat_column_existed_still_predicts():
    X, y = _toy_data()
    model = SequenceStacker(LogisticRegression(max_iter=1000), LogisticRegression(max_iter=1000), position_column=0,
                            folds=3).fit(X, y)
    before = model.predict_proba(X)
    del model.repeat_column  # what unpickling a model of an older boilerkit gives
    assert model.get_params()["repeat_column"] is None
    np.testing.assert_array_equal(model.predict_proba(X), before)


def test_a_model_trained_before_the_new_columns_still_predicts():
    from boilerkit.stacking import FIRST_NEIGHBOURHOOD_NAMES

    X, y = _toy_data()
    model = SequenceStacker(LogisticRegression(max_iter=1000), LogisticRegression(max_iter=1000), position_column=0)
    model.fit(X, y)
    assert model.second_pass_input(X, y * 1.0).shape[1] == X.shape[1] + len(NEIGHBOURHOOD_NAMES) - 2  # no shapes
    # what an older pickle looks like: no names, a second pass fitted on the first columns
    del model.neighbourhood_names_
    old_input = model.second_pass_input(X, y * 1.0)
    assert old_input.shape[1] == X.shape[1] + len(FIRST_NEIGHBOURHOOD_NAMES)
    model.second_ = LogisticRegression(max_iter=1000).fit(old_input, y)
    assert model.predict_proba(X).shape == (len(y), 2)


def test_rows_not_marked_real_train_only_the_second_pass():
    X, y = _toy_data()
    real = np.ones(len(y), dtype=bool)
    real[::3] = False
    model = SequenceStacker(LogisticRegression(max_iter=1000), LogisticRegression(max_iter=1000), position_column=0,
                            folds=3).fit(X, y, real=real)
    alone = LogisticRegression(max_iter=1000).fit(X[real], y[real])
    np.testing.assert_allclose(model.first_.coef_, alone.coef_)
    assert model.predict_proba(X).shape == (len(y), 2)


def _small_boosting(seed=0, rounds=15):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=rounds, max_leaf_nodes=7, early_stopping=False, random_state=seed)


def test_mean_of_boostings_scores_the_mean_log_odds_of_its_members():
    from boilerkit.stacking import mean_of_boostings
    from boilerkit.trees import CompiledTrees

    X, y = _toy_data()
    half = len(y) // 2
    members = [_small_boosting(0).fit(X[:half], y[:half]), _small_boosting(1, rounds=9).fit(X[half:], y[half:])]
    merged = mean_of_boostings(members)
    expected = (members[0].decision_function(X) + members[1].decision_function(X)) / 2
    np.testing.assert_allclose(merged.decision_function(X), expected, rtol=0, atol=1e-12)
    assert len(merged._predictors) == 24
    # the members are left as they were
    np.testing.assert_array_equal(members[0].decision_function(X), _small_boosting(0).fit(X[:half], y[:half]).decision_function(X))
    # one ensemble: the compiled trees walk it to scikit-learn's probabilities, bit for bit
    np.testing.assert_array_equal(CompiledTrees.from_estimator(merged).predict_proba(X), merged.predict_proba(X))


def test_each_draw_of_the_folds_fits_its_own_second_pass():
    X, y = _toy_data()
    y = np.where(np.random.default_rng(3).random(len(y)) < 0.15, 1 - y, y)  # noise: the draws' fits differ
    one = SequenceStacker(_small_boosting(), _small_boosting(), position_column=0, folds=2).fit(X, y)
    two = SequenceStacker(_small_boosting(), _small_boosting(), position_column=0, folds=2, second_draws=2).fit(X, y)
    assert len(two.second_._predictors) == 2 * len(one.second_._predictors)
    # the first draw is the one-draw model's, the second another draw
    first_trees = [tree[0].nodes for tree in two.second_._predictors[:15]]
    np.testing.assert_array_equal([t["value"] * 2 for t in first_trees], [t[0].nodes["value"] for t in one.second_._predictors])
    assert not all(np.array_equal(a[0].nodes, b[0].nodes)
                   for a, b in zip(two.second_._predictors[:15], two.second_._predictors[15:]))
    np.testing.assert_array_equal(two.first_.predict_proba(X), one.first_.predict_proba(X))
    np.testing.assert_array_equal(two.predict_proba(X, compiled=True), two.predict_proba(X, compiled=False))


def test_second_draws_refuse_a_second_pass_they_cannot_average():
    import pytest

    X, y = _toy_data()
    model = SequenceStacker(LogisticRegression(), LogisticRegression(), position_column=0, second_draws=2)
    with pytest.raises(ValueError, match="HistGradientBoostingClassifier"):
        model.fit(X, y)


def test_lines_of_one_shape_vote_together_in_their_document():
    """The other lines of a line's shape, anywhere in its document: a menu item far from the
    other items still hears them; a line alone in its shape gets -1; no vote crosses documents."""
    index = DocumentIndex(np.array([0, 0, 0, 0, 0, 1, 1]))
    p1 = np.array([0.1, 0.9, 0.3, 0.7, 0.5, 0.2, 0.8])
    item, paragraph, heading = [2, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1], [0, 0, 0, 2, 0, 0]
    shapes = np.array([item, paragraph, item, paragraph, heading, item, item], dtype=np.float32)
    got = _columns(["p1_shape_mean", "shape_share"], index, p1, None, shapes=shapes)
    np.testing.assert_allclose(got["p1_shape_mean"], [0.3, 0.7, 0.1, 0.9, -1, 0.8, 0.2])
    np.testing.assert_allclose(got["shape_share"], [0.4, 0.4, 0.4, 0.4, 0.2, 1.0, 1.0])


def test_a_stacker_without_shape_columns_leaves_their_columns_out():
    X, y = _toy_data()
    model = SequenceStacker(LogisticRegression(max_iter=1000), LogisticRegression(max_iter=1000), position_column=0,
                            folds=3).fit(X, y)
    assert "p1_shape_mean" not in model.neighbourhood_names_
    assert model.second_.coef_.shape[1] == X.shape[1] + len(NEIGHBOURHOOD_NAMES) - 2
    with_shapes = clone(model).set_params(shape_columns=(1, 1, 1, 1, 1, 1)).fit(X, y)
    assert with_shapes.neighbourhood_names_ == list(NEIGHBOURHOOD_NAMES)
