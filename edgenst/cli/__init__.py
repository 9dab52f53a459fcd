"""The ``edgenst`` command: a thin layer that turns arguments into the library's config objects."""
