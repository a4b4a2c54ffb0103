"""Line features: one row of numbers per line, computed over whole batches with numpy.

The model's input is a flat sequence of lines that knows which document each line belongs
to (see :func:`as_rows`): a 2-D object array with a document key and the line, or simply a
1-D list of lines, taken as one document.  Context (neighbouring lines, position, the
document's statistics) is computed inside each document and carried in the row, so rows out
== rows in and grouped cross-validation works unchanged.

Features form a registry (:data:`FEATURES`): name -> function of a :class:`Batch`
returning one column.  ``get_feature_names_out()`` is the registry's keys, so names and
columns cannot drift apart, and a new feature is one function plus one entry.

How the per-line counts are vectorised: all (stripped) lines of a batch are joined into one
string and decoded to an array of code points; a lookup table gives each code point its
character classes, and cumulative sums give the count of every class in every line in O(1)
per line.  Python touches each line only through C-implemented ``str`` methods
(``strip``, ``len``, ``hash``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import repeat

import numpy as np

from . import lexical, markup
from .compiled import use_compiled
from .conventions import CONVENTIONS, as_row, cleaning_convention
from .stopwords import STOPWORDS

# ------------------------------------------------------------------ character classes
# Characters that end a sentence (and closing quotes after one).  Used by C4's line rule
# and by jusText's notion of "good" text; the line end is the strongest single cue.
# Sentence ends: Latin and Greek, CJK (full and half width), and the full stops of scripts
# that have their own -- the danda of Hindi, Marathi, Nepali and Bengali, the Arabic
# question mark and Urdu full stop, Armenian, Ethiopic, Burmese, Khmer and Tibetan.  Without
# them no line of a Hindi article ends a sentence, and out of fold the model dropped the
# article of the shared data's one Hindi page (char F1 0.24).
TERMINAL_PUNCTUATION = ".!?…。！？｡．‼⁇⁈⁉।॥؟۔։።။។།"
CLOSING_QUOTES = "\"'”’»)]"
# Bullets and list markers that converters (inscriptis, lynx, html2text) put before items;
# w3m marks the levels of nested lists with • □ ☆ ○ ■ ★.
BULLETS = "*•·◦▪▫‣⁃-–—>»›+o■□●○◆◇►▸☆★"
# Separators between items of a menu or a breadcrumb trail.
SEPARATORS = "|/»›·•>:–—"

# Particles and function characters of Japanese, Chinese and Korean, written without spaces
# between words (Korean: particles fused to the word): the stop-word share of these scripts.
# Prose holds many; menus, headlines and product names few.
CJK_FUNCTION_CHARS = "のはがをにでともへやたてだす的了是在和有不这也就都而与及之其은는이가을를에의도와과로다"

ALPHA, UPPER, DIGIT, SPACE, PUNCT, TERMINAL, SEPARATOR, COMMA, CJK, NON_ASCII, CJK_FUNCTION, WORDLESS, SCRIPT_COMMA = (
    1 << i for i in range(13)
)
# Scripts written without spaces between words: a line's word count says little there, so
# these letters are counted as tokens of their own (as the data set's labelling does).
HANGUL_SYLLABLES = (0xAC00, 0xD7AF)
CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), HANGUL_SYLLABLES, (0xF900, 0xFAFF))
_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane; others are classed as symbols

# How a line's words are counted (LineFeatures' ``word_rule``):
# * "spaces": a word is a run of characters between spaces, a comma is ",".  A Japanese
#   sentence of 78 characters is then 3 "words" of mean length 27, and its 、 no comma: to
#   features learnt mostly on English it looks like a product name, not prose.
# * "scripts": as "spaces", and every letter of a script written without spaces between
#   words (WORDLESS_RANGES: kana and Han ideographs; not Hangul, Korean has spaces) is a
#   word of its own, as are word tokens (lexical features: each such letter a token, so the
#   token pairs are its bigrams); the commas of those scripts and Arabic's count as commas.
# Models saved before the rule existed count by spaces, and so predict as they did.
WORD_RULES = ("spaces", "scripts")


def check_word_rule(rule: str) -> None:
    if rule not in WORD_RULES:
        raise ValueError(f"unknown word_rule {rule!r}: expected one of {', '.join(WORD_RULES)}")

# the CJK ranges but Hangul, and the half-width katakana
WORDLESS_RANGES = tuple(r for r in CJK_RANGES if r != HANGUL_SYLLABLES) + ((0xFF66, 0xFF9F),)
CJK_PUNCTUATION = (0x3000, 0x303F)  # CJK symbols and punctuation: 、。「」...
FULLWIDTH_FORMS = (0xFF00, 0xFFEF)  # fullwidth punctuation and letters, halfwidth kana
# ideographic, fullwidth, halfwidth ideographic and Arabic commas
SCRIPT_COMMAS = "、，､،"


@lru_cache(maxsize=1)
def char_class_table() -> np.ndarray:
    """Bit flags of every BMP code point, built once (about 0.1 s) and cached."""
    table = np.zeros(_TABLE_SIZE, dtype=np.uint16)
    for code in range(_TABLE_SIZE):
        char = chr(code)
        category = unicodedata.category(char)
        flags = 0
        if char.isalpha():
            flags |= ALPHA
            if char.isupper() or category == "Lt":
                flags |= UPPER
        elif char.isdigit():
            flags |= DIGIT
        elif char.isspace():
            flags |= SPACE
        elif category[0] in "PS":
            flags |= PUNCT
        table[code] = flags
    for low, high in CJK_RANGES:
        table[low : high + 1] |= CJK
    for low, high in WORDLESS_RANGES:
        letters = (table[low : high + 1] & ALPHA) != 0  # the kana middle dot is punctuation
        table[low : high + 1][letters] |= WORDLESS
    table[0x80:] |= NON_ASCII
    for char in TERMINAL_PUNCTUATION:
        table[ord(char)] |= TERMINAL
    for char in SEPARATORS:
        table[ord(char)] |= SEPARATOR
    table[ord(",")] |= COMMA
    for char in SCRIPT_COMMAS:
        table[ord(char)] |= SCRIPT_COMMA
    for char in CJK_FUNCTION_CHARS:
        table[ord(char)] |= CJK_FUNCTION
    table[ord("\n")] = SPACE
    return table


def _set_of(chars: str) -> np.ndarray:
    return np.array(sorted(map(ord, chars)), dtype=np.uint32)


_BULLETS = _set_of(BULLETS)
_CLOSING = _set_of(CLOSING_QUOTES)
_TERMINAL = _set_of(TERMINAL_PUNCTUATION)
_DASHES = _set_of("-–—|")

# ------------------------------------------------------------------------ input shape


def as_rows(documents: Iterable[Sequence[str]]) -> np.ndarray:
    """The model's input for several documents: an ``(n_lines, 2)`` object array of
    ``(document index, line)`` rows, in order."""
    keys: list[int] = []
    lines: list[str] = []
    for index, doc_lines in enumerate(documents):
        keys.extend([index] * len(doc_lines))
        lines.extend(doc_lines)
    rows = np.empty((len(lines), 2), dtype=object)
    rows[:, 0] = keys
    rows[:, 1] = lines
    return rows


def _as_array(X) -> np.ndarray:
    if isinstance(X, (str, bytes)):
        what = "string: split it" if isinstance(X, str) else "bytes object: decode it and split it"
        raise TypeError(f"expected a sequence of lines, got a single {what} into lines first")
    if isinstance(X, Mapping) or not (hasattr(X, "__len__") and hasattr(X, "__getitem__")):
        # numpy makes a 0-d array of a generator, None or a dict: say what was given instead
        advice = ": make a list of it first" if isinstance(X, Iterable) and not isinstance(X, Mapping) else ""
        raise TypeError(f"expected a sequence of lines (a list, tuple or array), got {type(X).__name__}{advice}")
    array = np.asarray(X, dtype=object)
    if array.ndim == 2 and array.shape[1] not in (2, 4) or array.ndim not in (1, 2):
        raise ValueError(f"expected lines or (document, line) rows, got an array of shape {array.shape}")
    return array


def split_rows(X) -> tuple[np.ndarray, list[str]]:
    """Document ids (0, 1, ... by run of equal keys) and lines of the model's input.

    A 1-D sequence of strings is one document; a 2-D ``(n, 2)`` array holds a document key
    and a line per row, and each run of equal keys is one document.  The logical rows of
    :func:`boilerkit.layout.logical_rows` have two more columns: the blank lines that stood
    before the line, and how many physical lines of a wrapped paragraph it joins.
    """
    array = _as_array(X)
    if array.ndim == 1:
        return np.zeros(len(array), dtype=np.int64), as_strings(array)
    return run_numbers(array[:, 0]), as_strings(array[:, 1])


def run_numbers(keys: np.ndarray) -> np.ndarray:
    """Each key's run of equal consecutive keys, numbered 0, 1, ... (a document's number)."""
    new_run = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        new_run[1:] = keys[1:] != keys[:-1]
    return np.cumsum(new_run) - 1


def as_strings(values: np.ndarray) -> list[str]:
    """``values`` as a list of ``str``; a :class:`TypeError` names the first that is not one,
    a :class:`ValueError` the first holding a line break.
    Lines almost always are ``str`` already, and then the list is made and checked by C
    loops: the apply threads hold the GIL in Python loops like ``[str(v) for v in values]``,
    and so run one at a time there."""
    items = values.tolist()
    if not set(map(type, items)) <= {str}:
        # str subclasses (numpy's str_) pass; None or bytes would be read as "None" or "b'...'"
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise TypeError(f"line {index} is {type(item).__name__}, not str: every line must be a string")
        items = [str(item) for item in items]
    # The link features join a batch's lines by "\n" and split them again.  A C loop: 60 ns a
    # line, where searching the joined batch took 170 (joining mixed scripts widens it).
    if any(map(str.__contains__, items, repeat("\n"))):
        index = next(index for index, item in enumerate(items) if "\n" in item)
        raise ValueError(f"line {index} holds a line break (\\n): one line a string (boilerkit.io.split_lines splits "
                         "a text into lines)")
    return items


def layout_columns(X) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The blank lines before each line and the physical lines it joins, where the model's
    input holds them (logical rows), else ``None``."""
    array = _as_array(X)
    if array.ndim == 2 and array.shape[1] == 4:
        return array[:, 2].astype(np.int64), array[:, 3].astype(np.int64)
    return None, None


def batch_of(X, compiled: bool | None = None) -> Batch:
    """The :class:`Batch` of the model's input (``compiled``: see :func:`make_batch`)."""
    blank_before, physical_lines = layout_columns(X)
    return make_batch(*split_rows(X), blank_before=blank_before, physical_lines=physical_lines, compiled=compiled)


def make_batch(doc_ids: np.ndarray, lines: list[str], blank_before: np.ndarray | None = None,
               physical_lines: np.ndarray | None = None, compiled: bool | None = None) -> Batch:
    """A :class:`Batch` of ``lines``, whose arrays and features are computed by compiled
    kernels (:class:`boilerkit.compiled_features.CompiledBatch`, the same columns) when
    :func:`~boilerkit.compiled.use_compiled` says so for ``compiled``, else by the reference
    code of this module."""
    if use_compiled(compiled):
        from .compiled_features import CompiledBatch

        return CompiledBatch(doc_ids, lines, blank_before=blank_before, physical_lines=physical_lines)
    return Batch(doc_ids, lines, blank_before=blank_before, physical_lines=physical_lines)


# ------------------------------------------------------------------------------ markup

# Sentinels put around what markup.visible_text keeps of a link or an image, so that link
# text can be counted per line with numpy after the regexes ran once over a whole batch.
# Control characters no page text holds; any in the input are dropped first.
LINK_OPEN, LINK_CLOSE, IMAGE_OPEN, IMAGE_CLOSE = "\x01\x02\x03\x04"
_SENTINELS = LINK_OPEN + LINK_CLOSE + IMAGE_OPEN + IMAGE_CLOSE
# lynx numbers a link but does not mark where its text ends: taken as up to the next link
# or the line's end (exact for menus, a link per line; an overestimate inside prose).
LYNX_LINK = re.compile(markup.LYNX_LINK_NUMBER.pattern + r"(?P<text>[^\[\n]*)")
# A number inside Chinese or Japanese text (after one of their letters or punctuation marks)
# numbers a word or phrase of the sentence, and no space ends it: up to the next link or the
# line's end, the last link of a joined paragraph took in the rest of it, and a lynx dump of
# a Japanese article whose keywords are links read as a menu (fundus/jp/NikkanGeadai: 0.10,
# 0.93 without link numbers).  Such a link's text is taken as up to the first particle or
# punctuation mark after its first letter: [36]中居正広氏（52）の -> 中居正広氏.  "After":
# kana and Han letters (WORDLESS_RANGES), CJK and fullwidth punctuation, looked behind from
# the "[": a pattern that begins with a literal lets re skip to its candidates (0.38 -> 0.07
# us a line holding "[" of the lynx and html2text dumps, against the lookbehind first).
_CJK_TEXT = "".join(f"{chr(low)}-{chr(high)}" for low, high in (*WORDLESS_RANGES, CJK_PUNCTUATION, FULLWIDTH_FORMS))
_CJK_LINK_ENDS = "".join(re.escape(char) for char in
                         "のはがをにでともへや的了是在和与及之其、。，．！？「」『』（）【】〈〉《》〔〕・…：；,.!?()")
LYNX_INLINE_CJK_LINK = re.compile(
    markup.LYNX_LINK_NUMBER.pattern.replace(r"\[", rf"\[(?<=[{_CJK_TEXT}]\[)", 1)
    + rf"(?P<text>[^\[\n][^\[\n{_CJK_LINK_ENDS}]*)")
# Characters without which a batch holds no markup: the regexes run only when one occurs.
MARKUP_HINTS = ("[", "<", "\\")


class LinkMarkup:
    """The visible text of a batch's lines and, per line, its links: characters of link text,
    links (Markdown links, autolinks and lynx link numbers), images, and letters or digits
    outside any link."""

    def __init__(self, visible_lines: list[str], link_chars: np.ndarray, links: np.ndarray, images: np.ndarray,
                 unlinked_alnum: np.ndarray | None):
        self.visible_lines = visible_lines
        self.link_chars = link_chars
        self.links = links
        self.images = images
        # None: no line has a link, so every letter and digit is outside links
        self.unlinked_alnum = unlinked_alnum

    @classmethod
    def of(cls, lines: list[str]) -> "LinkMarkup":
        n = len(lines)
        zeros = np.zeros(n)
        joined = "\n".join(lines)
        if not any(hint in joined for hint in MARKUP_HINTS):
            return cls(lines, zeros, zeros, zeros, None)
        marked = _mark_links("\n" + _without_sentinels(joined))
        visible = [line.strip() for line in _without_sentinels(marked)[1:].split("\n")]
        codes = np.frombuffer(marked.encode("utf-32-le"), dtype=np.uint32)
        line_of = np.cumsum(codes == ord("\n")) - 1
        depth = np.cumsum((codes == ord(LINK_OPEN)).astype(np.int64) - (codes == ord(LINK_CLOSE)))
        flags = char_class_table()[np.minimum(codes, _TABLE_SIZE - 1)]
        text = (flags & SPACE) == 0
        inside = (depth > 0) & text & (codes > ord(IMAGE_CLOSE))

        def per_line(mask: np.ndarray) -> np.ndarray:
            return np.bincount(line_of[mask], minlength=n).astype(np.float64)

        links = per_line(codes == ord(LINK_OPEN))
        alnum_outside = per_line(((flags & (ALPHA | DIGIT)) != 0) & (depth <= 0))
        return cls(visible, per_line(inside), links, per_line(codes == ord(IMAGE_OPEN)), alnum_outside)


def _without_sentinels(text: str) -> str:
    # str.replace, not str.translate: translate looks every character up in a dict (slow)
    for sentinel in _SENTINELS:
        if sentinel in text:
            text = text.replace(sentinel, "")
    return text


def _mark_links(text: str) -> str:
    """``text`` as :func:`boilerkit.markup.visible_text` leaves it, with link texts between
    LINK_OPEN and LINK_CLOSE (see LYNX_LINK for lynx's), image alt texts between IMAGE_OPEN
    and IMAGE_CLOSE."""
    text = markup.MARKDOWN_IMAGE.sub(IMAGE_OPEN + r"\g<alt>" + IMAGE_CLOSE, text)
    text = markup.MARKDOWN_LINK.sub(LINK_OPEN + r"\g<text>" + LINK_CLOSE, text)
    # the end of a link begun on an earlier line: counted as a link, its text not marked
    text = markup.MARKDOWN_LINK_END.sub(LINK_OPEN + LINK_CLOSE, text)
    text = markup.AUTOLINK.sub(LINK_OPEN + r"\g<url>" + LINK_CLOSE, text)
    text = LYNX_INLINE_CJK_LINK.sub(LINK_OPEN + r"\g<text>" + LINK_CLOSE, text)
    text = LYNX_LINK.sub(LINK_OPEN + r"\g<text>" + LINK_CLOSE, text)
    return markup.MARKDOWN_ESCAPE.sub(r"\g<char>", text)


# ------------------------------------------------------------------------------ batch


class DocumentIndex:
    """Which document each of ``n`` consecutive lines belongs to, and sums, windows, shifts
    and runs of per-line values computed inside each document (never across two)."""

    def __init__(self, doc_ids: np.ndarray):
        self.doc = np.asarray(doc_ids, dtype=np.int64)
        self.n = len(self.doc)

    @cached_property
    def doc_start(self) -> np.ndarray:
        """Index of the first line of each line's document."""
        is_start = np.ones(self.n, dtype=bool)
        is_start[1:] = self.doc[1:] != self.doc[:-1]
        return np.maximum.accumulate(np.where(is_start, np.arange(self.n), 0))

    @cached_property
    def doc_end(self) -> np.ndarray:
        """Index one past the last line of each line's document."""
        is_end = np.ones(self.n, dtype=bool)
        is_end[:-1] = self.doc[1:] != self.doc[:-1]
        positions = np.where(is_end, np.arange(1, self.n + 1), self.n + 1)
        return np.minimum.accumulate(positions[::-1])[::-1]

    @cached_property
    def position(self) -> np.ndarray:
        return np.arange(self.n) - self.doc_start

    @cached_property
    def doc_n_lines(self) -> np.ndarray:
        return self.doc_end - self.doc_start

    def doc_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over each line's document, broadcast to its lines."""
        cumulative = np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))
        return cumulative[self.doc_end] - cumulative[self.doc_start]

    def doc_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over each line's document, broadcast to its lines."""
        return _ratio(self.doc_sum(values), self.doc_n_lines)

    def doc_max(self, values: np.ndarray) -> np.ndarray:
        if self.n == 0:
            return np.zeros(0)
        starts = np.flatnonzero(np.r_[True, self.doc[1:] != self.doc[:-1]])
        maxima = np.maximum.reduceat(values.astype(np.float64), starts)
        return np.repeat(maxima, np.diff(np.r_[starts, self.n]))

    def window_sum(self, values: np.ndarray, before: int, after: int) -> np.ndarray:
        """Sum of ``values`` over lines ``i-before .. i+after`` inside each line's document."""
        cumulative = np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))
        index = np.arange(self.n)
        lo = np.maximum(index - before, self.doc_start)
        hi = np.minimum(index + after + 1, self.doc_end)
        return cumulative[hi] - cumulative[lo]

    def window_mean(self, values: np.ndarray, before: int, after: int) -> np.ndarray:
        ones = np.ones(self.n)
        return self.window_sum(values, before, after) / np.maximum(self.window_sum(ones, before, after), 1)

    def shifted(self, values: np.ndarray, offset: int, missing: float = -1.0) -> np.ndarray:
        """``values`` of the line ``offset`` lines away in the same document (``missing`` if none)."""
        source = np.arange(self.n) + offset
        inside = (source >= self.doc_start) & (source < self.doc_end)
        out = np.full(self.n, missing, dtype=np.float64)
        out[inside] = np.asarray(values, dtype=np.float64)[source[inside]]
        return out

    def run_length(self, keys: np.ndarray) -> np.ndarray:
        """Length of the run of consecutive lines with equal ``keys`` that each line sits in."""
        if self.n == 0:
            return np.zeros(0)
        new_run = np.ones(self.n, dtype=bool)
        new_run[1:] = (keys[1:] != keys[:-1]) | (self.doc[1:] != self.doc[:-1])
        run_id = np.cumsum(new_run) - 1
        return np.bincount(run_id)[run_id].astype(np.float64)

    def nearest(self, mask: np.ndarray, direction: int) -> np.ndarray:
        """Index of the nearest line with ``mask`` strictly before (-1) or after (+1) each
        line, within its document; -1 where there is none."""
        lines = np.arange(self.n)
        if self.n == 0:
            return lines
        if direction < 0:
            found = np.r_[-1, np.maximum.accumulate(np.where(mask, lines, -1))[:-1]]
            return np.where(found >= self.doc_start, found, -1)
        found = np.r_[np.minimum.accumulate(np.where(mask, lines, self.n)[::-1])[::-1][1:], self.n]
        return np.where(found < self.doc_end, found, -1)

    @staticmethod
    def value_at(values: np.ndarray, lines: np.ndarray, missing: float = -1.0) -> np.ndarray:
        """``values`` of the given ``lines`` (as :meth:`nearest` gives them; -1: ``missing``)."""
        return np.where(lines >= 0, np.asarray(values)[np.maximum(lines, 0)], missing)

    def distance_to(self, mask: np.ndarray, direction: int, cap: int) -> np.ndarray:
        """Lines to the nearest line with ``mask`` before (-1) or after (+1), within the document;
        ``cap`` when there is none within ``cap`` lines."""
        return self.distance_from_nearest(self.nearest(mask, direction), cap)

    def distance_from_nearest(self, nearest: np.ndarray, cap: int) -> np.ndarray:
        """Lines from each line to the line ``nearest`` gives (-1: none), at most ``cap``."""
        distance = np.where(nearest >= 0, np.abs(nearest - np.arange(self.n)), cap)
        return np.minimum(distance, cap).astype(np.float64)


class Batch(DocumentIndex):
    """The lines of a batch of documents with the arrays every feature is built from.

    Arrays are computed once, on first use (``cached_property``), so a feature costs only
    what it adds.
    """

    def __init__(self, doc_ids: np.ndarray, lines: list[str], blank_before: np.ndarray | None = None,
                 physical_lines: np.ndarray | None = None):
        super().__init__(doc_ids)
        self.raw = lines
        # the features read what a reader of the page sees: Markdown link targets, image
        # syntax and lynx's link numbers are taken out (boilerkit.markup), and counted
        self.markup = self._link_markup(lines)
        # the layout of the dump (boilerkit.layout): blank lines that stood before each
        # line, and the physical lines of a wrapped paragraph it joins
        self.blank_before = np.zeros(self.n, dtype=np.int64) if blank_before is None else blank_before
        self.physical_lines = np.ones(self.n, dtype=np.int64) if physical_lines is None else physical_lines
        self._class_counts: dict[int, np.ndarray] = {}
        self._features: dict[str, np.ndarray] = {}

    def _link_markup(self, lines: list[str]) -> LinkMarkup:
        return LinkMarkup.of([line.strip() for line in lines])

    @cached_property
    def stripped(self) -> list[str]:
        """The visible text of each line, stripped (see :class:`LinkMarkup`)."""
        return self.markup.visible_lines

    def visible_lines_at(self, indices: list[int]) -> list[str]:
        """``stripped`` at ``indices``, for features that read a few lines' text."""
        stripped = self.stripped
        return [stripped[i] for i in indices]

    # --- per-line character arrays
    @cached_property
    def n_chars(self) -> np.ndarray:
        return np.fromiter(map(len, self.stripped), dtype=np.int64, count=self.n)

    @cached_property
    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        # +1: the joined text has a "\n" before every line, which also marks word starts.
        ends = np.cumsum(self.n_chars + 1)
        return ends - self.n_chars, ends

    @cached_property
    def codes(self) -> np.ndarray:
        return np.frombuffer(self.joined.encode("utf-32-le"), dtype=np.uint32)

    @cached_property
    def flags(self) -> np.ndarray:
        codes = self.codes
        return char_class_table()[np.minimum(codes, _TABLE_SIZE - 1)]

    def count(self, mask: np.ndarray) -> np.ndarray:
        """How many positions of ``mask`` (over the joined text) fall in each line."""
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        # Each segment is the "\n" before a line plus the line, so no segment is empty
        # (reduceat would misreport empty ones); the "\n" itself is then taken off.
        segments = self._bounds[0] - 1
        mask = mask.view(np.uint8) if mask.dtype == bool else mask
        return np.add.reduceat(mask, segments, dtype=np.int64) - mask[segments]

    def count_class(self, flag: int) -> np.ndarray:
        if flag not in self._class_counts:
            self._class_counts[flag] = self.count((self.flags & flag) != 0)
        return self._class_counts[flag]

    @cached_property
    def nearest_distinct(self) -> dict[int, np.ndarray]:
        """The nearest line before (-1) and after (+1) each line that is distinct (see
        :func:`distinct_lines`), -1 where there is none."""
        distinct = distinct_lines(self)
        return {direction: self.nearest(distinct, direction) for direction in (-1, +1)}

    def feature(self, name: str) -> np.ndarray:
        """The column of feature ``name``, computed once per batch (context features reuse
        the line features of the neighbours)."""
        if name not in self._features:
            self._features[name] = np.asarray(FEATURES[name](self), dtype=np.float64)
        return self._features[name]

    def use_word_rule(self, rule: str) -> None:
        """Count words by ``rule`` (one of :data:`WORD_RULES`) from now on; refused once a
        word count was computed by another rule (it is cached)."""
        check_word_rule(rule)
        if rule != self.word_rule and {"word_starts", "n_words", "n_commas", "token_buckets"} & set(self.__dict__):
            raise RuntimeError(f"this batch counted words by {self.word_rule!r} already")
        self.word_rule = rule

    @cached_property
    def space_word_starts(self) -> np.ndarray:
        """The first character of every run of characters between spaces."""
        not_space = (self.flags & SPACE) == 0
        starts = np.zeros_like(not_space)
        starts[1:] = not_space[1:] & ~not_space[:-1]
        return starts

    @cached_property
    def word_starts(self) -> np.ndarray:
        """The first character of every word, by :attr:`word_rule`: under "scripts", a
        wordless letter starts a word, and so does what follows one (unless it is a space or
        punctuation, which belongs to the letter before it)."""
        if self.word_rule == "spaces":
            return self.space_word_starts
        wordless = (self.flags & WORDLESS) != 0
        after_wordless = np.zeros_like(wordless)
        after_wordless[1:] = wordless[:-1]
        starts_other = after_wordless & ((self.flags & (SPACE | PUNCT)) == 0)
        return self.space_word_starts | wordless | starts_other

    @cached_property
    def n_words(self) -> np.ndarray:
        return self.n_space_words if self.word_rule == "spaces" else self.count(self.word_starts)

    @cached_property
    def n_space_words(self) -> np.ndarray:
        """Runs of characters between spaces, whatever the rule: what the layout measures and
        stop words are looked up by."""
        return self.count(self.space_word_starts)

    @cached_property
    def title_words(self) -> np.ndarray:
        """Space-separated words starting with a capital (no wordless letter has a case)."""
        return self.count(self.space_word_starts & ((self.flags & UPPER) != 0))

    @cached_property
    def n_commas(self) -> np.ndarray:
        if self.word_rule == "spaces":
            return self.count_class(COMMA)
        return self.count_class(COMMA) + self.count_class(SCRIPT_COMMA)

    def _char_at(self, offsets: np.ndarray) -> np.ndarray:
        """Code point at ``offsets`` into each line (0 for empty lines)."""
        starts, _ = self._bounds
        nonempty = self.n_chars > 0
        out = np.zeros(self.n, dtype=np.uint32)
        out[nonempty] = self.codes[(starts + offsets)[nonempty]]
        return out

    @cached_property
    def first_char(self) -> np.ndarray:
        return self._char_at(np.zeros(self.n, dtype=np.int64))

    @cached_property
    def last_char(self) -> np.ndarray:
        return self._char_at(self.n_chars - 1)

    @cached_property
    def starts_with_digit(self) -> np.ndarray:
        return (self.flags_of(self.first_char) & DIGIT) != 0

    @cached_property
    def second_char(self) -> np.ndarray:
        """Code point after the first (0 for lines of fewer than two characters)."""
        return np.where(self.n_chars >= 2, self._char_at(np.minimum(1, np.maximum(self.n_chars - 1, 0))), 0)

    @cached_property
    def first_word_len(self) -> np.ndarray:
        """Characters of each line's first word (its run of non-space characters)."""
        starts, ends = self._bounds
        spaces = np.r_[np.flatnonzero(self.flags & SPACE), len(self.codes)]
        return spaces[np.searchsorted(spaces, starts)] - starts

    @cached_property
    def second_last_char(self) -> np.ndarray:
        return self._char_at(np.maximum(self.n_chars - 2, 0))

    def flags_of(self, codes: np.ndarray) -> np.ndarray:
        return char_class_table()[np.minimum(codes, _TABLE_SIZE - 1)]

    @cached_property
    def ends_terminal(self) -> np.ndarray:
        """Ends a sentence: terminal punctuation, possibly followed by a closing quote."""
        last, before = self.last_char, self.second_last_char
        closing = np.isin(last, _CLOSING) & np.isin(before, _TERMINAL)
        return (np.isin(last, _TERMINAL) | closing).astype(np.float64)

    @cached_property
    def joined(self) -> str:
        """The stripped lines joined, each preceded by "\n" (offsets as in :attr:`codes`)."""
        return "\n" + "\n".join(self.stripped) if self.n else ""

    def lines_matching(self, pattern: re.Pattern) -> np.ndarray:
        """1.0 for lines where ``pattern`` matches.

        With a hint in :data:`PATTERN_HINTS`, only the lines holding one of the hint's
        literals are searched; otherwise one regex scan of the whole batch, the (rare)
        matches mapped to lines by their offsets.  Both give the same column.
        """
        candidates = self._hinted_lines(PATTERN_HINTS.get(pattern.pattern))
        if candidates is not None:
            # the folded line against the pattern without IGNORECASE: the same matches
            # (see folded), and Python's re runs them about 1.6 times as fast without it
            hit = np.zeros(self.n)
            search = case_sensitive(pattern).search
            folded, (starts, ends) = self.folded, self._bounds
            lines = np.flatnonzero(candidates)
            found = [i for i, start, end in zip(lines.tolist(), starts[lines].tolist(), ends[lines].tolist())
                     if search(folded, start, end)]  # fmt: skip
            hit[found] = 1.0
            return hit
        offsets = np.fromiter((m.start() for m in pattern.finditer(self.joined)), dtype=np.int64)
        hit = np.zeros(self.n)
        if len(offsets):
            hit[np.searchsorted(self._bounds[0], offsets, side="right") - 1] = 1.0
        return hit

    @cached_property
    def lowered(self) -> str:
        """:attr:`joined` in small letters."""
        return self.joined.lower()

    @cached_property
    def folded(self) -> str | None:
        """:attr:`joined` with every character that ``re.IGNORECASE`` matches with an ASCII letter
        turned into that letter, at the same offsets; ``None`` if lowering changed the length
        (no character but U+0130 does, and it is folded first)."""
        joined = self.joined
        # U+0130 lowers to two characters: fold it before lowering, or the offsets shift
        lowered = joined.replace("\u0130", "i").lower() if "\u0130" in joined else self.lowered
        if len(lowered) != len(joined):
            return None
        for char, letter in IGNORECASE_ASCII_FOLDS.items():
            if char in lowered:
                lowered = lowered.replace(char, letter)
        return lowered

    def _hinted_lines(self, hint: tuple[str, ...] | None) -> np.ndarray | None:
        """Lines holding at least one of ``hint``'s literals (see :data:`PATTERN_HINTS`), or
        ``None`` when the hint cannot be used (no hint, or no :attr:`folded` text)."""
        if hint is None or self.n == 0 or self.folded is None:
            return None
        lines = np.zeros(self.n, dtype=bool)
        offsets: list[int] = []
        folded = self.folded
        for literal in hint:
            if literal == ANY_DIGIT:
                # \d is Unicode's Nd: all of it is flagged DIGIT in the BMP; the rare
                # characters beyond it (clamped in the table) are taken as candidates.
                lines |= (self.count_class(DIGIT) > 0) | (self.count(self.codes >= _TABLE_SIZE) > 0)
                continue
            find = folded.find
            at = find(literal)
            while at >= 0:
                offsets.append(at)
                at = find(literal, at + 1)
        if offsets:
            lines[np.searchsorted(self._bounds[0], np.array(offsets), side="right") - 1] = True
        return lines

    @cached_property
    def n_stopwords(self) -> np.ndarray:
        """Function words per line: one C-level membership test per word of the batch."""
        words = self.lowered.split()  # the same words as "\n".join(self.stripped).lower().split()
        if len(words) != int(self.n_space_words.sum()):  # cannot happen: same whitespace rule
            return np.fromiter((sum(w in STOPWORDS for w in s.lower().split()) for s in self.stripped), np.float64)
        is_stop = np.fromiter(map(STOPWORDS.__contains__, words), dtype=np.float64, count=len(words))
        line_of_word = np.repeat(np.arange(self.n), self.n_space_words)
        return np.bincount(line_of_word, weights=is_stop, minlength=self.n)

    @cached_property
    def repeats_in_doc(self) -> np.ndarray:
        """How many other lines of the same document are identical to this one."""
        if self.n == 0:
            return np.zeros(0)
        hashes = np.fromiter(map(hash, self.stripped), dtype=np.int64, count=self.n)
        # One key per (document, text); a collision needs two 64-bit hashes to meet.
        keys = hashes ^ (self.doc * np.int64(0x9E3779B97F4A7C15 - (1 << 64)))
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        return (counts[inverse.ravel()] - 1).astype(np.float64)

    # Learned word weights (LineFeatures.token_weights_); None: lexical features are 0.
    token_weights: np.ndarray | None = None
    # How words are counted (WORD_RULES; set by use_word_rule, before any feature)
    word_rule: str = "spaces"
    # Memory order of feature_matrix's matrix (the same values either way).
    matrix_order = "C"
    # The gold conventions of training pages, a row per line (boilerkit.conventions); None on
    # pages to clean, which the model cleans by ``clean_as`` (boilerkit's own where None).
    conventions: np.ndarray | None = None
    clean_as: dict[str, bool] | None = None

    @cached_property
    def token_buckets(self) -> tuple[np.ndarray, np.ndarray]:
        """Line and bucket of each token and token pair (see :mod:`boilerkit.lexical`)."""
        is_word_char = (self.flags & (ALPHA | DIGIT)) != 0
        alone = None if self.word_rule == "spaces" else (self.flags & WORDLESS) != 0
        return lexical.line_buckets(self.codes, is_word_char, self._bounds[0], alone)

    @cached_property
    def token_scores(self) -> np.ndarray:
        """The weight of each of :attr:`token_buckets` (set directly when cross-fitting)."""
        if self.token_weights is None:
            return np.zeros(len(self.token_buckets[1]), dtype=np.float32)
        return self.token_weights[self.token_buckets[1]]

    @cached_property
    def lexical(self) -> list[np.ndarray]:
        return lexical.line_scores(self.token_buckets[0], self.token_scores.astype(np.float64), self.n)


# ------------------------------------------------------------------- line features


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Elementwise ratio that is 0 where the denominator is 0 (empty lines)."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def n_chars(b: Batch) -> np.ndarray:
    return b.n_chars.astype(np.float64)


def n_words(b: Batch) -> np.ndarray:
    return b.n_words.astype(np.float64)


def mean_word_len(b: Batch) -> np.ndarray:
    return _ratio(b.n_chars - b.count_class(SPACE), b.n_words)


def indent(b: Batch) -> np.ndarray:
    return np.fromiter((len(line) - len(line.lstrip()) for line in b.raw), dtype=np.float64, count=b.n)


def alpha_ratio(b: Batch) -> np.ndarray:
    return _ratio(b.count_class(ALPHA), b.n_chars)


def digit_ratio(b: Batch) -> np.ndarray:
    return _ratio(b.count_class(DIGIT), b.n_chars)


def punct_ratio(b: Batch) -> np.ndarray:
    return _ratio(b.count_class(PUNCT), b.n_chars)


def upper_ratio(b: Batch) -> np.ndarray:
    """Share of the letters that are capitals (menus and headlines are Title Cased)."""
    return _ratio(b.count_class(UPPER), b.count_class(ALPHA))


def title_word_ratio(b: Batch) -> np.ndarray:
    """Share of the words that start with a capital letter."""
    return _ratio(b.title_words, b.n_words)


def terminal_per_word(b: Batch) -> np.ndarray:
    return _ratio(b.count_class(TERMINAL), b.n_words)


def comma_per_word(b: Batch) -> np.ndarray:
    return _ratio(b.n_commas, b.n_words)


def separator_per_word(b: Batch) -> np.ndarray:
    """Menu and breadcrumb separators (``|``, ``»``, ``/`` ...) per word."""
    return _ratio(b.count_class(SEPARATOR), b.n_words)


def ends_terminal(b: Batch) -> np.ndarray:
    return b.ends_terminal


def ends_dash(b: Batch) -> np.ndarray:
    """Ends with a dash or bar: headline lists (" -"), "Previous |" links."""
    return np.isin(b.last_char, _DASHES).astype(np.float64)


def ends_colon(b: Batch) -> np.ndarray:
    return (b.last_char == ord(":")).astype(np.float64)


def ends_digit(b: Batch) -> np.ndarray:
    return ((b.flags_of(b.last_char) & DIGIT) != 0).astype(np.float64)


def starts_upper(b: Batch) -> np.ndarray:
    return ((b.flags_of(b.first_char) & UPPER) != 0).astype(np.float64)


def starts_lower(b: Batch) -> np.ndarray:
    """Starts with a small letter: often the continuation of a wrapped sentence."""
    flags = b.flags_of(b.first_char)
    return (((flags & ALPHA) != 0) & ((flags & UPPER) == 0)).astype(np.float64)


def starts_digit(b: Batch) -> np.ndarray:
    return ((b.flags_of(b.first_char) & DIGIT) != 0).astype(np.float64)


def starts_bullet(b: Batch) -> np.ndarray:
    # "o" (inscriptis' and lynx's third-level bullet) counts whatever follows it, "online"
    # too: requiring a space after it, with lynx's "@" a bullet and its indented "#" no
    # heading, measured no better (benchmarks/results/experiments.md, 2026-12-04).
    return np.isin(b.first_char, _BULLETS).astype(np.float64)


def stopword_ratio(b: Batch) -> np.ndarray:
    """Share of the words that are function words (see :mod:`boilerkit.stopwords`)."""
    return _ratio(b.n_stopwords, b.n_words)


def cjk_ratio(b: Batch) -> np.ndarray:
    return _ratio(b.count_class(CJK), b.n_chars)


def non_ascii_ratio(b: Batch) -> np.ndarray:
    return _ratio(b.count_class(NON_ASCII), b.n_chars)


def cjk_function_ratio(b: Batch) -> np.ndarray:
    """Share of the CJK characters that are particles or function characters (see
    :data:`CJK_FUNCTION_CHARS`): the function-word share of scripts without spaces."""
    return _ratio(b.count_class(CJK_FUNCTION), b.count_class(CJK))


def n_tokens(b: Batch) -> np.ndarray:
    """Words, counting each CJK character as one: a length that works for every script."""
    return (b.n_words + b.count_class(CJK)).astype(np.float64)


# Dates and times: comment sections and bylines carry them ("Rosie on October 25th, 2012
# 9:59 am", "3 days ago"); article paragraphs rarely start a line with one.  [^\n]-free
# patterns: a match never spans two lines of the joined batch.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
DATE_PATTERN = re.compile(
    rf"\b{_MONTH}[ \t]+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?[ \t]+{_MONTH}\b|\b\d{{1,2}}:\d{{2}}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"
    r"|\b(?:\d+|an?)[ \t]+(?:minute|hour|day|week|month|year)s?[ \t]+ago\b",
    re.IGNORECASE,
)
# Headers and lines that open or belong to a comment section (user comments are clutter in
# the gold of every data set here, and they look like prose).
COMMENT_PATTERN = re.compile(
    r"\b(?:comments?|repl(?:y|ies)|responses?|trackbacks?|pingbacks?|discussion|kommentare?|commentaires?"
    r"|comentarios?|commenti|reactions?)\b|(?:says|said|wrote|writes)[ \t]*:[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Hints that make the two scans above fast (speed only, never a different result).  Python's
# re tries a pattern starting with \b at every character of the batch (about 1 s per 100,000
# lines each); a hint lists literals of which every match holds at least one (in small
# letters, matched against Batch.folded; ANY_DIGIT stands for \d), and only the lines
# holding one are searched.  Keyed by the pattern's text: a pattern edited without its hint
# falls back to the full scan (slow, never wrong).  tests/test_speed.py checks each hint
# against the full scan.  When you change a pattern, list a literal of every alternative.
ANY_DIGIT = r"\d"
PATTERN_HINTS: dict[str, tuple[str, ...]] = {
    # every alternative has a \d but the last, which ends in "ago"
    DATE_PATTERN.pattern: (ANY_DIGIT, "ago"),
    COMMENT_PATTERN.pattern: (
        "comment", "repl", "respons", "trackback", "pingback", "discussion", "kommentar", "comentario",
        "reaction", "says", "said", "wrote", "writes",
    ),  # fmt: skip
}


@lru_cache(maxsize=None)
def case_sensitive(pattern: re.Pattern) -> re.Pattern:
    """``pattern`` without IGNORECASE, for text already folded (its letters are all small)."""
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


# Characters that re.IGNORECASE matches with an ASCII letter although their str.lower() is
# not that letter (found by scanning every code point; U+0130 lowers to two characters).
# tests/test_speed.py re-derives the list.
IGNORECASE_ASCII_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s"}
# A comment header is short ("12 Comments", "Leave a Reply"); a long line that mentions
# comments is prose.
COMMENT_MARKER_MAX_WORDS = 8


def has_date(b: Batch) -> np.ndarray:
    return b.lines_matching(DATE_PATTERN)


def comment_marker(b: Batch) -> np.ndarray:
    return b.lines_matching(COMMENT_PATTERN) * (b.n_words <= COMMENT_MARKER_MAX_WORDS)


def comment_markers_before(b: Batch) -> np.ndarray:
    """How many comment headers come earlier in the document."""
    return _count_before(b, b.feature("comment_marker"))


def _count_before(b: Batch, values: np.ndarray) -> np.ndarray:
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    return cumulative[np.arange(b.n)] - cumulative[b.doc_start]


def date_lines_before(b: Batch) -> np.ndarray:
    """Dated lines earlier in the document: a comment section is a run of "Name on date" lines."""
    return _count_before(b, b.feature("has_date"))


def window25_has_date(b: Batch) -> np.ndarray:
    return b.window_mean(b.feature("has_date"), 25, 25)


def long_before_share(b: Batch) -> np.ndarray:
    """Share of the document's long lines that come before this one (the article comes first,
    then the comments)."""
    long_lines = b.feature("is_long")
    return _ratio(_count_before(b, long_lines), b.doc_sum(long_lines))


def lines_since_comment_marker(b: Batch) -> np.ndarray:
    return b.distance_to(b.feature("comment_marker") > 0, -1, DISTANCE_CAP)


# What a line holding a URL, an e-mail address or a domain name holds; and a copyright notice.
LINK_TEXT_MARKS = ("http", "www.", "@", ".com")
COPYRIGHT_MARKS = ("©", "(c)", "Copyright")


def has_link_text(b: Batch) -> np.ndarray:
    """Contains a URL, an e-mail address or a domain name."""
    return np.fromiter((any(mark in s for mark in LINK_TEXT_MARKS) for s in b.stripped), dtype=np.float64, count=b.n)


def has_copyright(b: Batch) -> np.ndarray:
    return np.fromiter((any(mark in s for mark in COPYRIGHT_MARKS) for s in b.stripped), dtype=np.float64, count=b.n)


def repeats_in_doc(b: Batch) -> np.ndarray:
    return b.repeats_in_doc


# A line must occur in at least this many training documents (or sites) to be remembered:
# once is every line of every page, several times a template ("Share this", "Related stories").
MIN_CORPUS_DOCS = 3
# What the corpus line counts count (LineFeatures(corpus_counts=...)).
CORPUS_COUNTS = ("documents", "sites")


def normalise_line(line: str) -> str:
    return " ".join(line.lower().split())


@dataclass(frozen=True)
class CorpusLines:
    """The distinct normalised lines of a training set, and on how many sites each occurs.

    Sites, not documents: the pages of one site repeat its template, and a page dumped by
    several converters repeats even its article (five dumps of each Fundus page made most of
    their paragraphs "templates").  ``groups`` give the site of each row; without them each
    document is a site of its own."""

    index: dict  # normalised line -> its number
    sites: np.ndarray  # int64: on how many sites each line occurs
    pairs: np.ndarray  # int64, sorted: line number * n_groups + site, once per pair
    n_groups: int

    @classmethod
    def of(cls, X, groups=None) -> CorpusLines:
        doc_ids, lines = split_rows(X)
        group = doc_ids if groups is None else np.asarray(groups, dtype=np.int64)
        index: dict[str, int] = {}
        line_of_row = np.fromiter((index.setdefault(normalise_line(s), len(index)) for s in lines),
                                  dtype=np.int64, count=len(lines))
        n_groups = int(group.max()) + 1 if len(group) else 1
        pairs = np.unique(line_of_row * n_groups + group)
        return cls(index, np.bincount(pairs // n_groups, minlength=len(index)), pairs, n_groups)

    def counts(self) -> dict[str, int]:
        """What a model remembers: each line on :data:`MIN_CORPUS_DOCS` sites (or documents) or more."""
        return {text: int(n) for text, n in zip(self.index, self.sites.tolist()) if n >= MIN_CORPUS_DOCS and text}

    def held_out_doc_freq(self, X, groups=None) -> np.ndarray:
        """:func:`corpus_doc_freq` of each row of ``X`` counted without its own site
        (``groups``; documents where None): a training line then sees the training set as a
        page of a new site sees it, where its own template's lines are not yet counted."""
        doc_ids, lines = split_rows(X)
        group = doc_ids if groups is None else np.asarray(groups, dtype=np.int64)
        line_of_row = np.fromiter((self.index.get(normalise_line(s), -1) for s in lines),
                                  dtype=np.int64, count=len(lines))
        known = line_of_row >= 0
        sites = np.where(known, self.sites[np.maximum(line_of_row, 0)], 0)
        own = known & (group < self.n_groups)
        own[own] = np.isin(line_of_row[own] * self.n_groups + group[own], self.pairs)
        others = sites - own
        remembered = (others >= MIN_CORPUS_DOCS) & (line_of_row != self.index.get("", -1))
        return np.where(remembered, np.log1p(others), 0.0)


def corpus_doc_freq(b: Batch) -> np.ndarray:
    """log(1 + number of training documents, or sites, with this same line): templates repeat."""
    counts = getattr(b, "line_counts", {})
    return np.log1p(np.fromiter((counts.get(normalise_line(s), 0) for s in b.stripped), dtype=np.float64, count=b.n))


def lexical_mean(b: Batch) -> np.ndarray:
    """Mean learned weight of the line's words and word pairs (positive: content words)."""
    return b.lexical[0]


def lexical_min(b: Batch) -> np.ndarray:
    """The most clutter-like word of the line ("cart", "reserved", "subscribe")."""
    return b.lexical[1]


def lexical_max(b: Batch) -> np.ndarray:
    return b.lexical[2]


# ---------------------------------------------------------------- context features
# Lines are judged by their company: article text comes in runs of long, punctuated lines;
# menus and headline lists in runs of short, similar ones.

NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)
# Base features carried to the neighbours' columns (prev1_n_words, next2_ends_terminal ...).
NEIGHBOUR_BASES = (
    "n_words", "ends_terminal", "title_word_ratio", "punct_ratio", "starts_bullet", "alpha_ratio", "stopword_ratio",
    "indent", "starts_lower",
)  # fmt: skip
# Half-widths (in lines) of the windows whose means describe the neighbourhood.
WINDOWS = (3, 10)
# A "long line": at least this many words (a sentence or more; jusText's LENGTH_HIGH of 200
# characters is about 35 words, C4 keeps lines of 3+ words; 15 separates prose from
# headlines well on the training data).
LONG_LINE_WORDS = 15
DISTANCE_CAP = 50
# share of capitalised words that makes a line read as a headline (title case tolerates "of", "in")
TITLE_CASE_SHARE = 0.6
# Line features averaged over the windows (window3_n_words ...).
WINDOW_BASES = (
    "n_words", "ends_terminal", "is_long", "title_word_ratio", "punct_ratio", "stopword_ratio", "has_date",
)  # fmt: skip


def _neighbour_feature(base: str, offset: int) -> Callable[[Batch], np.ndarray]:
    def feature(b: Batch) -> np.ndarray:
        return b.shifted(b.feature(base), offset)

    return feature


def _window_feature(base: str, half_width: int) -> Callable[[Batch], np.ndarray]:
    def feature(b: Batch) -> np.ndarray:
        return b.window_mean(b.feature(base), half_width, half_width)

    return feature


def is_long(b: Batch) -> np.ndarray:
    return (b.n_words >= LONG_LINE_WORDS).astype(np.float64)


def lines_since_long(b: Batch) -> np.ndarray:
    return b.distance_to(b.n_words >= LONG_LINE_WORDS, -1, DISTANCE_CAP)


def lines_until_long(b: Batch) -> np.ndarray:
    return b.distance_to(b.n_words >= LONG_LINE_WORDS, +1, DISTANCE_CAP)


def run_same_end(b: Batch) -> np.ndarray:
    """Length of the run of lines ending in the same character (headline lists ending " -")."""
    return b.run_length(b.last_char)


def run_same_start(b: Batch) -> np.ndarray:
    """Length of the run of lines starting with the same character class (bullets, digits)."""
    first = b.first_char.astype(np.int64)
    # a bullet keys the run by itself, any other character by its class flags
    return b.run_length(np.where(np.isin(first, _BULLETS), first + 256, b.flags_of(b.first_char)))


def run_short(b: Batch) -> np.ndarray:
    """Length of the run of lines that are all short (< 5 words) or all long."""
    return b.run_length((b.n_words < 5).astype(np.int64))


def run_title_case(b: Batch) -> np.ndarray:
    """Length of the run of headline-like lines (mostly capitalised words, no closing
    punctuation) the line sits in; 0 for other lines.  "Related stories" lists come as such
    runs, while an article's own headline stands alone."""
    headline_like = (b.feature("title_word_ratio") >= TITLE_CASE_SHARE) & (b.ends_terminal == 0) & (b.n_words >= 3)
    # every other line keys a run of its own, so only headline-like lines join runs
    keys = np.where(headline_like, -1, np.arange(b.n))
    return np.where(headline_like, b.run_length(keys), 0.0)


# ------------------------------------------------------------------ position features


def position(b: Batch) -> np.ndarray:
    return b.position.astype(np.float64)


def lines_to_end(b: Batch) -> np.ndarray:
    return (b.doc_n_lines - b.position - 1).astype(np.float64)


def relative_position(b: Batch) -> np.ndarray:
    return _ratio(b.position, b.doc_n_lines - 1)


def chars_before_share(b: Batch) -> np.ndarray:
    """Share of the document's characters that come before this line (where the text mass is)."""
    chars = b.n_chars.astype(np.float64)
    cumulative = np.concatenate(([0.0], np.cumsum(chars)))
    return _ratio(cumulative[:-1] - cumulative[b.doc_start], b.doc_sum(chars))


# ------------------------------------------------------------------ document features


def doc_n_lines(b: Batch) -> np.ndarray:
    return b.doc_n_lines.astype(np.float64)


def doc_mean_words(b: Batch) -> np.ndarray:
    return b.doc_mean(b.n_words)


def doc_long_share(b: Batch) -> np.ndarray:
    return b.doc_mean(b.feature("is_long"))


def doc_terminal_share(b: Batch) -> np.ndarray:
    return b.doc_mean(b.ends_terminal)


def words_of_doc_max(b: Batch) -> np.ndarray:
    """This line's words relative to the longest line of its document."""
    return _ratio(b.n_words, b.doc_max(b.n_words))


def words_share_of_doc(b: Batch) -> np.ndarray:
    return _ratio(b.n_words, b.doc_sum(b.n_words))


# -------------------------------------------------------------------------- registry

LINE_FEATURES: dict[str, Callable[[Batch], np.ndarray]] = {
    f.__name__: f
    for f in (
        n_chars, n_words, mean_word_len, indent, alpha_ratio, digit_ratio, punct_ratio,
        upper_ratio, title_word_ratio, terminal_per_word, comma_per_word, separator_per_word,
        ends_terminal, ends_dash, ends_colon, ends_digit, starts_upper, starts_lower,
        starts_digit, starts_bullet, has_link_text, has_copyright, repeats_in_doc, is_long,
        stopword_ratio, cjk_ratio, non_ascii_ratio, n_tokens, corpus_doc_freq, has_date, comment_marker,
        lexical_mean, lexical_min, lexical_max,
    )
}  # fmt: skip

CONTEXT_FEATURES: dict[str, Callable[[Batch], np.ndarray]] = {
    **{
        f"{'prev' if offset < 0 else 'next'}{abs(offset)}_{base}": _neighbour_feature(base, offset)
        for offset in NEIGHBOUR_OFFSETS
        for base in NEIGHBOUR_BASES
    },
    **{
        f"window{width}_{base}": _window_feature(base, width)
        for width in WINDOWS
        for base in WINDOW_BASES
    },
    **{
        f.__name__: f
        for f in (
            lines_since_long, lines_until_long, run_same_end, run_same_start, run_short, run_title_case,
            comment_markers_before, lines_since_comment_marker, date_lines_before, window25_has_date,
            long_before_share,
        )
    },  # fmt: skip
}

POSITION_FEATURES = {f.__name__: f for f in (position, lines_to_end, relative_position, chars_before_share)}

DOCUMENT_FEATURES = {
    f.__name__: f
    for f in (doc_n_lines, doc_mean_words, doc_long_share, doc_terminal_share, words_of_doc_max, words_share_of_doc)
}

def lexical_rel_doc(b: Batch) -> np.ndarray:
    """The line's mean word weight against its document's: the article's words stand out
    from the shop's or the forum's own vocabulary."""
    return b.feature("lexical_mean") - b.feature("lexical_doc_mean")


def lexical_doc_mean(b: Batch) -> np.ndarray:
    return b.doc_mean(b.feature("lexical_mean"))


def lexical_max_rel_doc(b: Batch) -> np.ndarray:
    return b.feature("lexical_max") - b.doc_mean(b.feature("lexical_max"))


# The words of the lines around: a caption, a short line of an article or a lone title sit
# among content words; an item of a menu among "cart", "login", "share".
LEXICAL_CONTEXT_FEATURES: dict[str, Callable[[Batch], np.ndarray]] = {
    **{
        f"{'prev' if offset < 0 else 'next'}{abs(offset)}_lexical_mean": _neighbour_feature("lexical_mean", offset)
        for offset in NEIGHBOUR_OFFSETS
    },
    **{
        f"window{width}_{base}": _window_feature(base, width)
        for width in WINDOWS
        for base in ("lexical_mean", "lexical_min")
    },
    "lexical_rel_doc": lexical_rel_doc,
    **{
        f"{'prev' if offset < 0 else 'next'}{abs(offset)}_{base}": _neighbour_feature(base, offset)
        for base in ("lexical_min", "lexical_max")
        for offset in NEIGHBOUR_OFFSETS
    },
    "window25_lexical_mean": _window_feature("lexical_mean", 25),
    **{f"window{width}_lexical_max": _window_feature("lexical_max", width) for width in WINDOWS},
    "lexical_doc_mean": lexical_doc_mean,
    "lexical_max_rel_doc": lexical_max_rel_doc,
}


def shared_with_long(b: Batch) -> np.ndarray:
    """Share of the line's distinct words and word pairs that another long line of its
    document also holds.

    A page's title, its subheadings and captions repeat the words of its paragraphs; the
    headlines of unrelated stories, menu items and newsletter boxes do not.
    """
    lines, buckets = b.token_buckets
    share = np.zeros(b.n)
    if len(lines) == 0:
        return share
    # one sort groups every (document, bucket); within a group the lines stay in order
    key = (b.doc[lines].astype(np.int64) << lexical.BUCKET_BITS) | buckets
    order = np.argsort(key, kind="stable")
    key, line = key[order], lines[order]
    new_group = np.r_[True, key[1:] != key[:-1]]
    first_in_line = new_group | np.r_[True, line[1:] != line[:-1]]
    in_long_line = b.n_words[line] >= LONG_LINE_WORDS
    group = np.cumsum(new_group) - 1
    long_lines_holding = np.bincount(group, weights=first_in_line & in_long_line)
    in_another = (long_lines_holding[group] - in_long_line) > 0
    line, in_another = line[first_in_line], in_another[first_in_line]
    distinct = np.bincount(line, minlength=b.n)
    shared = np.bincount(line, weights=in_another, minlength=b.n)
    return np.divide(shared, distinct, out=share, where=distinct > 0)


# Template inserts ("Advertisement", "Share this", a separator) repeat within a page and
# sit between an article's paragraphs: next to them a paragraph looks like a lone line in a
# menu.  Its company is the nearest lines that occur once in the page.
DISTINCT_NEIGHBOUR_BASES = ("n_words", "ends_terminal", "stopword_ratio", "lexical_mean")


def is_distinct(repeats_in_doc: np.ndarray, n_chars: np.ndarray) -> np.ndarray:
    """Non-empty lines that occur once in their document (from those two feature columns;
    the second pass's nearest-distinct columns use it too)."""
    return (np.asarray(repeats_in_doc) == 0) & (np.asarray(n_chars) > 0)


def distinct_lines(b: Batch) -> np.ndarray:
    """Non-empty lines that occur once in their document."""
    return is_distinct(b.feature("repeats_in_doc"), b.n_chars)


def _distinct_neighbour_feature(base: str, direction: int) -> Callable[[Batch], np.ndarray]:
    def feature(b: Batch) -> np.ndarray:
        return b.value_at(b.feature(base), b.nearest_distinct[direction])

    return feature


def _distinct_neighbour_distance(direction: int) -> Callable[[Batch], np.ndarray]:
    def feature(b: Batch) -> np.ndarray:
        return b.distance_from_nearest(b.nearest_distinct[direction], DISTANCE_CAP)

    return feature


DISTINCT_NEIGHBOUR_FEATURES: dict[str, Callable[[Batch], np.ndarray]] = {
    **{
        f"{side}_distinct_{base}": _distinct_neighbour_feature(base, direction)
        for side, direction in (("prev", -1), ("next", +1))
        for base in DISTINCT_NEIGHBOUR_BASES
    },
    "lines_since_distinct": _distinct_neighbour_distance(-1),
    "lines_until_distinct": _distinct_neighbour_distance(+1),
}

def blank_before(b: Batch) -> np.ndarray:
    """A blank line stood before this line in the dump (a paragraph starts)."""
    return (b.blank_before > 0).astype(np.float64)


def blank_after(b: Batch) -> np.ndarray:
    return b.shifted(b.feature("blank_before"), +1, missing=0.0)


def physical_lines(b: Batch) -> np.ndarray:
    """How many physical lines of a hard-wrapped paragraph this line joins (1: not wrapped)."""
    return b.physical_lines.astype(np.float64)


def doc_blank_share(b: Batch) -> np.ndarray:
    """Share of the document's lines after a blank line: how its converter lays text out."""
    return b.doc_mean(b.feature("blank_before"))


def doc_wrapped_share(b: Batch) -> np.ndarray:
    """Share of the document's lines that join a wrapped paragraph (a text browser's dump)."""
    return b.doc_mean(b.physical_lines > 1)


def link_char_share(b: Batch) -> np.ndarray:
    """Share of the line's visible characters inside link text: link density, the strongest
    cue of the HTML extractors, read off Markdown's ``[text](url)``."""
    return _ratio(b.markup.link_chars, b.n_chars - b.count_class(SPACE))


def n_links(b: Batch) -> np.ndarray:
    """Links on the line: Markdown links and autolinks, and lynx's link numbers."""
    return b.markup.links


def link_only(b: Batch) -> np.ndarray:
    """The line is links and nothing else but bullets and separators (a menu's line)."""
    if b.markup.unlinked_alnum is None:
        return np.zeros(b.n)
    return ((b.markup.links > 0) & (b.markup.unlinked_alnum == 0)).astype(np.float64)


def has_image(b: Batch) -> np.ndarray:
    return (b.markup.images > 0).astype(np.float64)


def heading_level(b: Batch) -> np.ndarray:
    """Markdown heading level (``#`` .. ``######`` and a space), 0 for other lines."""
    level = np.zeros(b.n)
    candidates = np.flatnonzero(b.first_char == ord("#")).tolist()
    for i, line in zip(candidates, b.visible_lines_at(candidates)):
        hashes = len(line) - len(line.lstrip("#"))
        if hashes <= 6 and line[hashes : hashes + 1] in (" ", "\t"):
            level[i] = hashes
    return level


_NUMBERED_ITEM = re.compile(r"\d{1,3}[.)][ \t]")


def numbered_item(b: Batch) -> np.ndarray:
    """Starts like an item of a numbered list ("1. ", "12) "): lynx and Markdown number them."""
    hit = np.zeros(b.n)
    match = _NUMBERED_ITEM.match
    candidates = np.flatnonzero(b.starts_with_digit).tolist()
    hit[[i for i, line in zip(candidates, b.visible_lines_at(candidates)) if match(line)]] = 1.0
    return hit


def doc_link_share(b: Batch) -> np.ndarray:
    return b.doc_mean(b.feature("link_char_share"))


# Markup that converters keep (boilerkit.markup): links, headings, list items, images.
MARKUP_FEATURES: dict[str, Callable[[Batch], np.ndarray]] = {
    **{f.__name__: f for f in (link_char_share, n_links, link_only, has_image, heading_level, numbered_item)},
    **{f"{'prev' if offset < 0 else 'next'}{abs(offset)}_link_char_share": _neighbour_feature("link_char_share", offset)
       for offset in (-1, 1)},
    **{f"window{width}_link_char_share": _window_feature("link_char_share", width) for width in WINDOWS},
    "doc_link_share": doc_link_share,
}

def _convention_feature(name: str) -> Callable[[Batch], np.ndarray]:
    column = CONVENTIONS.index(name)

    def feature(b: Batch) -> np.ndarray:
        if b.conventions is None:
            return np.full(b.n, as_row(cleaning_convention(b.clean_as))[column])
        return np.asarray(b.conventions, dtype=np.float64)[:, column]

    return feature


# What the gold of a training page counts as content where benchmarks disagree; on pages to
# clean, boilerkit's own convention (boilerkit.conventions).
CONVENTION_FEATURES: dict[str, Callable[[Batch], np.ndarray]] = {
    f"gold_keeps_{name}": _convention_feature(name) for name in CONVENTIONS
}

# How the dump was laid out (boilerkit.layout): paragraphs after blank lines, wrapped ones joined.
LAYOUT_FEATURES: dict[str, Callable[[Batch], np.ndarray]] = {
    f.__name__: f for f in (blank_before, blank_after, physical_lines, doc_blank_share, doc_wrapped_share)
}

SHARED_WORD_FEATURES: dict[str, Callable[[Batch], np.ndarray]] = {
    "shared_with_long": shared_with_long,
    "window3_shared_with_long": _window_feature("shared_with_long", 3),
}

FEATURES: dict[str, Callable[[Batch], np.ndarray]] = {
    **LINE_FEATURES,
    **CONTEXT_FEATURES,
    **POSITION_FEATURES,
    **DOCUMENT_FEATURES,
    # last: adding them left every other column where it was
    **LEXICAL_CONTEXT_FEATURES,
    **SHARED_WORD_FEATURES,
    **DISTINCT_NEIGHBOUR_FEATURES,
    "cjk_function_ratio": cjk_function_ratio,
    **LAYOUT_FEATURES,
    **MARKUP_FEATURES,
    **CONVENTION_FEATURES,
}


def compute_features(
    X,
    names: Sequence[str] | None = None,
    line_counts: dict[str, int] | None = None,
    token_weights: np.ndarray | None = None,
    compiled: bool | None = None,
    batch: Batch | None = None,
    word_rule: str = "spaces",
    convention: dict[str, bool] | None = None,
) -> np.ndarray:
    """The feature matrix of the model's input ``X`` (see :func:`split_rows`);
    ``line_counts`` and ``token_weights`` are learned by :class:`LineFeatures`, and so is
    ``word_rule`` set (:data:`WORD_RULES`); ``compiled``:
    see :func:`make_batch` (the same matrix either way).  ``batch``: ``X``'s batch where the
    caller has it already (see :func:`boilerkit.layout.features_of_rows`).  ``convention``:
    what to clean by (:func:`boilerkit.conventions.cleaning_convention`)."""
    if batch is None:
        batch = batch_of(X, compiled)
    batch.use_word_rule(word_rule)
    batch.clean_as = convention
    batch.line_counts = line_counts or {}
    batch.token_weights = token_weights
    return feature_matrix(batch, names)


def feature_matrix(batch: Batch, names: Sequence[str] | None = None) -> np.ndarray:
    names = list(FEATURES) if names is None else list(names)
    matrix = np.empty((batch.n, len(names)), dtype=np.float32, order=batch.matrix_order)
    for column, name in enumerate(names):
        matrix[:, column] = batch.feature(name)
    return matrix


LEXICAL_FEATURES = ("lexical_mean", "lexical_min", "lexical_max")
# Folds (by document) of the cross-fitted word weights of the training lines.
LEXICAL_FOLDS = 5


def __getattr__(name: str):
    # The transformer lives in boilerkit.transformer (it needs scikit-learn, whose import
    # takes seconds; the features and the compiled model do not) and keeps this module as
    # its name, so models pickled with it load, and save, as before.
    if name == "LineFeatures":
        from .transformer import LineFeatures

        return LineFeatures
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

