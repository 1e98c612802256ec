"""Finding an entity's landing files and reading their headers (SPEC §1 layout)."""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.entities import Entity

FORMATS = {".csv": "csv", ".parquet": "parquet"}

# A CSV entity whose export is not UTF-8 says so in one line of text beside it:
# `crm/leads.encoding` holding `cp1251` covers `crm/leads.csv` and every `crm/leads/*.csv`.
ENCODING_SUFFIX = ".encoding"
UTF8 = "utf-8"

# Names ingestion adds to every row; a landing column of the same name would be ambiguous.
RESERVED_COLUMNS = frozenset(
    {"_landing_file", "_landing_line", "_landing_file_rank", "_loaded_at", "_landing_path"}
)


class IngestionError(Exception):
    """Landing input that cannot be ingested at all; the message names the file."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # posix path under the landing directory, as shown to people
    format: str  # csv | parquet
    rank: int  # 1-based position in name order within its entity; later files win
    encoding: str = UTF8  # of a CSV file, as declared beside its entity; Parquet is UTF-8


@dataclass(frozen=True)
class CsvHeader:
    columns: tuple[str, ...]
    delimiter: str  # `,` as the contract says, or `;` as spreadsheets in many locales write


def declared_encoding(landing: Path, entity: Entity) -> str:
    """The encoding declared in `<source>/<entity>.encoding`, or UTF-8 when there is none."""
    declaration = landing / f"{entity.path}{ENCODING_SUFFIX}"
    if not declaration.is_file():
        return UTF8
    name = declaration.read_text(encoding="ascii", errors="replace").strip()
    try:
        encoding = codecs.lookup(name).name
    except LookupError as exc:
        raise IngestionError(
            f"{entity.path}{ENCODING_SUFFIX}: unknown encoding {name!r} "
            "(write a name such as utf-8, cp1251 or utf-16)"
        ) from exc
    # A byte order mark is skipped either way.
    return UTF8 if encoding == "utf-8-sig" else encoding


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
    if not found:
        return []
    encoding = declared_encoding(landing, entity)
    return [
        LandingFile(
            path,
            relative,
            FORMATS[path.suffix.lower()],
            rank,
            encoding if FORMATS[path.suffix.lower()] == "csv" else UTF8,
        )
        for rank, (relative, path) in enumerate(found, start=1)
    ]


def read_csv_header(file: LandingFile, utf8_path: Path | None = None) -> CsvHeader:
    """The header row and the delimiter: `;` when the header has no comma but has a `;`.

    The header is read from `utf8_path`, the UTF-8 copy of a file in another encoding, if
    given, else from the file itself."""
    with (utf8_path or file.path).open("rb") as f:
        first_line = f.readline()
    try:
        # utf-8-sig skips a byte order mark (Excel writes one).
        first_line = first_line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestionError(
            f"{file.relative}: header cannot be read as UTF-8 text ({exc.reason} at "
            f"byte {exc.start}){encoding_hint(file)}"
        ) from exc
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    try:
        header = next(csv.reader([first_line], delimiter=delimiter), None)
    except csv.Error as exc:
        raise IngestionError(f"{file.relative}: cannot be parsed as CSV ({exc})") from exc
    if not header or not any(name.strip() for name in header):
        raise IngestionError(f"{file.relative}: empty file, no header row")
    return CsvHeader(tuple(header), delimiter)


def encoding_hint(file: LandingFile) -> str:
    """How to fix a file that is not valid UTF-8: declare the encoding of its entity."""
    if file.encoding != UTF8:
        return ""
    entity_path = "/".join(Path(file.relative).with_suffix("").parts[:2])
    return f"; if the export is not UTF-8, declare its encoding in {entity_path}{ENCODING_SUFFIX}"


def check_header(file: LandingFile, entity: Entity, header: tuple[str, ...]) -> None:
    """A header ingestion can read unambiguously: no name twice, no name ingestion adds
    itself, every required column present."""
    seen: set[str] = set()
    duplicated = [name for name in header if name in seen or seen.add(name)]
    if duplicated:
        raise IngestionError(
            f"{file.relative}: column {', '.join(dict.fromkeys(duplicated))} appears more than "
            "once in the header"
        )
    reserved = [name for name in header if name in RESERVED_COLUMNS]
    if reserved:
        raise IngestionError(
            f"{file.relative}: column {', '.join(reserved)} is reserved for the lineage "
            "ingestion adds; rename it in the export"
        )
    check_required_columns(file, entity, header)


def check_required_columns(file: LandingFile, entity: Entity, header: tuple[str, ...]) -> None:
    missing = [name for name in entity.required_columns if name not in header]
    if missing:
        raise IngestionError(
            f"{file.relative}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (entity {entity.path})"
        )
