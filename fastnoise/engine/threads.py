"""Thread control of the kernels: Numba threads and single-threaded BLAS."""

from __future__ import annotations

from contextlib import contextmanager

from ..validation import check_int

__all__ = ["thread_limit"]


@contextmanager
def thread_limit(threads):
    """Run with ``threads`` Numba threads and single-threaded BLAS."""
    import numba
    # np.dot inside the kernels calls scipy's BLAS: load it before limiting
    # thread pools, or the first call in a process runs a threaded GEMM whose
    # summation order (and last bits) differ from later calls.
    import scipy.linalg.cython_blas  # noqa: F401
    from threadpoolctl import threadpool_limits

    old = numba.get_num_threads()
    if threads is not None:
        threads = check_int("threads", threads, 1)
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(old)
