"""Reading an operator's file (sources, topics, a model) with one clear error for each way it
can fail: the caller names the kind of file and the error type its callers catch."""

from __future__ import annotations

from pathlib import Path


def read_text(file: Path, kind: str, error: type[Exception]) -> str:
    """The UTF-8 text of ``file``; ``error("<file>: <kind> file not found")`` or
    ``error("<file>: cannot read <kind> file: ...")`` when it cannot be read."""
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise error(f"{file}: {kind} file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{file}: cannot read {kind} file: {exc}") from exc
