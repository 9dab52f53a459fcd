"""The on-device demo: a small local web app that stylizes camera frames and photos with the
exported int8 ``.pte`` in the ExecuTorch runtime (what a phone app embeds), never eager PyTorch.

Modules, one job each: ``config`` (settings and limits), ``artifact`` (find or export the int8
program, cached), ``frames`` (decode, letterbox, encode), ``settings`` (style/strength/size/profile
requests), ``engine`` (the serialized ExecuTorch worker and thread profiles), ``sessions`` (bounded
live sessions), ``server`` (HTTP + WebSocket routes), ``launch`` (uvicorn, in the foreground or a
background thread), ``tls`` (a self-signed certificate for phones on the LAN). ``static/`` holds the
page: plain HTML, JS and CSS, no build step.
"""
