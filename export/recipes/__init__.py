"""Export formats as recipes in a small registry: one module per format (see ``registry``).

Importing this package registers every recipe module in it: first the built-ins, in the order an
export writes them (``pte-fp32``, ``pte-int8``, ``coreml``, then ``pte-training``, which is not a
default), then any other module here, by name. None imports its backend library at import time.
So a new format (a Core ML-delegated ``.pte``, say) is one new module in this folder with an
``@register_recipe`` class; bundle, verify and ``edgenst export --formats`` pick it up.
"""

import importlib
import pkgutil

from edgenst.export.recipes.registry import (
    ExportJob,
    Recipe,
    VerifyJob,
    default_formats,
    get_recipe,
    recipe_for_entry,
    recipe_names,
    register_recipe,
    unregister_recipe,
)

#: Registration order is the default export order (and so the manifest's artifact order).
_BUILT_IN = ("pte_fp32", "pte_int8", "coreml", "pte_training")


def _load_recipes() -> None:
    others = sorted(m.name for m in pkgutil.iter_modules(__path__)
                    if m.name not in _BUILT_IN and m.name != "registry" and not m.name.startswith("_"))
    for name in (*_BUILT_IN, *others):
        importlib.import_module(f"{__name__}.{name}")


_load_recipes()

__all__ = [
    "ExportJob",
    "Recipe",
    "VerifyJob",
    "default_formats",
    "get_recipe",
    "recipe_for_entry",
    "recipe_names",
    "register_recipe",
    "unregister_recipe",
]
