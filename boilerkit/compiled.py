"""The compiled kernels: built ahead of time with the package, or by numba's JIT, or none.

The compiled kernels (:mod:`boilerkit.compiled_features`, :mod:`boilerkit.trees`,
:mod:`boilerkit.compiled_neighbourhood`) give the same results as the reference path
(scikit-learn and numpy), several times faster.  Each is declared with this module's
:func:`njit`, which defers numba: a kernel is a :class:`Kernel`, and its first call picks

1. the **ahead-of-time** build, ``boilerkit._kernels``: the same kernels compiled by numba's
   ``pycc`` when the package is built (``setup.py``, :mod:`boilerkit.aot`), a plain extension
   module that needs no numba to load.  Importing numba and loading its cached kernels took
   1.4 of the 2.1 s ``boilerkit apply`` took on one page, and each ``--jobs`` worker paid it
   again; the built module loads in a millisecond.  It is used only if it was built from
   this very source (a hash of the package's modules, so an edited checkout never runs
   stale kernels), and only for arguments of the types it was built for, which are checked
   on every call: an extension module trusts its arguments, and an int64 array passed where
   it expects uint32 would crash it.
2. else **numba's JIT** (``cache=True``: compiled once per machine, then loaded from disk).
3. else the **reference path**, with one warning (:func:`use_compiled` says False).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
import os
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Set to 0 to predict on the reference path (boilerkit.features' numpy and Python, scikit-learn's
# trees, numpy's neighbourhood columns): for tests comparing the two, benchmarks, or a
# suspected kernel bug.
ENV_VAR = "BOILERKIT_COMPILED"
# Set to 0 to ignore the ahead-of-time build and compile with numba's JIT: for the tests that
# compare the two, or a suspected build problem.
AHEAD_OF_TIME_ENV_VAR = "BOILERKIT_AHEAD_OF_TIME"
AHEAD_OF_TIME_MODULE = "boilerkit._kernels"


@functools.cache
def numba_importable() -> bool:
    """Whether numba can be imported (it is not, where the ahead-of-time build serves)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def kernels_available() -> bool:
    """Whether compiled kernels can run: built ahead of time, or numba to compile them; if
    neither, one warning per process (not per batch)."""
    if ahead_of_time_module() is not None or numba_importable():
        return True
    log.warning("neither boilerkit's built kernels nor numba can be loaded: predicting with scikit-learn, "
                "several times slower; pip install 'numba>=0.59'")
    return False


def use_compiled(compiled: bool | None = None) -> bool:
    """Whether to run the compiled kernels: ``compiled`` if given, else unless
    ``BOILERKIT_COMPILED=0``; never without kernels to run."""
    if compiled is None:
        compiled = os.environ.get(ENV_VAR, "1").strip() != "0"
    return compiled and kernels_available()


# ------------------------------------------------------------------ the ahead-of-time build


def source_hash() -> int:
    """A 62-bit hash of every module of the package: the kernels' code and every constant
    they read (numba freezes a module's globals into the compiled code)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return int.from_bytes(digest.digest()[:8], "little") >> 2


@functools.cache
def ahead_of_time_module():
    """``boilerkit._kernels`` if it is built, wanted and built from this source, else None."""
    # said at debug level (apply -v): which kernels ran is the first question about a slow run
    if os.environ.get(AHEAD_OF_TIME_ENV_VAR, "1").strip() == "0":
        log.debug("kernels: the ahead-of-time build is ignored (%s=0): numba's JIT compiles them",
                  AHEAD_OF_TIME_ENV_VAR)
        return None
    try:
        module = importlib.import_module(AHEAD_OF_TIME_MODULE)
    except ImportError as error:
        log.debug("kernels: not built ahead of time (%s): numba's JIT compiles them", error)
        return None
    if module.source_hash() != source_hash():
        log.debug("kernels: %s was built from other source than this: numba's JIT compiles them", module.__file__)
        return None
    log.debug("kernels: built ahead of time, %s", module.__file__)
    return module


def exported_name(kernel_id: str, variant: int) -> str:
    """The ahead-of-time module's name for one signature of one kernel."""
    return f"{kernel_id.replace('.', '__')}__{variant}"


# ------------------------------------------------------------------ signatures

_DTYPES = {"u1": np.uint8, "u2": np.uint16, "u4": np.uint32, "u8": np.uint64, "i8": np.int64,
           "f4": np.float32, "f8": np.float64, "b1": np.bool_}
_INTEGERS = (int, np.integer)
_REALS = (int, float, np.integer, np.floating)


@functools.cache
def parse_type(text: str) -> tuple:
    """One argument or result type: ``"u4[1C]"`` (an array: dtype, dimensions, layout C, F
    or A for any), with ``ro`` after it where the kernel only reads it; ``"i8"``, ``"u8"``,
    ``"f8"`` (a scalar); ``"none"``; ``"(t, t, ...)"`` (a tuple)."""
    text = text.strip()
    if text == "none":
        return ("none",)
    if text.startswith("("):
        return ("tuple", tuple(parse_type(part) for part in text[1:-1].split(",")))  # of arrays and scalars
    if "[" not in text:
        _DTYPES[text]  # noqa: B018 -- a KeyError names an unknown type
        return ("scalar", text)
    dtype, rest = text.split("[")
    shape, flags = rest.split("]")
    if flags not in ("", "ro") or shape[-1] not in "CFA":
        raise ValueError(f"bad kernel type {text!r}")
    _DTYPES[dtype]  # noqa: B018
    return ("array", dtype, int(shape[:-1]), shape[-1], flags == "ro")


def parse_signature(signature: str) -> tuple[tuple, tuple]:
    """``"u4[1C], i8 -> f8[1C]"``: the argument types and the result type."""
    arguments, result = signature.split("->")
    return tuple(parse_type(part) for part in arguments.split(",") if part.strip()), parse_type(result)


# numpy's array flags, as ``ndarray.flags.num`` holds them (one attribute read for all)
_C_CONTIGUOUS, _F_CONTIGUOUS, _ALIGNED, _WRITEABLE = 0x1, 0x2, 0x100, 0x400


def _arguments_check(kinds: tuple):
    """A function telling whether a call's arguments are of ``kinds`` exactly as the built
    kernel reads them: dtype, dimensions, layout, writable where the kernel writes, aligned.
    It runs on every call (about 130 calls a page, 10 arguments each), so it is one loop
    that reads as little as it can: the flags as one number, the dtype by identity first
    (numpy's builtin dtypes are singletons)."""
    specs = []
    for kind in kinds:
        if kind[0] == "scalar":
            specs.append((False, _INTEGERS if kind[1] in ("i8", "u8") else _REALS, 0, 0))
            continue
        _, code, ndim, layout, read_only = kind
        contiguous = {"C": _C_CONTIGUOUS, "F": _F_CONTIGUOUS, "A": 0}[layout]
        required = _ALIGNED | (0 if read_only else _WRITEABLE) | contiguous
        specs.append((True, np.dtype(_DTYPES[code]), ndim, required))
    count = len(specs)

    def check(args) -> bool:
        if len(args) != count:
            return False
        for value, (is_array, dtype, ndim, required) in zip(args, specs):
            if not is_array:
                if not isinstance(value, dtype):  # the accepted Python and numpy scalar types
                    return False
            elif (type(value) is not np.ndarray or (value.dtype is not dtype and value.dtype != dtype)
                  or value.ndim != ndim or value.flags.num & required != required):
                return False
        return True

    return check


def _argument_check(kind: tuple):
    """:func:`_arguments_check` of one argument."""
    check = _arguments_check((kind,))
    return lambda value: check((value,))


# ------------------------------------------------------------------ kernels


class Kernel:
    """A kernel whose compiling is deferred to its first call (see the module's docstring).

    Inside other kernels numba sees it as the dispatcher it wraps (``_numba_type_``,
    ``py_func`` and ``targetoptions`` are what numba reads of a dispatcher, for typing and
    for ``inline="always"``), so kernels call each other as they would call numba's."""

    def __init__(self, py_func, options: dict, exported: tuple[str, ...]):
        self.py_func = py_func
        self.targetoptions = options
        self.id = f"{py_func.__module__.rpartition('.')[2]}.{py_func.__name__}"
        self.exported = exported
        self._call = None
        functools.update_wrapper(self, py_func)

    def __call__(self, *args):
        call = self._call
        if call is None:
            call = self._call = self._pick()
        return call(*args)

    def __repr__(self) -> str:
        return f"<boilerkit kernel {self.id}>"

    def __reduce__(self):
        # by name, as a function pickles (a task sent to a dask worker may hold one)
        return _kernel_named, (self.py_func.__module__, self.py_func.__qualname__)

    @functools.cached_property
    def dispatcher(self):
        """numba's JIT dispatcher of this kernel (numba is imported here, on first need)."""
        from numba import njit as numba_njit

        return numba_njit(**self.targetoptions)(self.py_func)

    @property
    def _numba_type_(self):
        return self.dispatcher._numba_type_

    def _pick(self):
        module = ahead_of_time_module() if self.exported else None
        if module is None:
            return self.dispatcher
        variants = []
        for number, signature in enumerate(self.exported):
            accepts = _arguments_check(parse_signature(signature)[0])
            variants.append((accepts, getattr(module, exported_name(self.id, number))))
        return self._checked_call(variants)

    def _checked_call(self, variants):
        def call(*args):
            for accepts, built in variants:
                if accepts(args):
                    return built(*args)
            log.debug("%s: no built signature takes %s; compiling with numba", self.id, _describe(args))
            return self.dispatcher(*args)

        return call


def _kernel_named(module: str, name: str) -> Kernel:
    return getattr(importlib.import_module(module), name)


def _describe(args) -> str:
    """The arguments' types in the language of the signatures (numpy's dtype names)."""
    def one(value) -> str:
        if not isinstance(value, np.ndarray):
            return type(value).__name__
        layout = "C" if value.flags.c_contiguous else "F" if value.flags.f_contiguous else "A"
        return f"{value.dtype}[{value.ndim}{layout}]{'' if value.flags.writeable else 'ro'}"

    return ", ".join(map(one, args))


KERNELS: dict[str, Kernel] = {}


def njit(*, exported: tuple[str, ...] = (), **options):
    """``numba.njit(**options)``, deferred (:class:`Kernel`).  ``exported``: the signatures the
    ahead-of-time build compiles (see :func:`parse_type`), for kernels Python calls."""

    def declare(py_func) -> Kernel:
        kernel = Kernel(py_func, options, tuple(exported))
        KERNELS[kernel.id] = kernel
        return kernel

    return declare
