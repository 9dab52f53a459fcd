"""Federated fine-tuning of edgenst students with Flower (installed as ``edgenst.federated``).

A Flower App (``pyproject.toml`` here; ``server_app:app``, ``simulated_phone:app``) in the Message API:

- ``settings``: every run setting declared once (default, type, meaning, CLI flag); ``app_config``
  writes and checks the pyproject's ``[tool.flwr.app.config]`` table from it;
- ``client_app``: the production ClientApp (no simulated phone, no fault injection);
  ``node_cache``: the model, loss network and Gram targets a phone keeps between rounds;

- ``task``: the model, which parameters federate, local training with the shared ``train_step``,
  evaluation with the loss network;
- ``partition``: non-IID Dirichlet photo partitions (categories or image statistics);
- ``profiles``: simulated phones (compute, memory, bandwidth, battery, availability), played
  around the production ClientApp by the mod of ``simulated_phone``;
- ``compression``: int8 / top-k update compression, client mod and server decoder;
- ``guard``: the server-side ``Grid`` wrapper that screens replies and counts bytes;
- ``norm_screen``: rejects or clips updates by size (global model scale, accepted-norm history);
- ``strategies``: Flower's strategies and DP wrappers by name;
- ``checkpoint``: per-round checkpoints and resume;
- ``server_run``: the server's per-round evaluate / log / checkpoint / resume, for every aggregation;
- ``secure_aggregation``: SecAgg+ through Flower's workflow and mod;
- ``simulation.simulate``: Flower's Simulation Engine from Python (``edgenst federate``), with
  ``faults`` (simulated broken phones), ``dependency_logs`` (Flower/Ray output by verbosity) and
  ``ray_reaper`` (ends Ray's processes when the driver is killed);
- ``flwr-run.sh``: ``flwr run federated`` on a SuperLink of its own;
- ``creds`` and ``deploy.sh``: the Deployment Engine on loopback with TLS and node authentication.
"""
