"""The simulation engine behind :func:`fastnoise.simulate`, one concern per module.

* :mod:`.arguments`: argument checks of a simulation (inputs, samples, labels, histogram)
* :mod:`.threads`: Numba and BLAS thread control (:func:`~.threads.thread_limit`)
* :mod:`.provenance`: random-stream and numerics versions, seed range, digests, config diffs
* :mod:`.planning`: a validated simulation (:class:`~.planning.Plan`, :func:`~.planning.plan`)
* :mod:`.projection`: whether a run draws its input noise in layer 1's space, and its program
* :mod:`.execution`: the kernel calls (:func:`~.execution.forward`,
  :func:`~.execution.execute`, :class:`~.execution.Collector`)
* :mod:`.finite`: the non-finite check of the results (:class:`~.finite.NonFiniteWarning`)
* :mod:`.runs`: runs in a store: reuse, resume, resource check, verification

:func:`fastnoise.simulate` (in :mod:`fastnoise.simulate`, which also re-exports
these modules' public names) puts them together.  This ``__init__`` imports
nothing, so that ``fastnoise.engine.<module>`` always names the module.
"""
