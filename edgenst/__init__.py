"""edgenst: neural style transfer for phones.

The package follows the pipeline in DESIGN.md: ``io`` -> ``teacher`` -> ``losses`` ->
``optimize`` / ``models`` -> ``distill`` -> ``quantize`` -> ``export`` -> ``runtime``.
Modules lower in that list import from higher ones, never the other way round.
"""

__version__ = "0.1.0"
