"""Finding an entity's landing files and reading their headers (SPEC §1 layout)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.entities import Entity

FORMATS = {".csv": "csv", ".parquet": "parquet"}


class IngestionError(Exception):
    """Landing input that cannot be ingested at all; the message names the file."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # posix path under the landing directory, as shown to people
    format: str  # csv | parquet
    rank: int  # 1-based position in name order within its entity; later files win


def discover(landing: Path, entity: Entity) -> list[LandingFile]:
    """Every file of an entity, in name order: `crm/leads.csv`, `crm/leads/2026-11-22.csv`, …

    The order is that of the paths relative to the landing directory, so a single file and a
    folder of daily drops may even be mixed; a record in a later file replaces an earlier one.
    """
    base = landing / entity.source
    candidates = [base / f"{entity.name}{ext}" for ext in FORMATS]
    folder = base / entity.name
    if folder.is_dir():
        candidates.extend(p for p in folder.iterdir() if p.suffix.lower() in FORMATS)
    found = sorted((p.relative_to(landing).as_posix(), p) for p in candidates if p.is_file())
    return [
        LandingFile(path, relative, FORMATS[path.suffix.lower()], rank)
        for rank, (relative, path) in enumerate(found, start=1)
    ]


def read_csv_header(file: LandingFile) -> tuple[str, ...]:
    try:
        with file.path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f), None)
    except UnicodeDecodeError as exc:
        raise IngestionError(f"{file.relative}: cannot be parsed as UTF-8 text ({exc})") from exc
    except csv.Error as exc:
        raise IngestionError(f"{file.relative}: cannot be parsed as CSV ({exc})") from exc
    if not header or not any(name.strip() for name in header):
        raise IngestionError(f"{file.relative}: empty file, no header row")
    return tuple(header)


def check_required_columns(file: LandingFile, entity: Entity, header: tuple[str, ...]) -> None:
    missing = [name for name in entity.required_columns if name not in header]
    if missing:
        raise IngestionError(
            f"{file.relative}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (entity {entity.path})"
        )
