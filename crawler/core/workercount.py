"""How many analysis worker processes a crawl starts (PROVWATCH_WORKERS).

Apart from crawler.crawl.workers so that checking the setting (the CLI does it before a run)
does not import the extraction stack into the waiting CLI process.
"""

from __future__ import annotations

import os
from typing import Any

MAX_AUTO_WORKERS = 4


def worker_count(setting: Any) -> int:
    """PROVWATCH_WORKERS: "auto" or a number (0 = no processes).

    "auto" leaves one core to the reactor process (downloads, listings, the store) and gives
    the others to workers, at least one and at most 4. On 2 cores, a second worker only
    competed with the reactor for CPU (measured: no faster, 100 MB more).
    """
    if setting in (None, "", "auto"):
        return max(1, min((os.cpu_count() or 1) - 1, MAX_AUTO_WORKERS))
    try:
        count = int(setting)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"PROVWATCH_WORKERS must be 'auto' or a number, not {setting!r}"
                         ) from exc
    if count < 0:
        raise ValueError(f"PROVWATCH_WORKERS must be 0 or more, not {count}")
    return count
