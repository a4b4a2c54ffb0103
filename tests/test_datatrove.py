"""The datatrove step, run by datatrove's own LocalPipelineExecutor on a few documents."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("datatrove")

from datatrove.data import Document  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from boilerkit.datatrove import BoilerkitCleaner  # noqa: E402
from boilerkit.io import split_lines  # noqa: E402

N_PAGES = 5


def read_jsonl_folder(folder):
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def run(sample_docs, small_model_path, tmp_path_factory):
    """Five sample pages and one empty page through reader-list -> BoilerkitCleaner -> writer."""
    root = tmp_path_factory.mktemp("datatrove")
    texts = ["\n".join(doc["lines"]) for doc in sample_docs[:N_PAGES]] + [""]
    documents = [Document(text=text, id=f"doc-{i}") for i, text in enumerate(texts)]
    step = BoilerkitCleaner(
        model=small_model_path, batch_size=2, exclusion_writer=JsonlWriter(str(root / "dropped"), compression=None)
    )
    executor = LocalPipelineExecutor(
        pipeline=[documents, step, JsonlWriter(str(root / "kept"), compression=None)],
        tasks=1,
        logging_dir=str(root / "logs"),
    )
    stats = executor.run()
    return texts, root, stats


def test_step_keeps_the_content_lines_of_each_document(run, small_model):
    texts, root, _ = run
    kept = read_jsonl_folder(root / "kept")
    assert [record["id"] for record in kept] == [f"doc-{i}" for i in range(N_PAGES)]
    for record, text in zip(kept, texts):
        assert record["text"] == small_model.clean(text)
        labels, _ = small_model.label_lines(split_lines(text))
        metadata = record["metadata"]
        assert metadata["boilerkit_lines_kept"] == int(labels.sum())
        assert metadata["boilerkit_lines_dropped"] == len(labels) - int(labels.sum())
        assert 0 < metadata["boilerkit_content_share"] <= 1


def test_step_drops_a_document_with_no_content_to_the_exclusion_writer(run):
    _, root, _ = run
    dropped = read_jsonl_folder(root / "dropped")
    assert [record["id"] for record in dropped] == [f"doc-{N_PAGES}"]
    assert dropped[0]["metadata"]["filter_reason"] == "boilerkit_no_content"


def test_step_records_its_statistics(run):
    texts, root, _ = run
    stats = json.loads((root / "logs" / "stats.json").read_text())
    step = next(s for s in stats if "boilerkit" in s["name"])
    assert step["stats"]["total"] == N_PAGES + 1
    assert step["stats"]["dropped"] == 1 and step["stats"]["forwarded"] == N_PAGES
    lines = sum(len(split_lines(text)) for text in texts)
    assert step["stats"]["lines_kept"]["total"] + step["stats"]["lines_dropped"]["total"] == lines
