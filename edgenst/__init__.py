"""edgenst: neural style transfer for phones.

The package follows the pipeline in DESIGN.md. Import order, checked by
``tests/test_import_order.py``, which reads the list below: a module imports only modules listed
before it (lazy imports inside functions count too), or modules of its own package. A new module
joins the list where its imports put it.

    errors, extras, native_stderr, stylize.run_record
    -> io, samples, teacher, losses, perceptual, metrics, gatys.color, gatys, io_spec, styles, painting_input
    -> models, pretrained, cost, inference, equalize, quantize, distill, style_fit, style_predictor
    -> export.app_model, export.manifest, runtime, export
    -> video.files, video.temporal_metrics, video
    -> stylize.paths, stylize, reference_images
    -> federated, phone_fit, demo_app, cli, __main__, demo_app.__main__
    -> optimize, video_stylize, temporal_metrics

Why the less obvious places: ``inference`` (a student on photos, tiled, mirror-padded) comes
before ``distill`` because training pads its crops the same way (``mirror_pad``); the exported
program's inputs and the manifest's format (``export.app_model``, ``export.manifest``) come before
``runtime``, which reads them, while the rest of ``export`` (writing and verifying) runs programs
through ``runtime``. ``demo_app.__main__`` (``python -m edgenst.demo_app``) is an entry point like
``__main__``: it runs the CLI, and no module imports it, so the demo's library modules stay below
the CLI. ``phone_fit`` (a style fit in the training ``.pte``) follows ``federated`` because it opens
the artifact with the federated phones' checked loader (``federated.executorch_client``). The
last line holds old import paths, aliases of the modules they name.
"""

__version__ = "0.1.0"
