"""The Dask engine on a real LocalCluster of two worker processes, against a plain apply."""

from __future__ import annotations

import json

import numpy as np
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from boilerkit.apply import apply  # noqa: E402
from boilerkit.dask import apply_shards, clean_dataframe, clean_pandas, output_name, total  # noqa: E402

N_SHARDS = 4


@pytest.fixture(scope="module")
def shards(tmp_path_factory, sample_docs):
    """The sample pages as JSONL shards of {"id", "text"} records."""
    folder = tmp_path_factory.mktemp("shards")
    paths = []
    for shard in range(N_SHARDS):
        path = folder / f"part-{shard:04d}.jsonl"
        with open(path, "w", encoding="utf-8") as stream:
            for doc in sample_docs[shard::N_SHARDS]:
                stream.write(json.dumps({"id": doc["id"], "text": "\n".join(doc["lines"])}) + "\n")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def single_process(shards, small_model, tmp_path_factory):
    """What a plain single-process ``apply --format jsonl`` writes for each shard."""
    folder = tmp_path_factory.mktemp("single")
    outputs = []
    for path in shards:
        out = folder / output_name(str(path), "jsonl")
        apply([path], small_model, output_format="jsonl", output=out)
        outputs.append(out)
    return outputs


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, memory_limit=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def records_of(paths):
    return [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines()]


def test_clean_dataframe_on_a_cluster_matches_single_process(client, shards, single_process, small_model_path):
    ddf = dd.read_json([str(p) for p in shards], lines=True, blocksize=None)
    assert ddf.npartitions == N_SHARDS
    result = clean_dataframe(ddf, model=small_model_path).compute()
    expected = records_of(single_process)
    assert list(result["id"]) == [record["id"] for record in expected]
    assert list(result["content"]) == [record["content"] for record in expected]
    assert [list(labels) for labels in result["labels"]] == [record["labels"] for record in expected]
    for scores, record in zip(result["scores"], expected):
        np.testing.assert_allclose(scores, record["scores"], atol=1e-4)
    # Each worker process loaded the model once, whatever the number of partitions.
    loaded = client.run(lambda: sorted(__import__("boilerkit.dask").dask._MODELS))
    assert len(loaded) == 2 and all(keys == [str(small_model_path.resolve())] for keys in loaded.values())


def test_apply_shards_on_a_cluster_writes_the_single_process_files(client, shards, single_process, small_model_path,
                                                                   tmp_path):
    summaries = apply_shards(shards, tmp_path, small_model_path, scheduler=client.scheduler.address)
    assert [s["output"] for s in summaries] == [str(tmp_path / p.name) for p in single_process]
    for expected in single_process:
        assert (tmp_path / expected.name).read_bytes() == expected.read_bytes()
    assert total(summaries).documents == len(records_of(single_process))


def test_clean_pandas_treats_a_missing_text_as_empty(small_model):
    pd = pytest.importorskip("pandas")
    out = clean_pandas(pd.DataFrame({"text": ["Home\nAbout", None]}), model=small_model)
    assert out["labels"].iloc[1] == [] and out["content"].iloc[1] == ""
    assert len(out["labels"].iloc[0]) == 2


@pytest.mark.parametrize(
    "name, fmt, expected",
    [("part-1.jsonl.gz", "jsonl", "part-1.jsonl"), ("a.warc.wet.gz", "wet", "a.warc.wet.gz"), ("page", "text", "page.txt")],
)
def test_output_name(name, fmt, expected):
    assert output_name(f"/data/{name}", fmt) == expected


def test_cli_apply_with_dask_scheduler(client, shards, single_process, small_model_path, tmp_path):
    from typer.testing import CliRunner

    from boilerkit.cli import app

    args = ["apply", *map(str, shards), "--model", str(small_model_path), "--format", "jsonl",
            "--dask-scheduler", client.scheduler.address, "-o", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"{N_SHARDS} files" in result.output
    for expected in single_process:
        assert (tmp_path / expected.name).read_bytes() == expected.read_bytes()
