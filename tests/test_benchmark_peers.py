"""benchmarks/peers.py's cache: adding a peer runs that peer alone on every page and keeps the
cached outputs of the others; a peer no longer run leaves the cache."""

from __future__ import annotations

import gzip
import json
import sys

import pytest

from tests.conftest import ROOT

for module in ("trafilatura", "justext", "readability", "resiliparse"):
    pytest.importorskip(module)  # the benchmark's extra, boilerkit[bench]
sys.path.insert(0, str(ROOT / "benchmarks"))
import peers  # noqa: E402

# The peers run in worker processes: they note their calls in this file.
CALLS = {"file": None}


def note(call: str) -> None:
    with open(CALLS["file"], "a", encoding="utf-8") as stream:
        stream.write(call + "\n")


def calls() -> list[str]:
    with open(CALLS["file"], encoding="utf-8") as stream:
        return stream.read().splitlines()


def upper(html: str) -> str:
    note(f"upper {html}")
    return html.upper()


def lower(html: str) -> str:
    note(f"lower {html}")
    return html.lower()


def first_line(lines) -> list[int]:
    note("first_line")
    return [1] + [0] * (len(lines) - 1)


def write_jsonl(path, records) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.writelines(json.dumps(record) + "\n" for record in records)


def cached(path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def use_peers(monkeypatch, html_peers: dict, line_peers: dict) -> None:
    monkeypatch.setattr(peers, "HTML_PEERS", html_peers)
    monkeypatch.setattr(peers, "LINE_PEERS", line_peers)
    monkeypatch.setattr(peers, "PEER_NAMES", (*html_peers, *line_peers))


def test_a_new_peer_is_run_alone_and_a_dropped_one_leaves_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(peers, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setitem(CALLS, "file", tmp_path / "calls.txt")
    pages = tmp_path / "pages.jsonl.gz"
    write_jsonl(pages, [{"id": f"p{i}", "html": f"Page {i}"} for i in range(3)])
    write_jsonl(tmp_path / "lines.jsonl.gz", [{"id": f"p{i}", "lines": [f"a{i}", f"b{i}"]} for i in range(3)])

    use_peers(monkeypatch, {"upper": upper}, {"first_line": first_line})
    path = peers.build_cache(pages, workers=1)
    first = cached(path)
    assert [r["outputs"] for r in first] == [{"upper": f"PAGE {i}", "first_line": f"a{i}"} for i in range(3)]
    assert len(calls()) == 6

    (tmp_path / "calls.txt").unlink()
    use_peers(monkeypatch, {"upper": upper, "lower": lower}, {"first_line": first_line})
    peers.build_cache(pages, workers=1)
    assert calls() == [f"lower Page {i}" for i in range(3)]
    second = cached(path)
    assert [r["outputs"]["lower"] for r in second] == [f"page {i}" for i in range(3)]
    for old, new in zip(first, second):
        assert new["outputs"]["upper"] == old["outputs"]["upper"]
        assert new["seconds"]["upper"] == old["seconds"]["upper"]  # not run again
        assert new["line_labels"]["first_line"] == old["line_labels"]["first_line"]

    use_peers(monkeypatch, {"lower": lower}, {"first_line": first_line})
    peers.build_cache(pages, workers=1)
    third = cached(path)
    assert all(set(r["outputs"]) == {"lower", "first_line"} and "upper" not in r["seconds"] for r in third)
    assert [r["outputs"]["lower"] for r in third] == [r["outputs"]["lower"] for r in second]
