"""Line features compiled: the arrays of a :class:`~boilerkit.features.Batch` computed by numba
kernels over its code points, with no Python per character or per word.

:mod:`boilerkit.features` is the definition: readable numpy and Python, 15 to 20 us a line,
most of it in per-word Python (stop words), whole-batch sorts (word buckets, shared words),
regex scans and whole-array numpy passes per context column.  :class:`CompiledBatch` is a
``Batch`` whose arrays come from a few passes over the batch's code points; the feature
functions of the registry stay those of :mod:`boilerkit.features` wherever they only combine
arrays, and read the compiled ones:

* the raw lines stripped, and their indentation, from their code points (:func:`_strip_lines`);
  the Markdown link regexes only on the lines holding a character they begin with;
* one pass per line for every character-class count, word starts, capitalised words, stop
  words, the first and last characters and the first word's length (:func:`_scan_lines`);
* the word and word-pair hashes of :mod:`boilerkit.lexical`, the same 64-bit arithmetic in
  the same order, so every bucket -- and so every learned word weight -- is the same
  (:func:`_token_buckets`), and their mean, minimum and maximum weight per line;
* stop words, repeated lines and the lines of the training corpus looked up in open-addressing
  hash tables, each hit compared whole, so a hash collision can never make two different
  words or lines equal (:class:`PackedWords`, :func:`_repeats_in_doc`, :func:`_corpus_lookup`);
* the words a line shares with the long lines of its document, counted in a hash table per
  document instead of one sort of the whole batch (:func:`_shared_with_long`);
* the scans for dates and comment headers: a scanner written for each pattern picks the lines
  where the regex *may* match, and only those are searched with the regex itself, which stays
  the definition (:meth:`CompiledBatch.lines_matching`);
* DocumentIndex's sums, windows, shifts and runs inside each document, one pass each, sums
  added in ``np.cumsum``'s order (:meth:`CompiledBatch.window_mean` ...).

Python still does a little per line where a line needs it: the Markdown regexes on lines
holding ``[``, ``]``, ``<`` or ``\\``, the date and comment regexes on the lines a scanner
picked, and stop words and corpus lines of the few lines whose lowering the kernels do not
copy (a capital sigma, a dotted capital I, characters beyond the Basic Multilingual Plane).

Every column is the reference's, bit for bit (``tests/test_compiled_features.py``); no column
needed a tolerance.  The kernels release the GIL (``nogil``) and are cached on disk
(``cache=True``): a second process loads them instead of compiling again.
"""
from __future__ import annotations

import hashlib
import re
from functools import cached_property, lru_cache

import numpy as np

from . import features, lexical
from .compiled import njit
from .compiled_neighbourhood import _nearest, _running_sum, _shifted, _window_mean
from .features import (
    ALPHA,
    ANY_DIGIT,
    COPYRIGHT_MARKS,
    DIGIT,
    IGNORECASE_ASCII_FOLDS,
    LINK_TEXT_MARKS,
    LONG_LINE_WORDS,
    MARKUP_HINTS,
    PUNCT,
    SPACE,
    UPPER,
    WORDLESS,
    Batch,
    LinkMarkup,
    case_sensitive,
    char_class_table,
    normalise_line,
)
from .stopwords import STOPWORDS

# Rows of the per-line counts (CompiledBatch.counts): one per character-class flag bit of
# features.char_class_table, then words between spaces, those starting with a capital,
# characters beyond the Basic Multilingual Plane, capital sigmas and dotted capital I's (see
# below), stop words (but those of lines with a capital sigma, which Python counts), and words
# by the "scripts" rule (features.WORD_RULES).
N_FLAG_BITS = 13
WORDS, TITLE_WORDS, BEYOND_BMP, SIGMA_OR_DOTTED_I, STOP_WORDS, SCRIPT_WORDS = range(N_FLAG_BITS, N_FLAG_BITS + 6)
N_COUNTS = N_FLAG_BITS + 6
BMP_LAST = 0xFFFF
# Characters whose lowering the kernels do not copy: U+03A3 (capital sigma) lowers to a final
# or a medial sigma by its neighbours, U+0130 (dotted capital I) to two characters.
CAPITAL_SIGMA, DOTTED_CAPITAL_I = 0x3A3, 0x130

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


# ---------------------------------------------------------------------- tables


@lru_cache(maxsize=1)
def flag_lanes() -> tuple[np.ndarray, np.ndarray]:
    """For each value of the class flags, a 1 in the byte of each flag set: flags 0-7 in the
    first word, 8-12 in the second, so that adding two words counts thirteen classes."""
    values = np.arange(1 << N_FLAG_BITS, dtype=np.uint64)
    low, high = np.zeros_like(values), np.zeros_like(values)
    for bit in range(N_FLAG_BITS):
        lane = ((values >> np.uint64(bit)) & np.uint64(1)) << np.uint64(8 * (bit % 8))
        if bit < 8:
            low |= lane
        else:
            high |= lane
    return low, high


# A byte lane of flag_lanes counts up to 255 characters before it is added to the counts.
LANE_CHARACTERS = 255


@lru_cache(maxsize=1)
def fold_table() -> np.ndarray:
    """:func:`boilerkit.lexical.lower_table` with the folds of ``IGNORECASE_ASCII_FOLDS``:
    every BMP code point as it is in :attr:`boilerkit.features.Batch.folded`."""
    table = lexical.lower_table().copy()
    for char, letter in IGNORECASE_ASCII_FOLDS.items():
        table[ord(char)] = ord(letter)
    return table


class Strings:
    """Strings as one code-point array, for the kernels: ``codes[starts[k]:starts[k] +
    lengths[k]]`` is string ``k``."""

    def __init__(self, strings):
        strings = list(strings)
        self.strings = strings
        self.lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        self.starts = np.cumsum(self.lengths) - self.lengths
        self.codes = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32)


class Literals(Strings):
    """Strings to look for in lines (:func:`_lines_holding_any`), each in one of some groups
    (``groups``: the group of each string; all in group 0 if not given)."""

    def __init__(self, strings, groups=None):
        super().__init__(strings)
        self.groups = np.zeros(len(self.strings), dtype=np.int64) if groups is None else np.asarray(groups)
        self.n_groups = int(self.groups.max()) + 1 if len(self.strings) else 1
        # which BMP code points start a literal: most characters of a line start none
        self.first = np.zeros(BMP_LAST + 1, dtype=np.bool_)
        for string in self.strings:
            if not string or ord(max(string)) > BMP_LAST:
                raise ValueError(f"literals must be non-empty and in the Basic Multilingual Plane: {string!r}")
            self.first[ord(string[0])] = True
        # which pairs of ASCII characters begin a literal (literals of two ASCII characters
        # or more): a position whose pair is not in it begins none
        self.pairs = np.zeros((128, 128), dtype=np.bool_)
        for string in self.strings:
            if len(string) >= 2 and string[:2].isascii():
                self.pairs[ord(string[0]), ord(string[1])] = True


class WordTable:
    """An open-addressing hash table of strings (corpus lines) for the kernels:
    ``slots`` hold a string's index + 1 (0: empty) at the slot of its hash."""

    def __init__(self, strings):
        self.literals = Strings(strings)
        size = 8
        while size < 2 * len(self.literals.strings):
            size *= 2
        self.slots = np.zeros(size, dtype=np.int64)
        self.max_length = int(self.literals.lengths.max()) if len(self.literals.strings) else 0
        # which lengths the strings have: a line of another length equals none of them
        self.has_length = np.zeros(self.max_length + 1, dtype=np.bool_)
        self.has_length[self.literals.lengths] = True
        _fill_slots(self.literals.codes, self.literals.starts, self.literals.lengths, self.slots)


# Stop words are at most this long: packed into two 64-bit words, 16 bits a character (all are
# in the BMP, and lexical.lower_table lowers the BMP into it).
PACKED_WORD_CHARACTERS = 8


class PackedWords:
    """An open-addressing hash table of short words, each kept as its two packed 64-bit words
    and its length (0: an empty slot), so a word is compared in one go."""

    def __init__(self, words):
        words = sorted(words)
        if max(map(len, words)) > PACKED_WORD_CHARACTERS or any(ord(char) > BMP_LAST for w in words for char in w):
            raise ValueError(f"words must have at most {PACKED_WORD_CHARACTERS} characters, all in the BMP")
        if lexical.lower_table().max() > BMP_LAST:
            raise ValueError("lexical.lower_table lowers a BMP character beyond it: words cannot be packed")
        size = 8
        while size < 2 * len(words):
            size *= 2
        self.low, self.high = np.zeros(size, dtype=np.uint64), np.zeros(size, dtype=np.uint64)
        self.lengths = np.zeros(size, dtype=np.int64)
        strings = Strings(words)
        _fill_packed(strings.codes, strings.starts, strings.lengths, self.low, self.high, self.lengths)


@lru_cache(maxsize=1)
def stopword_table() -> PackedWords:
    return PackedWords(STOPWORDS)


# Corpus line tables of the fitted models seen lately, by the identity of their line_counts_
# (each entry keeps its dict alive, so the identity cannot be reused by another dict).
_CORPUS_TABLES: dict[int, tuple[dict, WordTable]] = {}
_CORPUS_TABLES_KEPT = 4


def corpus_table(line_counts: dict[str, int]) -> WordTable:
    entry = _CORPUS_TABLES.get(id(line_counts))
    if entry is None or entry[0] is not line_counts:
        if len(_CORPUS_TABLES) >= _CORPUS_TABLES_KEPT:
            _CORPUS_TABLES.pop(next(iter(_CORPUS_TABLES)))
        entry = _CORPUS_TABLES[id(line_counts)] = (line_counts, WordTable(line_counts))
    return entry[1]


# The scanners of the regex features (lines_matching).  Each is written for one pattern,
# following its alternatives one by one at every position of a line, with tests that may
# only err one way: "a digit" is any character flagged DIGIT or beyond the BMP (\\d is
# Unicode's decimal digits, all flagged DIGIT in the BMP), "not a word character" any not
# flagged ALPHA or DIGIT (\\w is str.isalnum and "_").  So a scanner never misses a line
# the regex matches, and picks few others; the regex itself decides on the lines it picks.
# The patterns are keyed by a digest of their text and flags: an edited pattern is scanned by
# its hint literals of features.PATTERN_HINTS instead (slower, never wrong), and
# tests/test_compiled_features.py fails until its scanner is checked and the digest updated.
DATE_PATTERN_SHA256 = "3926f13939bc47685d585de51f551921088ba2f26571535c58a588d836bdff39"
COMMENT_PATTERN_SHA256 = "f5ab811c3f7c28209aa62be02009ac0aa89dd2290b62737fd6d21967f6e0550a"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
TIME_UNITS = ("minute", "hour", "day", "week", "month", "year")
# features.COMMENT_PATTERN's words, each with and without its optional ending, and the verbs
# that end a line with a colon.
COMMENT_WORDS = (
    "comment", "comments", "reply", "replies", "response", "responses", "trackback", "trackbacks", "pingback",
    "pingbacks", "discussion", "kommentar", "kommentare", "commentaire", "commentaires", "comentario",
    "comentarios", "commenti", "reaction", "reactions",
)  # fmt: skip
COMMENT_VERBS = ("says", "said", "wrote", "writes")


def pattern_digest(pattern: re.Pattern) -> str:
    return hashlib.sha256(f"{pattern.pattern}\x00{pattern.flags}".encode()).hexdigest()


# ---------------------------------------------------------------------- the batch


class LazyLinkMarkup(LinkMarkup):
    """A :class:`~boilerkit.features.LinkMarkup` whose visible lines are cut from the raw
    lines (``indent``, ``lengths``: where each stripped line lies in its raw line; ``changed``:
    the lines the markup changed, by index) when first asked for: the kernels read code points,
    only the reference code and the fallbacks read strings."""

    def __init__(self, raw: list[str], indent: np.ndarray, lengths: np.ndarray, changed: dict[int, str],
                 link_chars: np.ndarray, links: np.ndarray, images: np.ndarray, unlinked_alnum: np.ndarray | None):
        self._raw, self._indent, self._lengths, self._changed = raw, indent, lengths, changed
        self.link_chars, self.links, self.images, self.unlinked_alnum = link_chars, links, images, unlinked_alnum

    def visible_lines_at(self, indices: list[int]) -> list[str]:
        """``visible_lines`` of the lines at ``indices``, without cutting every line."""
        if "visible_lines" in self.__dict__:
            return [self.visible_lines[i] for i in indices]
        raw, changed = self._raw, self._changed
        lines = [raw[i][start:start + length]
                 for i, start, length in zip(indices, self._indent[indices].tolist(), self._lengths[indices].tolist())]
        if changed:
            lines = [changed.get(i, line) for i, line in zip(indices, lines)]
        return lines

    @cached_property
    def visible_lines(self) -> list[str]:
        lines = [line[start:start + length]
                 for line, start, length in zip(self._raw, self._indent.tolist(), self._lengths.tolist())]
        for i, line in self._changed.items():
            lines[i] = line
        return lines


class CompiledBatch(Batch):
    """A :class:`~boilerkit.features.Batch` whose arrays come from compiled kernels: the same
    values, several times faster.  Made by :func:`boilerkit.features.make_batch`."""

    # Column-major: feature_matrix writes each column in one stretch (0.25 against 0.08 us a
    # line for the bundled model's 139 columns), and the compiled trees copy blocks of rows
    # column by column anyway (boilerkit.trees._copy_block: as fast from either order).
    matrix_order = "F"

    def __init__(self, doc_ids: np.ndarray, lines: list[str], blank_before: np.ndarray | None = None,
                 physical_lines: np.ndarray | None = None):
        super().__init__(doc_ids, lines, blank_before=blank_before, physical_lines=physical_lines)
        self._check_markup_alnum()

    # --- markup: the regexes only on the lines that may hold some
    def _link_markup(self, lines: list[str]) -> LinkMarkup:
        """:meth:`Batch._link_markup`, from the code points of the raw lines: stripped and
        their indentation measured by a kernel, leaving the batch's code points and line
        lengths in :attr:`__dict__`.  The visible lines are made as strings only if asked
        for (:class:`LazyLinkMarkup`)."""
        raw_lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
        raw = "\n".join(["", *lines])  # a "\n" before every line
        codes, lengths, indent = _strip_lines(np.frombuffer(raw.encode("utf-32-le"), dtype=np.uint32), raw_lengths,
                                              char_class_table())
        self.indent_chars = indent
        self.__dict__.update(codes=codes, n_chars=lengths)
        n = len(lines)
        if not any(hint in raw for hint in MARKUP_HINTS):
            zeros = np.zeros(n)
            return LazyLinkMarkup(lines, indent, lengths, {}, zeros, zeros, zeros, None)
        # LinkMarkup.of applies patterns that stay inside a line (boilerkit.markup) to every
        # line once one line holds a hint: run on the lines holding a character a pattern
        # begins with (_MARKUP_LINE_CHARS) or a sentinel it takes out, they give those lines
        # what they give them in the whole batch, and leave the other lines as they are.
        starts = np.cumsum(lengths + 1) - lengths
        hinted = np.flatnonzero(_lines_holding_any(codes, starts, lengths, _MARKUP_LINE_CHARS))
        marked = LinkMarkup.of([lines[i].strip() for i in hinted.tolist()])
        new = Strings(marked.visible_lines)
        self.__dict__.update(n_chars=_replaced(lengths, hinted, new.lengths),
                             codes=_splice(codes, starts, lengths, hinted, new.codes, new.starts, new.lengths))
        link_chars, links, images = np.zeros(n), np.zeros(n), np.zeros(n)
        link_chars[hinted], links[hinted], images[hinted] = marked.link_chars, marked.links, marked.images
        # letters and digits outside links of the other lines: all of them (filled in later)
        unlinked = np.full(n, -1.0)
        unlinked[hinted] = marked.unlinked_alnum
        return LazyLinkMarkup(lines, indent, lengths, dict(zip(hinted.tolist(), marked.visible_lines)), link_chars,
                              links, images, unlinked)

    def visible_lines_at(self, indices: list[int]) -> list[str]:
        """``stripped`` at ``indices``, cut from the raw lines when the markup is lazy: the
        kernels read code points, and only the few lines a regex or a fallback reads need a
        string."""
        markup = self.markup
        if isinstance(markup, LazyLinkMarkup):
            return markup.visible_lines_at(indices)
        return super().visible_lines_at(indices)

    def _check_markup_alnum(self) -> None:
        unlinked = self.markup.unlinked_alnum
        if unlinked is not None:
            rest = unlinked < 0
            unlinked[rest] = (self.count_class(ALPHA) + self.count_class(DIGIT))[rest]

    # --- per-line character arrays
    @cached_property
    def _scan(self) -> tuple[np.ndarray, ...]:
        starts, _ = self._bounds
        stop_words = stopword_table()
        return _scan_lines(self.codes, starts, self.n_chars, char_class_table(), *flag_lanes(), lexical.lower_table(),
                           stop_words.low, stop_words.high, stop_words.lengths)

    @property
    def counts(self) -> np.ndarray:
        """Per line (columns): characters of each class flag bit, words, capitalised words,
        characters beyond the BMP (rows; see N_COUNTS)."""
        return self._scan[0]

    def count_class(self, flag: int) -> np.ndarray:
        if flag & (flag - 1) or not 0 < flag < 1 << N_FLAG_BITS:
            return super().count_class(flag)
        return self.counts[flag.bit_length() - 1]

    @cached_property
    def n_words(self) -> np.ndarray:
        return self.counts[WORDS if self.word_rule == "spaces" else SCRIPT_WORDS]

    @cached_property
    def n_space_words(self) -> np.ndarray:
        return self.counts[WORDS]

    @cached_property
    def title_words(self) -> np.ndarray:
        return self.counts[TITLE_WORDS]

    @cached_property
    def first_char(self) -> np.ndarray:
        return self._scan[1]

    @cached_property
    def second_char(self) -> np.ndarray:
        return self._scan[2]

    @cached_property
    def last_char(self) -> np.ndarray:
        return self._scan[3]

    @cached_property
    def second_last_char(self) -> np.ndarray:
        return self._scan[4]

    @cached_property
    def first_word_len(self) -> np.ndarray:
        return self._scan[5]

    # --- words
    @cached_property
    def n_stopwords(self) -> np.ndarray:
        count = self.counts[STOP_WORDS].astype(np.float64)
        # a capital sigma: Python lowers it by its neighbours (the reference's own formula)
        apart = np.flatnonzero(self.counts[SIGMA_OR_DOTTED_I]).tolist()
        for i, line in zip(apart, self.visible_lines_at(apart)):
            count[i] = sum(word in STOPWORDS for word in line.lower().split())
        return count

    @cached_property
    def repeats_in_doc(self) -> np.ndarray:
        starts, _ = self._bounds
        return _repeats_in_doc(self.codes, starts, self.n_chars, self.doc)

    @cached_property
    def token_buckets(self) -> tuple[np.ndarray, np.ndarray]:
        starts, _ = self._bounds
        return _token_buckets(self.codes, starts, self.n_chars, char_class_table(), lexical.lower_table(),
                              lexical._MULTIPLIERS, lexical._LENGTH_SALT, lexical._PAIR_SALT,
                              np.uint64(64 - lexical.BUCKET_BITS), self.word_rule != "spaces")

    @cached_property
    def lexical(self) -> list[np.ndarray]:
        lines, buckets = self.token_buckets
        if "token_scores" in self.__dict__:  # set (cross-fitting) or computed already
            return list(_line_scores(lines, self.token_scores, self.n))
        if self.token_weights is None:  # every score 0: so is every mean, minimum and maximum
            return [np.zeros(self.n) for _ in range(3)]
        return list(_line_scores_of_buckets(lines, buckets, self.token_weights, self.n))

    def corpus_counts(self, line_counts: dict[str, int]) -> np.ndarray:
        """In how many training documents (or sites) each line occurs (``line_counts`` of
        :meth:`boilerkit.features.CorpusLines.counts`; 0 for lines not in it)."""
        if not line_counts or self.n == 0:
            return np.zeros(self.n)
        table = corpus_table(line_counts)
        starts, _ = self._bounds
        values = np.fromiter(line_counts.values(), dtype=np.float64, count=len(line_counts))
        # the length of normalise_line(line): its characters but the spaces, and a space
        # between two words (lowering keeps the length but for a dotted capital I)
        normalised = self.n_chars - self.count_class(SPACE) + np.maximum(self.n_space_words - 1, 0)
        unsure = (self.counts[BEYOND_BMP] > 0) | (self.counts[SIGMA_OR_DOTTED_I] > 0)
        index = _corpus_lookup(self.codes, starts, self.n_chars, normalised, unsure, char_class_table(),
                               lexical.lower_table(), table.literals.codes, table.literals.starts,
                               table.literals.lengths, table.slots, table.has_length)
        counts = np.where(index >= 0, values[np.maximum(index, 0)], 0.0)
        unsure_lines = np.flatnonzero(unsure & (self.n_chars > 0)).tolist()
        for i, line in zip(unsure_lines, self.visible_lines_at(unsure_lines)):
            counts[i] = line_counts.get(normalise_line(line), 0)
        return counts

    @cached_property
    def marks(self) -> np.ndarray:
        """Whether each line holds one of LINK_TEXT_MARKS (row 0) and COPYRIGHT_MARKS (row 1)."""
        starts, _ = self._bounds
        return _lines_holding_groups(self.codes, starts, self.n_chars, _MARKS)

    # --- regex scans
    def lines_matching(self, pattern: re.Pattern) -> np.ndarray:
        """:meth:`Batch.lines_matching`: the regex searched only on the lines a compiled
        scanner says may match (those holding one of the hint's literals, or for
        DATE_PATTERN a tighter test), each folded as :attr:`Batch.folded` folds it."""
        hint = features.PATTERN_HINTS.get(pattern.pattern)
        if hint is None or self.n == 0:
            return super().lines_matching(pattern)
        starts, _ = self._bounds
        digest = pattern_digest(pattern)
        if digest == DATE_PATTERN_SHA256:
            digits = self.count_class(DIGIT) + self.counts[BEYOND_BMP]
            candidates = _date_candidates(self.folded_codes, starts, self.n_chars, digits, char_class_table(),
                                          _MONTHS.codes, _MONTHS.pairs, _TIME_UNITS.codes, _TIME_UNITS.starts,
                                          _TIME_UNITS.lengths)
        elif digest == COMMENT_PATTERN_SHA256:
            candidates = _comment_candidates(self.folded_codes, starts, self.n_chars, char_class_table(),
                                             _COMMENT_WORDS.codes, _COMMENT_WORDS.starts, _COMMENT_WORDS.lengths,
                                             _COMMENT_WORDS.pairs, _COMMENT_VERBS.codes, _COMMENT_VERBS.starts,
                                             _COMMENT_VERBS.lengths, _COMMENT_VERBS.pairs)
        else:
            literals = _hint_literals(tuple(literal for literal in hint if literal != ANY_DIGIT))
            candidates = _lines_holding_any(self.codes, starts, self.n_chars, literals, fold_table())
            if ANY_DIGIT in hint:
                candidates |= (self.count_class(DIGIT) > 0) | (self.counts[BEYOND_BMP] > 0)
        hit = np.zeros(self.n)
        search = case_sensitive(pattern).search
        candidates = np.flatnonzero(candidates).tolist()
        found = [i for i, line in zip(candidates, self.visible_lines_at(candidates)) if search(fold(line))]
        hit[found] = 1.0
        return hit

    @cached_property
    def folded_codes(self) -> np.ndarray:
        """:attr:`codes` folded as :attr:`Batch.folded` folds them (but for a capital sigma, a
        small sigma either way, and characters beyond the BMP, unchanged: letters either way)."""
        return _fold_codes(self.codes, fold_table())

    # --- sums, windows, shifts and runs inside each document (DocumentIndex), one pass each
    def _running_sum(self, values: np.ndarray) -> np.ndarray:
        """``[0, v0, v0 + v1, ...]`` over the whole batch, added as ``np.cumsum`` adds them
        (DocumentIndex's sums are differences of it), kept per column."""
        sums = self.__dict__.setdefault("_running_sums", {})
        entry = sums.get(id(values))
        if entry is None or entry[0] is not values:
            entry = sums[id(values)] = (values, _running_sum_of(np.asarray(values, dtype=np.float64)))
        return entry[1]

    def doc_sum(self, values: np.ndarray) -> np.ndarray:
        return _doc_sum(self._running_sum(values), self.doc_start, self.doc_end)

    def doc_max(self, values: np.ndarray) -> np.ndarray:
        return _doc_max(np.asarray(values, dtype=np.float64), self.doc_start, self.doc_end)

    def window_mean(self, values: np.ndarray, before: int, after: int) -> np.ndarray:
        return _window_mean_of(self._running_sum(values), self.doc_start, self.doc_end, before, after)

    def shifted(self, values: np.ndarray, offset: int, missing: float = -1.0) -> np.ndarray:
        return _shifted_of(np.asarray(values, dtype=np.float64), self.doc_start, self.doc_end, offset, missing)

    def run_length(self, keys: np.ndarray) -> np.ndarray:
        return _run_length(np.asarray(keys).astype(np.int64), self.doc)

    def nearest(self, mask: np.ndarray, direction: int) -> np.ndarray:
        return _nearest_of(np.asarray(mask, dtype=np.bool_), self.doc_start, self.doc_end, direction)

    def feature(self, name: str) -> np.ndarray:
        if name not in self._features and name in COMPILED_FEATURES:
            self._features[name] = np.asarray(COMPILED_FEATURES[name](self), dtype=np.float64)
        return super().feature(name)


def fold(line: str) -> str:
    """``line`` as :attr:`boilerkit.features.Batch.folded` holds it: lowered, U+0130 as "i"
    (not the two characters of its lowering), and the other IGNORECASE_ASCII_FOLDS."""
    if "\u0130" in line:
        line = line.replace("\u0130", "i")
    line = line.lower()
    if not line.isascii():
        for char, letter in IGNORECASE_ASCII_FOLDS.items():
            if char in line:
                line = line.replace(char, letter)
    return line


# The characters a pattern of boilerkit.markup begins with ("]" for the end of a link begun on
# an earlier line), and the sentinels LinkMarkup takes out.
_MARKUP_LINE_CHARS = Literals(MARKUP_HINTS + ("]",) + tuple(features._SENTINELS))
_MARKS = Literals(LINK_TEXT_MARKS + COPYRIGHT_MARKS, [0] * len(LINK_TEXT_MARKS) + [1] * len(COPYRIGHT_MARKS))
_MONTHS = Literals(MONTHS)
_TIME_UNITS = Literals(TIME_UNITS)
_COMMENT_WORDS = Literals(COMMENT_WORDS)
_COMMENT_VERBS = Literals(COMMENT_VERBS)


@lru_cache(maxsize=None)
def _hint_literals(literals: tuple[str, ...]) -> Literals:
    return Literals(literals)


# ---------------------------------------------------------------------- features

def _has_link_text(b: CompiledBatch) -> np.ndarray:
    return b.marks[0].astype(np.float64)


def _has_copyright(b: CompiledBatch) -> np.ndarray:
    return b.marks[1].astype(np.float64)


def _corpus_doc_freq(b: CompiledBatch) -> np.ndarray:
    return np.log1p(b.corpus_counts(getattr(b, "line_counts", {})))


def _indent(b: CompiledBatch) -> np.ndarray:
    return b.indent_chars.astype(np.float64)


def _shared_with_long_compiled(b: CompiledBatch) -> np.ndarray:
    if b.n > 1 and (b.doc[1:] < b.doc[:-1]).any():  # documents not in runs: the reference groups them
        return features.shared_with_long(b)
    lines, buckets = b.token_buckets
    return _shared_with_long(lines, buckets, b.doc, (b.n_words >= LONG_LINE_WORDS).astype(np.int64), b.n)


# Features computed differently on a CompiledBatch (the others read its compiled arrays through
# the reference functions of boilerkit.features).
COMPILED_FEATURES = {
    "has_link_text": _has_link_text,
    "has_copyright": _has_copyright,
    "corpus_doc_freq": _corpus_doc_freq,
    "indent": _indent,
    "shared_with_long": _shared_with_long_compiled,
}


# ---------------------------------------------------------------------- kernels


@njit(cache=True, nogil=True)
def _flags(table, code):
    """The class flags of ``code`` (features.char_class_table; beyond the BMP, U+FFFF's)."""
    code = np.int64(code)
    if code > BMP_LAST:
        code = BMP_LAST
    return np.int64(table[code])


@njit(cache=True, nogil=True, exported=(
    "u4[1C], i8[1C], i8[1C], u2[1C], u8[1C], u8[1C], u4[1C], u8[1C], u8[1C], i8[1C] -> (i8[2C], u4[1C], u4[1C], u4[1C], u4[1C], i8[1C])",
))
def _scan_lines(codes, starts, lengths, table, low_lanes, high_lanes, lower, stop_low, stop_high, stop_lengths):
    """Per line: the counts (see CompiledBatch.counts; stop words from the PackedWords
    ``stop_*``), first, second, last and second-last code point (as Batch._char_at gives
    them) and the first word's length."""
    n = starts.shape[0]
    counts = np.zeros((N_COUNTS, n), dtype=np.int64)
    first = np.zeros(n, dtype=np.uint32)
    second = np.zeros(n, dtype=np.uint32)
    last = np.zeros(n, dtype=np.uint32)
    second_last = np.zeros(n, dtype=np.uint32)
    first_word = np.zeros(n, dtype=np.int64)
    byte = np.uint64(255)
    stop_mask = stop_lengths.shape[0] - 1
    for i in range(n):
        start, length = starts[i], lengths[i]
        low = high = np.uint64(0)  # the flags' byte lanes (flag_lanes)
        room = LANE_CHARACTERS  # characters the lanes take before they are added to the counts
        words = title_words = beyond = lowered_apart = stop_words = script_words = 0
        previous_wordless = False
        word_low = word_high = np.uint64(0)  # the word so far, lowered and packed (PackedWords)
        word_length = 0  # -1: the word cannot be a stop word
        previous_space = True  # the "\n" before the line
        word_end = -1
        for k in range(length + 1):
            if k < length:
                code = np.int64(codes[start + k])
                flags = _flags(table, code)
                space = (flags & SPACE) != 0
            else:  # past the line: ends its last word
                code = flags = 0
                space = True
            if space and not previous_space and 0 < word_length <= PACKED_WORD_CHARACTERS:
                slot = _packed_slot(word_low, word_high, word_length, stop_mask)
                while stop_lengths[slot] != 0:
                    if (stop_lengths[slot] == word_length and stop_low[slot] == word_low
                            and stop_high[slot] == word_high):
                        stop_words += 1
                        break
                    slot = (slot + 1) & stop_mask
            if k == length:
                break
            low += low_lanes[flags]
            high += high_lanes[flags]
            wordless = (flags & WORDLESS) != 0
            # features.Batch.word_starts under the "scripts" rule
            script_words += (not space) and (previous_space or wordless
                                             or (previous_wordless and (flags & PUNCT) == 0))
            previous_wordless = wordless
            if not space:
                if previous_space:
                    words += 1
                    title_words += (flags & UPPER) != 0
                    word_low = word_high = np.uint64(0)
                    word_length = 0
                if 0 <= word_length < PACKED_WORD_CHARACTERS and code <= BMP_LAST:
                    word_low, word_high = _pack(word_low, word_high, word_length, np.int64(lower[code]))
                    word_length += 1
                else:  # too long, or beyond the BMP (lowered beyond it too): no stop word
                    word_length = -1
            if space and word_end < 0:
                word_end = k
            previous_space = space
            beyond += code > BMP_LAST
            lowered_apart += code == CAPITAL_SIGMA or code == DOTTED_CAPITAL_I
            room -= 1
            if room == 0 or k == length - 1:
                for bit in range(8):
                    counts[bit, i] += np.int64((low >> np.uint64(8 * bit)) & byte)
                for bit in range(8, N_FLAG_BITS):
                    counts[bit, i] += np.int64((high >> np.uint64(8 * (bit - 8))) & byte)
                low = high = np.uint64(0)
                room = LANE_CHARACTERS
        counts[WORDS, i], counts[TITLE_WORDS, i], counts[BEYOND_BMP, i] = words, title_words, beyond
        counts[SIGMA_OR_DOTTED_I, i], counts[STOP_WORDS, i] = lowered_apart, stop_words
        counts[SCRIPT_WORDS, i] = script_words
        first_word[i] = length if word_end < 0 else word_end
        if length > 0:
            first[i] = codes[start]
            last[i] = codes[start + length - 1]
            second_last[i] = codes[start + max(length - 2, 0)]
        if length >= 2:
            second[i] = codes[start + 1]
    return counts, first, second, last, second_last, first_word


@njit(cache=True, nogil=True)
def _lowered(lower, code):
    """lexical.lower_table's small letter of ``code`` (itself beyond the BMP)."""
    code = np.int64(code)
    if code > BMP_LAST:
        return code
    return np.int64(lower[code])


@njit(cache=True, nogil=True)
def _mix(z):
    """lexical._mix (splitmix64's finaliser) of one 64-bit word."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True, exported=(
    "u4[1C], i8[1C], i8[1C], u2[1C], u4[1C], u8[1C], u8, u8, u8, b1 -> (i8[1C], i8[1C])",
))
def _token_buckets(codes, starts, lengths, table, lower, multipliers, length_salt, pair_salt, shift, wordless_alone):
    """lexical.line_buckets: line and bucket of every token (run of letters and digits; with
    ``wordless_alone``, each WORDLESS letter a token of its own) of each line, then of every
    pair of adjacent tokens, line after line."""
    n = starts.shape[0]
    # Tokens and pairs of a line number fewer than twice its characters (a token takes at
    # least one character, a pair follows a token).  Without lone letters a token also takes
    # the character after it, so that tokens + pairs < size with size = characters + 1.
    size = 2 * codes.shape[0] + 1 if wordless_alone else codes.shape[0] + 1
    out_lines = np.empty(size, dtype=np.int64)
    out_buckets = np.empty(size, dtype=np.int64)
    hashes = np.empty(size, dtype=np.uint64)
    word = ALPHA | DIGIT
    mask = multipliers.shape[0] - 1
    k = 0
    for i in range(n):
        position = starts[i]
        end = position + lengths[i]
        m = 0
        while position < end:
            if _flags(table, codes[position]) & word:
                total = np.uint64(0)
                j = 0
                while position < end:
                    code = np.int64(codes[position])
                    flags = _flags(table, code)
                    if not flags & word or (wordless_alone and j > 0 and flags & WORDLESS):
                        break
                    total += np.uint64(_lowered(lower, code)) * multipliers[j & mask]
                    j += 1
                    position += 1
                    if wordless_alone and flags & WORDLESS:
                        break
                hashes[m] = _mix(total + np.uint64(j) * length_salt)
                m += 1
            else:
                position += 1
        for t in range(m):
            out_lines[k] = i
            out_buckets[k] = np.int64(hashes[t] >> shift)
            k += 1
        for t in range(m - 1):
            out_lines[k] = i
            out_buckets[k] = np.int64(_mix(hashes[t] ^ (hashes[t + 1] * pair_salt)) >> shift)
            k += 1
    return out_lines[:k], out_buckets[:k]


@njit(cache=True, nogil=True, exported=("i8[1C], f4[1C], i8 -> (f8[1C], f8[1C], f8[1C])",))
def _line_scores(lines, scores, n):
    """lexical.line_scores: mean (summed in order, in float64), minimum and maximum of the
    scores of each line's tokens; 0 for lines without tokens."""
    mean = np.zeros(n)
    low = np.zeros(n)
    high = np.zeros(n)
    t = 0
    total = lines.shape[0]
    while t < total:
        line = lines[t]
        value = np.float64(scores[t])
        acc, lo, hi, count = value, value, value, 1
        t += 1
        while t < total and lines[t] == line:
            value = np.float64(scores[t])
            acc += value
            lo = min(lo, value)
            hi = max(hi, value)
            count += 1
            t += 1
        mean[line] = acc / count
        low[line] = lo
        high[line] = hi
    return mean, low, high


@njit(cache=True, nogil=True, exported=("i8[1C], i8[1C], f4[1C], i8 -> (f8[1C], f8[1C], f8[1C])",))
def _line_scores_of_buckets(lines, buckets, weights, n):
    """_line_scores of the tokens' weights (``weights[buckets]``), looked up on the way."""
    mean = np.zeros(n)
    low = np.zeros(n)
    high = np.zeros(n)
    t = 0
    total = lines.shape[0]
    while t < total:
        line = lines[t]
        value = np.float64(weights[buckets[t]])
        acc, lo, hi, count = value, value, value, 1
        t += 1
        while t < total and lines[t] == line:
            value = np.float64(weights[buckets[t]])
            acc += value
            lo = min(lo, value)
            hi = max(hi, value)
            count += 1
            t += 1
        mean[line] = acc / count
        low[line] = lo
        high[line] = hi
    return mean, low, high


@njit(cache=True, nogil=True)
def _hash_codes(codes, start, length):
    h = _FNV_OFFSET
    for k in range(length):
        h = (h ^ np.uint64(codes[start + k])) * _FNV_PRIME
    return _mix(h)


@njit(cache=True, nogil=True)
def _line_hash(codes, start, length):
    """A hash of ``codes[start:start + length]`` in four lanes of FNV-1a, each character
    waiting on the one four before it rather than the one before: four times as fast as
    _hash_codes on long lines (a hit is checked code by code: the hash only needs to spread)."""
    a = b = c = d = _FNV_OFFSET
    k = 0
    while k + 4 <= length:
        p = start + k
        a = (a ^ np.uint64(codes[p])) * _FNV_PRIME
        b = (b ^ np.uint64(codes[p + 1])) * _FNV_PRIME
        c = (c ^ np.uint64(codes[p + 2])) * _FNV_PRIME
        d = (d ^ np.uint64(codes[p + 3])) * _FNV_PRIME
        k += 4
    while k < length:
        a = (a ^ np.uint64(codes[start + k])) * _FNV_PRIME
        k += 1
    return _mix(a ^ _mix(b ^ _mix(c ^ _mix(d ^ np.uint64(length)))))


@njit(cache=True, nogil=True, exported=("u4[1C]ro, i8[1C], i8[1C], i8[1C] -> none",))
def _fill_slots(codes, starts, lengths, slots):
    mask = slots.shape[0] - 1
    for index in range(starts.shape[0]):
        slot = np.int64(_hash_codes(codes, starts[index], lengths[index]) & np.uint64(mask))
        while slots[slot] != 0:
            slot = (slot + 1) & mask
        slots[slot] = index + 1


@njit(cache=True, nogil=True)
def _packed_slot(low, high, length, mask):
    h = _mix(low ^ (high * np.uint64(0x9E3779B97F4A7C15)) ^ (np.uint64(length) * np.uint64(0xC2B2AE3D27D4EB4F)))
    return np.int64(h & np.uint64(mask))


@njit(cache=True, nogil=True)
def _pack(low, high, k, code):
    """``low`` and ``high`` with ``code`` as the ``k``-th character of the packed word."""
    if k < 4:
        low |= np.uint64(code) << np.uint64(16 * k)
    else:
        high |= np.uint64(code) << np.uint64(16 * (k - 4))
    return low, high


@njit(cache=True, nogil=True, exported=("u4[1C]ro, i8[1C], i8[1C], u8[1C], u8[1C], i8[1C] -> none",))
def _fill_packed(codes, starts, lengths, table_low, table_high, table_lengths):
    mask = table_lengths.shape[0] - 1
    for w in range(starts.shape[0]):
        low = high = np.uint64(0)
        for k in range(lengths[w]):
            low, high = _pack(low, high, k, np.int64(codes[starts[w] + k]))
        slot = _packed_slot(low, high, lengths[w], mask)
        while table_lengths[slot] != 0:
            slot = (slot + 1) & mask
        table_low[slot], table_high[slot], table_lengths[slot] = low, high, lengths[w]


@njit(cache=True, nogil=True)
def _same_codes(codes, a, b, length):
    for k in range(length):
        if np.int64(codes[a + k]) != np.int64(codes[b + k]):
            return False
    return True


@njit(cache=True, nogil=True, exported=("u4[1C], i8[1C], i8[1C], i8[1C] -> f8[1C]",))
def _repeats_in_doc(codes, starts, lengths, doc):
    """How many other lines of the same document hold the same text (compared code by code)."""
    n = starts.shape[0]
    size = 8
    while size < 2 * n:
        size *= 2
    mask = size - 1
    slots = np.zeros(size, dtype=np.int64)  # first line of a text + 1
    first_of = np.empty(n, dtype=np.int64)
    hashes = np.empty(n, dtype=np.uint64)
    times = np.zeros(n, dtype=np.int64)
    for i in range(n):
        h = _mix(_line_hash(codes, starts[i], lengths[i]) ^ (np.uint64(doc[i]) * np.uint64(0x9E3779B97F4A7C15)))
        hashes[i] = h
        slot = np.int64(h & np.uint64(mask))
        while True:
            if slots[slot] == 0:
                slots[slot] = i + 1
                first_of[i] = i
                break
            other = slots[slot] - 1
            if (hashes[other] == h and doc[other] == doc[i] and lengths[other] == lengths[i]
                    and _same_codes(codes, starts[other], starts[i], lengths[i])):
                first_of[i] = other
                break
            slot = (slot + 1) & mask
        times[first_of[i]] += 1
    out = np.empty(n)
    for i in range(n):
        out[i] = times[first_of[i]] - 1
    return out


@njit(cache=True, nogil=True, exported=(
    "u4[1C], i8[1C], i8[1C], i8[1C], b1[1C], u2[1C], u4[1C], u4[1C]ro, i8[1C], i8[1C], i8[1C], b1[1C] -> i8[1C]",
))
def _corpus_lookup(codes, starts, lengths, normalised, unsure, table, lower, key_codes, key_starts, key_lengths,
                   slots, has_length):
    """Per line, the index of the corpus line equal to its normalised text (lowered, runs of
    whitespace as one space: features.normalise_line; ``normalised``: its length), -1 if
    none.  Lines ``unsure`` (a character the kernel does not lower as Python does) are
    left alone."""
    n = starts.shape[0]
    index = np.full(n, -1, dtype=np.int64)
    mask = slots.shape[0] - 1
    for i in range(n):
        size = normalised[i]
        if unsure[i] or size == 0 or size >= has_length.shape[0] or not has_length[size]:
            continue
        start, end = starts[i], starts[i] + lengths[i]
        h = _FNV_OFFSET
        pending_space = False
        for p in range(start, end):
            code = np.int64(codes[p])
            if _flags(table, code) & SPACE:
                pending_space = True
                continue
            if pending_space:  # (the line is stripped: no space before its first word)
                h = (h ^ np.uint64(32)) * _FNV_PRIME
                pending_space = False
            h = (h ^ np.uint64(lower[code])) * _FNV_PRIME
        slot = np.int64(_mix(h) & np.uint64(mask))
        while slots[slot] != 0:
            key = slots[slot] - 1
            if key_lengths[key] == size and _same_normalised(codes, start, end, table, lower, key_codes,
                                                             key_starts[key]):
                index[i] = key
                break
            slot = (slot + 1) & mask
    return index


@njit(cache=True, nogil=True)
def _same_normalised(codes, start, end, table, lower, key_codes, key_start):
    """Whether the normalised text of ``codes[start:end]`` is the key at ``key_start`` (whose
    length is that of the normalised text)."""
    k = key_start
    pending_space = False
    emitted = False
    for p in range(start, end):
        code = np.int64(codes[p])
        if _flags(table, code) & SPACE:
            pending_space = emitted
            continue
        if pending_space:
            if np.int64(key_codes[k]) != 32:
                return False
            k += 1
            pending_space = False
        if np.int64(key_codes[k]) != np.int64(lower[code]):
            return False
        k += 1
        emitted = True
    return True


def _lines_holding_any(codes, starts, lengths, literals: Literals, folds: np.ndarray | None = None) -> np.ndarray:
    """Whether each line holds one of ``literals``, compared with each code point folded by
    ``folds`` (a BMP table; None: as it is)."""
    if folds is None:
        return _lines_holding_groups(codes, starts, lengths, literals).any(axis=0)
    return _lines_holding(codes, starts, lengths, literals.codes, literals.starts, literals.lengths, literals.first,
                          folds)


def _lines_holding_groups(codes, starts, lengths, literals: Literals) -> np.ndarray:
    """Per group of ``literals`` (rows), whether each line holds one of its literals."""
    return _holding_groups(codes, starts, lengths, literals.codes, literals.starts, literals.lengths, literals.groups,
                           literals.first, literals.n_groups)


@njit(cache=True, nogil=True)
def _folded(code, folds):
    code = np.int64(code)
    if code > BMP_LAST:
        return code
    return np.int64(folds[code])


@njit(cache=True, nogil=True)
def _folded_literal_at(codes, p, end, folds, lit_codes, lit_start, lit_length):
    if p + lit_length > end:
        return False
    for k in range(lit_length):
        if _folded(codes[p + k], folds) != np.int64(lit_codes[lit_start + k]):
            return False
    return True


@njit(cache=True, nogil=True, exported=(
    "u4[1C], i8[1C], i8[1C], u4[1C]ro, i8[1C], i8[1C], i8[1C], b1[1C], i8 -> b1[2C]",
))
def _holding_groups(codes, starts, lengths, lit_codes, lit_starts, lit_lengths, lit_groups, first, n_groups):
    """Per group (rows), whether each line holds one of the group's literals."""
    n = starts.shape[0]
    out = np.zeros((n_groups, n), dtype=np.bool_)
    for i in range(n):
        start, end = starts[i], starts[i] + lengths[i]
        found = 0
        for p in range(start, end):
            code = np.int64(codes[p])
            if code > BMP_LAST:
                continue
            if not first[code]:
                continue
            for j in range(lit_starts.shape[0]):
                group = lit_groups[j]
                if out[group, i]:
                    continue
                if _literal_at(codes, p, end, lit_codes, lit_starts[j], lit_lengths[j]):
                    out[group, i] = True
                    found += 1
            if found == n_groups:
                break
    return out


@njit(cache=True, nogil=True, exported=("u4[1C], i8[1C], i8[1C], u4[1C]ro, i8[1C], i8[1C], b1[1C], u4[1C] -> b1[1C]",))
def _lines_holding(codes, starts, lengths, lit_codes, lit_starts, lit_lengths, first, folds):
    n = starts.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        start, end = starts[i], starts[i] + lengths[i]
        for p in range(start, end):
            code = _folded(codes[p], folds)
            if code > BMP_LAST:
                continue
            if not first[code]:
                continue
            for j in range(lit_starts.shape[0]):
                if _folded_literal_at(codes, p, end, folds, lit_codes, lit_starts[j], lit_lengths[j]):
                    out[i] = True
                    break
            if out[i]:
                break
    return out


# The fields of a slot of _shared_with_long's table.
BUCKET, LONG_LINES, COUNTED, SEEN = range(4)


@njit(cache=True, nogil=True)
def _table_size(entries):
    """A power of two at least 1.5 times ``entries``: linear probing stays short."""
    size = 8
    while size < entries + entries // 2:
        size *= 2
    return size


@njit(cache=True, nogil=True, exported=("i8[1C], i8[1C], i8[1C], i8[1C], i8 -> f8[1C]",))
def _shared_with_long(lines, buckets, doc, is_long, n):
    """features.shared_with_long from the tokens' lines and buckets (sorted by line, documents
    in runs): each document's buckets counted in a hash table of its own."""
    share = np.zeros(n)
    # the tokens of line i are first_token[i] .. first_token[i + 1] - 1
    first_token = np.zeros(n + 1, dtype=np.int64)
    for t in range(lines.shape[0]):
        first_token[lines[t] + 1] += 1
    for i in range(n):
        first_token[i + 1] += first_token[i]
    # the documents' first lines (and n)
    doc_starts = [0]
    for i in range(1, n):
        if doc[i] != doc[i - 1]:
            doc_starts.append(i)
    doc_starts.append(n)
    biggest = 0
    for d in range(len(doc_starts) - 1):
        biggest = max(biggest, first_token[doc_starts[d + 1]] - first_token[doc_starts[d]])
    capacity = _table_size(biggest)
    # a slot: its bucket (-1: empty), the long lines holding the bucket, the last line counted
    # there, and the last line that counted the bucket as its own: 16 bytes, read together
    table = np.full((capacity, 4), -1, dtype=np.int32)
    table[:, LONG_LINES] = 0
    slot_of = np.empty(lines.shape[0], dtype=np.int64)
    distinct = np.zeros(n, dtype=np.int64)
    shared = np.zeros(n, dtype=np.int64)
    for d in range(len(doc_starts) - 1):
        first_line, end_line = doc_starts[d], doc_starts[d + 1]
        size = _table_size(first_token[end_line] - first_token[first_line])
        mask = size - 1
        for line in range(first_line, end_line):
            place = line - first_line  # the line's place in its document: fits 32 bits
            long_line = is_long[line]
            for t in range(first_token[line], first_token[line + 1]):
                bucket = buckets[t]
                slot = bucket & mask  # a bucket is bits of a mixed hash already
                while True:
                    held = np.int64(table[slot, BUCKET])
                    if held == bucket:
                        break
                    if held == -1:
                        table[slot, BUCKET] = bucket
                        break
                    slot = (slot + 1) & mask
                slot_of[t] = slot
                if np.int64(table[slot, COUNTED]) != place:
                    table[slot, COUNTED] = place
                    table[slot, LONG_LINES] += long_line
        for line in range(first_line, end_line):
            place = line - first_line
            long_line = is_long[line]
            for t in range(first_token[line], first_token[line + 1]):
                slot = slot_of[t]
                if np.int64(table[slot, SEEN]) != place:
                    table[slot, SEEN] = place
                    distinct[line] += 1
                    if np.int64(table[slot, LONG_LINES]) - long_line > 0:
                        shared[line] += 1
        table[:size, :] = -1
        table[:size, LONG_LINES] = 0
    for i in range(n):
        if distinct[i] > 0:
            share[i] = shared[i] / distinct[i]
    return share



@njit(cache=True, nogil=True, exported=("u4[1C], u4[1C] -> u4[1C]",))
def _fold_codes(codes, folds):
    out = np.empty_like(codes)
    for p in range(codes.shape[0]):
        out[p] = _folded(codes[p], folds)
    return out


# --- the scanners' tests, each erring only towards "may match" (see DATE_PATTERN_SHA256).
# Written with int64 code points and early returns: an and-chain indexing an array by a
# uint32 compiles to code about 20 times as slow (numba 0.61).

@njit(cache=True, nogil=True)
def _may_be_digit(code, table):
    code = np.int64(code)
    if code > BMP_LAST:
        return True
    return (table[code] & DIGIT) != 0


@njit(cache=True, nogil=True)
def _may_be_non_word(f, q, end, table):
    """Whether ``\\b`` may hold after a word character at ``q - 1``: the line ends at ``q`` or
    ``f[q]`` may be no word character."""
    if q >= end:
        return True
    code = np.int64(f[q])
    if code > BMP_LAST:
        return True
    return (table[code] & (ALPHA | DIGIT)) == 0


@njit(cache=True, nogil=True)
def _may_start_word(f, p, start, table):
    """Whether ``\\b`` may hold before a word character at ``p``."""
    if p == start:
        return True
    code = np.int64(f[p - 1])
    if code > BMP_LAST:
        return True
    return (table[code] & (ALPHA | DIGIT)) == 0


@njit(cache=True, nogil=True)
def _digits_at(f, p, end, k, table):
    """Whether ``f[p:p + k]`` may be ``k`` digits."""
    if p + k > end:
        return False
    for q in range(p, p + k):
        if not _may_be_digit(f[q], table):
            return False
    return True


@njit(cache=True, nogil=True)
def _literal_at(f, p, end, lit_codes, lit_start, lit_length):
    if p + lit_length > end:
        return False
    for k in range(lit_length):
        if np.int64(f[p + k]) != np.int64(lit_codes[lit_start + k]):
            return False
    return True


@njit(cache=True, nogil=True)
def _is_blank(code):
    code = np.int64(code)
    return code == 32 or code == 9


@njit(cache=True, nogil=True)
def _blanks(f, q, end):
    """``q`` after a run of ``[ \t]`` (``q`` itself when there is none)."""
    while q < end and _is_blank(f[q]):
        q += 1
    return q


@njit(cache=True, nogil=True)
def _is_small_ascii(code):
    code = np.int64(code)
    return 97 <= code <= 122


@njit(cache=True, nogil=True)
def _month_end(f, p, end, months):
    """After a month's first three letters at ``p`` and any small ASCII letters, or -1."""
    if p + 3 > end:
        return -1
    for m in range(0, months.shape[0], 3):
        if _literal_at(f, p, end, months, m, 3):
            q = p + 3
            while q < end and _is_small_ascii(f[q]):
                q += 1
            return q
    return -1


@njit(cache=True, nogil=True)
def _code_at(f, q, end):
    """``f[q]``, or -1 past the line's end."""
    return np.int64(f[q]) if q < end else -1


@njit(cache=True, nogil=True)
def _holds_ago(f, start, end):
    for p in range(start, end - 2):
        if np.int64(f[p]) == 97 and np.int64(f[p + 1]) == 103 and np.int64(f[p + 2]) == 111:
            return True
    return False


@njit(cache=True, nogil=True)
def _pair_at(f, p, end, pairs):
    """Whether the two characters at ``p`` may begin a literal of ``pairs`` (Literals.pairs)."""
    if p + 1 >= end:
        return False
    x, y = np.int64(f[p]), np.int64(f[p + 1])
    if x >= 128 or y >= 128:
        return False
    return pairs[x, y]


@njit(cache=True, nogil=True, exported=(
    "u4[1C], i8[1C], i8[1C], i8[1C], u2[1C], u4[1C]ro, b1[2C], u4[1C]ro, i8[1C], i8[1C] -> b1[1C]",
))
def _date_candidates(f, starts, lengths, digits, table, months, month_pairs, unit_codes, unit_starts, unit_lengths):
    """Lines where DATE_PATTERN may match (``f``: folded code points; ``digits``: the
    characters of each line that may be digits), its six alternatives tried at every
    position."""
    n = starts.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        start, end = starts[i], starts[i] + lengths[i]
        # without a digit only "an hour ago" can match
        if digits[i] == 0 and not _holds_ago(f, start, end):
            continue
        for p in range(start, end):
            code = np.int64(f[p])
            digit = _may_be_digit(code, table)
            if not digit:
                if not 97 <= code <= 122 or (digits[i] == 0 and code != 97):
                    continue
                month = _pair_at(f, p, end, month_pairs)
                if not (month or code == 97) or not _may_start_word(f, p, start, table):
                    continue
                # \b{MONTH}[ \t]+\d{1,2}\b
                q = _month_end(f, p, end, months) if month else -1
                if q >= 0:
                    if _code_at(f, q, end) == 46:  # "."
                        q += 1
                    r = _blanks(f, q, end)
                    if r > q and ((_digits_at(f, r, end, 1, table) and _may_be_non_word(f, r + 1, end, table))
                                  or (_digits_at(f, r, end, 2, table) and _may_be_non_word(f, r + 2, end, table))):
                        out[i] = True
                        break
                if code != 97:  # "a": the alternative of "an hour ago"
                    continue
            elif not _may_start_word(f, p, start, table):
                continue
            # \b(?:\d+|an?)[ \t]+(?:minute|hour|day|week|month|year)s?[ \t]+ago\b
            q = p + 1
            if digit:
                while q < end and _may_be_digit(f[q], table):
                    q += 1
            elif _code_at(f, q, end) == 110:  # "an"
                q += 1
            r = _blanks(f, q, end)
            if r > q:
                for u in range(unit_starts.shape[0]):
                    if _literal_at(f, r, end, unit_codes, unit_starts[u], unit_lengths[u]):
                        s = r + unit_lengths[u]
                        if _code_at(f, s, end) == 115:  # "s"
                            s += 1
                        t = _blanks(f, s, end)
                        if (t > s and _code_at(f, t, end) == 97 and _code_at(f, t + 1, end) == 103
                                and _code_at(f, t + 2, end) == 111 and _may_be_non_word(f, t + 3, end, table)):
                            out[i] = True
                        break
                if out[i]:
                    break
            if not digit:
                continue
            for k in range(1, 3):
                if not _digits_at(f, p, end, k, table):
                    break
                q = p + k
                # \b\d{1,2}(?:st|nd|rd|th)?[ \t]+{MONTH}\b  ([a-z]*\.?\b: the letters then no word character)
                for suffixed in range(2):
                    r = q
                    if suffixed:
                        x, y = _code_at(f, r, end), _code_at(f, r + 1, end)
                        if not ((x == 115 and y == 116) or (x == 110 and y == 100) or (x == 114 and y == 100)
                                or (x == 116 and y == 104)):  # st nd rd th
                            continue
                        r += 2
                    s = _blanks(f, r, end)
                    if s > r and _pair_at(f, s, end, month_pairs):
                        t = _month_end(f, s, end, months)
                        if t >= 0 and _may_be_non_word(f, t, end, table):
                            out[i] = True
                # \b\d{1,2}:\d{2}\b
                if (_code_at(f, q, end) == 58 and _digits_at(f, q + 1, end, 2, table)
                        and _may_be_non_word(f, q + 3, end, table)):
                    out[i] = True
                # \b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b
                separator = _code_at(f, q, end)
                if separator == 47 or separator == 46:
                    for k2 in range(1, 3):
                        if not _digits_at(f, q + 1, end, k2, table):
                            break
                        r = q + 1 + k2
                        separator = _code_at(f, r, end)
                        if separator == 47 or separator == 46:
                            for k3 in range(2, 5):
                                if not _digits_at(f, r + 1, end, k3, table):
                                    break
                                if _may_be_non_word(f, r + 1 + k3, end, table):
                                    out[i] = True
                if out[i]:
                    break
            # \b\d{4}-\d{2}-\d{2}\b
            if (_digits_at(f, p, end, 4, table) and _code_at(f, p + 4, end) == 45
                    and _digits_at(f, p + 5, end, 2, table) and _code_at(f, p + 7, end) == 45
                    and _digits_at(f, p + 8, end, 2, table) and _may_be_non_word(f, p + 10, end, table)):
                out[i] = True
            if out[i]:
                break
    return out


@njit(cache=True, nogil=True, exported=(
    "u4[1C], i8[1C], i8[1C], u2[1C], u4[1C]ro, i8[1C], i8[1C], b1[2C], u4[1C]ro, i8[1C], i8[1C], b1[2C] -> b1[1C]",
))
def _comment_candidates(f, starts, lengths, table, word_codes, word_starts, word_lengths, word_pairs, verb_codes,
                        verb_starts, verb_lengths, verb_pairs):
    """Lines where COMMENT_PATTERN may match (``f``: folded code points): one of its words
    between word boundaries, or a verb, a colon and the line's end, blanks between."""
    n = starts.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        start, end = starts[i], starts[i] + lengths[i]
        for p in range(start, end):
            if _pair_at(f, p, end, word_pairs) and _may_start_word(f, p, start, table):
                for w in range(word_starts.shape[0]):
                    if (_literal_at(f, p, end, word_codes, word_starts[w], word_lengths[w])
                            and _may_be_non_word(f, p + word_lengths[w], end, table)):
                        out[i] = True
                        break
            if not out[i] and _pair_at(f, p, end, verb_pairs):
                for v in range(verb_starts.shape[0]):
                    if _literal_at(f, p, end, verb_codes, verb_starts[v], verb_lengths[v]):
                        q = _blanks(f, p + verb_lengths[v], end)
                        if _code_at(f, q, end) == 58:  # ":"
                            r = _blanks(f, q + 1, end)
                            if r >= end or _code_at(f, r, end) == 10:  # $ (MULTILINE: a line's end)
                                out[i] = True
                                break
            if out[i]:
                break
    return out


# --- DocumentIndex's primitives (cached entry points of compiled_neighbourhood's helpers)

@njit(cache=True, nogil=True, exported=("f8[1C] -> f8[1C]",))
def _running_sum_of(values):
    return _running_sum(values)


@njit(cache=True, nogil=True, exported=("f8[1C], i8[1C], i8[1A] -> f8[1C]",))
def _doc_sum(cumulative, start, end):
    out = np.empty(start.shape[0])
    for i in range(out.shape[0]):
        out[i] = cumulative[end[i]] - cumulative[start[i]]
    return out


@njit(cache=True, nogil=True, exported=("f8[1C], i8[1C], i8[1A] -> f8[1C]",))
def _doc_max(values, start, end):
    out = np.empty(values.shape[0])
    i = 0
    while i < out.shape[0]:
        largest = values[start[i]]
        for j in range(start[i] + 1, end[i]):
            largest = max(largest, values[j])
        out[start[i]:end[i]] = largest
        i = end[i]
    return out


@njit(cache=True, nogil=True, exported=("f8[1C], i8[1C], i8[1A], i8, i8 -> f8[1C]",))
def _window_mean_of(cumulative, start, end, before, after):
    out = np.empty(start.shape[0])
    _window_mean(cumulative, start, end, before, after, out)
    return out


@njit(cache=True, nogil=True, exported=("f8[1C], i8[1C], i8[1A], i8, f8 -> f8[1C]",))
def _shifted_of(values, start, end, offset, missing):
    out = np.empty(values.shape[0])
    _shifted(values, start, end, offset, missing, out)
    return out


@njit(cache=True, nogil=True, exported=("b1[1C], i8[1C], i8[1A], i8 -> i8[1C]",))
def _nearest_of(mask, start, end, direction):
    return _nearest(mask, start, end, direction)


@njit(cache=True, nogil=True, exported=("i8[1C], i8[1C] -> f8[1C]",))
def _run_length(keys, doc):
    """DocumentIndex.run_length: the length of the run of equal keys (inside a document)
    each line sits in."""
    n = keys.shape[0]
    out = np.empty(n)
    i = 0
    while i < n:
        j = i + 1
        while j < n and keys[j] == keys[i] and doc[j] == doc[i]:
            j += 1
        out[i:j] = j - i
        i = j
    return out


def _replaced(values: np.ndarray, rows: np.ndarray, new: np.ndarray) -> np.ndarray:
    values = values.copy()
    values[rows] = new
    return values


@njit(cache=True, nogil=True, exported=("u4[1C], i8[1C], i8[1C], i8[1C], u4[1C]ro, i8[1C], i8[1C] -> u4[1C]",))
def _splice(codes, starts, lengths, rows, new_codes, new_starts, new_lengths):
    """The code points of the joined lines (``codes``, a "\\n" before each line) with lines
    ``rows`` (ascending) replaced by the new ones."""
    size = codes.shape[0]
    for r in range(rows.shape[0]):
        size += new_lengths[r] - lengths[rows[r]]
    out = np.empty(size, dtype=codes.dtype)
    source = target = 0  # next code point to copy, and where it goes
    for r in range(rows.shape[0]):
        row = rows[r]
        keep = starts[row] - source
        out[target:target + keep] = codes[source:starts[row]]
        target += keep
        out[target:target + new_lengths[r]] = new_codes[new_starts[r]:new_starts[r] + new_lengths[r]]
        target += new_lengths[r]
        source = starts[row] + lengths[row]
    out[target:] = codes[source:]
    return out


@njit(cache=True, nogil=True, exported=("u4[1C]ro, i8[1C], u2[1C] -> (u4[1C], i8[1C], i8[1C])",))
def _strip_lines(raw, raw_lengths, table):
    """The code points of the lines of ``raw`` (a "\\n" before each, ``raw_lengths`` long)
    stripped as ``str.strip`` strips them (the SPACE flag is ``str.isspace``), each after a
    "\\n" as Batch.codes has them; their lengths, and their indentation."""
    n = raw_lengths.shape[0]
    indent = np.empty(n, dtype=np.int64)
    lengths = np.empty(n, dtype=np.int64)
    start = 1
    total = 0
    for i in range(n):
        length = raw_lengths[i]
        lead = 0
        while lead < length and _flags(table, raw[start + lead]) & SPACE:
            lead += 1
        end = length
        while end > lead and _flags(table, raw[start + end - 1]) & SPACE:
            end -= 1
        indent[i] = lead
        lengths[i] = end - lead
        total += end - lead
        start += length + 1
    codes = np.empty(total + n, dtype=np.uint32)
    start = 1
    q = 0
    for i in range(n):
        codes[q] = 10
        q += 1
        first = start + indent[i]
        codes[q:q + lengths[i]] = raw[first:first + lengths[i]]
        q += lengths[i]
        start += raw_lengths[i] + 1
    return codes, lengths, indent
