"""The Gatys et al. method: optimise the picture itself against the perceptual loss (``optimize``),
with colour preservation (``color``).

Slow but training-free, it is the quality reference the students are measured against; it sits
apart from the students' path (models -> distill -> export) because nothing there depends on it.
"""
