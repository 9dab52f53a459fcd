"""Stylize the user's files: which photos in, which names out (``paths``), the student or the Gatys
optimiser on each (``photos``), and the record of the run left beside the outputs (``run_record``).

``edgenst stylize`` parses its arguments into these calls and prints what they return; a notebook
calls them the same way. The model on one tensor is :mod:`edgenst.inference`, the optimiser
:mod:`edgenst.gatys.optimize`; videos are :mod:`edgenst.video`.
"""
