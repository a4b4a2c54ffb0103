"""HTML to plain-text dumps, made the way users' converters make them.

Users' dumps come from many HTML-to-text converters, and a model trained on one converter's
lines meets another's in use.  :data:`CONVERTERS` names eight (name -> ``html -> lines``), so
that the same pages can be turned into dumps of each and labelled from their gold text
(``boilerkit label --converter``, ``benchmarks/dumps.py``):

* ``html-text``: ``html_text.extract_text(html, guess_layout=True)``;
* ``inscriptis``: ``inscriptis.get_text`` with its default "relaxed" CSS profile, except that
  table layout is off: ``table``, ``tr``, ``td``, ``th`` are ordinary blocks;
* ``resiliparse``: ``extract_plain_text(HTMLTree.parse(html), main_content=False)`` with the
  library's other defaults written out (see :func:`resiliparse`);
* ``html2text``: Markdown, as LLM-era scrapers emit it: ``[text](url)``, ``![alt](src)``,
  ``# `` headings, ``* `` bullets, paragraphs unwrapped (``body_width=0``);
* ``html2text-wrapped``: the same Markdown wrapped at 78 columns, html2text's own default;
* ``lynx``: ``lynx -dump`` of the Debian text browser: 80 columns (paragraphs hard-wrapped),
  ``[12]`` link numbers inline and the "References" list at the end;
* ``lynx-nolist``: ``lynx -dump -nolist``, the same without link numbers or "References";
* ``w3m``: ``w3m -dump``, the other text browser: 80 columns too, but ``•`` bullets, no link
  numbers and table cells side by side.  The bundled model is not trained on it: it stands for
  the converters users bring that training never saw (``benchmarks/quality.py --unseen``).

The first two are the converters of the shared data set (``shared/data/README.md``, "How the
dumps were made") and follow its line convention exactly: **lines split on newlines,
trailing whitespace stripped, empty and whitespace-only lines dropped**.  On the shared
pages they reproduce the shipped ``lines`` of every page (``benchmarks/results/dumps.txt``).

The other six keep **blank lines as the tool emits them**: a run of blank lines becomes
one empty line, none at the start or the end; trailing whitespace is stripped and leading
indentation kept.  In users' dumps of these tools a blank line separates paragraphs (and a
lynx paragraph is several wrapped lines), so the model should see them.

Before any converter runs, raw control characters other than tab and line breaks are dropped
from the HTML, as the HTML parser the shared data was made with did.

The converter libraries are the optional extra ``boilerkit[convert]``; each is imported only
when its converter runs, so boilerkit itself does not need them.  A missing library, a
missing ``lynx`` or ``w3m`` binary, an unknown name, a crash or a timeout on a page all raise
:class:`ConverterError` with a one-line message.
"""

from __future__ import annotations

import importlib
import re
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .io import sniff_encoding

CONVERT_TIMEOUT_SECONDS = 60.0
"""Time limit of one converter on one page: CPU seconds for the Python converters, wall-clock
seconds for the lynx and w3m processes.  On the 2,934 shared pages none needed more than about a second
for a page (lynx and html2text the slowest; means per page in ``benchmarks/results/dumps.txt``),
so a minute is a hang, not a large page."""

INSTALL_HINT = "pip install 'boilerkit[convert]'"
LYNX_INSTALL_HINT = "install the lynx text browser (Debian/Ubuntu: apt-get install lynx)"

LYNX_WIDTH = 80
"""Columns of a lynx dump: its default page width, what a user's plain ``lynx -dump`` gives."""
W3M_INSTALL_HINT = "install the w3m text browser (Debian/Ubuntu: apt-get install w3m)"
W3M_WIDTH = 80
"""Columns of a w3m dump: the width of a terminal, as a user's ``w3m -dump`` in one gives."""

# Raw C0 control characters (all but tab, LF and CR) are parse errors in HTML.  libxml2 before
# 2.14 dropped them while parsing and 2.14 keeps them; the shared data was made with the older
# behaviour (2 of its 950 html-text pages differ otherwise), so they are dropped here first,
# which makes every converter's dump the same whatever libxml2 lxml was built with.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# lynx reads bytes; a byte order mark is the one charset signal that overrides the page's own
# <meta charset> (the HTML here is already decoded text, encoded again as UTF-8).
_UTF8_BOM = "\ufeff"
# Without a base, lynx resolves page-relative links against the random name of the temporary
# file it keeps standard input in, so the References list would change from run to run.  A
# page's own <base> comes later and wins (lynx takes the last one).
_LYNX_BASE = '<base href="file:///">'
_LYNX_DUMP = ["-dump", "-stdin", "-force_html", f"-width={LYNX_WIDTH}", "-assume_charset=utf-8",
              "-display_charset=utf-8"]


HTML_PRESCAN_BYTES = 1024
"""Bytes searched for a ``<meta charset>``: the HTML standard's prescan length (WHATWG HTML,
"prescan a byte stream to determine its encoding")."""
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
FALLBACK_ENCODING = "cp1252"
"""What a page that is not UTF-8 and declares nothing usable is read as: the shared data's rule
(``shared/data/README.md``, "html"), and what browsers assume for Western pages."""


class ConverterError(Exception):
    """A converter cannot run or failed on a page; ``str()`` is one line."""


class ConversionTimeout(ConverterError):
    """A converter took more than its time limit on one page."""


# ----------------------------------------------------------------------- line conventions


def lines_without_blanks(text: str) -> list[str]:
    """The shared data's convention: split on newlines, trailing whitespace stripped, empty
    lines dropped.

    >>> lines_without_blanks("  Title  \\n\\n \\nText\\n")
    ['  Title', 'Text']
    """
    return [line.rstrip() for line in text.split("\n") if line.strip()]


def lines_with_blanks(text: str) -> list[str]:
    """Blank lines kept as paragraph breaks: each run of them one empty line, none at the start
    or the end; trailing whitespace stripped, indentation kept.

    >>> lines_with_blanks("\\n  Title  \\n\\n \\n\\nText\\n\\n")
    ['  Title', '', 'Text']
    """
    lines: list[str] = []
    for line in map(str.rstrip, text.split("\n")):
        if line or (lines and lines[-1]):
            lines.append(line)
    if lines and not lines[-1]:
        lines.pop()
    return lines


# ---------------------------------------------------------------------------- HTML bytes


def decode_html(data: bytes) -> str:
    """The text of an HTML file, decoded as the shared data's pages were: by its byte order
    mark, else as strict UTF-8, else in the charset its ``<meta>`` declares, else as cp1252.

    >>> decode_html('<meta charset="iso-8859-1"><p>café</p>'.encode("latin-1"))
    '<meta charset="iso-8859-1"><p>café</p>'
    """
    encoding, start = sniff_encoding(data)
    if start:
        return data[start:].decode(encoding, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:HTML_PRESCAN_BYTES])
    for encoding in ([declared[1].decode("ascii")] if declared else []) + [FALLBACK_ENCODING]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):  # an unknown or wrong declaration
            continue
    return data.decode(FALLBACK_ENCODING, "replace")  # cp1252 leaves five bytes undefined


# ----------------------------------------------------------------------------- converters


def _library(module: str):
    """Import a converter's library, or say in one line how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConverterError(f"{module} is not installed: {INSTALL_HINT}") from None


def html_text(html: str) -> list[str]:
    """html-text with ``guess_layout=True``: the first line is usually the ``<title>``, the
    cells of a table row end up on one line."""
    return lines_without_blanks(_library("html_text").extract_text(html, guess_layout=True))


def _inscriptis_config():
    """The relaxed CSS profile with table layout off: inscriptis' table handlers render the
    cells of a row side by side, which on old layout-table pages puts a navigation column and
    the article on one text line; as blocks, every cell starts a line of its own."""
    _library("inscriptis")
    from inscriptis.css_profiles import RELAXED_CSS_PROFILE
    from inscriptis.html_properties import Display
    from inscriptis.model.config import ParserConfig
    from inscriptis.model.html_element import HtmlElement
    from inscriptis.model.tag import CustomHtmlTagHandlerMapping

    table_tags = ("table", "tr", "td", "th")
    css = {**RELAXED_CSS_PROFILE, **{tag: HtmlElement(display=Display.block) for tag in table_tags}}
    no_handlers = dict.fromkeys(table_tags)  # None: inscriptis skips the tag's handler
    return ParserConfig(css=css, custom_html_tag_handler_mapping=CustomHtmlTagHandlerMapping(no_handlers, no_handlers))


def inscriptis(html: str) -> list[str]:
    """inscriptis, relaxed CSS profile, tables as blocks (see :func:`_inscriptis_config`)."""
    return lines_without_blanks(_library("inscriptis").get_text(html, _inscriptis_config()))


def resiliparse(html: str) -> list[str]:
    """resiliparse's whole-page text (``main_content=False``: boilerkit decides what is
    content).  The other options are resiliparse's defaults, written out so that a change of
    defaults upstream cannot change the dumps unnoticed: block structure kept as lines
    (``preserve_formatting``), list bullets kept (a user's dump has them, and they mark list
    items for the model), image alt texts kept; no link targets, form fields or
    ``<noscript>`` text."""
    _library("resiliparse")
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    text = extract_plain_text(
        HTMLTree.parse(html),
        main_content=False,
        preserve_formatting=True,
        list_bullets=True,
        alt_texts=True,
        links=False,
        form_fields=False,
        noscript=False,
    )
    return lines_with_blanks(text)


def html2text(html: str) -> list[str]:
    """html2text's Markdown with its defaults (links and images kept inline, emphasis kept),
    except ``body_width=0``: paragraphs are not wrapped, as scrapers feeding LLMs set it."""
    converter = _library("html2text").HTML2Text()
    converter.body_width = 0
    return lines_with_blanks(converter.handle(html))


def html2text_wrapped(html: str) -> list[str]:
    """html2text's Markdown with all its defaults, as its command line gives it: paragraphs
    wrapped at 78 columns.  Long links are broken too, their text between words and their
    target at a hyphen, so a target's tail can begin the next line."""
    return lines_with_blanks(_library("html2text").HTML2Text().handle(html))


def lynx(html: str) -> list[str]:
    """``lynx -dump`` of the page read from standard input, UTF-8 in and out, 80 columns,
    default link numbering (``[12]`` markers and the "References" list)."""
    return _text_browser("lynx", _LYNX_DUMP, _UTF8_BOM + _LYNX_BASE + html, LYNX_INSTALL_HINT)


def lynx_nolist(html: str) -> list[str]:
    """``lynx -dump -nolist``, what guides to plain text with lynx recommend: as :func:`lynx`,
    but no link numbers and no "References" list, so nothing in the text marks a link."""
    return _text_browser("lynx", [*_LYNX_DUMP, "-nolist"], _UTF8_BOM + _LYNX_BASE + html, LYNX_INSTALL_HINT)


def w3m(html: str) -> list[str]:
    """``w3m -dump`` of the page read from standard input, UTF-8 in and out, 80 columns, no
    user configuration (``-config /dev/null``): bullets as ``•``, image alt texts in place,
    table cells side by side, no link targets."""
    command = ["-dump", "-T", "text/html", "-cols", str(W3M_WIDTH), "-I", "UTF-8", "-O", "UTF-8",
               "-config", "/dev/null"]
    return _text_browser("w3m", command, html, W3M_INSTALL_HINT)


def _text_browser(name: str, arguments: list[str], html: str, install_hint: str) -> list[str]:
    """The dump lines of a text browser run on ``html`` (UTF-8 on standard input), blank lines
    kept; a missing binary, a failure or a hang is a :class:`ConverterError`."""
    binary = shutil.which(name)
    if binary is None:
        raise ConverterError(f"{name} not found: {install_hint}")
    try:
        run = subprocess.run([binary, *arguments], input=html.encode("utf-8", "replace"), capture_output=True,
                             timeout=CONVERT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise ConversionTimeout(f"no result after {CONVERT_TIMEOUT_SECONDS:g} s") from None
    if run.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConverterError(f"{name} exited with status {run.returncode}" + (f": {message[0]}" if message else ""))
    return lines_with_blanks(run.stdout.decode("utf-8", "replace"))


CONVERTERS: dict[str, Callable[[str], list[str]]] = {
    "html-text": html_text,
    "inscriptis": inscriptis,
    "resiliparse": resiliparse,
    "html2text": html2text,
    "html2text-wrapped": html2text_wrapped,
    "lynx": lynx,
    "lynx-nolist": lynx_nolist,
    "w3m": w3m,
}
"""Converter name -> ``html -> lines``; each function is named after its key (``-`` as ``_``)."""


# ------------------------------------------------------------------------------- running


@contextmanager
def cpu_time_limit(seconds: float, error: type[Exception] = ConversionTimeout) -> Iterator[None]:
    """Raise ``error`` in the block after ``seconds`` of CPU time (``benchmarks/peers.py``
    limits HTML extractors with it too).

    CPU time, not wall-clock time, so that which pages time out does not depend on what else
    runs on the machine.  Unix, main thread only (elsewhere the block runs without a limit);
    a signal handler runs only between Python bytecodes, so a hang inside one C call is not
    interrupted.
    """

    def interrupt(signum, frame):
        raise error(f"no result after {seconds:g} CPU s")

    try:
        previous = signal.signal(signal.SIGPROF, interrupt)
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def converter(name: str) -> Callable[[str], list[str]]:
    """The converter called ``name``, or a :class:`ConverterError` listing the known ones."""
    try:
        return CONVERTERS[name]
    except KeyError:
        raise ConverterError(f"unknown converter {name!r}: choose from {', '.join(CONVERTERS)}") from None


def convert(html: str, name: str) -> list[str]:
    """The dump lines of ``html`` made by the converter ``name``, under the time limit.

    Any failure of the converter on this page becomes a :class:`ConverterError` that names it.
    """
    function = converter(name)
    html = _CONTROL_CHARACTERS.sub("", html)
    try:
        with cpu_time_limit(CONVERT_TIMEOUT_SECONDS):
            return function(html)
    except ConversionTimeout as error:
        raise ConversionTimeout(f"{name}: {error}") from None
    except ConverterError:
        raise
    except Exception as error:  # a converter's bug on one page: reported, never a traceback
        raise ConverterError(f"{name} failed: {type(error).__name__}: {error}") from error


def check_converter(name: str) -> None:
    """Fail now, not pages later, when ``name`` is unknown or cannot run here: a trial
    conversion of a tiny page catches a missing library and a missing or broken binary alike."""
    convert("<p>boilerkit</p>", name)
