"""Training the paper's networks A (MNIST), B (Fashion-MNIST) and C (Mackey–Glass),
and small CNNs of the two image tasks (``train(task, arch="cnn")``).

PyTorch is optional and imported lazily: :func:`train` needs it
(``pip install torch==2.13.0``), :func:`evaluate` and :func:`task_data` do not.

Examples
--------
>>> from fastnoise.train import train, save            # doctest: +SKIP
>>> net, report = train("mnist", seed=0)                # doctest: +SKIP
>>> save(net, report, "A.h5")                           # doctest: +SKIP
"""

from .data import TASKS, evaluate, nrmse, outputs, task_data
from .torch_train import (ARCHS, DEFAULTS, defaults, layer_count, require_torch, save, to_cnn_network,
                          to_network, train)

__all__ = ["TASKS", "ARCHS", "DEFAULTS", "defaults", "evaluate", "layer_count", "nrmse", "outputs", "task_data",
           "train", "save", "to_network", "to_cnn_network", "require_torch"]
