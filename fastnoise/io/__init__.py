"""HDF5 stores (h5py): runs written block by block, readable at any moment."""

from .errors import StoreError
from .store import Store, open_store

__all__ = ["Store", "StoreError", "open_store"]
