"""benchmarks/quality.py's cross-validation: folds keep sites apart across files, training
pages are dumped by the chosen converters only, and every out-of-fold probability goes back
to its own page and converter.  The model is replaced by a spy, so nothing is trained."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import quality  # noqa: E402

CONVERTERS = ("html-text", "lynx", "html2text")


def make_corpus(n_pages: int = 24) -> quality.Corpus:
    corpus = quality.Corpus()
    files = ("a.jsonl.gz", "b.jsonl.gz")
    rows = {file: 0 for file in files}
    for i in range(n_pages):
        file = files[i % 2]
        corpus.pages.append({"id": f"p{i}", "file": file, "row": rows[file], "site": f"site{i % 6}",
                             "dataset": "d", "page_type": None, "language": "en"})
        rows[file] += 1
    for file in files:
        for converter in (quality.SHARED, *CONVERTERS):
            corpus.dumps[(file, converter)] = [
                {"id": page["id"], "converter": converter, "labels": [1, 0],
                 # each line names its page and converter, so a spy can tell where it came from
                 "lines": [f"{page['id']} {converter} a", f"{page['id']} {converter} b"]}
                for page in corpus.pages if page["file"] == file
            ]
    return corpus


def test_folds_keep_a_site_together_across_files():
    corpus = make_corpus()
    fold = quality.page_folds(corpus, folds=3, seed=0, group_by="site")
    for site in {page["site"] for page in corpus.pages}:
        assert len({fold[i] for i, page in enumerate(corpus.pages) if page["site"] == site}) == 1
    assert set(fold.tolist()) == {0, 1, 2}


def test_training_documents_are_the_chosen_converters_dumps_only():
    corpus = make_corpus()
    docs = quality.training_documents(corpus, np.arange(10), ["lynx", "html2text"], per_page=1)
    assert len(docs) == 10
    assert {doc["converter"] for doc in docs} <= {"lynx", "html2text"}
    assert {doc["id"] for doc in docs} == {f"p{i}" for i in range(10)}


def test_train_share_keeps_whole_sites_of_the_named_file_only(monkeypatch):
    corpus = make_corpus(48)
    # sites of their own per file, so a share of one file's sites can be told from the other's
    for page in corpus.pages:
        page["site"] = f"{page['file']}-{int(page['id'][1:]) % 12}"
    pages = np.arange(48)
    monkeypatch.setattr(quality, "TRAIN_SHARE", {"a.jsonl.gz": 0.5})
    kept = quality.sampled_sites(corpus, pages, seed=0)
    sites_of = lambda indices, file: {corpus.pages[i]["site"] for i in indices if corpus.pages[i]["file"] == file}
    assert sites_of(kept, "b.jsonl.gz") == sites_of(pages, "b.jsonl.gz")
    assert len(sites_of(kept, "a.jsonl.gz")) == len(sites_of(pages, "a.jsonl.gz")) // 2
    # a site is kept with all its pages, or not at all
    for site in sites_of(kept, "a.jsonl.gz"):
        assert {i for i in pages if corpus.pages[i]["site"] == site} <= set(kept.tolist())
    assert np.array_equal(kept, quality.sampled_sites(corpus, pages, seed=0))
    assert not np.array_equal(kept, quality.sampled_sites(corpus, pages, seed=1))
    monkeypatch.setattr(quality, "TRAIN_SHARE", {})
    assert np.array_equal(quality.sampled_sites(corpus, pages, seed=0), pages)


class Spy:
    """Stands in for the model: remembers the pages it was trained on, and gives every line a
    probability that encodes its page number (and 0.5 more where asked to keep comments)."""

    trained_on: list[set[str]] = []
    keeps_comments = False

    def fit(self, X, y, groups=None, conventions=None):
        Spy.trained_on.append({line.split()[0] for line in X[:, 1]})
        return self

    def learned_conventions(self):
        return ("comments", "headline")

    def keeping(self, comments=False, headline=True):
        spy = Spy()
        spy.keeps_comments = comments
        return spy

    def predict_proba(self, X):
        pages = np.array([int(line.split()[0][1:]) for line in X[:, 1]], dtype=float) / 100 + 0.5 * self.keeps_comments
        return np.c_[1 - pages, pages]


@pytest.fixture
def spied(monkeypatch, tmp_path):
    Spy.trained_on = []
    monkeypatch.setattr(quality, "CACHE", tmp_path)
    monkeypatch.setattr(quality, "build_model", lambda seed=0: Spy())
    monkeypatch.setattr(quality, "settings_tag", lambda seed, *extra: str(hash(repr(extra)) & 0xFFFF))


def test_the_cache_tag_changes_with_the_package_source(tmp_path, monkeypatch):
    package = tmp_path / "boilerkit"
    (package / "sub").mkdir(parents=True)
    (package / "features.py").write_text("WINDOW = 3\n")
    (package / "sub" / "augment.py").write_text("SHARE = 0.1\n")
    (package / "notes.txt").write_text("not source")
    before = quality.source_digest(package)
    assert quality.source_digest(package) == before
    (package / "notes.txt").write_text("still not source")
    assert quality.source_digest(package) == before
    (package / "sub" / "augment.py").write_text("SHARE = 0.2\n")  # a change no parameter shows
    edited = quality.source_digest(package)
    assert edited != before
    (package / "sub" / "augment.py").rename(package / "augment.py")  # the same text elsewhere is other code
    assert quality.source_digest(package) not in (before, edited)
    tags = []
    for digest in ("a", "b"):
        monkeypatch.setattr(quality, "source_digest", lambda digest=digest: digest)
        tags.append(quality.settings_tag(0, "protocol"))
    assert tags[0] != tags[1]


def test_out_of_fold_probabilities_come_back_to_their_page_and_converter(spied):
    corpus = make_corpus()
    fold = quality.page_folds(corpus, folds=3, seed=0, group_by="site")
    result = quality.cross_validate(corpus, fold, CONVERTERS, (quality.SHARED, "lynx"), per_page=2, seed=0,
                                    name="t", force=False)[quality.SYSTEM]
    assert set(result) == {quality.SHARED, "lynx"}
    for converter, per_page in result.items():
        for i, probabilities in enumerate(per_page):
            np.testing.assert_allclose(probabilities, [i / 100, i / 100])
    for k, trained in enumerate(Spy.trained_on):
        tested = {f"p{i}" for i in np.flatnonzero(fold == k)}
        assert not trained & tested
        assert trained == {f"p{i}" for i in np.flatnonzero(fold != k)}


def test_cross_validation_is_cached_per_fold(spied):
    corpus = make_corpus()
    fold = quality.page_folds(corpus, folds=3, seed=0, group_by="site")
    first = quality.cross_validate(corpus, fold, CONVERTERS, ("lynx",), 2, 0, "t", force=False)[quality.SYSTEM]
    again = quality.cross_validate(corpus, fold, CONVERTERS, ("lynx",), 2, 0, "t", force=False)[quality.SYSTEM]
    assert len(Spy.trained_on) == 3
    for a, b in zip(first["lynx"], again["lynx"]):
        np.testing.assert_array_equal(a, b)
    quality.cross_validate(corpus, fold, CONVERTERS, ("lynx",), 2, 0, "t", force=True)
    assert len(Spy.trained_on) == 6


def test_one_fold_screens_only_its_own_pages(spied):
    corpus = make_corpus()
    fold = quality.page_folds(corpus, folds=3, seed=0, group_by="site")
    result = quality.cross_validate(corpus, fold, CONVERTERS, ("lynx",), 2, 0, "t", force=False, only=1)[quality.SYSTEM]
    assert len(Spy.trained_on) == 1
    assert Spy.trained_on[0] == {f"p{i}" for i in np.flatnonzero(fold != 1)}
    assert [p is not None for p in result["lynx"]] == (fold == 1).tolist()


def test_as_gold_each_page_is_cleaned_by_its_gold_convention(spied, monkeypatch):
    monkeypatch.setattr(quality, "CONVENTIONS", ("comments", "headline"))
    corpus = make_corpus()
    keeps_comments = [i % 3 == 0 for i in range(len(corpus.pages))]
    for docs in corpus.dumps.values():
        for doc in docs:
            doc["dataset"] = "cleaneval" if keeps_comments[int(doc["id"][1:])] else "dragnet"
    fold = quality.page_folds(corpus, folds=3, seed=0, group_by="site")
    result = quality.cross_validate(corpus, fold, CONVERTERS, ("lynx",), 2, 0, "t", force=False)
    assert len(Spy.trained_on) == 3  # one fit, cleaned both ways
    for i, (default, as_gold) in enumerate(zip(result[quality.SYSTEM]["lynx"], result[quality.SYSTEM_AS_GOLD]["lynx"])):
        np.testing.assert_allclose(default, [i / 100] * 2)
        np.testing.assert_allclose(as_gold, [i / 100 + 0.5 * keeps_comments[i]] * 2)
    cached = quality.cross_validate(corpus, fold, CONVERTERS, ("lynx",), 2, 0, "t", force=False)
    assert len(Spy.trained_on) == 3
    for a, b in zip(cached[quality.SYSTEM_AS_GOLD]["lynx"], result[quality.SYSTEM_AS_GOLD]["lynx"]):
        np.testing.assert_array_equal(a, b)


# one more than a page's dumps (one per converter): refused before anything is read or fitted
TOO_MANY = str(len(quality.CONVERTERS) + 1)


@pytest.mark.parametrize("arguments", [["--dumps-per-dataset", f"fundus={TOO_MANY}"], ["--dumps-per-page", TOO_MANY]])
def test_more_dumps_of_a_page_than_it_has_are_refused(arguments, capsys, monkeypatch):
    monkeypatch.setattr(quality, "DUMPS_PER_DATASET", {})
    with pytest.raises(SystemExit) as stop:
        quality.main(arguments)
    assert stop.value.code == 2 and "one per converter" in capsys.readouterr().err


def test_unseen_converters_are_scored_but_never_trained_on(spied):
    corpus = make_corpus()
    fold = quality.page_folds(corpus, folds=3, seed=0, group_by="site")
    trained_with = ("html-text", "html2text")  # lynx plays the unseen converter
    result = quality.cross_validate(corpus, fold, trained_with, (quality.SHARED, *trained_with, "lynx"), 1, 0, "t",
                                    force=False)[quality.SYSTEM]
    for i, probabilities in enumerate(result["lynx"]):
        np.testing.assert_allclose(probabilities, [i / 100] * 2)
    assert len(Spy.trained_on) == 3


def test_a_cache_made_for_more_converters_serves_fewer_and_not_more(spied):
    corpus = make_corpus()
    fold = quality.page_folds(corpus, folds=3, seed=0, group_by="site")
    quality.cross_validate(corpus, fold, CONVERTERS, (quality.SHARED, "lynx", "html2text"), 2, 0, "t", force=False)
    fewer = quality.cross_validate(corpus, fold, CONVERTERS, ("html2text",), 2, 0, "t", force=False)[quality.SYSTEM]
    assert len(Spy.trained_on) == 3  # served from the cache
    for i, probabilities in enumerate(fewer["html2text"]):
        np.testing.assert_allclose(probabilities, [i / 100] * 2)
    quality.cross_validate(corpus, fold, CONVERTERS, ("html2text", "html-text"), 2, 0, "t", force=False)
    assert len(Spy.trained_on) == 6  # html-text was not in it: fitted again


def test_a_cache_without_its_keys_is_read_in_the_order_it_was_written(spied):
    corpus = make_corpus()
    fold = quality.page_folds(corpus, folds=3, seed=0, group_by="site")
    quality.cross_validate(corpus, fold, CONVERTERS, ("lynx",), 2, 0, "t", force=False)
    for path in quality.CACHE.glob("cv-t-*.npz"):  # as caches were written before the keys were stored
        stored = dict(np.load(path))
        del stored["key_converters"], stored["key_pages"]
        np.savez_compressed(path, **stored)
    again = quality.cross_validate(corpus, fold, CONVERTERS, ("lynx",), 2, 0, "t", force=False)[quality.SYSTEM]
    assert len(Spy.trained_on) == 3
    for i, probabilities in enumerate(again["lynx"]):
        np.testing.assert_allclose(probabilities, [i / 100] * 2)
    quality.cross_validate(corpus, fold, CONVERTERS, ("lynx", "html2text"), 2, 0, "t", force=False)
    assert len(Spy.trained_on) == 6  # more keys than the old cache holds: fitted again


def test_each_converter_is_scored_by_the_pages_language():
    """English, the rest, and the CJK pages among the rest, per converter: here every
    Japanese page's clutter is kept and every English page is labelled right."""
    corpus = make_corpus()
    for page in corpus.pages[::4]:
        page["language"] = "ja"
    language = {page["id"]: page["language"] for page in corpus.pages}
    for dumps in corpus.dumps.values():  # load_corpus gives each dump its page's language
        for doc in dumps:
            doc["language"] = language[doc["id"]]
    probabilities = {c: [np.array([0.9, 0.1 if page["language"] == "en" else 0.9]) for page in corpus.pages]
                     for c in ("html-text", "lynx")}
    table = quality.converter_language_table(corpus, probabilities, ("a.jsonl.gz", "b.jsonl.gz"), 0.5,
                                             converters=("html-text", "lynx"))
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    assert [row[0].strip("| ") for row in rows] == ["html-text", "lynx"]
    for row in rows:
        assert row[1] == "1.0000 (18)" and row[2] == row[3].strip(" |") == "0.6667 (6)"
