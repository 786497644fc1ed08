"""Everything that reads or writes files.

``store`` (HDF5 stores: runs written block by block, readable at any moment),
``sweep_index`` (the /sweep group of a sweep store), ``catalogue`` (MNIST and
Fashion-MNIST names, files, checksums), ``datasets`` (search, loading), ``idx``
(the IDX reader),
``download`` (checksummed downloads) and ``mackey_glass`` (the delay-equation
series of network C).
"""

from .errors import StoreError
from .store import Store, open_store

__all__ = ["Store", "StoreError", "open_store"]
