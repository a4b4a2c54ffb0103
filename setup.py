"""The compiled kernels, built with the package (boilerkit.aot); everything else is in pyproject.toml.

numba's pycc compiles the kernels into an extension module, boilerkit._kernels, which loads
without numba: `boilerkit apply` then starts in well under a second instead of two.  Where it
cannot be built (no C compiler, a numba without pycc), boilerkit installs without it and numba's
JIT compiles the same kernels on first use.
"""

import sys
from pathlib import Path

from setuptools import setup


def kernel_extensions() -> list:
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from boilerkit.aot import extension

        return [extension()]
    except Exception as error:  # no numba or no pycc (ImportError), no C compiler (numba's RuntimeError)
        print(f"boilerkit: not building the compiled kernels ({type(error).__name__}: {error}); numba's JIT "
              f"will compile them on first use", file=sys.stderr)
        return []
    finally:
        sys.path.pop(0)


setup(ext_modules=kernel_extensions())
