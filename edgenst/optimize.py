"""Old import path of :mod:`edgenst.gatys.optimize` (the Gatys optimisation), kept because code outside the package
(benchmarks/, the README's examples, notebooks) imports it. This is the same module object, not a copy."""

import sys

import edgenst.gatys.optimize as _module

sys.modules[__name__] = _module
