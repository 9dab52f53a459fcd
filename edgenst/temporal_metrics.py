"""Old import path of :mod:`edgenst.video.temporal_metrics` (warping error and flicker), kept because code outside the package
(benchmarks/, the README's examples, notebooks) imports it. This is the same module object, not a copy."""

import sys

import edgenst.video.temporal_metrics as _module

sys.modules[__name__] = _module
