r"""What a converter adds to a page's text: link targets, image syntax, link numbers, escapes.

Markdown converters (html2text and the scrapers built on it) write a link as
``[text](url "title")``, an image as ``![alt](src)`` (a linked image as
``[![alt](src)](href)``), a link whose text is its URL as ``<http://...>``, and put a backslash
before characters that Markdown would read as markup (``1\.``, ``\*``, ``\[``).  ``lynx -dump``
puts a link number before each link text (``[12]Home``).  None of that is text of the page:
:func:`visible_text` removes it and keeps what a reader of the page sees::

    [![Logo](/logo.png)](/) [Home](/ "Start page") | [12]News \*new\*   ->   Logo Home | News *new*

Every pattern stays inside one line (none matches ``\n``), so :func:`visible_text` of lines
joined by ``\n`` is the lines' visible texts joined by ``\n``: a whole batch can be cleaned in
one call and split again.

The patterns are public, for per-line features (share of a line's visible characters inside
link text, number of links, link-only lines, headings, list items and images):

* :data:`MARKDOWN_IMAGE`: groups ``alt``, ``src``, ``title``;
* :data:`MARKDOWN_LINK`: groups ``text`` (may hold an image: visible text is
  ``visible_text(match["text"])``), ``url``, ``title``;
* :data:`MARKDOWN_LINK_END`: groups ``url``, ``title``: the ``](url)`` that ends a link whose
  text began on an earlier line (a line of its own cannot see the ``[``; search for it only
  after removing the whole links);
* :data:`AUTOLINK`: group ``url`` (also its visible text);
* :data:`LYNX_LINK_NUMBER`: group ``number`` (only numbers glued to their link's text);
* :data:`MARKDOWN_ESCAPE`: group ``char`` (the escaped character);
* :data:`MARKDOWN_HEADING`: group ``level`` (the ``#`` run), at the start of a line;
* :data:`MARKDOWN_LIST_ITEM`: group ``marker`` (``*``, ``+``, ``-`` or ``1.``), at the start of
  a line after any indentation.

The two line-start patterns use ``re.MULTILINE``, so they find every line's marker in a batch
joined by ``\n`` too.

One thing crosses lines: a wrapping converter (html2text's default, 78 columns) breaks a long
link *target* at a hyphen or a slash, ``[Plan](/marathon-training-`` then
``plan/13-week-plan)``, and the second line is URL, not text.  :func:`visible_lines` takes
a dump's lines and removes such targets too (:data:`BROKEN_LINK_TARGET`), keeping one visible
line a line; :func:`boilerkit.layout.logical_rows` joins the lines of a broken target, so the
model sees the link whole.
"""

from __future__ import annotations

import re

# Pieces of the patterns.  A backslash escape (\] \( \\ ...) is one unit everywhere: html2text
# escapes brackets and parentheses inside alt texts, URLs and titles with it.
_ESCAPED = r"\\[^\n]"
_BRACKETED = rf"(?:{_ESCAPED}|[^\\\[\]\n])*"  # text up to an unescaped bracket
_TARGET = (
    rf"\((?P<{{url}}>(?:{_ESCAPED}|[^\\()\n])*?)"  # the URL, shortest first so a title can follow
    r"(?:[ \t]+\"(?P<{title}>[^\"\n]*)\")?\)"  # an optional "title"
)
_IMAGE = rf"!\[(?P<alt>{_BRACKETED})\]" + _TARGET.format(url="src", title="title")

MARKDOWN_IMAGE = re.compile(_IMAGE)
"""``![alt](src)`` or ``![alt](src "title")``: groups ``alt``, ``src``, ``title``."""

_IMAGE_UNNAMED = rf"!\[{_BRACKETED}\]\((?:{_ESCAPED}|[^\\()\n])*\)"
_LINK_TEXT = rf"(?:{_IMAGE_UNNAMED}|{_ESCAPED}|\[{_BRACKETED}\]|[^\\\[\]\n])*"
# Link text may hold an image, or brackets of its own ("[[PDF]](file.pdf)": html2text does not
# escape brackets in link text).
MARKDOWN_LINK = re.compile(rf"(?<!!)\[(?P<text>{_LINK_TEXT})\]" + _TARGET.format(url="url", title="title"))
"""``[text](url)`` or ``[text](url "title")``, also ``[![alt](src)](href)``: groups ``text``,
``url``, ``title``.  Not an image (no ``!`` before the bracket)."""

MARKDOWN_LINK_END = re.compile(r"\]" + _TARGET.format(url="url", title="title"))
"""``](url)`` left after :data:`MARKDOWN_LINK`: the end of a link whose text began on an
earlier line (html2text writes an ``<a>`` around a ``<br>`` or a block that way).  Groups
``url``, ``title``."""

_URL_CHAR = r"(?:\\[^\n]|[^\\()\s])"
BROKEN_LINK_TARGET = re.compile(
    rf"\]\((?P<head>{_URL_CHAR}*)[ \t]*\n"  # a target still open at a line's end
    rf"(?P<middle>(?:[ \t]*{_URL_CHAR}+[ \t]*\n)*)"  # lines of one word without ")": more URL
    rf"[ \t]*(?P<tail>{_URL_CHAR}*(?:[ \t]+\"[^\"\n]*\")?)\)"  # the URL's end, a "title", the ")"
)
"""A link target broken over lines, from its line's ``](`` to the ``)`` on a later line:
groups ``head`` (the URL on the first line), ``middle`` (whole lines of URL, each ending in
``\\n``), ``tail`` (the URL on the last line, a title too if any)."""

OPEN_LINK_TARGET = re.compile(rf"\]\({_URL_CHAR}*[ \t]*$")
"""A link target still open at the end of a line: where :data:`BROKEN_LINK_TARGET` begins."""

AUTOLINK = re.compile(r"<(?P<url>(?:https?|ftp|mailto):[^<>\s]+)>")
"""``<http://...>``: a link whose text was its URL; the URL is the visible text."""

LYNX_LINK_NUMBER = re.compile(r"\[(?P<number>\d+)\](?=\S)")
"""lynx's link number ``[12]``, glued to the text of its link (``[12]Home``, ``[13]“Quote”``).

A number followed by a space or the line end is left alone: that is how a footnote or
citation marker stands in plain text (``... in 2001 [1]``, html-text and inscriptis dumps
have them), and lynx writes it so only for a link without text or whose text begins with a
space (about 2% of its link numbers on the shared pages)."""

MARKDOWN_ESCAPE = re.compile(r"\\(?P<char>[\\`*_{}\[\]()#+\-.!])")
"""A backslash before a character Markdown would read as markup: html2text's set
(``html2text.config.RE_SLASH_CHARS``)."""

MARKDOWN_HEADING = re.compile(r"^(?P<level>#{1,6})[ \t]+(?=\S)", re.MULTILINE)
"""``# Heading`` .. ``###### Heading`` at the start of a line."""

MARKDOWN_LIST_ITEM = re.compile(r"^[ \t]*(?P<marker>[*+-]|\d{1,9}\.)[ \t]+(?=\S)", re.MULTILINE)
"""A Markdown list item's marker after any indentation: ``* item``, ``  - item``, ``1. item``."""


def visible_text(text: str) -> str:
    """``text`` without link targets, image syntax, link numbers and escapes; never joins lines.

    >>> visible_text('[![Logo](/logo.png)](/) [Home](/ "Start") | [12]News \\\\*new\\\\*')
    'Logo Home | News *new*'
    """
    text = MARKDOWN_IMAGE.sub(r"\g<alt>", text)
    text = MARKDOWN_LINK.sub(r"\g<text>", text)
    text = MARKDOWN_LINK_END.sub("", text)
    text = AUTOLINK.sub(r"\g<url>", text)
    text = LYNX_LINK_NUMBER.sub("", text)
    return MARKDOWN_ESCAPE.sub(r"\g<char>", text)


def mended_targets(text: str) -> str:
    """``text`` with each link target broken over lines (:data:`BROKEN_LINK_TARGET`) made
    whole on its first line, its other lines left empty but for what follows the target:
    as many lines, each URL-free once :func:`visible_text` has read it.

    >>> mended_targets("[Plan](/training-\\nplan/13-week) and more")
    '[Plan](/training-plan/13-week)\\n and more'
    """
    if "](" not in text:
        return text
    return BROKEN_LINK_TARGET.sub(_whole_target, text)


def _whole_target(match: re.Match) -> str:
    middle = match["middle"]
    return f"]({match['head']}{''.join(middle.split())}{match['tail'].strip()})" + "\n" * (1 + middle.count("\n"))


def visible_lines(lines: list[str]) -> list[str]:
    """:func:`visible_text` of each of a dump's ``lines``, link targets broken over lines
    removed too (see :func:`mended_targets`): one visible line a line.

    >>> visible_lines(["[Plan](/marathon-training-", "plan/13-week-plan)", "Read on."])
    ['Plan', '', 'Read on.']
    """
    if not lines:
        return []
    return visible_text(mended_targets("\n".join(lines))).split("\n")
