"""Gold conventions: each training page tells the model what its gold counts as content; the
pages it cleans get boilerkit's convention, or the one the user asks for."""

from __future__ import annotations

import numpy as np
import pytest

from boilerkit.conventions import BOILERKIT, cleaning_convention, conventions_of, convention_rows
from boilerkit.features import as_rows
from boilerkit.model import ModelError, model_card, build_model, load_model, save_model, training_conventions
from boilerkit.runtime import compile_model, load_compiled


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


NEW_PAGE = ["Story 99: the new quay", ARTICLE, COMMENT, "Footer 99 links"]


def pages_of_both_conventions():
    """The same comment line is content on pages whose gold keeps comments and clutter on
    the others."""
    pages, labels, docs = [], [], []
    for i in range(40):
        keeps = i % 2 == 0
        pages.append([f"Story {i}: the new quay", ARTICLE, COMMENT, f"Footer {i} links"])
        labels += [1, 1, int(keeps), 0]
        docs.append({"dataset": "cleaneval" if keeps else "dragnet", "lines": pages[-1]})
    return as_rows(pages), np.array(labels), docs


@pytest.fixture(scope="module")
def told():
    X, y, docs = pages_of_both_conventions()
    model = build_model(max_iter=30).fit(X, y, conventions=training_conventions(docs))
    model.card_ = model_card(model, [], len(y), int(y.sum()), None, 0)
    return model


def test_a_model_told_the_conventions_cleans_by_boilerkits(told):
    """Told which page is which, the model drops the comment on a new page."""
    assert told.predict_proba(NEW_PAGE)[2, 1] < 0.2
    assert told.predict_proba(NEW_PAGE)[1, 1] > 0.8  # the article stays


def test_asked_to_keep_comments_it_keeps_them_and_the_model_it_came_from_does_not_change(told):
    assert told.learned_conventions() == ("comments",)
    keeping = told.keeping(comments=True)
    assert keeping.predict_proba(NEW_PAGE)[2, 1] > 0.8
    assert keeping.predict_proba(NEW_PAGE)[1, 1] > 0.8
    assert told.predict_proba(NEW_PAGE)[2, 1] < 0.2
    np.testing.assert_array_equal(keeping.keeping(comments=False).predict_proba(NEW_PAGE), told.predict_proba(NEW_PAGE))


def test_the_compiled_model_keeps_comments_as_the_pipeline_does(told, tmp_path):
    path = tmp_path / "told.joblib"
    save_model(told, path)
    for compiled in (compile_model(told), load_compiled(path)):
        assert cleaning_convention(compiled.convention) == BOILERKIT
        np.testing.assert_array_equal(compiled.predict_proba(NEW_PAGE), told.predict_proba(NEW_PAGE))
        np.testing.assert_array_equal(compiled.keeping(comments=True).predict_proba(NEW_PAGE),
                                      told.keeping(comments=True).predict_proba(NEW_PAGE))
    # a model saved while keeping comments keeps them when loaded, on both paths
    save_model(told.keeping(comments=True), path)
    assert load_model(path).predict_proba(NEW_PAGE)[2, 1] > 0.8
    assert load_compiled(path).predict_proba(NEW_PAGE)[2, 1] > 0.8


def test_a_convention_the_model_never_learned_is_refused(told):
    with pytest.raises(ModelError, match="cannot leave out the headline"):
        told.keeping(headline=False)
    with pytest.raises(ModelError, match="cannot leave out the headline"):
        compile_model(told).keeping(headline=False)
    told.keeping(headline=True)  # what it does anyway: nothing to refuse
    untold = build_model(max_iter=30).fit(*pages_of_both_conventions()[:2])
    assert untold.learned_conventions() == ()
    with pytest.raises(ModelError, match="trained without the pages' gold conventions"):
        untold.keeping(comments=True)


def test_a_convention_not_told_is_boilerkits_on_every_page():
    docs = [{"dataset": "cleaneval", "lines": ["a"]}, {"dataset": "wcxb", "lines": ["b"]}]
    np.testing.assert_array_equal(convention_rows(docs, told=("comments",)), [[1, 1], [0, 1]])
    np.testing.assert_array_equal(convention_rows(docs, told=()), [[0, 1], [0, 1]])


def test_unknown_conventions_are_refused():
    assert cleaning_convention({"comments": True}) == {**BOILERKIT, "comments": True}
    with pytest.raises(ValueError, match="unknown convention.*menus"):
        cleaning_convention({"menus": True})


def test_apply_keeps_comments_when_asked_and_refuses_a_model_that_cannot(told, tmp_path, small_model_path):
    from typer.testing import CliRunner

    from boilerkit.cli import app

    path = tmp_path / "told.joblib"
    save_model(told, path)
    page = tmp_path / "page.txt"
    page.write_text("\n".join(NEW_PAGE) + "\n", encoding="utf-8")
    runner = CliRunner()
    for path_flag in ("1", "0"):  # the compiled path and the Pipeline
        env = {"BOILERKIT_COMPILED": path_flag}
        default = runner.invoke(app, ["apply", str(page), "-m", str(path)], env=env)
        kept = runner.invoke(app, ["apply", str(page), "-m", str(path), "--comments"], env=env)
        assert default.exit_code == kept.exit_code == 0, default.output + kept.output
        assert COMMENT not in default.output.splitlines()
        assert COMMENT in kept.output.splitlines()
    refused = runner.invoke(app, ["apply", str(page), "-m", str(small_model_path), "--no-headline"])
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"boilerkit: error: {small_model_path}: this model cannot leave out the headline on request: "
        "it was trained without the pages' gold conventions (boilerkit train --gold-conventions)"]


def test_evaluate_as_gold_cleans_each_page_by_its_gold(told, tmp_path, small_model_path):
    import json

    from typer.testing import CliRunner

    from boilerkit.cli import app
    from boilerkit.evaluate import evaluate

    keeps, drops = (["Story 7: the new quay", ARTICLE, COMMENT, "Footer 7 links"], [1, 1, 1, 0]), \
        (["Story 8: the new quay", ARTICLE, COMMENT, "Footer 8 links"], [1, 1, 0, 0])
    data = tmp_path / "gold.jsonl"
    data.write_text("".join(json.dumps({"id": f"p{i}", "dataset": dataset, "lines": lines, "labels": labels}) + "\n"
                            for i, (dataset, (lines, labels)) in enumerate([("cleaneval", keeps), ("dragnet", drops)])),
                    encoding="utf-8")
    one_convention = evaluate([data], told)
    as_gold = evaluate([data], told, as_gold=True)
    assert one_convention.groups["dataset"]["cleaneval"].lines.recall < 1
    assert as_gold.groups["dataset"]["cleaneval"].lines.f1 == 1
    assert as_gold.groups["dataset"]["dragnet"].lines.f1 == one_convention.groups["dataset"]["dragnet"].lines.f1 == 1
    refused = CliRunner().invoke(app, ["evaluate", str(data), "-m", str(small_model_path), "--as-gold"])
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"boilerkit: error: {small_model_path}: this model cannot clean by the gold's convention: "
        "it was trained without the pages' gold conventions (boilerkit train --gold-conventions)"]
