"""What decides the bits of a run on this machine: CPU target, BLAS kernels, library versions."""

from __future__ import annotations


def fingerprint() -> dict:
    """LLVM host CPU, OpenBLAS core types, and the numerical libraries' versions."""
    import llvmlite
    import llvmlite.binding as ll
    import numba
    import numpy
    import scipy
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS, which Numba's np.dot calls)
    from threadpoolctl import threadpool_info

    blas = sorted({f"{i['internal_api']}:{i.get('architecture')}" for i in threadpool_info()
                   if i["user_api"] == "blas"})
    return {"cpu": ll.get_host_cpu_name(), "blas": blas, "numpy": numpy.__version__,
            "scipy": scipy.__version__, "numba": numba.__version__, "llvmlite": llvmlite.__version__}
