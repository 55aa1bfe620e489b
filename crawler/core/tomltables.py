"""The checks every ``[[array]]`` table of provwatch's TOML files starts with.

Sources and topics files report errors the same way: the file, the entry (index and id)
and the key. This is the one place that builds that label and checks the key set.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any


def open_table(raw: Any, index: int, path: Path, array: str, *, known: Collection[str],
               required: Collection[str], error: type[ValueError]) -> str:
    """Check that ``raw`` is a table with only ``known`` keys and all ``required`` ones.

    Returns the label for further messages, ``<file>: <array>[<i>] (id='<id>')``; raises
    ``error`` naming the file, the entry and the offending key.
    """
    label = f"{path}: {array}[{index}]"
    if not isinstance(raw, dict):
        raise error(f"{label}: expected a [[{array}]] table, got {type(raw).__name__}")
    if isinstance(raw.get("id"), str):
        label += f" (id={raw['id']!r})"
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise error(f"{label}: unknown key {unknown[0]!r}")
    for key in required:
        if key not in raw:
            raise error(f"{label}: missing required key {key!r}")
    return label
