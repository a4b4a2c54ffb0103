"""The compiled model (boilerkit.runtime): the Pipeline's predictions without scikit-learn.

* on real pages its probabilities are the Pipeline's, bit for bit, on both paths of the
  Pipeline, and its labels too;
* ``save_model`` writes it beside every model it can run, with its sha256 in the card, and
  the bundled model's is in step with the bundled joblib;
* ``load_for_apply`` takes it only when it can be trusted (card, checksum, source model),
  else the Pipeline, and never on the reference path;
* ``boilerkit apply`` on the compiled model imports no scikit-learn.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from boilerkit.apply import apply as apply_model
from boilerkit.features import as_rows
from boilerkit.model import BoilerplateModel, default_model_path, load_model, save_model
from boilerkit.runtime import (
    CompiledModel,
    NotCompilable,
    compile_model,
    compiled_path,
    load_compiled,
    load_for_apply,
)

from .conftest import EXAMPLES
from .test_layout import wrapped_dump


@pytest.fixture(scope="module")
def bundled_model():
    return load_model()


@pytest.fixture(scope="module")
def pages(sample_docs):
    example = (EXAMPLES / "news-dump.txt").read_text(encoding="utf-8").split("\n")
    # a text browser's wrapped dump among them: its rows get a batch of their own, the
    # others' come from the layout's (boilerkit.layout.features_of_rows)
    return [doc["lines"] for doc in sample_docs] + [example, [], ["", "  ", ""], wrapped_dump(), ["one line"]]


def test_bundled_compiled_model_is_in_step_with_the_bundled_joblib():
    compiled = load_compiled()
    assert isinstance(compiled, CompiledModel)
    card = json.loads(compiled_path(default_model_path()).with_name("default.json").read_text())
    assert card["compiled_file"] == compiled_path(default_model_path()).name


@pytest.mark.parametrize("pipeline_compiled", ["1", "0"])
def test_same_probabilities_as_the_pipeline_on_real_pages(bundled_model, pages, monkeypatch, pipeline_compiled):
    """Against the Pipeline on its compiled path and on its reference path (scikit-learn's
    trees, numpy's features)."""
    rows = as_rows(pages)
    compiled = load_compiled()
    monkeypatch.setenv("BOILERKIT_COMPILED", pipeline_compiled)
    expected = bundled_model.predict_proba(rows)
    monkeypatch.setenv("BOILERKIT_COMPILED", "1")
    got = compiled.predict_proba(rows)
    np.testing.assert_array_equal(got, expected)
    labels, scores = compiled.label_lines(rows)
    expected_labels, expected_scores = bundled_model.label_lines(rows)
    np.testing.assert_array_equal(labels, expected_labels)
    np.testing.assert_array_equal(scores, expected_scores)
    assert compiled.threshold == bundled_model.threshold


def test_logistic_is_scipys_expit_bit_for_bit():
    """The compiled model's probabilities are scikit-learn's loss's, which calls scipy's
    expit: numpy's vectorised exp differed from it in the last bit on 2% of these values on
    an AVX-512 CPU, and the compiled model's probabilities with it."""
    from scipy.special import expit

    from boilerkit.runtime import Logistic

    raw = np.random.default_rng(0).normal(0.0, 6.0, 100_000)
    raw[:4] = [0.0, -745.0, 710.0, -np.inf]
    proba = Logistic.predict_proba(raw)
    np.testing.assert_array_equal(proba[:, 1], expit(raw))
    np.testing.assert_array_equal(proba[:, 0], 1 - expit(raw))


def test_one_document_and_empty_input(bundled_model):
    compiled = load_compiled()
    text = (EXAMPLES / "news-dump.txt").read_text(encoding="utf-8")
    assert compiled.clean(text) == bundled_model.clean(text)
    assert compiled.label_lines([])[0].shape == (0,)


def test_save_model_writes_the_compiled_form_and_its_checksum(small_model, tmp_path, sample_docs):
    path = save_model(small_model, tmp_path / "m.joblib")
    card = json.loads((tmp_path / "m.json").read_text())
    assert card["compiled_file"] == "m.compiled.npz"
    loaded = load_for_apply(path)
    assert isinstance(loaded, CompiledModel)
    rows = as_rows(doc["lines"] for doc in sample_docs)
    np.testing.assert_array_equal(loaded.predict_proba(rows), small_model.predict_proba(rows))


def test_the_compiled_model_counts_words_by_the_pipelines_rule(small_model, tmp_path):
    """A model whose features count words by the "scripts" rule: the compiled model saved
    with it counts them so too (its probabilities are the Pipeline's on Japanese lines, which
    the rules count differently)."""
    import copy

    rows = as_rows([["東京都は２日、新しい計画を発表した。" * 3, "ホーム", "ログイン | 会員登録", "Home"]])
    features = {}
    for rule in ("scripts", "spaces"):
        model = copy.deepcopy(small_model)
        model.steps[0][1].set_params(word_rule=rule)
        loaded = load_for_apply(save_model(model, tmp_path / f"{rule}.joblib"))
        assert isinstance(loaded, CompiledModel) and loaded.word_rule == rule
        np.testing.assert_array_equal(loaded.predict_proba(rows), model.predict_proba(rows))
        features[rule] = model.steps[0][1].transform(rows)
    assert not np.array_equal(features["scripts"], features["spaces"])


def _saved(small_model, tmp_path):
    path = save_model(small_model, tmp_path / "m.joblib")
    return path, compiled_path(path), tmp_path / "m.json"


def test_a_modified_compiled_file_is_not_used(small_model, tmp_path):
    path, compiled, _ = _saved(small_model, tmp_path)
    data = bytearray(compiled.read_bytes())
    data[len(data) // 2] ^= 0xFF
    compiled.write_bytes(bytes(data))
    assert load_compiled(path) is None
    assert isinstance(load_for_apply(path), BoilerplateModel)


def test_a_compiled_file_made_from_another_model_is_not_used(small_model, tmp_path):
    """Both files checked in by the card, but the compiled one made from an earlier model
    file: its own record of the model's sha256 differs from the card's."""
    path, compiled, card_file = _saved(small_model, tmp_path)
    card = json.loads(card_file.read_text())
    card["model_sha256"] = "0" * 64
    card_file.write_text(json.dumps(card))
    assert load_compiled(path) is None


def test_a_card_without_the_compiled_form_means_the_pipeline(small_model, tmp_path):
    path, _, card_file = _saved(small_model, tmp_path)
    card = json.loads(card_file.read_text())
    del card["compiled_sha256"]
    card_file.write_text(json.dumps(card))
    assert isinstance(load_for_apply(path), BoilerplateModel)


def test_no_compiled_file_means_the_pipeline(small_model, tmp_path):
    path, compiled, _ = _saved(small_model, tmp_path)
    compiled.unlink()
    assert isinstance(load_for_apply(path), BoilerplateModel)


def test_the_reference_path_loads_the_pipeline(small_model, tmp_path, monkeypatch):
    path, _, _ = _saved(small_model, tmp_path)
    monkeypatch.setenv("BOILERKIT_COMPILED", "0")
    assert isinstance(load_for_apply(path), BoilerplateModel)


def test_a_model_the_kernels_cannot_run_is_saved_without_a_compiled_form(small_model, tmp_path):
    from sklearn.base import clone

    path, compiled, card_file = _saved(small_model, tmp_path)
    unfitted = clone(small_model)
    with pytest.raises(NotCompilable):
        compile_model(unfitted)
    unfitted.card_ = {}
    save_model(unfitted, path)  # the same name: the earlier compiled form must go
    assert not compiled.exists()
    assert "compiled_sha256" not in json.loads(card_file.read_text())


def test_apply_on_the_compiled_model_imports_no_scikit_learn(tmp_path):
    """The point of the compiled model: the start-up of `boilerkit apply` without scikit-learn."""
    out = tmp_path / "out.txt"
    code = (
        "import sys\n"
        "from boilerkit.cli import app\n"
        f"sys.argv = ['boilerkit', 'apply', {str(EXAMPLES / 'news-dump.txt')!r}, '-o', {str(out)!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('sklearn', 'skops', 'joblib')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert out.read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def both_models(bundled_model):
    return {"pipeline": bundled_model, "compiled": load_compiled()}


@pytest.mark.parametrize("kind", ["pipeline", "compiled"])
@pytest.mark.parametrize("item", [None, b"Home", 7, float("nan")])
def test_a_line_that_is_not_a_string_is_refused_by_its_index(both_models, kind, item):
    # str(None) == "None" was labelled as a line of text (content, even), silently
    with pytest.raises(TypeError, match=rf"line 1 is {type(item).__name__}, not str"):
        both_models[kind].predict_proba(["A line of text.", item, "Another line."])


@pytest.mark.parametrize("kind", ["pipeline", "compiled"])
@pytest.mark.parametrize("given, named", [((line for line in ["a", "b"]), "generator: make a list of it first"),
                                          (None, "NoneType"), ({"a": 1}, "dict"),
                                          (b"a\nb", "single bytes object")])
def test_what_is_no_sequence_of_lines_is_named(both_models, kind, given, named):
    with pytest.raises(TypeError, match=named):
        both_models[kind].predict(given)


@pytest.mark.parametrize("kind", ["pipeline", "compiled"])
def test_numpy_strings_are_lines(both_models, kind):
    lines = (EXAMPLES / "news-dump.txt").read_text(encoding="utf-8").split("\n")
    model = both_models[kind]
    expected = model.predict_proba(lines)
    assert np.array_equal(model.predict_proba(np.array(lines)), expected)
    assert np.array_equal(model.predict_proba(np.array([np.str_(line) for line in lines], dtype=object)), expected)


@pytest.mark.parametrize("kind", ["pipeline", "compiled"])
@pytest.mark.parametrize("text", [None, b"Home\nAbout"])
def test_clean_takes_text_only(both_models, kind, text):
    with pytest.raises(TypeError, match="expected the text of a dump as a str"):
        both_models[kind].clean(text)


@pytest.mark.parametrize("kind", ["pipeline", "compiled"])
@pytest.mark.parametrize("lines", [["[Home](/)\n[About](/about)", "An article."],
                                   ["[Home](/)", "An article.\nIts second line.", "More text."]])
def test_a_line_holding_a_line_break_is_refused_by_its_index(both_models, kind, lines):
    # the link features join a batch's lines by "\n" and split them again: such a line made
    # the features of the lines after it shift by one, or failed with a numpy shape mismatch
    broken = next(index for index, line in enumerate(lines) if "\n" in line)
    with pytest.raises(ValueError, match=rf"line {broken} holds a line break"):
        both_models[kind].predict_proba(lines)


@pytest.mark.parametrize("kind", ["pipeline", "compiled"])
def test_lines_ending_in_a_carriage_return_still_are_lines(both_models, kind):
    # text.split("\n") of a CRLF text: each line ends in "\r", as it always could
    lines = (EXAMPLES / "news-dump.txt").read_text(encoding="utf-8").split("\n")
    model = both_models[kind]
    assert model.predict([line + "\r" for line in lines]).tolist() == model.predict(lines).tolist()


@pytest.mark.parametrize("kind", ["pipeline", "compiled"])
def test_a_threshold_of_nan_is_refused(both_models, kind, tmp_path):
    # the CLI's option range refuses it; the library labelled every line clutter
    model = both_models[kind]
    with pytest.raises(ValueError, match="threshold is NaN"):
        model.label_lines(["A line of text.", "Home"], float("nan"))
    with pytest.raises(ValueError, match="threshold is NaN"):
        model.clean("A line of text.\nHome", float("nan"))
    output = tmp_path / "clean.txt"
    with pytest.raises(ValueError, match="threshold is NaN"):
        apply_model([str(EXAMPLES / "news-dump.txt")], model, threshold=float("nan"), output=output)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["pipeline", "compiled"])
def test_thresholds_beyond_0_and_1_still_keep_everything_or_nothing(both_models, kind):
    lines = (EXAMPLES / "news-dump.txt").read_text(encoding="utf-8").split("\n")
    assert both_models[kind].label_lines(lines, -0.1)[0].all()
    assert not both_models[kind].label_lines(lines, 1.01)[0].any()
