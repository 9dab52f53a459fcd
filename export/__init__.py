"""Exports for phone apps: ExecuTorch ``.pte`` (XNNPACK, fp32/int8), Core ML ``.mlpackage``, manifest, verify.

Installed as ``edgenst.export``. Each backend's library is imported only inside its own module, so
importing one exporter never pays for (or needs) the other.
"""
