"""The kernels built ahead of time (boilerkit._kernels): the same results as numba's JIT,
without numba, used only when built from this source and only for the types they were built for."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from boilerkit import compiled
from boilerkit.compiled import Kernel, ahead_of_time_module, exported_name, njit, parse_signature, parse_type

from .conftest import EXAMPLES, ROOT, SAMPLE


def test_the_signature_language():
    assert parse_type("u4[1C]") == ("array", "u4", 1, "C", False)
    assert parse_type("f4[2A]ro") == ("array", "f4", 2, "A", True)
    assert parse_type("i8") == ("scalar", "i8")
    assert parse_type("(i8[2C], u4[1C])") == ("tuple", (("array", "i8", 2, "C", False), ("array", "u4", 1, "C", False)))
    arguments, result = parse_signature("u4[1C], i8 -> none")
    assert arguments == (("array", "u4", 1, "C", False), ("scalar", "i8")) and result == ("none",)
    for bad in ("u3[1C]", "u4[1X]", "u4[1C]rw", "str"):
        with pytest.raises((KeyError, ValueError)):
            parse_type(bad)


def test_the_checks_refuse_what_a_built_kernel_would_misread():
    """An extension module reads an argument's memory as the type it was built for: a strided
    array as contiguous, an int64 array as uint32 (measured: a wrong answer, a crash)."""
    c_array = compiled._argument_check(parse_type("u4[1C]"))
    any_layout = compiled._argument_check(parse_type("u4[1A]"))
    read_only = compiled._argument_check(parse_type("u4[1C]ro"))
    frozen = np.arange(4, dtype=np.uint32)
    frozen.flags.writeable = False
    assert c_array(np.arange(4, dtype=np.uint32))
    assert not c_array(np.arange(8, dtype=np.uint32)[::2]) and any_layout(np.arange(8, dtype=np.uint32)[::2])
    assert not c_array(np.arange(4)) and not c_array(np.zeros((2, 2), dtype=np.uint32)) and not c_array([1, 2])
    assert not c_array(frozen) and read_only(frozen) and read_only(np.arange(4, dtype=np.uint32))
    f_order = compiled._argument_check(parse_type("f4[2F]"))
    assert f_order(np.zeros((3, 2), dtype=np.float32, order="F")) and not f_order(np.zeros((3, 2), dtype=np.float32))
    integer, real = compiled._argument_check(parse_type("i8")), compiled._argument_check(parse_type("f8"))
    assert integer(3) and integer(np.int32(3)) and not integer(3.0) and real(3.0) and real(3)


@pytest.fixture()
def fake_build(monkeypatch):
    """A stand-in for boilerkit._kernels: records which kernels were called through it."""
    calls = []
    module = types.SimpleNamespace(source_hash=compiled.source_hash, __file__="fake_kernels.so")
    monkeypatch.setitem(sys.modules, "boilerkit._kernels", module)
    monkeypatch.setenv(compiled.AHEAD_OF_TIME_ENV_VAR, "1")
    compiled.ahead_of_time_module.cache_clear()
    yield module, calls
    compiled.ahead_of_time_module.cache_clear()


def _twice(values):
    return values * 2.0


def test_a_kernel_runs_the_build_for_its_signature_and_numba_for_any_other(fake_build):
    module, calls = fake_build
    kernel = Kernel(_twice, {"nogil": True}, ("f8[1C] -> f8[1C]",))
    setattr(module, exported_name(kernel.id, 0), lambda values: calls.append(values.dtype) or values * 2.0)
    assert np.array_equal(kernel(np.arange(3.0)), [0.0, 2.0, 4.0]) and calls == [np.float64]
    # float32 was not built: numba compiles it, and the result is right
    assert np.array_equal(kernel(np.arange(3, dtype=np.float32)), [0.0, 2.0, 4.0]) and len(calls) == 1
    assert compiled._describe((np.arange(4.0)[::2], 3)) == "float64[1A], int"


def test_a_build_of_other_source_is_not_used(fake_build, monkeypatch):
    module, _ = fake_build
    assert ahead_of_time_module() is module
    compiled.ahead_of_time_module.cache_clear()
    monkeypatch.setattr(module, "source_hash", lambda: compiled.source_hash() ^ 1)
    assert ahead_of_time_module() is None
    compiled.ahead_of_time_module.cache_clear()
    monkeypatch.setattr(module, "source_hash", compiled.source_hash)
    monkeypatch.setenv(compiled.AHEAD_OF_TIME_ENV_VAR, "0")
    assert ahead_of_time_module() is None


def test_kernels_call_each_other_under_numba():
    """Inside numba, a deferred kernel is its dispatcher: typed as one, inlined where asked."""

    @njit(nogil=True, inline="always")
    def plus_one(x):
        return x + 1

    @njit(nogil=True)
    def plus_two(values):
        out = np.empty_like(values)
        for i in range(values.shape[0]):
            out[i] = plus_one(plus_one(values[i]))
        return out

    assert np.array_equal(plus_two(np.arange(3)), [2, 3, 4])
    assert compiled.KERNELS[plus_two.id] is plus_two


def test_every_exported_signature_is_a_numba_type():
    pytest.importorskip("numba")
    from boilerkit import aot

    aot_modules = [__import__(name, fromlist=["_"]) for name in aot.KERNEL_MODULES]
    exported = [kernel for kernel in compiled.KERNELS.values() if kernel.exported]
    assert len(exported) >= 20 and {k.py_func.__module__ for k in exported} == {m.__name__ for m in aot_modules}
    for kernel in exported:
        for signature in kernel.exported:
            assert len(aot.numba_signature(signature).args) == kernel.py_func.__code__.co_argcount, kernel


# ------------------------------------------------------------------ the real build

# Labels real pages with whichever boilerkit the working folder imports, and reports whether it
# used the build and whether numba was ever imported.
LABEL_PAGES = """
import gzip, json, sys
sys.modules["numba"] = None  # import numba now raises ImportError: the build must serve alone
from boilerkit.compiled import ahead_of_time_module
from boilerkit.runtime import load_for_apply
from boilerkit.features import as_rows
built = ahead_of_time_module()
if built is None:
    print(json.dumps(None)); raise SystemExit
pages = json.loads(sys.stdin.read())
model = load_for_apply()
scores = model.label_lines(as_rows(pages), None)[1]
print(json.dumps({"scores": scores.tolist(), "module": built.__file__, "model": type(model).__name__}))
"""


def _real_pages() -> list[list[str]]:
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        pages = [json.loads(line)["lines"] for line in f]
    pages.append((EXAMPLES / "news-dump.txt").read_text(encoding="utf-8").splitlines())
    return pages + [[], [""], ["x"], ["\u03a3\u0130 \U0001F600 [a](b) <c>"]]


def _label_with_the_build(pages, cwd, pythonpath):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.pop(compiled.AHEAD_OF_TIME_ENV_VAR, None)
    env.pop(compiled.ENV_VAR, None)
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    result = subprocess.run([sys.executable, "-c", LABEL_PAGES], input=json.dumps(pages), capture_output=True,
                            text=True, cwd=cwd, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_build_labels_real_pages_as_numba_does_without_numba(tmp_path, monkeypatch):
    """The source tree's build (python -m boilerkit.aot) or else the installed package's
    (pip install .), if either is of this source: CI installs the package, so it always runs there."""
    pages = _real_pages()
    built = _label_with_the_build(pages, ROOT, ROOT) or _label_with_the_build(pages, tmp_path, None)
    if built is None:
        if os.environ.get("CI"):
            pytest.fail("no build of the kernels from this source, in the source tree or installed")
        pytest.skip("no build of the kernels from this source (python -m boilerkit.aot builds one)")
    assert built["model"] == "CompiledModel"
    monkeypatch.setenv(compiled.AHEAD_OF_TIME_ENV_VAR, "0")
    compiled.ahead_of_time_module.cache_clear()
    try:
        from boilerkit.features import as_rows
        from boilerkit.runtime import load_for_apply

        jit = load_for_apply().label_lines(as_rows(pages), None)[1]
    finally:
        compiled.ahead_of_time_module.cache_clear()
    assert sum(map(len, pages)) > 1000
    assert np.array_equal(np.array(built["scores"]), jit), built["module"]
    # its wrappers release the GIL while a kernel runs (threads scale), as numba's nogil ones:
    # pycc's do not by default, and such a module never calls PyEval_SaveThread
    assert b"PyEval_SaveThread" in Path(built["module"]).read_bytes()


def test_apply_verbose_says_which_kernels_ran(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), compiled.AHEAD_OF_TIME_ENV_VAR: "0"}
    env.pop(compiled.ENV_VAR, None)
    result = subprocess.run([sys.executable, "-m", "boilerkit.cli", "-v", "apply", str(EXAMPLES / "news-dump.txt")],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "kernels: the ahead-of-time build is ignored" in result.stderr


def test_a_kernel_pickles_by_name():
    import pickle

    from boilerkit import compiled_features

    kernel = compiled_features._fold_codes
    assert pickle.loads(pickle.dumps(kernel)) is kernel
