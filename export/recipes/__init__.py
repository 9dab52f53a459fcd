"""Export formats as recipes in a small registry: one module per format (see ``registry``).

Importing this package registers the built-in recipes: ``pte-fp32``, ``pte-int8`` (XNNPACK),
``coreml`` (``.mlpackage``) and ``pte-training`` (on-device training, not a default). None of
them imports its backend library at import time. A new format is one new module here with an
``@register_recipe`` class, plus its line below.
"""

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

# The built-ins, in the order an export writes them (registration order is the default order).
from edgenst.export.recipes import pte_fp32, pte_int8, coreml, pte_training  # noqa: E402,F401  isort: skip

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
