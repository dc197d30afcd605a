"""Reading NAB's corpus layout: `<category>/<name>.csv` data files and the combined windows JSON.

NAB timestamps are naive "YYYY-MM-DD HH:MM:SS[.ffffff]" strings; both data rows and window limits are
parsed to datetimes so that "2014-04-10 07:15:00.000000" in the labels matches "2014-04-10 07:15:00"
in the data, which is how NAB itself compares them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


class CorpusError(ValueError):
    """A data, labels or results file that cannot be used, with the file and line that are wrong."""


@dataclass(frozen=True)
class Series:
    """One NAB data file: its corpus-relative name and its rows in file order."""

    name: str
    timestamps: list[datetime]
    values: list[float]

    def epoch_seconds(self) -> list[float]:
        """Timestamps as seconds, the form detectors take (naive NAB times are treated as UTC)."""
        return [(t - _EPOCH).total_seconds() for t in self.timestamps]


_EPOCH = datetime(1970, 1, 1)


def parse_timestamp(text: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CorpusError(f"{where}: bad timestamp {text!r}") from exc


def read_series(path: Path, name: str | None = None, value_column: str = "value") -> Series:
    """Read a `timestamp,value[,...]` CSV keeping row order (NAB files repeat timestamps at clock changes)."""
    timestamps: list[datetime] = []
    values: list[float] = []
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or "timestamp" not in header or value_column not in header:
            raise CorpusError(f"{path}:1: expected a header with 'timestamp' and {value_column!r}, got {header}")
        ti = header.index("timestamp")
        vi = header.index(value_column)
        for lineno, row in enumerate(reader, start=2):
            if not row:
                continue
            where = f"{path}:{lineno}"
            if len(row) <= max(ti, vi):
                raise CorpusError(f"{where}: expected {len(header)} columns, got {len(row)}")
            timestamps.append(parse_timestamp(row[ti], where))
            try:
                values.append(float(row[vi]))
            except ValueError as exc:
                raise CorpusError(f"{where}: bad {value_column} {row[vi]!r}") from exc
    return Series(name or path.name, timestamps, values)


def iter_data_files(data_dir: Path) -> Iterator[tuple[str, Path]]:
    """Yield (relative name with forward slashes, path) for every CSV under `data_dir`, sorted."""
    if not data_dir.is_dir():
        raise CorpusError(f"{data_dir}: not a directory")
    for path in sorted(data_dir.rglob("*.csv")):
        yield path.relative_to(data_dir).as_posix(), path


Windows = dict[str, list[tuple[datetime, datetime]]]


def read_windows(path: Path) -> Windows:
    """Load NAB's combined_windows.json: relative file name -> sorted [(start, end)]."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read labels: {exc}") from exc
    if not isinstance(raw, dict):
        raise CorpusError(f"{path}: expected an object mapping file names to window lists")
    out: Windows = {}
    for name, wins in raw.items():
        if not isinstance(wins, list):
            raise CorpusError(f"{path}: {name}: expected a list of [start, end] pairs")
        parsed: list[tuple[datetime, datetime]] = []
        for i, w in enumerate(wins):
            if not (isinstance(w, list) and len(w) == 2 and all(isinstance(x, str) for x in w)):
                raise CorpusError(f"{path}: {name}[{i}]: expected [start, end] strings, got {w!r}")
            where = f"{path}: {name}[{i}]"
            start, end = parse_timestamp(w[0], where), parse_timestamp(w[1], where)
            if end < start:
                raise CorpusError(f"{where}: window ends before it starts")
            parsed.append((start, end))
        out[name] = sorted(parsed)
    return out


def results_file_name(detector: str, relative: str) -> str:
    """NAB's results layout: `<category>/<detector>_<name>.csv`."""
    folder, _, base = relative.rpartition("/")
    name = f"{detector}_{base}"
    return f"{folder}/{name}" if folder else name
