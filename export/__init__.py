"""Exports for phone apps: ExecuTorch ``.pte`` (XNNPACK, fp32/int8; a training ``.pte``), Core ML
``.mlpackage``, manifest, verify.

Installed as ``edgenst.export``. The map:

- ``recipes/``: one module per export format (``pte-fp32``, ``pte-int8``, ``coreml``,
  ``pte-training``) in a small registry; ``bundle`` (write a folder) and ``verify`` (check one)
  loop over it and never name a format. A new format is one new recipe module.
- backends the recipes call: ``executorch`` (lower to XNNPACK), ``coreml`` (convert),
  ``coreml_check`` (re-read a package offline), ``training`` (the joint forward + backward program);
- shared: ``app_model`` (the exported module's inputs), ``manifest``, ``pte_inspect`` (what a
  ``.pte`` holds), ``checks`` (verify's measurements and gates).

Each backend's library is imported only inside the functions that use it, so importing one
recipe never pays for (or needs) another's.
"""
