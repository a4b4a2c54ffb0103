"""From a dump's physical lines to the lines the model classifies, and back.

Converters lay the same page out differently.  Two differences matter for a line model:

* **Blank lines.**  Markdown, text browsers and most converters separate paragraphs with a
  blank line; WET records and the shared data's dumps have none.  A blank line is neither
  content nor clutter, and next to one a line's neighbours would be nothing.  So blank
  lines are taken out, each remaining line knowing whether one stood before it, and they
  get their probability back from the lines around them: the lower of the nearest lines
  before and after, so a blank line is content only between content, as the labels have it.
* **Hard-wrapped paragraphs.**  A text browser's ``-dump`` (lynx, w3m) breaks every
  paragraph into lines of at most 80 columns.  Such a line of 12 words, without its
  sentence's end, looks like a menu item or a headline to features made for one paragraph a
  line.  So the lines of a wrapped paragraph are joined into one *logical line*, the
  features and the classifier see the paragraph, and every physical line of it gets the
  paragraph's probability.

A document is taken as hard-wrapped when many of its lines fill a width of 60-160 columns
and do not end a sentence there (:func:`read_wrap`); a line then continues into the next
when the next line's first word would not have fitted after it (how greedy wrapping breaks
lines).  Dumps that are not wrapped are left one line a line.  Chinese and Japanese are
written without spaces and broken between any two letters: there the next line's first
"word" is its first letter, and the lines are joined without a space.

The logical rows are the model's input rows (see :func:`boilerkit.features.split_rows`)
with two more columns: blank lines before the line, and how many physical lines it joins.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .features import (BULLETS, CJK, SPACE, WORDLESS, Batch, DocumentIndex, char_class_table, make_batch,
                       numbered_item, run_numbers, split_rows)
from .markup import BROKEN_LINK_TARGET, OPEN_LINK_TARGET

# Greedy wrapping fills lines to a width: 72-80 columns for text browsers and mail, up to
# ~132 for wide terminals.  Narrower "widths" are short lines (menus), wider ones prose.
MIN_WRAP_WIDTH = 60
MAX_WRAP_WIDTH = 160
# Lines of at least this many words tell the width (shorter ones end early on purpose).
WIDTH_LINE_MIN_WORDS = 4
# ... and so do lines of at least this many letters of a script written without spaces
# (kana, Han: features.WORDLESS), which a wrapping tool breaks between any two letters.
WIDTH_LINE_MIN_WORDLESS = 8
# The width is the longest such line after leaving out this share of the longest: a URL or
# another unbreakable word can stick out of a wrapped paragraph.
WIDTH_OUTLIER_SHARE = 0.02
# A "full" line reaches within this share of the width.
FULL_LINE_SLACK = 0.15
# A wrapped document has at least this many full lines, and at least this share of them do
# not end a sentence (a paragraph is broken mid-sentence; a page of unwrapped paragraphs
# has its longest lines end with a full stop).
MIN_FULL_LINES = 3
MIN_FULL_LINES_OPEN = 0.5
# Text broken anywhere (between two kana or Han letters) fills its lines to the width, but
# for a letter that may not begin a line (。、」) or a wide letter that would overflow it:
# such a line is full within these columns.  Within FULL_LINE_SLACK, Japanese pages of
# one-sentence paragraphs ending 5-10 letters short of the width looked as if they ended
# the wrapped lines (lynx, YomiuriShimbun: 12 of 28 open).
ANYWHERE_FULL_LINE_SLACK = 3
# A page is read as CJK (measured in columns, broken anywhere) when at least this share of
# the lines that tell its width are CJK lines.
CJK_SHARE = 0.25


@dataclass
class Layout:
    """The logical rows of a dump (``rows``: document, line, blank lines before, physical
    lines joined) and, for each physical row, its logical row (``logical``, -1 for a blank
    line) and document (``doc_ids``)."""

    rows: np.ndarray
    logical: np.ndarray
    doc_ids: np.ndarray
    # non-whitespace characters of each physical line (the weight a line has in the scores)
    chars: np.ndarray
    # the Batch of the kept physical lines, which the layout was found with
    batch: Batch | None = None

    @property
    def n_physical(self) -> int:
        return len(self.logical)


# East Asian wide and fullwidth letters, digits and punctuation (Unicode's East Asian Width
# W or F): a terminal gives each two columns.  Symbols (emoji) are left out, on which
# terminals and text browsers disagree.  Tested against unicodedata.
WIDE_RANGES = (
    (0x1100, 0x115F),  # Hangul Jamo (leading consonants)
    (0x2329, 0x232A),  # angle brackets
    (0x2E80, 0x303E),  # CJK radicals, ideographic description, CJK symbols and punctuation
    (0x3041, 0x3247),  # kana, Bopomofo, Hangul compatibility Jamo, Kanbun, enclosed CJK...
    (0x3250, 0x4DBF),  # ... (but for the ambiguous circled numbers), CJK compatibility, extension A
    (0x4E00, 0xA4CF),  # CJK unified ideographs, Yi
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE10, 0xFE19),  # vertical forms
    (0xFE30, 0xFE6F),  # CJK compatibility forms, small form variants
    (0xFF00, 0xFF60),  # fullwidth forms
    (0xFFE0, 0xFFE6),
    (0x16FE0, 0x16FE4), (0x16FF0, 0x16FF1), (0x17000, 0x18D08),  # Tangut, Khitan, ideographic marks
    (0x1AFF0, 0x1B2FF),  # kana supplements, Nushu
    (0x20000, 0x2FFFD), (0x30000, 0x3FFFD),  # CJK extensions B and later
)
_WIDE_BOUNDS = np.array([bound for low, high in WIDE_RANGES for bound in (low, high + 1)], dtype=np.uint32)
# Hangul is wide but written with spaces: Korean is broken between words, like English.
HANGUL_RANGES = ((0x1100, 0x115F), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7A3))
_HANGUL_BOUNDS = np.array([bound for low, high in HANGUL_RANGES for bound in (low, high + 1)], dtype=np.uint32)


def _in_ranges(codes: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    return (np.searchsorted(bounds, codes, side="right") & 1) == 1


def is_wide(codes: np.ndarray) -> np.ndarray:
    """Whether each code point takes two columns in a terminal (:data:`WIDE_RANGES`)."""
    return _in_ranges(codes, _WIDE_BOUNDS)


def breaks_anywhere(codes: np.ndarray) -> np.ndarray:
    """Whether a wrapping tool may break a line before or after each code point without a
    space: the wide letters and punctuation of Chinese and Japanese, not Korean's."""
    return is_wide(codes) & ~_in_ranges(codes, _HANGUL_BOUNDS)


def wide_characters(lines: list[str]) -> np.ndarray:
    """How many wide code points (:func:`is_wide`) each line holds."""
    if not lines:
        return np.zeros(0, dtype=np.int64)
    codes = np.frombuffer(("\n" + "\n".join(lines)).encode("utf-32-le"), dtype=np.uint32)
    starts = np.r_[0, np.cumsum(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)) + 1)[:-1]]
    wide = is_wide(codes).view(np.uint8)
    return np.add.reduceat(wide, starts, dtype=np.int64)  # each segment's "\n" is narrow


def _blank_lines(lines: list[str]) -> np.ndarray:
    # empty or all whitespace, as `not line.strip()` says, in C loops (map over str methods)
    # rather than a generator: apply's threads run Python loops one at a time (the GIL)
    n = len(lines)
    empty = np.fromiter(map(len, lines), dtype=np.int64, count=n) == 0
    return empty | np.fromiter(map(str.isspace, lines), dtype=bool, count=n)


def _object_array(items: list) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _blank_lines_before(is_blank: np.ndarray, kept: np.ndarray, doc_ids: np.ndarray) -> np.ndarray:
    """For each kept line, the blank lines since the previous kept line of its document."""
    blank_run = np.cumsum(is_blank)
    previous = np.r_[-1, kept[:-1]][: len(kept)]
    has_previous = previous >= 0
    has_previous[has_previous] = doc_ids[previous[has_previous]] == doc_ids[kept[has_previous]]
    before = blank_run[kept] - blank_run[np.maximum(previous, 0)]
    return np.where(has_previous, before, 0)  # blank lines at a document's start separate nothing


def _kth_largest_per_document(values: np.ndarray, doc: np.ndarray, eligible: np.ndarray, n_docs: int) -> np.ndarray:
    """Per document, the largest eligible value after leaving out WIDTH_OUTLIER_SHARE of the
    largest (0 for a document without eligible values)."""
    out = np.zeros(n_docs)
    rows = np.flatnonzero(eligible)
    if len(rows) == 0:
        return out
    order = rows[np.lexsort((-values[rows], doc[rows]))]
    docs = doc[order]
    first = np.r_[0, np.flatnonzero(docs[1:] != docs[:-1]) + 1]
    counts = np.diff(np.r_[first, len(order)])
    skip = np.minimum((counts * WIDTH_OUTLIER_SHARE).astype(np.int64), counts - 1)
    out[docs[first]] = values[order[first + skip]]
    return out


@dataclass
class Wrap:
    """How each line's document is wrapped (:func:`read_wrap`)."""

    width: np.ndarray  # the document's wrap width, 0 where it is not wrapped
    line_width: np.ndarray  # the line's width in the unit of ``width``: characters, or display columns
    in_columns: np.ndarray  # whether the document is measured in display columns
    anywhere: np.ndarray  # whether its text is broken anywhere, between any two CJK letters


def read_wrap(batch: Batch, widths: np.ndarray, unbreakable: np.ndarray | None = None,
              lines: list[str] | None = None) -> Wrap:
    """How each line's document is wrapped, from its lines' ``widths`` (characters); lines
    ``unbreakable`` do not tell the width (:func:`holds_link_target`, :func:`holds_url`).

    The width is read from the lines of enough words (:func:`_document_widths`).  A document
    that does not look wrapped is read again without its list items: html2text wraps
    paragraphs and leaves list items whole (its ``wrap_list_items`` is off by default), and
    on a page of long items more of them stick out than the outliers left out.  Of the shared
    pages' 2,934 dumps a converter, 362 more of html2text's wrapped Markdown are found wrapped
    so, and 93 more of lynx's (whose widest lines were items); 1-3 more of each converter that
    does not wrap.

    Given the batch's raw ``lines``, pages in Chinese, Japanese and Korean are read as the
    tool that wrapped them measured:

    * Chinese and Japanese have no spaces to break at.  lynx and w3m break them anywhere,
      between any two letters, and fill every line to the width; html2text breaks at spaces
      only and leaves a paragraph without one whole.  Where the page's lines broken anywhere
      (:func:`broken_anywhere`) read as wrapped on their own, the page is taken as broken
      anywhere, at that width; otherwise its width is read as any page's.
    * lynx counts characters, w3m display columns (a wide letter takes two: :func:`is_wide`;
      w3m wraps Japanese at 39 letters, 78 columns).  A page of CJK letters that does not
      look wrapped in characters is read again in columns.
    """
    n_docs = int(batch.doc[-1]) + 1 if batch.n else 0
    kept = np.ones(batch.n, dtype=bool) if unbreakable is None else ~unbreakable
    spaced = kept & (batch.n_space_words >= WIDTH_LINE_MIN_WORDS)
    width = _document_widths_or_without_items(batch, widths, spaced, n_docs)
    wrap = Wrap(width[batch.doc], widths, np.zeros(batch.n, dtype=bool), np.zeros(batch.n, dtype=bool))
    cjk_lines = batch.count_class(CJK) >= WIDTH_LINE_MIN_WORDLESS
    if lines is None or not cjk_lines.any():  # most batches: one test
        return wrap
    cjk_docs = _documents_with(cjk_lines, batch, n_docs)
    if not cjk_docs.any():
        return wrap
    rows = np.flatnonzero(cjk_docs[batch.doc])
    columns = widths.copy()
    columns[rows] += wide_characters([lines[i].rstrip() for i in rows.tolist()])
    anywhere_lines = kept & broken_anywhere(batch) & cjk_docs[batch.doc]
    # in the measure that more lines fill: a page of Japanese with Latin words has lines of
    # 37-64 characters that w3m filled to 78-79 columns
    anywhere, evidence = _read_widths(batch, widths, anywhere_lines, n_docs, ANYWHERE_FULL_LINE_SLACK)
    anywhere_in_columns, evidence_in_columns = _read_widths(batch, columns, anywhere_lines, n_docs,
                                                            ANYWHERE_FULL_LINE_SLACK)
    anywhere = np.where(evidence >= evidence_in_columns, anywhere, 0.0)
    anywhere_in_columns = np.where(anywhere == 0, anywhere_in_columns, 0.0)
    spaced_in_columns = np.where((width == 0) & (anywhere == 0) & (anywhere_in_columns == 0) & cjk_docs,
                                 _document_widths_or_without_items(batch, columns, spaced & cjk_docs[batch.doc],
                                                                   n_docs), 0.0)
    in_columns = (anywhere_in_columns > 0) | (spaced_in_columns > 0)
    width = np.select([anywhere > 0, anywhere_in_columns > 0, spaced_in_columns > 0],
                      [anywhere, anywhere_in_columns, spaced_in_columns], width)
    return Wrap(width[batch.doc], np.where(in_columns[batch.doc], columns, widths), in_columns[batch.doc],
                ((anywhere > 0) | (anywhere_in_columns > 0))[batch.doc])


def _documents_with(lines: np.ndarray, batch: Batch, n_docs: int) -> np.ndarray:
    """The documents in which ``lines`` are at least MIN_FULL_LINES and a quarter of the
    lines of enough words or letters to tell a width: a page written in CJK, not a page with
    a menu of languages or a spam comment in Japanese."""
    count = np.bincount(batch.doc, weights=lines, minlength=n_docs)
    telling = (batch.n_space_words >= WIDTH_LINE_MIN_WORDS) | broken_anywhere(batch)
    return (count >= MIN_FULL_LINES) & (count >= CJK_SHARE * np.bincount(batch.doc, weights=telling,
                                                                          minlength=n_docs))


def broken_anywhere(batch: Batch) -> np.ndarray:
    """Lines of enough letters of a script written without spaces (kana, Han: at least
    :data:`WIDTH_LINE_MIN_WORDLESS`) to tell a width where a tool breaks between any two."""
    return batch.count_class(WORDLESS) >= WIDTH_LINE_MIN_WORDLESS


def _document_widths_or_without_items(batch: Batch, widths: np.ndarray, counted: np.ndarray,
                                      n_docs: int) -> np.ndarray:
    """Each document's wrap width (:func:`_document_widths`), read again without the list
    items where it is 0."""
    width = _document_widths(batch, widths, counted, n_docs)
    if (width == 0).any():
        items = counted & list_items(batch)
        # only documents with an item among their counted lines can read otherwise
        again = (width == 0) & (np.bincount(batch.doc, weights=items, minlength=n_docs) > 0)
        if again.any():
            without_items = _document_widths(batch, widths, counted & ~items & again[batch.doc], n_docs)
            width = np.where(again, without_items, width)
    return width


def _document_widths(batch: Batch, widths: np.ndarray, counted: np.ndarray, n_docs: int) -> np.ndarray:
    """Each document's wrap width read from its ``counted`` lines, 0 where not wrapped."""
    return _read_widths(batch, widths, counted, n_docs)[0]


def _read_widths(batch: Batch, widths: np.ndarray, counted: np.ndarray, n_docs: int,
                 slack: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each document's wrap width read from its ``counted`` lines (0 where not wrapped), and
    how many of them fill it without ending a sentence; ``slack``: the columns a full line
    may end short of the width (FULL_LINE_SLACK of it if None)."""
    width = _kth_largest_per_document(widths, batch.doc, counted, n_docs)
    line_width = width[batch.doc]
    full = counted & (widths >= line_width - (line_width * FULL_LINE_SLACK if slack is None else slack))
    n_full = np.bincount(batch.doc, weights=full, minlength=n_docs)
    open_full = np.bincount(batch.doc, weights=full & (batch.ends_terminal == 0), minlength=n_docs)
    wrapped = ((width >= MIN_WRAP_WIDTH) & (width <= MAX_WRAP_WIDTH) & (n_full >= MIN_FULL_LINES)
               & (open_full >= MIN_FULL_LINES_OPEN * np.maximum(n_full, 1)))
    return np.where(wrapped, width, 0.0), np.where(wrapped, open_full, 0.0)


_BULLET_CODES = np.array(sorted(map(ord, BULLETS)), dtype=np.uint32)


def bulleted(batch: Batch) -> np.ndarray:
    """Lines that begin with a bullet and a space (``* item``, ``• item``)."""
    return np.isin(batch.first_char, _BULLET_CODES) & (batch.second_char == ord(" "))


def list_items(batch: Batch) -> np.ndarray:
    """Lines that begin like a list item: a bullet and a space, or a number (``1. ``, ``2) ``)."""
    return bulleted(batch) | (numbered_item(batch) > 0)


def holds_link_target(lines: list[str]) -> np.ndarray:
    """Lines holding a Markdown link target (``](``).  A wrapping tool breaks a URL only at a
    hyphen or a slash, if at all (:func:`broken_targets`): in html2text's Markdown wrapped at
    78 columns, a line with a link target runs to 100 or 400, and read as the width, those
    lines made the paragraphs look unwrapped (461 of WCXB's 900 pages had a paragraph
    joined, against 887 of lynx's)."""
    return _containing(lines, "](")


def holds_url(lines: list[str]) -> np.ndarray:
    """Lines holding a URL (``://``, ``mailto:``).  Text browsers never break one: lynx's
    reference list (``  6. https://twitter.com/intent/tweet?text=India fires missiles...``)
    runs to 120-230 columns where a share URL's query holds spaces, and on 45 of the shared
    pages' 2,934 lynx dumps those lines set the width (121 to 183 instead of 80), so no
    paragraph of the article was joined (``fundus/ca/NationalPost_2025_05_08``)."""
    # both hold a colon, which 13% of lines do: two scans of those instead of all (0.17 ->
    # 0.08 us a line on lines.jsonl.gz)
    with_colon = np.flatnonzero(_containing(lines, ":"))
    candidates = [lines[i] for i in with_colon.tolist()]
    url = np.zeros(len(lines), dtype=bool)
    url[with_colon] = _containing(candidates, "://") | _containing(candidates, "mailto:")
    return url


def _containing(lines: list[str], text: str) -> np.ndarray:
    # a C loop (map over a str method): apply's threads run Python loops one at a time
    return np.fromiter(map(operator.contains, lines, itertools.repeat(text)), dtype=bool, count=len(lines))


# A broken link target spans at most this many lines (its first and the lines of URL after it).
MAX_TARGET_LINES = 16


def broken_targets(lines: list[str], batch: Batch, candidates: np.ndarray) -> np.ndarray:
    """Whether each line continues into the next because a Markdown link target is broken
    between them (:data:`boilerkit.markup.BROKEN_LINK_TARGET`, as
    :func:`boilerkit.markup.visible_lines` reads it): in the same document, no blank line
    between.  ``candidates``: the lines holding ``](`` (:func:`holds_link_target`), the
    only ones a broken target can begin on.  Wrapped or not, such lines are one link."""
    joins = np.zeros(batch.n, dtype=bool)
    opened = [i for i in np.flatnonzero(candidates).tolist() if OPEN_LINK_TARGET.search(lines[i])]
    if not opened:
        return joins
    # where each line's run ends: the next line of another document or after a blank line
    starts_run = np.r_[(batch.doc[1:] != batch.doc[:-1]) | (batch.blank_before[1:] > 0), True]
    run_end = np.minimum.accumulate(np.where(starts_run, np.arange(1, batch.n + 1), batch.n)[::-1])[::-1]
    for i, stop in zip(opened, np.minimum(run_end[opened], np.array(opened) + MAX_TARGET_LINES).tolist()):
        text = "\n".join(lines[i:stop])
        match = BROKEN_LINK_TARGET.match(text, text.rfind("](", 0, len(lines[i])))
        if match is not None:
            joins[i:i + match.group(0).count("\n")] = True
    return joins


def raw_first_words(lines: list[str], rows: np.ndarray) -> np.ndarray:
    """The length of the first word of ``lines[i]`` as written, link target and all, for
    each ``i`` in ``rows`` (a few lines: those holding a link target)."""
    return np.array([len(lines[i].split(None, 1)[0]) if lines[i].strip() else 0 for i in rows.tolist()],
                    dtype=np.int64)


def continues_next(batch: Batch, widths: np.ndarray, lines: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Whether each line is wrapped into the next one: same document, no blank line between,
    and the next line's first word would not have fitted after it (:func:`read_wrap`); and
    whether the two are joined without a space (Chinese and Japanese broken anywhere).

    Given the batch's raw ``lines``, those holding a link target or a URL do not set the
    width; a link target's line has its first word measured as written: a wrapping tool
    moved the whole link to the next line, not only its visible text; and a line whose link
    target is broken continues into the next, wrapped or not (:func:`broken_targets`)."""
    targets = None if lines is None else holds_link_target(lines)
    wrap = read_wrap(batch, widths, None if lines is None else targets | holds_url(lines), lines)
    follows = np.zeros(batch.n, dtype=bool)
    tight = np.zeros(max(batch.n - 1, 0), dtype=bool)
    if batch.n < 2:
        return follows, tight
    first_word = batch.first_word_len
    has_targets = targets is not None and targets.any()
    if has_targets:
        rows = np.flatnonzero(targets)
        first_word = first_word.copy()
        first_word[rows] = np.maximum(first_word[rows], raw_first_words(lines, rows))
    next_first_word = first_word[1:]
    if wrap.in_columns.any() or wrap.anywhere.any():
        tight, next_first_word = _next_words_as_wrapped(batch, lines, first_word, wrap)
    space = np.where(tight, 0, 1)
    next_is_item = bulleted(batch)[1:]
    follows[:-1] = ((wrap.width[:-1] > 0) & (batch.doc[1:] == batch.doc[:-1]) & (batch.blank_before[1:] == 0)
                    & (wrap.line_width[:-1] + space + next_first_word > wrap.width[:-1]) & ~next_is_item)
    if has_targets:
        follows |= broken_targets(lines, batch, targets)
    return follows, tight & follows[:-1]


def _next_words_as_wrapped(batch: Batch, lines: list[str], first_word: np.ndarray, wrap: Wrap):
    """Where each line and the next meet without a space, and the next line's first word as
    its wrapping tool saw it, in its document's unit (``first_word``: characters).

    In Chinese and Japanese broken anywhere (``wrap.anywhere``), a line that ends in, or is
    followed by, a letter that breaks anywhere (:func:`breaks_anywhere`) could have been
    broken there without a space, and the next line's first word runs to its first space or
    such letter (:func:`first_unbroken_runs`).  Elsewhere the break was at a space and the
    word runs to the next space: lynx breaks a line holding a space only at a space
    (``...App Storeおよび、Google`` / ``Playにて販売され、...``), w3m anywhere."""
    rows = np.flatnonzero(wrap.in_columns | wrap.anywhere)
    characters, columns, to_space, to_space_in_columns = first_unbroken_runs([lines[i] for i in rows.tolist()])
    in_columns = wrap.in_columns[rows]
    unbroken, spaced = first_word.copy(), first_word.copy()
    unbroken[rows] = np.where(in_columns, columns, characters)
    spaced[rows] = np.where(in_columns, to_space_in_columns, np.maximum(first_word[rows], to_space))
    tight = wrap.anywhere[:-1] & (breaks_anywhere(batch.last_char[:-1]) | breaks_anywhere(batch.first_char[1:]))
    return tight, np.where(tight, unbroken[1:], spaced[1:])


def first_unbroken_runs(lines: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first run of each line (its indentation left out) that a tool breaking CJK text
    anywhere would not break, in characters and in display columns: up to the first space,
    or the first letter that breaks anywhere (:func:`breaks_anywhere`), or that letter alone
    where the line starts with one; then the first run up to a space, in characters and in
    columns."""
    stripped = [line.strip() for line in lines]
    if not stripped:
        return tuple(np.zeros(0, dtype=np.int64) for _ in range(4))
    codes = np.frombuffer(("\n" + "\n".join(stripped) + "\n").encode("utf-32-le"), dtype=np.uint32)
    starts = np.cumsum(np.r_[1, np.fromiter(map(len, stripped), dtype=np.int64, count=len(stripped))[:-1] + 1])
    table = char_class_table()  # SPACE: what str.split breaks at (no code point beyond the table is one)
    space = (table[np.minimum(codes, len(table) - 1)] & SPACE) != 0  # every "\n" is one
    anywhere = breaks_anywhere(codes)
    wide_before = np.r_[0, np.cumsum(is_wide(codes))]
    stops = np.flatnonzero(anywhere | space)
    ends = stops[np.searchsorted(stops, starts)]
    ends = np.where((ends == starts) & anywhere[starts], starts + 1, ends)
    spaces = np.flatnonzero(space)
    space_ends = spaces[np.searchsorted(spaces, starts)]
    return (ends - starts, ends - starts + wide_before[ends] - wide_before[starts],
            space_ends - starts, space_ends - starts + wide_before[space_ends] - wide_before[starts])


def logical_rows(X, compiled: bool | None = None) -> Layout:
    """The :class:`Layout` of the model's input ``X`` (see :func:`boilerkit.features.split_rows`);
    ``compiled``: how its batch is made (see :func:`boilerkit.features.make_batch`)."""
    doc_ids, lines = split_rows(X)
    is_blank = _blank_lines(lines)
    kept = np.flatnonzero(~is_blank)
    texts = _object_array(lines)[kept]
    kept_lines = texts.tolist()
    # numbered 0, 1, ... as split_rows numbers the rows' documents, so that the batch is
    # the rows' own when nothing is joined (a document of blank lines leaves no gap)
    kept_docs = run_numbers(doc_ids[kept])
    batch = make_batch(kept_docs, kept_lines, blank_before=_blank_lines_before(is_blank, kept, doc_ids),
                       compiled=compiled)
    widths = np.fromiter(map(len, map(str.rstrip, kept_lines)), dtype=np.float64, count=len(kept))
    joins, tight = continues_next(batch, widths, kept_lines)
    starts = np.flatnonzero(np.r_[True, ~joins[:-1]]) if len(kept) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(kept)])
    rows = np.empty((len(starts), 4), dtype=object)
    rows[:, 0] = batch.doc[starts]
    rows[:, 1] = texts[starts]
    for row in np.flatnonzero(sizes > 1).tolist():  # only the wrapped paragraphs are joined
        start, stop = int(starts[row]), int(starts[row] + sizes[row])
        rows[row, 1] = _joined(kept_lines[start:stop], tight[start:stop - 1])
    rows[:, 2] = batch.blank_before[starts]
    rows[:, 3] = sizes
    logical = np.full(len(lines), -1, dtype=np.int64)
    logical[kept] = np.repeat(np.arange(len(starts)), sizes)
    chars = np.zeros(len(lines))
    chars[kept] = batch.n_chars - batch.count_class(SPACE)
    return Layout(rows, logical, doc_ids, chars, batch)


# Above this share of a batch's kept lines in documents with a joined paragraph, the rows'
# features are computed from a batch of their own (see features_of_rows).
MAX_REDONE_SHARE = 0.5


def features_of_rows(layout: Layout, features: Callable[..., np.ndarray]) -> np.ndarray:
    """``features(layout.rows)``, reusing the batch the layout was found with.

    ``features(X, batch=None)`` gives the feature matrix of rows ``X``, from ``batch`` when
    given (then ``batch`` is ``X``'s).  Making a batch (the character scan, the words, the
    markup) is about half of the features' cost, and the layout's batch is the rows' own
    wherever no paragraph was joined.  The features of a line depend on its document alone,
    so the documents without a joined paragraph take their rows from the layout's batch,
    and only the others get a batch of their logical rows; where those are most of the
    lines (a text browser's dumps), all rows get their own batch, as the reference does.
    The layout's batch is used up.
    """
    # taken from the layout: the batch caches every column it computes (float64, 1.3 kB a
    # line), which would otherwise live on with the layout while the trees run (peak memory
    # of apply 429 -> 546 MB)
    rows, batch = layout.rows, layout.batch
    layout.batch = None
    if batch is None or batch.n == len(rows):  # nothing joined
        return features(rows, batch=batch)
    row_docs = rows[:, 0].astype(np.int64)
    joined_docs = np.unique(row_docs[rows[:, 3].astype(np.int64) > 1])
    in_joined_doc = np.isin(batch.doc, joined_docs)
    if in_joined_doc.mean() > MAX_REDONE_SHARE:
        return features(rows)
    redone_rows = np.isin(row_docs, joined_docs)
    matrix = features(None, batch=batch)  # the layout's batch: the kept lines, in the rows' documents
    redone = features(rows[redone_rows])
    # Runs of documents with and without a joined paragraph come in the same order among the
    # rows and the batch's lines, a run of rows never after its lines: moved into place run
    # by run, in the matrix already written (a new one cost as much again in page faults),
    # never over lines a later run still reads.
    row_runs, line_runs = _runs_of(redone_rows), _runs_of(in_joined_doc)
    copied = 0
    for (start, stop), (line_start, line_stop) in zip(row_runs, line_runs):
        if redone_rows[start]:
            matrix[start:stop] = redone[copied:copied + stop - start]
            copied += stop - start
        elif start != line_start:
            matrix[start:stop] = matrix[line_start:line_stop]  # numpy copies overlapping slices safely
    return matrix[:len(rows)]


def _runs_of(flags: np.ndarray) -> list[tuple[int, int]]:
    """The ``(start, stop)`` of each run of equal values of ``flags``."""
    bounds = np.flatnonzero(flags[1:] != flags[:-1]) + 1
    edges = [0, *bounds.tolist(), len(flags)]
    return list(zip(edges[:-1], edges[1:]))


def _joined(lines: list[str], tight: np.ndarray) -> str:
    """A wrapped paragraph as one line: its first line's indentation, then its words; no
    space where ``tight`` says a line and the next meet without one (:func:`continues_next`)."""
    first = lines[0]
    indent = first[: len(first) - len(first.lstrip())]
    if not tight.any():
        return indent + " ".join(line.strip() for line in lines)
    separators = np.where(tight, "", " ").tolist() + [""]
    return indent + "".join(line.strip() + separator for line, separator in zip(lines, separators))


def logical_labels(layout: Layout, y) -> np.ndarray:
    """The label of each logical row: that of the majority of its physical lines'
    non-whitespace characters (content on a tie)."""
    y = np.asarray(y)
    kept = layout.logical >= 0
    if len(layout.rows) == kept.sum():  # nothing joined: one label a row
        return y[kept]
    row, chars = layout.logical[kept], layout.chars[kept] + 1e-9  # lines without characters still vote
    content = np.bincount(row, weights=chars * (y[kept] == 1), minlength=len(layout.rows))
    total = np.bincount(row, weights=chars, minlength=len(layout.rows))
    return (content >= total / 2).astype(y.dtype)


def logical_means(layout: Layout, values) -> np.ndarray:
    """A per-line value (a sample weight) for each logical row: the mean over its physical lines."""
    kept = layout.logical >= 0
    row = layout.logical[kept]
    sums = np.bincount(row, weights=np.asarray(values, dtype=np.float64)[kept], minlength=len(layout.rows))
    return sums / np.maximum(np.bincount(row, minlength=len(layout.rows)), 1)


def logical_firsts(layout: Layout, values) -> np.ndarray:
    """A per-line value (a group) for each logical row: that of its first physical line."""
    kept = np.flatnonzero(layout.logical >= 0)
    _, first = np.unique(layout.logical[kept], return_index=True)
    return np.asarray(values)[kept[first]]


def physical_probabilities(layout: Layout, p_logical: np.ndarray) -> np.ndarray:
    """Class probabilities of every physical row from those of the logical rows: a line of a
    joined paragraph takes the paragraph's, a blank line the lower content probability of the
    nearest lines before and after it in its document (0 where a side has none)."""
    n = layout.n_physical
    out = np.zeros((n, 2))
    out[:, 0] = 1.0
    kept = layout.logical >= 0
    if len(p_logical):
        out[kept] = p_logical[layout.logical[kept]]
    if kept.all():
        return out
    index = DocumentIndex(layout.doc_ids)
    blank = np.flatnonzero(~kept)
    content = out[:, 1]
    sides = [index.value_at(content, index.nearest(kept, direction)[blank], missing=0.0) for direction in (-1, +1)]
    out[blank, 1] = np.minimum(*sides)
    out[blank, 0] = 1.0 - out[blank, 1]
    return out
