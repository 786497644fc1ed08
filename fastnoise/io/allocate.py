"""Datasets allocated at creation (shared by the store and the sweep index)."""

from __future__ import annotations

import numpy as np

__all__ = ["allocated_dataset"]


def allocated_dataset(group, name, shape, dtype, fill):
    """A contiguous dataset whose space is allocated and filled at creation.

    Early allocation means later writes change raw data only, never the file's
    metadata, which is what keeps a killed run's file readable.
    """
    import h5py

    dtype = np.dtype(dtype)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    dcpl.set_fill_time(h5py.h5d.FILL_TIME_ALLOC)
    dcpl.set_fill_value(np.array(fill, dtype=dtype))
    dcpl.set_obj_track_times(False)
    space = h5py.h5s.create_simple(tuple(int(n) for n in shape))
    dsid = h5py.h5d.create(group.id, name.encode(), h5py.h5t.py_create(dtype), space, dcpl=dcpl)
    return h5py.Dataset(dsid)
