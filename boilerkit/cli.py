"""The ``boilerkit`` command: thin wrappers over the library functions of the same names.

Each command parses its arguments, calls one library function, and formats the result.
Every expected failure (bad input, unusable model) becomes one line on stderr and a
non-zero exit status, never a traceback.

The library is imported inside the commands that use it: ``boilerkit --help`` and
``--version`` then take a tenth of a second, not the two seconds scikit-learn and numba
take to import (``tests/test_cli.py`` checks that this module imports neither).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from . import __version__
from .convert import CONVERTERS, ConverterError  # the standard library only: converters load lazily
from .io import InputError  # the standard library only
from .training_defaults import DEFAULT_WEIGHT, SECOND_PASS_DRAWS, SECOND_PASS_ITER

if TYPE_CHECKING:
    from .evaluate import Evaluation
    from .label import LabelSummary

app = typer.Typer(
    help="Remove boilerplate from plain-text web page dumps, line by line.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain (click) help and usage errors: typer's rich formatting imports rich's markdown and
    # syntax modules, 0.23 s of CPU more for `boilerkit --help` (0.40 s against 0.17 s, median
    # of 9, load 5.4 on 2 cores), past the 0.3 s the command should start in.
    rich_markup_mode=None,
)

EXIT_ERROR = 1


class SortOrder(str, Enum):
    document = "document"
    uncertain = "uncertain"


class OutputFormat(str, Enum):
    text = "text"
    tsv = "tsv"
    jsonl = "jsonl"
    wet = "wet"


def fail(message: str) -> None:
    typer.echo(f"boilerkit: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def report(error: Exception) -> None:
    """One line on stderr for an input that is skipped."""
    typer.echo(f"boilerkit: error: {error}", err=True)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush does not fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test runner)
        pass


# What ends a run as Ctrl-C does: `kill` (SIGTERM), and its terminal closing (SIGHUP).
EXIT_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def exit_on_sigterm_or_sighup():
    """While writing, turn SIGTERM and SIGHUP into ``SystemExit`` (status 128 + the signal's
    number) so that ``with`` blocks run and the temporary output file is removed (their
    default action ends the process on the spot).  Ctrl-C already raises
    ``KeyboardInterrupt``.  A signal that was ignored stays ignored (``nohup``'s promise);
    the previous handlers are restored after."""

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    previous = {}
    try:
        for signum in EXIT_SIGNALS:
            if signal.getsignal(signum) != signal.SIG_IGN:
                previous[signum] = signal.signal(signum, terminate)
    except ValueError:  # not in the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a message comes, not when the handler was
    made: a test runner (or an embedding program) may swap and close stderr in between."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("boilerkit: %(message)s"))
    logger = logging.getLogger("boilerkit")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"boilerkit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say more on stderr.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors on stderr.")] = False,
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = None,
) -> None:
    _setup_logging(verbose, quiet)


def _save(model, output: Path) -> Path:
    from .model import save_model

    try:
        with exit_on_sigterm_or_sighup():
            return save_model(model, output)
    except OSError as error:
        fail(f"{output}: cannot write the model: {error.strerror or error}")


def _check_output_folder(output: Path) -> None:
    """Fail before a training of minutes, not after it, when its model could not be saved."""
    from .io import file_replaced_by

    if output.is_dir():
        fail(f"{output}: cannot write the model: it is a directory")
    if output.exists() and not output.is_file():
        # The card records the model file's checksum, read back once written, and sits beside it.
        fail(f"{output}: cannot write the model: not a regular file (a model is a file, with its card beside it)")
    folder = Path(file_replaced_by(output)).parent
    if not folder.is_dir():
        fail(f"{output}: cannot write the model: no folder {folder}")
    if not os.access(folder, os.W_OK):
        fail(f"{output}: cannot write the model: folder {folder} is not writable")


def _load(model: Optional[Path]):
    from .model import ModelError, load_model

    try:
        return load_model(model)
    except ModelError as error:
        fail(str(error))


def _load_for_apply(model: Optional[Path], convention: dict[str, bool] | None = None):
    """The compiled model where there is one (no scikit-learn to import), else the Pipeline;
    cleaning by ``convention`` where one is given."""
    from .model_files import ModelError
    from .runtime import load_for_apply

    try:
        loaded = load_for_apply(model)
        return loaded.keeping(**convention) if convention else loaded
    except ModelError as error:
        fail(f"{model or 'the bundled model'}: {error}" if convention else str(error))


ModelOption = Annotated[
    Optional[Path], typer.Option("--model", "-m", help="A saved model (default: the bundled model).")
]
ThresholdOption = Annotated[
    Optional[float],
    typer.Option(
        "--threshold",
        "-t",
        min=0.0,
        max=1.0,
        help="Keep lines whose content probability is at least this (default: the model's). "
        "Lower keeps more (recall), higher keeps less (precision).",
    ),
]


# ------------------------------------------------------------------------------- train


@app.command()
def train(
    data: Annotated[list[str], typer.Argument(help="Labelled dumps: JSONL(.gz) or TSV files, globs, directories.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to save the model (.joblib).")],
    cv: Annotated[int, typer.Option(help="K-fold cross-validation first, grouped by site (0: none).")] = 0,
    seed: Annotated[int, typer.Option(help="Random seed of the folds and the classifier.")] = 0,
    threshold: Annotated[
        Optional[float], typer.Option(min=0.0, max=1.0, help="Decision threshold (default: tuned by --cv, else 0.5).")
    ] = None,
    base: Annotated[
        Optional[Path], typer.Option(help="Adapt this model: refit its settings on its own training data plus DATA.")
    ] = None,
    data_dir: Annotated[
        Optional[Path], typer.Option(help="With --base: the folder holding the base model's training files.")
    ] = None,
    weight: Annotated[
        float, typer.Option(help="With --base: how many base-data lines each line of DATA counts as.")
    ] = DEFAULT_WEIGHT,
    max_iter: Annotated[int, typer.Option(help=f"Boosting rounds of the classifier's second pass, shared by its "
                                               f"{SECOND_PASS_DRAWS} averaged ensembles.")] = SECOND_PASS_ITER,
    dumps_per_page: Annotated[
        Optional[int],
        typer.Option(min=1, help="Where DATA holds a page several times (records sharing an id: dumps of "
                     "several converters), train on at most this many of each page's dumps, picked from the page "
                     "id and the converter (the same on every run)."),
    ] = None,
    dumps_per_dataset: Annotated[
        Optional[list[str]],
        typer.Option(help="DATASET=K: at most K dumps of each page whose record's dataset is DATASET "
                     "(overrides --dumps-per-page for it; give it several times)."),
    ] = None,
    gold_conventions: Annotated[
        bool,
        typer.Option(help="Tell the model each training page's gold convention (whether its gold keeps user "
                     "comments and the headline: a record's gold_conventions, or its dataset's), so that apply "
                     "can clean by the one asked for (--comments, --no-headline); by default boilerkit's "
                     "(no comments, headline kept)."),
    ] = False,
    gold_convention: Annotated[
        Optional[list[str]],
        typer.Option(help="Tell the model only this one of the gold conventions (comments or headline; give it "
                     "once per convention); --gold-conventions tells all of them."),
    ] = None,
) -> None:
    """Train a model on labelled dumps and save it (with its card as JSON beside it).

    With --base, the dumps are a few corrected pages of one site: the base model's settings
    are refitted on its own training data (found in --data-dir) plus these pages.
    """
    from .adapt import train_on_base
    from .model import ModelError, train as train_model

    if cv == 1 or cv < 0:
        fail("--cv must be 0 (none) or at least 2")
    _check_output_folder(output)
    if base is not None:
        if data_dir is None:
            fail("--base needs --data-dir: the folder holding the training files listed in the base model's card")
        if cv:
            fail("--cv cannot be combined with --base")
    _check_saved_files_are_not_inputs(output, data, base, data_dir)
    if base is not None:
        try:
            model = train_on_base(data, base, data_dir=data_dir, weight=weight)
        except (InputError, ModelError, ValueError) as error:
            fail(str(error))
        path = _save(model, output)
        typer.echo(f"saved {path} and {path.with_suffix('.json')}", err=True)
        return
    try:
        model = train_model(data, cv=cv, seed=seed, threshold=threshold, max_iter=max_iter,
                            dumps_per_page=dumps_per_page, dumps_per_dataset=_per_dataset(dumps_per_dataset),
                            gold_conventions=gold_conventions or gold_convention or False)
    except (InputError, ValueError) as error:
        fail(str(error))
    path = _save(model, output)
    metrics = model.card_.get("cross_validation")
    if metrics:
        typer.echo(f"grouped {cv}-fold cross-validation (threshold {model.threshold:.3f}):")
        typer.echo(format_table(metrics_rows(metrics)))
    typer.echo(f"saved {path} and {path.with_suffix('.json')}", err=True)


def _check_saved_files_are_not_inputs(output: Path, data: list[str], base: Optional[Path],
                                      data_dir: Optional[Path]) -> None:
    """Fail before training when the model, its card or its compiled form would be saved over
    a file the training reads."""
    from .adapt import base_inputs
    from .apply import check_output_is_not_input
    from .io import expand_paths
    from .model import ModelError, files_saved

    try:
        inputs = expand_paths(data)
        if base is not None:
            inputs += map(str, base_inputs(base, data_dir))
        for saved in files_saved(output):
            check_output_is_not_input(str(saved), inputs)
    except (InputError, ModelError) as error:
        fail(str(error))


def _per_dataset(values: Optional[list[str]]) -> dict[str, int] | None:
    if not values:
        return None
    counts = {}
    for value in values:
        name, _, count = value.rpartition("=")
        if not name or not count.isdigit() or int(count) < 1:
            fail(f"--dumps-per-dataset {value!r}: give DATASET=K, K a whole number from 1")
        counts[name] = int(count)
    return counts


# ------------------------------------------------------------------------------- label


@app.command()
def label(
    dump: Annotated[str, typer.Argument(help="A dump (text) or, with --converter, an HTML page, with --gold; "
                                        'or a JSONL(.gz) file of pairs: records with "lines" or "text" '
                                        '(or "html" with --converter), and "gold".')],
    gold: Annotated[
        Optional[str], typer.Option("--gold", "-g", help="The clean text of the page of DUMP (one page only).")
    ] = None,
    converter: Annotated[
        Optional[list[str]],
        typer.Option("--converter", "-c", help="Make the dumps from HTML with this converter: "
                     f"{', '.join(CONVERTERS)}.  Give it several times to write each page once per converter "
                     "(needs boilerkit[convert]; lynx needs the lynx program)."),
    ] = None,
    output: Annotated[str, typer.Option("--output", "-o", help="Output file (- for stdout).")] = "-",
) -> None:
    """Label every line of dumps from their clean text: training data for `boilerkit train`.

    Writes LABEL<TAB>line rows for one dump, or the pair records with "labels" and
    "gold_coverage" added for a JSONL file.  With --converter the dumps are made from HTML
    first (records also get "lines" and "converter", and lose "html").  Pairs whose gold is
    mostly missing from the dump (probably wrong pairs) are named in warnings.
    """
    from .label import label as label_dumps

    try:
        with exit_on_sigterm_or_sighup():
            summary = label_dumps(dump, gold=gold, output=output, converters=converter or ())
    except (InputError, ConverterError) as error:
        fail(str(error))
    except OSError as error:  # writing failed: a full disk, a vanished directory
        fail(f"{output}: cannot write: {error.strerror or error}")
    for name, pages in summary.by_converter().items():
        typer.echo(_label_summary_line(pages, name), err=True)


def _label_summary_line(summary: LabelSummary, converter: Optional[str]) -> str:
    from .label import MIN_GOLD_COVERAGE

    wrong = len(summary.wrong_pairs)
    return (
        f"labelled {len(summary.pages)} page(s)" + (f" with {converter}" if converter else "")
        + f", {summary.lines} lines, {summary.content_lines} content; "
        f"mean gold coverage {summary.mean_gold_coverage:.3f}"
        + (f"; {wrong} page(s) below {MIN_GOLD_COVERAGE:.1f} (see warnings)" if wrong else "")
    )


# ---------------------------------------------------------------------------- evaluate


def _scores_row(name: str, scores: dict) -> list[str]:
    chars, lines = scores["chars"], scores["lines"]
    return [
        name,
        str(scores["pages"]),
        f"{chars['precision']:.3f}",
        f"{chars['recall']:.3f}",
        f"{chars['f1']:.3f}",
        f"{lines['precision']:.3f}",
        f"{lines['recall']:.3f}",
        f"{lines['f1']:.3f}",
        f"{scores['page_f1_mean']:.3f}",
    ]


HEADER = ["set", "pages", "char P", "char R", "char F1", "line P", "line R", "line F1", "page F1"]


def metrics_rows(metrics: dict) -> list[list[str]]:
    rows = [HEADER, _scores_row("all", metrics["overall"])]
    for group in ("source", "dataset", "page_type"):
        for name, scores in metrics.get(group, {}).items():
            rows.append(_scores_row(f"{group}={name}", scores))
    return rows


def format_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        for row in rows
    )


def format_evaluation(result: Evaluation) -> str:
    counts = result.overall.lines
    chars = result.overall.chars
    parts = [
        format_table(metrics_rows(result.as_dict())),
        "",
        "confusion (content = positive):   lines: "
        f"TP {counts.tp:.0f}  FP {counts.fp:.0f}  FN {counts.fn:.0f}  TN {counts.tn:.0f}   "
        f"chars: TP {chars.tp:.0f}  FP {chars.fp:.0f}  FN {chars.fn:.0f}  TN {chars.tn:.0f}",
    ]
    if result.curve:
        rows = [["threshold", "char P", "char R", "char F1", "line P", "line R", "line F1"]]
        for t, lines, chars in result.curve:
            rows.append([f"{t:.2f}"] + [f"{v:.3f}" for v in (chars.precision, chars.recall, chars.f1,
                                                               lines.precision, lines.recall, lines.f1)])
        parts += ["", "how precision and recall move with the threshold:", format_table(rows)]
    return "\n".join(parts)


@app.command()
def evaluate(
    data: Annotated[list[str], typer.Argument(help="Labelled dumps: JSONL(.gz) or TSV files, globs, directories.")],
    model: ModelOption = None,
    threshold: ThresholdOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    report: Annotated[
        Optional[Path],
        typer.Option("--report", help="Also write an HTML report into this directory (index.html): scores, "
                     "precision-recall curves, the features that matter most, the worst pages."),
    ] = None,
    as_gold: Annotated[
        bool,
        typer.Option("--as-gold", help="Clean each page by its gold's convention (a record's gold_conventions, or "
                     "its dataset's): user comments kept and the headline left out where the gold does so. "
                     "Needs a model trained with --gold-conventions."),
    ] = False,
) -> None:
    """Score a model on labelled dumps: precision, recall and F1 of the content class."""
    from .evaluate import evaluate as evaluate_model
    from .model_files import ModelError

    if as_gold and report is not None:
        fail("--as-gold and --report: the report cleans every page by one convention; use one of them")
    loaded = _load(model)
    try:
        if report is None:
            result = evaluate_model(data, loaded, threshold, as_gold=as_gold)
        else:
            result = _evaluate_with_report(data, loaded, threshold, report, model)
    except InputError as error:
        fail(str(error))
    except ModelError as error:
        fail(f"{model or 'the bundled model'}: {error}")
    if as_json:
        typer.echo(json.dumps({"threshold": threshold if threshold is not None else loaded.threshold,
                               **result.as_dict()}, indent=2))
    else:
        typer.echo(format_evaluation(result))


def _evaluate_with_report(data, loaded, threshold, directory: Path, model: Optional[Path]) -> Evaluation:
    from .io import expand_paths
    from .report import REPORT_FILE, build_report, check_report_directory, write_report

    check_report_directory(directory, expand_paths(data))
    try:
        built = build_report(data, loaded, threshold, model_name=str(model) if model else "bundled model")
    except ValueError as error:
        fail(str(error))
    try:
        with exit_on_sigterm_or_sighup():
            path = write_report(built, directory)
    except OSError as error:  # a full disk
        fail(f"{directory / REPORT_FILE}: cannot write the report: {error.strerror or error}")
    typer.echo(f"report: {path}", err=True)
    return built.evaluation


# ------------------------------------------------------------------------------- apply


@app.command()
def apply(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Dumps: text files, directories, - for stdin, JSONL(.gz) with a text or lines field."),
    ],
    model: ModelOption = None,
    threshold: ThresholdOption = None,
    sort: Annotated[
        SortOrder,
        typer.Option("--sort", help="uncertain (with --format tsv): a review list, LINE_NUMBER<TAB>LABEL<TAB>"
                     "PROBABILITY<TAB>line, least certain lines first; correct the labels in the plain tsv."),
    ] = SortOrder.document,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="text: content lines; tsv: label, probability, line; jsonl: records; "
        "wet: the input WET records with their content lines (WET input only)."),
    ] = OutputFormat.text,
    output: Annotated[str, typer.Option("--output", "-o", help="Output file (- for stdout).")] = "-",
    strict: Annotated[
        bool,
        typer.Option(help="Stop at the first unreadable input, writing nothing "
                     "(default: report it on stderr, clean the others, exit 1 at the end)."),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", min=1, help="Batches labelled in parallel by this many worker processes "
                     "(output order unchanged; 1: all in this process)."),
    ] = 1,
    dask_scheduler: Annotated[
        Optional[str],
        typer.Option(help="Address of a Dask scheduler (tcp://host:8786): clean each input file as one task "
                     "on the cluster, writing one output file per input into the directory given by -o "
                     "(needs boilerkit[dask]; the model must be readable at the same path on every worker)."),
    ] = None,
    comments: Annotated[
        Optional[bool],
        typer.Option("--comments/--no-comments", help="Keep user comments under the text as content, or leave "
                     "them out (default: out). Needs a model trained with --gold-conventions."),
    ] = None,
    headline: Annotated[
        Optional[bool],
        typer.Option("--headline/--no-headline", help="Keep the page's headline, or leave it out (default: "
                     "kept). Needs a model trained with --gold-conventions."),
    ] = None,
) -> None:
    """Label every line of the inputs and write the content (or every line with its score)."""
    convention = {name: keep for name, keep in (("comments", comments), ("headline", headline)) if keep is not None}
    if dask_scheduler is not None:
        if convention:
            fail("--comments and --headline are not passed to Dask workers: leave them out with --dask-scheduler")
        return _apply_on_dask(inputs, model, threshold, output_format.value, output, dask_scheduler)
    if sort is SortOrder.uncertain and output_format is not OutputFormat.tsv:
        fail("--sort uncertain writes a review list: use it with --format tsv")
    from .apply import apply as apply_model

    loaded = _load_for_apply(model, convention)
    try:
        with exit_on_sigterm_or_sighup():
            summary = apply_model(inputs, loaded, threshold=threshold, output_format=output_format.value,
                                  sort=sort.value, output=output, strict=strict, on_error=report, jobs=jobs)
    except InputError as error:
        fail(str(error))
    except BrokenPipeError:
        # Whoever read stdout has gone (`| head`): stop quietly, as other filters do.
        _silence_stdout()
        raise typer.Exit(EXIT_ERROR) from None
    except OSError as error:  # writing failed: a full disk, a vanished directory
        fail(f"{output}: cannot write: {error.strerror or error}")
    logging.getLogger("boilerkit").debug(
        "%d documents, %d lines, %d content lines", summary.documents, summary.lines, summary.content_lines
    )
    if summary.errors:
        raise typer.Exit(EXIT_ERROR)


def _apply_on_dask(inputs, model, threshold, output_format: str, output: str, scheduler: str) -> None:
    try:
        from .dask import apply_shards, total
    except ImportError as error:
        fail(f"--dask-scheduler needs Dask: pip install 'boilerkit[dask]' ({error})")
    from .model import ModelError

    try:
        summaries = apply_shards(inputs, output, model, threshold=threshold, output_format=output_format,
                                 scheduler=scheduler)
    except (InputError, ModelError) as error:
        fail(str(error))
    for message in (message for summary in summaries for message in summary["errors"]):
        typer.echo(f"boilerkit: skipped: {message}", err=True)
    done = total(summaries)
    typer.echo(f"{len(summaries)} files, {done.documents} documents, {done.lines} lines, "
               f"{done.content_lines} content lines -> {output}", err=True)
    if any(summary["errors"] for summary in summaries):
        raise typer.Exit(EXIT_ERROR)


# ----------------------------------------------------------------------------- inspect


# Control characters shown as what they are, not sent to the terminal: a dump is web text,
# and ESC [ 2 J in it would clear the screen (ESC ] set the window title, C1's CSI the same
# as ESC [).  C0 ones become their Unicode control pictures (ESC: \u241b), DEL and C1 ones
# an escape like \x9b.  A tab stays a tab.
_VISIBLE_CONTROLS = {
    **{code: 0x2400 + code for code in range(32) if code != 9},
    **{code: f"\\x{code:02x}" for code in range(0x7F, 0xA0)},
}


def _visible(text: str) -> str:
    return text.translate(_VISIBLE_CONTROLS)


@app.command()
def inspect(
    inputs: Annotated[list[str], typer.Argument(help="Dumps: text files, directories, JSONL(.gz), WET files.")],
    model: ModelOption = None,
    threshold: ThresholdOption = None,
    sort: Annotated[
        SortOrder, typer.Option("--sort", help="uncertain: each document's least certain lines first.")
    ] = SortOrder.document,
    limit: Annotated[int, typer.Option(min=0, help="Lines shown per document (0: all).")] = 0,
) -> None:
    """Show every line coloured by its label (green: content, grey: clutter) with its probability."""
    from rich.console import Console
    from rich.text import Text

    from .report import line_decisions

    loaded = _load(model)
    try:
        documents = line_decisions(inputs, loaded, threshold, sort=sort.value)
    except InputError as error:
        fail(str(error))
    console = Console(highlight=False, soft_wrap=True)
    for document in documents:
        kept = sum(decision.label for decision in document.lines)
        console.rule(Text(f"{_visible(document.source)}: {kept}/{len(document.lines)} lines content "
                          f"(threshold {document.threshold:.3f})"), align="left")
        for decision in document.lines[: limit or None]:
            style = "green" if decision.label else "bright_black"
            row = Text(f"{decision.number:>5} {decision.score:.3f} ", style="dim")
            row.append("█ " if decision.label else "  ", style=style)
            row.append(_visible(decision.line), style=style)
            console.print(row)


if __name__ == "__main__":  # pragma: no cover
    app()
