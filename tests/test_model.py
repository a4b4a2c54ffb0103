"""The model: one Pipeline, its scikit-learn contract, saving, loading and the model card."""

from __future__ import annotations

import copy
import json

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from boilerkit.features import as_rows
from boilerkit.model import (
    BoilerplateModel,
    ModelError,
    build_model,
    card_path,
    load_model,
    save_model,
    sha256_of,
)

LINES = [
    "Home | News | Sport | Weather",
    "Scientists said on Tuesday that the new telescope had found water vapour in the atmosphere of a distant planet.",
    "The team, led by researchers in Chile, spent two years on the measurements.",
    "Share",
    "Related stories",
]


def test_saved_model_is_one_pipeline_of_features_and_classifier(small_model):
    assert isinstance(small_model, Pipeline)
    assert [name for name, _ in small_model.steps] == ["features", "classifier"]


def test_predict_and_proba_on_a_list_of_lines(small_model):
    labels = small_model.predict(LINES)
    proba = small_model.predict_proba(LINES)
    assert labels.shape == (len(LINES),) and set(labels) <= {0, 1}
    assert proba.shape == (len(LINES), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(labels, (proba[:, 1] >= small_model.threshold).astype(int))


def test_threshold_is_part_of_the_model(small_model):
    model = clone(small_model).set_params(classifier__threshold=0.0)
    assert model.get_params()["classifier__threshold"] == 0.0
    fitted = small_model
    everything = fitted.label_lines(LINES, threshold=0.0)[0]
    nothing = fitted.label_lines(LINES, threshold=1.01)[0]
    assert everything.all() and not nothing.any()


def test_clean_returns_content_lines_in_order(small_model):
    text = "\r\n".join(LINES)
    labels = small_model.predict(LINES)
    expected = "\n".join(line for line, label in zip(LINES, labels) if label)
    assert small_model.clean(text) == expected


def test_clean_of_empty_text(small_model):
    assert small_model.clean("") == ""


def test_joblib_round_trip_gives_identical_probabilities(small_model, tmp_path):
    path = tmp_path / "m.joblib"
    save_model(small_model, path)
    plain = joblib.load(path)
    assert isinstance(plain, BoilerplateModel)
    rows = as_rows([LINES, LINES[::-1]])
    np.testing.assert_array_equal(plain.predict_proba(rows), small_model.predict_proba(rows))


def test_card_is_written_beside_the_model(small_model_path):
    card = json.loads(card_path(small_model_path).read_text(encoding="utf-8"))
    for key in ("boilerkit_version", "sklearn_version", "feature_names", "training_data", "threshold"):
        assert key in card
    assert card["model_sha256"] == sha256_of(small_model_path)
    assert card["training_data"][0]["sha256"] and card["training_data"][0]["lines"] > 0
    assert card["feature_names"] == list(load_model(small_model_path)[0].get_feature_names_out())
    assert card["headline_lists"] == load_model(small_model_path).headline_lists
    assert card["word_rule"] == load_model(small_model_path)[0].word_rule == "scripts"  # the recipe's


def test_clone_keeps_the_headline_list_share_and_seed():
    params = clone(build_model(seed=3)).get_params()
    assert params["headline_lists"] == build_model().headline_lists > 0
    assert params["random_state"] == 3


def test_clone_of_unfitted_model_keeps_params():
    model = build_model(seed=3, threshold=0.4)
    params = clone(model).get_params()
    assert params["classifier__threshold"] == 0.4
    assert params["classifier__estimator__random_state"] == 3


def test_fit_with_headline_lists_leaves_no_routing_request_behind():
    # the request refers back to its estimator: skops cannot save that cycle
    model = build_model(max_iter=2)
    assert model.headline_lists > 0
    model.fit(as_rows([LINES, LINES]), np.array([0, 1, 1, 0, 0] * 2))
    classifier = model.steps[-1][1]
    assert "_metadata_request" not in vars(classifier.estimator)
    assert "_metadata_request" not in vars(classifier.estimator_)


def test_model_saved_before_the_headline_list_parameters_still_loads(small_model, tmp_path):
    # models pickled before headline_lists / random_state existed hold neither attribute
    old = copy.deepcopy(small_model)
    del old.__dict__["headline_lists"], old.__dict__["random_state"]
    joblib.dump(old, tmp_path / "old.joblib")
    loaded = joblib.load(tmp_path / "old.joblib")
    assert (loaded.headline_lists, loaded.random_state) == (0.0, 0)
    assert clone(loaded).get_params()["headline_lists"] == 0.0
    rows = as_rows([LINES])
    np.testing.assert_array_equal(loaded.predict_proba(rows), small_model.predict_proba(rows))


def test_fit_returns_self():
    model = build_model(max_iter=2)
    X = as_rows([LINES, LINES])
    y = np.array([0, 1, 1, 0, 0] * 2)
    assert model.fit(X, y) is model


def _rewrite_card(path, **changes):
    card_file = card_path(path)
    card = json.loads(card_file.read_text(encoding="utf-8"))
    card.update(changes)
    card_file.write_text(json.dumps(card), encoding="utf-8")


@pytest.fixture
def model_copy(small_model, tmp_path):
    return save_model(small_model, tmp_path / "copy.joblib")


def test_model_from_another_sklearn_release_is_refused_with_advice(model_copy):
    _rewrite_card(model_copy, sklearn_version="0.99.0")
    with pytest.raises(ModelError, match=r"scikit-learn 0\.99\.0.*install scikit-learn==0\.99\.0 or retrain"):
        load_model(model_copy)


def test_model_of_another_format_is_refused_with_advice(model_copy):
    _rewrite_card(model_copy, model_format=99)
    with pytest.raises(ModelError, match="retrain it with `boilerkit train`"):
        load_model(model_copy)


def test_not_a_model_file(tmp_path):
    path = tmp_path / "junk.joblib"
    path.write_bytes(b"not a pickle")
    with pytest.raises(ModelError, match="not a model file: a text file"):
        load_model(path)


@pytest.mark.parametrize("content, reason", [
    ("Home | About\nAn article about the news.\n".encode(), "not a model file: a text file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a model file: neither joblib nor pickle data"),
    (b"", "not a model file: an empty file"),
])
def test_a_file_that_is_no_model_is_named_as_such_not_blamed_on_scikit_learn(tmp_path, content, reason):
    # A text file given as the model once read "saved with another scikit-learn than 1.9.1?"
    path = tmp_path / "page.txt"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=reason) as raised:
        load_model(path)
    assert "scikit-learn" not in str(raised.value)


def test_a_truncated_model_file_is_called_damaged(small_model_path, tmp_path):
    data = small_model_path.read_bytes()
    path = tmp_path / "cut.joblib"  # no card beside it to catch the damage first
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="damaged or truncated model file") as raised:
        load_model(path)
    assert "scikit-learn" not in str(raised.value)


def test_other_object_is_refused(tmp_path):
    path = tmp_path / "dict.joblib"
    joblib.dump({"a": 1}, path)
    with pytest.raises(ModelError, match="holds a dict"):
        load_model(path)


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "none.joblib")


def test_a_directory_as_the_model_is_named_a_directory(tmp_path):
    with pytest.raises(ModelError, match=f"^{tmp_path}: a directory, not a model file$"):
        load_model(tmp_path)


def test_dumps_per_page_keeps_that_many_dumps_of_each_page_the_same_on_every_run():
    from boilerkit.model import dumps_of_each_page

    converters = ["html-text", "inscriptis", "resiliparse", "html2text", "lynx"]
    documents = [{"id": f"page-{p}", "converter": c, "lines": ["x"], "labels": [1]}
                 for p in range(200) for c in converters] + [{"lines": ["y"], "labels": [0]}]
    kept = dumps_of_each_page(documents, 2)
    per_page = {}
    for doc in kept:
        per_page.setdefault(doc.get("id"), []).append(doc.get("converter"))
    assert per_page.pop(None) == [None]  # a record without id is kept
    assert all(len(dumps) == 2 for dumps in per_page.values())
    assert dumps_of_each_page(list(reversed(documents)), 2) == list(reversed(kept))
    shares = {c: sum(c in dumps for dumps in per_page.values()) / 200 for c in converters}
    assert all(0.3 < share < 0.5 for share in shares.values())  # about 2 in 5 each


def test_a_model_fits_with_site_groups_and_predicts_every_line(sample_docs):
    from boilerkit.model import build_model, training_arrays

    docs = sample_docs[:30]
    X, y, groups = training_arrays(docs)
    model = build_model(max_iter=5).fit(X, y, groups=groups)
    probabilities = model.predict_proba(X)[:, 1]
    assert probabilities.shape == (len(y),) and ((probabilities >= 0) & (probabilities <= 1)).all()
    assert "_metadata_request" not in vars(model.steps[-1][1].estimator)  # nothing left for skops to trip on


def test_a_model_fits_with_sample_weights_beside_site_groups_and_they_weigh(sample_docs):
    # routing refused sample_weight unless the stacker asked for it: a traceback, not a fit
    from boilerkit.model import build_model, training_arrays

    X, y, groups = training_arrays(sample_docs[:30])
    weights = np.where(np.arange(len(y)) < len(y) // 2, 5.0, 1.0)
    plain = build_model(max_iter=5).fit(X, y, groups=groups).predict_proba(X)[:, 1]
    model = build_model(max_iter=5).fit(X, y, groups=groups, sample_weight=weights)
    assert np.abs(model.predict_proba(X)[:, 1] - plain).max() > 1e-3
    assert "_metadata_request" not in vars(model.steps[-1][1].estimator)  # nothing left for skops to trip on


def test_dumps_per_dataset_overrides_dumps_per_page():
    from boilerkit.model import dumps_of_each_page

    documents = [{"id": f"{dataset}-{p}", "dataset": dataset, "converter": c, "lines": ["x"], "labels": [1]}
                 for dataset in ("news", "fundus") for p in range(10) for c in ("a", "b", "c", "d", "e")]
    kept = dumps_of_each_page(documents, 1, {"fundus": 5})
    assert sum(doc["dataset"] == "news" for doc in kept) == 10
    assert sum(doc["dataset"] == "fundus" for doc in kept) == 50


def test_dumps_per_dataset_alone_keeps_every_dump_of_the_other_datasets():
    from boilerkit.model import dumps_of_each_page

    documents = [{"id": f"{dataset}-{p}", "dataset": dataset, "converter": c, "lines": ["x"], "labels": [1]}
                 for dataset in ("news", "fundus") for p in range(10) for c in ("a", "b", "c", "d", "e")]
    kept = dumps_of_each_page(documents, None, {"fundus": 2})
    assert sum(doc["dataset"] == "news" for doc in kept) == 50
    assert sum(doc["dataset"] == "fundus" for doc in kept) == 20
