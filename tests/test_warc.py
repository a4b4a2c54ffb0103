"""WET files in and out: records made here with FastWARC, nothing downloaded."""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pytest
from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType
from threadpoolctl import threadpool_limits

from boilerkit.apply import apply
from boilerkit.io import InputError, iter_documents, split_lines

N_RECORDS = 300


def make_record(record_type, urn: str, body: bytes, url: str | None = None) -> bytes:
    record = WarcRecord()
    record.init_headers(record_type=record_type, record_urn=urn.encode())
    if url is not None:
        record.headers["WARC-Target-URI"] = url
    record.headers["Content-Type"] = "text/plain"
    record.set_bytes_content(body)
    buffer = io.BytesIO()
    record.write(buffer, checksum_data=True)
    return buffer.getvalue()


def record_texts(sample_docs, n: int = N_RECORDS) -> list[str]:
    """``n`` page texts cut from the sample pages (each page cycled, shortened differently)."""
    texts = []
    for i in range(n):
        lines = sample_docs[i % len(sample_docs)]["lines"]
        texts.append("\n".join(lines[i // len(sample_docs):]))
    return texts


def write_wet(path, texts: list[str], gzipped: bool = True) -> None:
    """A WET file like Common Crawl's: a warcinfo record, then one conversion record a
    page, each record its own gzip member."""
    records = [make_record(WarcRecordType.warcinfo, "uuid:info", b"software: boilerkit tests\r\n")]
    records += [
        make_record(WarcRecordType.conversion, f"uuid:{i:08d}", text.encode("utf-8"), f"https://example.com/{i}")
        for i, text in enumerate(texts)
    ]
    with open(path, "wb") as stream:
        for data in records:
            stream.write(gzip.compress(data) if gzipped else data)


@pytest.fixture(scope="module")
def wet_file(tmp_path_factory, sample_docs):
    texts = record_texts(sample_docs)
    path = tmp_path_factory.mktemp("wet") / "crawl.warc.wet.gz"
    write_wet(path, texts)
    return path, texts


def test_wet_records_become_documents_with_id_and_url(wet_file):
    path, texts = wet_file
    documents = list(iter_documents([path]))
    assert len(documents) == N_RECORDS  # the warcinfo record is skipped
    assert documents[7].record == {"warc_record_id": "<urn:uuid:00000007>", "url": "https://example.com/7"}
    assert [doc.lines for doc in documents] == [split_lines(text) for text in texts]


def test_apply_to_wet_gives_the_labels_of_each_text_alone(wet_file, small_model, tmp_path):
    path, texts = wet_file
    out = tmp_path / "out.jsonl"
    summary = apply([path], small_model, output_format="jsonl", output=out)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary.documents == len(records) == N_RECORDS
    for i, (record, text) in enumerate(zip(records, texts)):
        lines = split_lines(text)
        # One thread: on small inputs OpenMP's start-up costs more than the prediction.
        with threadpool_limits(1):
            labels, scores = small_model.label_lines(lines)
        assert record["warc_record_id"] == f"<urn:uuid:{i:08d}>" and record["url"] == f"https://example.com/{i}"
        assert record["labels"] == labels.tolist()
        np.testing.assert_allclose(record["scores"], scores, atol=1e-4)
        assert record["content"] == "\n".join(line for line, label in zip(lines, labels) if label)


@pytest.mark.parametrize("name", ["clean.warc.wet.gz", "clean.warc.wet"])
def test_wet_out_keeps_records_and_headers_with_cleaned_text(wet_file, small_model, tmp_path, name):
    path, texts = wet_file
    out = tmp_path / name
    apply([path], small_model, output_format="wet", output=out)
    if name.endswith(".gz"):
        assert out.read_bytes()[:2] == b"\x1f\x8b"
    seen = 0
    for record, text in zip(ArchiveIterator(str(out), fsspec_args=False, verify_digests=True), texts):
        assert record.record_type == WarcRecordType.conversion
        assert record.record_id == f"<urn:uuid:{seen:08d}>"
        assert record.headers["WARC-Target-URI"] == f"https://example.com/{seen}"
        assert record.headers["Content-Type"] == "text/plain"
        if seen < 20:
            assert record.reader.read().decode("utf-8") == small_model.clean(text)
        seen += 1
    assert seen == N_RECORDS  # verify_digests: a record with a wrong block digest is skipped


def test_wet_out_refuses_other_inputs(small_model, tmp_path):
    text = tmp_path / "page.txt"
    text.write_text("a line\n", encoding="utf-8")
    with pytest.raises(InputError, match="--format wet needs WET input"):
        apply([text], small_model, output_format="wet", output=tmp_path / "out.warc.wet")
    assert not (tmp_path / "out.warc.wet").exists()


def test_uncompressed_wet_is_read_too(tmp_path):
    path = tmp_path / "plain.warc.wet"
    write_wet(path, ["one\ntwo", "three"], gzipped=False)
    assert [doc.lines for doc in iter_documents([path])] == [["one", "two"], ["three"]]


def test_missing_wet_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(iter_documents([tmp_path / "absent.warc.wet.gz"]))


@pytest.mark.parametrize("suffix, cut", [(".warc.wet", 100), (".warc.wet", 500), (".warc.wet.gz", 150)])
def test_truncated_wet_file_is_an_input_error(tmp_path, suffix, cut):
    # (Some cuts inside the last gzip member make FastWARC drop that record without a word;
    # those are not caught.)
    whole = tmp_path / f"whole{suffix}"
    write_wet(whole, [f"line {i}\n" * 50 for i in range(5)], gzipped=suffix.endswith(".gz"))
    damaged = tmp_path / f"cut{suffix}"
    damaged.write_bytes(whole.read_bytes()[:-cut])
    with pytest.raises(InputError, match="WARC record 5 is truncated"):
        list(iter_documents([damaged]))


def test_a_file_that_is_not_warc_is_an_input_error(tmp_path):
    path = tmp_path / "notes.warc.wet"
    path.write_text("hello\nthis is not WARC\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read WARC record 1"):
        list(iter_documents([path]))
