"""The run record: what ``stylize`` wrote into an output folder, read back by ``evaluate``.

One small JSON file beside the images, so that a folder of outputs carries the seconds each image
took (``evaluate`` reports time per image without timing anything itself) and how it was made. The
format lives here, in one place, because two commands (and notebooks) write and read it.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

log = logging.getLogger(__name__)

#: File name of the record inside an output folder.
RUN_RECORD = "edgenst-run.json"


def write_run_record(folder: str | os.PathLike[str], *, styles: Sequence[str], method: str, loss_net: str,
                     model: str, outputs: Mapping[str, Mapping[str, Any]]) -> Path:
    """Write the record of one run into ``folder``; ``outputs`` maps each output file name to its entry
    (``input``, ``seconds``, ``method`` and, for the optimiser, ``loss``). Returns the record's path.

    The key ``teacher`` holds the loss network's name: older folders were written with it and
    ``evaluate`` reads them all alike.
    """
    path = Path(folder) / RUN_RECORD
    meta = {"styles": list(styles), "method": method, "teacher": loss_net, "model": model, "outputs": dict(outputs)}
    path.write_text(json.dumps(meta, indent=2))
    return path


def read_run_times(folder: str | os.PathLike[str]) -> dict[str, float]:
    """Seconds per output file name from ``folder``'s record; empty when there is none.

    An unreadable record is a warning, not an error: the times are an extra in ``evaluate``'s
    report, and the metrics are still worth having without them.
    """
    record = Path(folder) / RUN_RECORD
    if not record.is_file():
        return {}
    try:
        data = json.loads(record.read_text())
        return {name: float(v["seconds"]) for name, v in data.get("outputs", {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("%s is unreadable; times left out", record)
        return {}
