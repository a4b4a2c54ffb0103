"""The compiled features (boilerkit.compiled_features) are the reference's, column for column
and bit for bit: the trees compare them with thresholds, so one differing last bit could flip
a line.  No column is allowed a tolerance: the kernels add in the reference's order.

Checked on real pages of the shared data (many languages, CJK, Markdown and lynx dumps), on
the bundled sample, on random lines made of the pieces the kernels treat specially, and on
edge cases one by one; and the bundled model's labels on both paths.
"""

from __future__ import annotations

import gzip
import itertools
import json
import random

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from boilerkit import compiled_features, features
from boilerkit.compiled import ENV_VAR
from boilerkit.compiled_features import CompiledBatch, pattern_digest
from boilerkit.features import (
    COMMENT_PATTERN,
    DATE_PATTERN,
    FEATURES,
    Batch,
    LineFeatures,
    as_rows,
    batch_of,
    compute_features,
    split_rows,
)
from boilerkit.model import load_model
from boilerkit.stopwords import STOPWORDS

from .conftest import ROOT
from .test_speed import PIECES as REGEX_PIECES

SHARED_DATA = ROOT.parent / "shared" / "data"
REAL_FILES = ("lines.jsonl.gz", "lines-wcxb.jsonl.gz", "lines-fundus.jsonl.gz")
DOCS_PER_FILE = 120


@pytest.fixture(scope="module")
def model():
    return load_model()


def real_documents(name: str, count: int = DOCS_PER_FILE) -> list[list[str]]:
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} not found: the shared data lies beside the repository (../shared/data)")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line)["lines"] for line in itertools.islice(lines, count)]


WORD_RULES = features.WORD_RULES


def assert_same_features(rows, model, names=None, word_rule="spaces"):
    """Every column of FEATURES (or ``names``) the same on both paths, with the bundled
    model's learned line counts and word weights, words counted by ``word_rule``."""
    lf = model.steps[0][1]
    names = list(FEATURES) if names is None else names
    assert isinstance(batch_of(rows, compiled=True), CompiledBatch)
    compiled = compute_features(rows, names, lf.line_counts_, lf.token_weights_, compiled=True, word_rule=word_rule)
    reference = compute_features(rows, names, lf.line_counts_, lf.token_weights_, compiled=False,
                                 word_rule=word_rule)
    assert compiled.shape == reference.shape == (len(rows), len(names))
    for column, name in enumerate(names):
        np.testing.assert_array_equal(compiled[:, column], reference[:, column], err_msg=name)


@pytest.mark.parametrize("word_rule", WORD_RULES)
@pytest.mark.parametrize("name", REAL_FILES)
def test_every_column_on_real_pages(name, model, word_rule):
    assert_same_features(as_rows(real_documents(name)), model, word_rule=word_rule)


def test_the_real_pages_hold_the_scripts_the_word_rules_differ_on():
    """Else the test above would not compare the "scripts" rule's words."""
    lines = [line for name in REAL_FILES for doc in real_documents(name) for line in doc]
    batch = Batch(*split_rows(lines))
    assert (batch.count_class(features.WORDLESS) > 20).sum() > 100
    assert (batch.count_class(features.SCRIPT_COMMA) > 0).sum() > 20


def test_every_column_on_the_sample(model, sample_docs):
    assert_same_features(as_rows(doc["lines"] for doc in sample_docs), model)


def test_the_bundled_model_labels_every_line_alike(model, monkeypatch):
    rows = as_rows(doc for name in REAL_FILES for doc in real_documents(name, 15))
    labels, scores = model.label_lines(rows)
    monkeypatch.setenv(ENV_VAR, "0")
    # scikit-learn's OpenMP threads spin on a busy machine: 0.4 s of CPU on one, 12 s on two
    with threadpool_limits(1, user_api="openmp"):
        reference_labels, reference_scores = model.label_lines(rows)
    np.testing.assert_array_equal(labels, reference_labels)
    np.testing.assert_allclose(scores, reference_scores, rtol=0, atol=1e-9)


def test_transform_follows_the_switch(model, monkeypatch):
    rows = as_rows(real_documents("lines-fundus.jsonl.gz", 10))
    compiled = model.steps[0][1].transform(rows)
    monkeypatch.setenv(ENV_VAR, "0")
    np.testing.assert_array_equal(compiled, model.steps[0][1].transform(rows))


def test_fitting_gives_the_same_columns_and_weights(sample_docs, monkeypatch):
    """fit_transform scores each line with cross-fitted word weights (set on the batch)."""
    rows = as_rows(doc["lines"] for doc in sample_docs)
    y = np.concatenate([doc["labels"] for doc in sample_docs])
    compiled = LineFeatures()
    compiled_matrix = compiled.fit_transform(rows, y)
    monkeypatch.setenv(ENV_VAR, "0")
    reference = LineFeatures()
    np.testing.assert_array_equal(compiled_matrix, reference.fit_transform(rows, y))
    np.testing.assert_array_equal(compiled.token_weights_, reference.token_weights_)


def test_every_column_without_learned_statistics(sample_docs):
    rows = as_rows(doc["lines"] for doc in sample_docs[:20])
    np.testing.assert_array_equal(compute_features(rows, compiled=True), compute_features(rows, compiled=False))


@pytest.mark.parametrize("word_rule", WORD_RULES)
def test_the_word_buckets_are_the_reference_buckets(sample_docs, word_rule):
    """The same hashes, so the bundled model's learned word weights apply (and fitting on the
    compiled path learns the same weights)."""
    rows = as_rows([doc["lines"] for doc in sample_docs] + real_documents("lines-fundus.jsonl.gz"))
    compiled, reference = batch_of(rows, compiled=True), batch_of(rows, compiled=False)
    compiled.use_word_rule(word_rule)
    reference.use_word_rule(word_rule)
    for got, expected in zip(compiled.token_buckets, reference.token_buckets):
        np.testing.assert_array_equal(got, expected)


# ------------------------------------------------------------------ edge cases

EDGE_DOCUMENTS = {
    "empty lines": [["", "   ", "\t", "Text", ""]],
    "empty documents": [[], ["One line."], [], []],
    "a single empty document": [[]],
    "only punctuation": [["...", "!!!", "|", "- - -", "»", "©"]],
    "beyond the BMP": [["😀 Emoji 😀 line", "𝟓:𝟓𝟓", "𐐀𐐁 DESERET", "𝐀𝐁𝐂 bold math", "a😀b the 😀"]],
    "capital sigma": [["ΤΗΣ ΠΟΛΗΣ ΣΕ ΑΘΗΝΑ", "της πόλης", "ΣΤΟ ΣΠΙΤΙ", "Σ", "ΟΔΟΣ."]],
    "dotted capital I": [["İstanbul says:", "İİİ DİSCUSSİON", "İ", "Kİ"]],
    "whitespace kinds": [["a\u00a0b", "a\u2028b", "x\x1cy", "  indented", "\tTabbed\t", "a  \t b"]],
    "control characters": [["\x01link\x02", "plain \x03 text", "\x04"], ["[a](b) \x01"]],
    "markdown and lynx": [["[Home](/) | [News](/news)", "![logo](/l.png)", "[12]Item", "text [1]",
                           "<http://x.org>", "\\*escaped\\*", "# Heading", "1. Item", "](/end)"]],
    "cjk": [["这是一个中文句子的例子。", "日本語の文章です。", "한국어 문장입니다.", "中文 English 混合"]],
    "scripts without spaces": [["東京都は２日、計画を発表した。", "日本Apple新製品「iPhone」", "ｶﾀｶﾅ・ホーム", "北京，上海､广州",
                                "عربي، نص", "中" * 300 + "、" * 300, "漢字.漢字 漢", "ー々〇"]],
    "repeats": [["Share", "Share", "Text", "share", "Share "], ["Share", "Text"]],
    "long lines": [[" ".join(["word"] * 40), " ".join(["The", "cat"] * 20) + "."]],
    # longer than a byte lane of the class counts holds (compiled_features.LANE_CHARACTERS)
    "very long lines": [["Der Mann, the cat 123. " * 40 + "中文" * 300, "x" * 600, " " * 300 + "y" + "\t" * 300]],
    "stop words": [["THE AND OF", "Der Die Das", "и в не", "και το η", "the" * 3, "nosotros nosotrosx"]],
    "dates and comments": [["Oct 25, 2012 9:59 am", "3 days ago", "an hour AGO", "25th October", "2012-10-25",
                            "1.2.03", "12 Comments", "Leave a Reply", "John says:", "commentary", "recomment"]],
}


@pytest.mark.parametrize("word_rule", WORD_RULES)
@pytest.mark.parametrize("documents", EDGE_DOCUMENTS.values(), ids=EDGE_DOCUMENTS.keys())
def test_every_column_on_an_edge_case(documents, model, word_rule):
    assert_same_features(as_rows(documents), model, word_rule=word_rule)


def test_no_lines_at_all(model):
    assert_same_features(as_rows([]), model)


# Pieces of random lines: the regex features' pieces (tests/test_speed.py) and what else the
# kernels treat specially: markup, sentinels, stop words in odd cases, lowering oddities,
# characters beyond the BMP, separators and bullets.
PIECES = REGEX_PIECES + [
    "[Home](/)", "[", "]", "(", ")", "<", ">", "\\", "\x01", "\x03", "![x](y.png)", "[3]Link", "<https://a.b>",
    "THE", "The", "ΤΗΣ", "της", "Σ", "İ", "ı", "😀", "𐐀", "𝟓", "•", "»", "|", "Copyright", "(c)", "http", "www.",
    "@", ".com", "1.", "#", "##", "o", "—", "!", "?", "。", "…", "\"", "”",
    "日本", "の", "ｶﾅ", "、", "，", "한국어", "٣،",
]  # fmt: skip


def random_documents(seed: int, n_docs: int = 25) -> list[list[str]]:
    rng = random.Random(seed)
    documents = []
    for _ in range(n_docs):
        lines = []
        for _ in range(rng.randint(0, 40)):
            size = rng.choice([0, 1, 2, 3, 5, 8, 20])
            line = rng.choice([" ", "", "  ", "\t"]).join(rng.choice(PIECES) for _ in range(size))
            lines.append(rng.choice(["", " ", "\t"]) + line)
        # repeated lines inside a document
        documents.append(lines + rng.sample(lines, min(3, len(lines))))
    return documents


@pytest.mark.parametrize("word_rule", WORD_RULES)
@pytest.mark.parametrize("seed", range(6))
def test_every_column_on_random_lines(seed, model, word_rule):
    assert_same_features(as_rows(random_documents(seed)), model, word_rule=word_rule)


def test_documents_out_of_order_are_grouped_as_the_reference_groups_them():
    doc_ids = np.array([1, 1, 0, 0, 1])
    lines = ["Same words here", "A long line " + "with many words " * 8, "Same words here", "x", "Same words here"]
    compiled, reference = CompiledBatch(doc_ids, lines), Batch(doc_ids, lines)
    for name in ("shared_with_long", "repeats_in_doc"):
        np.testing.assert_array_equal(compiled.feature(name), reference.feature(name), err_msg=name)


# ------------------------------------------------------------------ scanners


@pytest.mark.parametrize("pattern", [DATE_PATTERN, COMMENT_PATTERN], ids=["date", "comment"])
def test_each_regex_pattern_has_its_compiled_scanner(pattern):
    """An edited pattern is scanned by its hint literals instead (slower, never wrong): check
    the scanner in compiled_features against the new pattern and update its digest."""
    assert pattern_digest(pattern) in (compiled_features.DATE_PATTERN_SHA256, compiled_features.COMMENT_PATTERN_SHA256)


DATE_PIECES = [
    "Oct", "oct.", "October", "Sept", "25", "5", "123", "2012", "25th", "1st", "2nd", "3rd", "12:30", "1:5", "123:45",
    "2012-10-25", "2012-1-25", "12012-10-25", "1.2.03", "01/02/2003", "1/2/20031", "3", "an", "a", "hour", "hours",
    "minute", "weeks", "ago", "agony", "_", "x", "é", "٣", "𝟓", ":", "-", "/", ".", " ", "\t", "", ",",
    "Kommentare", "comments", "reply", "replies", "says", "wrote", ":", "commentsx", "discussion_",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_the_scanners_never_miss_a_match(seed):
    rng = random.Random(seed)
    lines = ["".join(rng.choice(DATE_PIECES) for _ in range(rng.randint(0, 9))) for _ in range(3000)]
    compiled, reference = CompiledBatch(*split_rows(lines)), Batch(*split_rows(lines))
    for pattern in (DATE_PATTERN, COMMENT_PATTERN):
        got = compiled.lines_matching(pattern)
        assert got.sum() > 50  # the pieces make matches
        np.testing.assert_array_equal(got, reference.lines_matching(pattern))


def test_an_unknown_pattern_is_scanned_by_its_hint(monkeypatch):
    lines = ["12 comments", "Reply", "nothing", "said:"]
    edited = features.re.compile(COMMENT_PATTERN.pattern + "|xyz", COMMENT_PATTERN.flags)
    hint = features.PATTERN_HINTS[COMMENT_PATTERN.pattern] + ("xyz",)
    monkeypatch.setitem(features.PATTERN_HINTS, edited.pattern, hint)
    np.testing.assert_array_equal(CompiledBatch(*split_rows(lines)).lines_matching(edited),
                                  Batch(*split_rows(lines)).lines_matching(edited))


# ------------------------------------------------------------------ what the kernels rely on


def test_lowering_is_one_character_for_one_but_two_exceptions():
    """The kernels lower a character by lexical.lower_table: exact but for U+0130 (two
    characters) and U+03A3 (by its neighbours), which they leave to Python; beyond the BMP,
    lowering stays beyond it (so such a word is never a stop word)."""
    multiple, by_neighbours, into_the_bmp = [], [], []
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        lowered = char.lower()
        if len(lowered) != 1:
            multiple.append(code)
        elif ("A" + char).lower()[1] != lowered:
            by_neighbours.append(code)
        if code > 0xFFFF and any(ord(c) <= 0xFFFF for c in lowered):
            into_the_bmp.append(code)
    assert multiple == [compiled_features.DOTTED_CAPITAL_I]
    assert by_neighbours == [compiled_features.CAPITAL_SIGMA]
    assert into_the_bmp == []
    assert all(ord(c) <= 0xFFFF for word in STOPWORDS for c in word)


def test_every_kernel_is_cached_on_disk_and_releases_the_gil():
    kernels = [value for value in vars(compiled_features).values()
               if hasattr(value, "py_func") and value.py_func.__module__ == compiled_features.__name__]
    assert len(kernels) > 10
    for kernel in kernels:
        assert kernel.targetoptions.get("nogil") and kernel.dispatcher._cache.__class__.__name__ != "NullCache", kernel
