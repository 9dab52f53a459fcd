"""Transformation networks: the compact multi-style student (and, later, the large teacher network)."""

from edgenst.models.student import Student, StudentConfig

__all__ = ["Student", "StudentConfig"]
