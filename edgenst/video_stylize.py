"""Old import path of :mod:`edgenst.video.stylize` (the video's frame stylizers and stylize_video), kept because code outside the package
(benchmarks/, the README's examples, notebooks) imports it. This is the same module object, not a copy."""

import sys

import edgenst.video.stylize as _module

sys.modules[__name__] = _module
