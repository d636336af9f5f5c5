"""Streaming reader of the H&M Kaggle layout.

    <root>/articles.csv, customers.csv, transactions_train.csv,
           images/<first 3 digits of article_id>/<article_id>.jpg

Rows come out as plain dicts keyed by the CSV column names, every known column always present
(None where the file lacks the column or the field is blank), plus `line`: the 1-based number of
the data row (the first row after the header is 1). Files are read with the csv module, one row
at a time, so memory stays bounded whatever the file size.

Required columns (everything else is optional):
  articles.csv            article_id, prod_name   (a product is its code and its name; the
                                                   category columns only add optional edges)
  customers.csv           customer_id
  transactions_train.csv  t_dat, customer_id, article_id, price

Rows that cannot be used are skipped, never fatal: they are counted in a `BadRows` report by kind.
Duplicated article_ids are dropped here (the first is kept); duplicated customer_ids are not
looked for (1.4M ids would cost memory; the loader's MERGE makes a repeat harmless).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ARTICLES = "articles.csv"
CUSTOMERS = "customers.csv"
TRANSACTIONS = "transactions_train.csv"
IMAGES = "images"
# An article_id is 10 digits with its leading zero ("0108775015"); pandas writes it without.
ARTICLE_ID_WIDTH = 10
PRODUCT_CODE_WIDTH = 7

ARTICLE_COLUMNS = (
    "article_id", "product_code", "prod_name", "product_type_no", "product_type_name",
    "product_group_name", "graphical_appearance_no", "graphical_appearance_name",
    "colour_group_code", "colour_group_name", "perceived_colour_value_id",
    "perceived_colour_value_name", "perceived_colour_master_id", "perceived_colour_master_name",
    "department_no", "department_name", "index_code", "index_name", "index_group_no",
    "index_group_name", "section_no", "section_name", "garment_group_no", "garment_group_name",
    "detail_desc",
)  # fmt: skip
CUSTOMER_COLUMNS = (
    "customer_id", "FN", "Active", "club_member_status", "fashion_news_frequency", "age",
    "postal_code",
)  # fmt: skip
TRANSACTION_COLUMNS = ("t_dat", "customer_id", "article_id", "price", "sales_channel_id")

REQUIRED = {
    ARTICLES: ("article_id", "prod_name"),
    CUSTOMERS: ("customer_id",),
    TRANSACTIONS: ("t_dat", "customer_id", "article_id", "price"),
}
COLUMNS = {
    ARTICLES: ARTICLE_COLUMNS,
    CUSTOMERS: CUSTOMER_COLUMNS,
    TRANSACTIONS: TRANSACTION_COLUMNS,
}

# Article columns holding integer codes; the other optional columns stay strings.
ARTICLE_INT_COLUMNS = (
    "product_type_no", "graphical_appearance_no", "colour_group_code",
    "perceived_colour_value_id", "perceived_colour_master_id", "department_no",
    "index_group_no", "section_no", "garment_group_no",
)  # fmt: skip
# FN and Active are "1.0" or blank in the real file (pandas wrote them as floats).
CUSTOMER_INT_COLUMNS = ("FN", "Active", "age")


class DatasetError(Exception):
    """The folder cannot be loaded at all: a missing file or a missing required column."""


@dataclass(frozen=True, slots=True)
class BadRow:
    file: str
    line: int
    values: dict[str, str]


@dataclass(slots=True)
class BadRows:
    """Counts of rows that were skipped (or had a field dropped), per kind, with a few examples.

    The kinds written by this module: "malformed row" (too few fields), "bad article_id",
    "missing customer_id", "bad date", "bad price", "bad sales_channel_id" (transaction rows
    skipped); "duplicate article" (article row skipped, the first is kept); "bad <column>" for an
    unparseable optional article or customer field (the row is kept, that field is None).
    Callers add their own kinds with `add`.
    """

    max_examples: int = 5
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[BadRow]] = field(default_factory=dict)

    def add(self, kind: str, file: str, line: int, values: dict[str, str], n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n
        shown = self.examples.setdefault(kind, [])
        if len(shown) < self.max_examples:
            shown.append(BadRow(file, line, values))

    def update(self, other: BadRows) -> None:
        for kind, n in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n
            shown = self.examples.setdefault(kind, [])
            shown.extend(other.examples.get(kind, [])[: self.max_examples - len(shown)])

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            kind: {
                "count": n,
                "examples": [
                    {"file": e.file, "line": e.line, "values": e.values}
                    for e in self.examples.get(kind, [])
                ],
            }
            for kind, n in sorted(self.counts.items())
        }

    def summary(self) -> str:
        if not self.counts:
            return "no bad rows"
        lines = []
        for kind, n in sorted(self.counts.items()):
            lines.append(f"{kind}: {n}")
            for e in self.examples.get(kind, []):
                lines.append(f"  {e.file} line {e.line}: {e.values}")
        return "\n".join(lines)


def validate_dataset(root: Path) -> dict[str, tuple[str, ...]]:
    """Check the three files and their required columns before anything is written.

    Returns each file's header. Raises DatasetError naming the file and the columns missing.
    """
    return {name: read_header(Path(root), name) for name in (ARTICLES, CUSTOMERS, TRANSACTIONS)}


def read_header(root: Path, name: str) -> tuple[str, ...]:
    path = root / name
    if not path.is_file():
        raise DatasetError(f"{path}: file not found (the H&M layout needs {name} in {root})")
    with path.open(newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), None)
    if not header:
        raise DatasetError(f"{path}: empty file, no header row")
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED[name] if c not in header]
    if missing:
        raise DatasetError(f"{path}: missing required column(s) {', '.join(missing)}")
    return tuple(header)


def image_path(root: Path, article_id: str) -> Path | None:
    path = image_file(Path(root) / IMAGES, pad_id(article_id))
    return path if path.is_file() else None


def image_file(images: Path, article_id: str) -> Path:
    """Where the layout puts the photo of a (padded) article_id in the images folder."""
    return images / article_id[:3] / f"{article_id}.jpg"


def pad_id(value: str, width: int = ARTICLE_ID_WIDTH) -> str:
    """'108775015' -> '0108775015' (pandas drops the leading zero of the H&M ids)."""
    return value if len(value) == width else value.zfill(width)


def _named_rows(
    root: Path, name: str, bad: BadRows
) -> Iterator[tuple[int, list[str], tuple[str, ...], dict[str, Any]]]:
    """Each data row of a small file as (line, raw fields, header, {column: text or None}),
    every known column present; short rows are counted as malformed and skipped."""
    header = read_header(root, name)
    pos = [(c, header.index(c) if c in header else None) for c in COLUMNS[name]]
    width = len(header)
    with (root / name).open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        for line, raw in enumerate(reader, 1):
            if not raw:
                continue
            if len(raw) < width:
                bad.add("malformed row", name, line, _raw(header, raw))
                continue
            row: dict[str, Any] = {"line": line}
            for col, i in pos:
                row[col] = (raw[i].strip() or None) if i is not None else None
            yield line, raw, header, row


def read_articles(root: Path, bad: BadRows | None = None) -> Iterator[dict[str, Any]]:
    bad = bad if bad is not None else BadRows()
    seen: set[str] = set()
    for line, raw, header, row in _named_rows(Path(root), ARTICLES, bad):
        aid = row["article_id"]
        if aid is None or not aid.isdigit() or len(aid) > ARTICLE_ID_WIDTH:
            bad.add("bad article_id", ARTICLES, line, _raw(header, raw))
            continue
        aid = row["article_id"] = pad_id(aid)
        if aid in seen:
            bad.add("duplicate article", ARTICLES, line, _raw(header, raw))
            continue
        seen.add(aid)
        code = row["product_code"]
        if code is not None:
            if code.isdigit() and len(code) <= PRODUCT_CODE_WIDTH:
                row["product_code"] = pad_id(code, PRODUCT_CODE_WIDTH)
            else:
                bad.add("bad product_code", ARTICLES, line, _raw(header, raw))
                row["product_code"] = None
        _parse_ints(row, ARTICLE_INT_COLUMNS, bad, ARTICLES, line, header, raw)
        yield row


def read_customers(root: Path, bad: BadRows | None = None) -> Iterator[dict[str, Any]]:
    bad = bad if bad is not None else BadRows()
    for line, raw, header, row in _named_rows(Path(root), CUSTOMERS, bad):
        if row["customer_id"] is None:
            bad.add("missing customer_id", CUSTOMERS, line, _raw(header, raw))
            continue
        _parse_ints(row, CUSTOMER_INT_COLUMNS, bad, CUSTOMERS, line, header, raw)
        yield row


def _parse_ints(
    row: dict[str, Any],
    columns: Sequence[str],
    bad: BadRows,
    file: str,
    line: int,
    header: Sequence[str],
    raw: Sequence[str],
) -> None:
    """Optional integer columns in place; an unparseable one becomes None and is reported."""
    for col in columns:
        text = row[col]
        if text is not None:
            row[col] = _int(text)
            if row[col] is None:
                bad.add(f"bad {col}", file, line, _raw(header, raw))


def read_transactions(root: Path, bad: BadRows | None = None) -> Iterator[dict[str, Any]]:
    """Yield {line, t_dat: date, customer_id, article_id, price: float, sales_channel_id: int|None}.

    This is the 31.8M-row file: the loop is kept flat on purpose (no per-field helper calls on
    the good path, parsed dates cached by their text).
    """
    root = Path(root)
    bad = bad if bad is not None else BadRows()
    header = read_header(root, TRANSACTIONS)
    i_dat, i_cust, i_art, i_price = (header.index(c) for c in REQUIRED[TRANSACTIONS])
    i_chan = header.index("sales_channel_id") if "sales_channel_id" in header else None
    width = len(header)
    dates: dict[str, date] = {}
    channels = {"1": 1, "2": 2}
    isfinite = math.isfinite
    id_width = ARTICLE_ID_WIDTH
    with (root / TRANSACTIONS).open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        for line, raw in enumerate(reader, 1):
            if len(raw) < width:
                if raw:
                    bad.add("malformed row", TRANSACTIONS, line, _raw(header, raw))
                continue
            text = raw[i_dat]
            day = dates.get(text)
            if day is None:
                day = _date(text)
                if day is None:
                    bad.add("bad date", TRANSACTIONS, line, _raw(header, raw))
                    continue
                dates[text] = day
            try:
                price = float(raw[i_price])
            except ValueError:
                price = -1.0
            if price < 0 or not isfinite(price):
                bad.add("bad price", TRANSACTIONS, line, _raw(header, raw))
                continue
            aid = raw[i_art]
            if len(aid) != id_width or not aid.isdigit():
                aid = aid.strip()
                if not aid.isdigit() or len(aid) > id_width:
                    bad.add("bad article_id", TRANSACTIONS, line, _raw(header, raw))
                    continue
                aid = pad_id(aid)
            cust = raw[i_cust]
            if not cust:
                bad.add("missing customer_id", TRANSACTIONS, line, _raw(header, raw))
                continue
            chan = None
            if i_chan is not None:
                text = raw[i_chan]
                chan = channels.get(text)
                if chan is None and text:
                    chan = _int(text)
                    if chan is None:
                        bad.add("bad sales_channel_id", TRANSACTIONS, line, _raw(header, raw))
                        continue
            yield {
                "line": line,
                "t_dat": day,
                "customer_id": cust,
                "article_id": aid,
                "price": price,
                "sales_channel_id": chan,
            }


def _raw(header: Sequence[str], raw: Sequence[str]) -> dict[str, str]:
    values = dict(zip(header, raw, strict=False))
    if len(raw) > len(header):
        values["(extra)"] = ",".join(raw[len(header) :])
    return values


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)  # "1.0", "49.0": how pandas writes an int column with blanks
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _date(text: str) -> date | None:
    text = text.strip()
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
