"""`fabric-gql load --bulk`: a first load of empty local shards through Neo4j's import tool.

The H&M files stream through hm/reader.py — the same validation and the same bad-row report as
ingest/load.py — into one CSV per label and relationship type (header on the first line, in the
layout `neo4j-admin database import full` reads: `:ID(<space>)`, `:START_ID`/`:END_ID`, typed
columns such as `date:date`, `price:double`: `float` would be parsed as 32 bits), written
while the transactions server stops. The tool then writes that store (neo4j_local/importer.py);
the products shard, one small node per article, is written over Bolt meanwhile and never
restarted. After the restart the schema, the customers met more than once and the purchase
watermark go in through the ordinary queries. The stores then hold what the incremental load
writes (the tests compare every node, relationship and property), so a later `load` of the same
files takes the incremental path and changes nothing.

Memory stays bounded by the catalogue, not the purchases: rows are written as they are read;
kept are the article codes and customer ids (a purchase naming neither is reported, as the
incremental load reports it), the category nodes, and the rows of customers met a second time
(applied after the import with the incremental load's MERGE, so the same values win).

One difference, on purpose: a department (product type, index) listed under two sections
(groups) gets an edge to each; the incremental load links only the first it meets in a batch.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import IO, Any

from cypher.shards import Shard, SyncShards
from fabric_gql.settings import Settings
from hm import reader
from ingest.load import (
    LoadReport,
    article_params,
    batched,
    customer_params,
    file_key,
    shard_counts,
)
from ingest.reset import shard_sizes
from neo4j_local import importer
from neo4j_local.importer import ImportFiles

# `auto` bulk-loads only from this size of transactions file up: below it the two servers'
# restart costs more than the incremental load saves (measured in bench/ingest, see README).
BULK_MIN_BYTES = 64 * 1024 * 1024


class BulkError(RuntimeError):
    """Bulk import is not possible here (shards not empty or not local), or the tool failed."""


@dataclass(frozen=True)
class Plan:
    bulk: bool
    why: str


def obstacle(settings: Settings, shards: SyncShards) -> str | None:
    """Why these shards cannot be bulk-loaded, or None when they can."""
    if importer.local_servers(settings) is None:
        return "the shards are not both local servers run by `fabric-gql neo4j start`"
    sizes = shard_sizes(shards)
    if any(size["nodes"] for size in sizes.values()):
        held = ", ".join(f"{shard.value} {size['nodes']:,} nodes" for shard, size in sizes.items())
        return f"the shards are not empty ({held})"
    return None


def choose(settings: Settings, shards: SyncShards, root: Path, mode: str) -> Plan:
    """`mode` "bulk" or "incremental" as asked ("bulk" raises BulkError where impossible);
    "auto": bulk for empty local shards and a transactions file of BULK_MIN_BYTES or more."""
    if mode == "incremental":
        return Plan(False, "incremental (asked for)")
    why = obstacle(settings, shards)
    if mode == "bulk":
        if why is not None:
            raise BulkError(f"--bulk needs empty local shards: {why}")
        return Plan(True, "bulk import (asked for)")
    if why is not None:
        return Plan(False, f"incremental: {why}")
    size = (Path(root) / reader.TRANSACTIONS).stat().st_size
    mib = size / (1 << 20)
    if size < BULK_MIN_BYTES:
        return Plan(
            False,
            f"incremental: {mib:,.0f} MiB of transactions is below the bulk threshold "
            f"({BULK_MIN_BYTES >> 20} MiB), where restarting the shards costs more than it saves",
        )
    return Plan(True, f"bulk import: empty local shards, {mib:,.0f} MiB of transactions")


def bulk_load(settings: Settings, root: Path) -> LoadReport:
    """Writes the import files, imports both stores, restarts the shards, applies the schema,
    repeated customers and the watermark. Raises BulkError before writing anything when the
    shards are not empty and local."""
    root = Path(root)
    reader.validate_dataset(root)
    with SyncShards(settings) as shards:
        why = obstacle(settings, shards)
    if why is not None:
        raise BulkError(f"bulk import needs empty local shards: {why}")
    report = LoadReport(mode="bulk")
    with _work_folder(settings) as folder:
        written: Written | None = None
        stubs: importer.Background | None = None

        def prepare() -> dict[str, ImportFiles]:
            # Runs while the transactions server stops.
            nonlocal written, stubs
            began = time.perf_counter()
            written = write_files(root, folder, report)
            report.phases["write files"] = time.perf_counter() - began
            # The products shard holds one small node per article: it is written over Bolt
            # while the tool imports the transactions shard, which spares it a restart (with
            # GDS, the slower of the two) and an import JVM of its own.
            load = partial(_load_stubs, settings, written.stubs)
            stubs = importer.Background(load, "bulk-products-shard")
            return {"transactions": written.transactions}

        try:
            seconds = importer.import_stores(settings, ["transactions"], prepare)
        except importer.ImportToolError as exc:
            raise BulkError(str(exc)) from exc
        finally:
            if stubs is not None:
                report.phases["products shard"] = stubs.join()
        report.phases.update(seconds)
    assert written is not None  # prepare ran, or import_stores raised
    began = time.perf_counter()
    with SyncShards(settings) as shards:
        shards.autocommit(Shard.TRANSACTIONS, "schema_transactions")
        report.phases["schema"] = time.perf_counter() - began
        for rows in batched(written.repeated_customers, 10_000):
            shards.write(Shard.TRANSACTIONS, "load_customers", rows=rows)
        if written.watermark is not None:
            path = root / reader.TRANSACTIONS
            shards.write(
                Shard.TRANSACTIONS,
                "load_state_set",
                key=file_key(path),
                line=written.watermark,
                file=path.name,
            )
        report.counts = shard_counts(shards)
    return report


def _load_stubs(settings: Settings, path: Path) -> None:
    with SyncShards(settings) as shards, path.open(newline="", encoding="utf-8") as f:
        shards.autocommit(Shard.PRODUCTS, "schema_products")
        rows = csv.reader(f)
        next(rows)  # the header
        stubs = ({"code": code, "hasImage": image == "true"} for code, image in rows)
        for batch in batched(stubs, 10_000):
            shards.write(Shard.PRODUCTS, "load_product_stubs", rows=batch)


@contextmanager
def _work_folder(settings: Settings) -> Iterator[Path]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bulk-import-", dir=settings.data_dir))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Written:
    transactions: ImportFiles
    stubs: Path  # the products shard's nodes: code, hasImage
    repeated_customers: list[dict[str, Any]] = field(default_factory=list)
    watermark: int | None = None  # the last transaction line read, as the incremental load's


class _Csv:
    """One import file: its header line, then rows; notes whether a value holds a line break."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = path
        self.file: IO[str] = path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.file, lineterminator="\n")
        self.writer.writerow(header)
        self.multiline = False

    def row(self, values: Sequence[Any]) -> None:
        if not self.multiline:
            self.multiline = any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in values)
        self.writer.writerow(values)

    def close(self) -> None:
        self.file.close()


def _bool(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True)
class _Category:
    label: str
    key: str  # the key property
    numeric: bool


_CAT = {
    c.label: c
    for c in (
        _Category("Department", "number", True),
        _Category("Section", "number", True),
        _Category("ProductType", "number", True),
        _Category("ProductGroup", "name", False),
        _Category("Index", "code", False),
        _Category("IndexGroup", "number", True),
        _Category("GarmentGroup", "number", True),
        _Category("GraphicalAppearance", "number", True),
        _Category("ColourGroup", "code", True),
        _Category("PerceivedColourValue", "id", True),
        _Category("PerceivedColourMaster", "id", True),
    )
}
# Product -[type]-> category: (type, label, article param of the key, of the name).
_PRODUCT_LINKS = (
    ("FROM_DEPARTMENT", "Department", "departmentNo", "departmentName"),
    ("SUBSET_OF", "ProductType", "productTypeNo", "productTypeName"),
    ("HAS_INDEX", "Index", "indexCode", "indexName"),
    ("HAS_GARMENT_GROUP", "GarmentGroup", "garmentGroupNo", "garmentGroupName"),
    ("HAS_APPEARANCE_TYPE", "GraphicalAppearance", "graphicalAppearanceNo",
     "graphicalAppearanceName"),
    ("HAS_COLOUR", "ColourGroup", "colourGroupCode", "colourGroupName"),
    ("HAS_PERCEIVED_COLOUR_VALUE", "PerceivedColourValue", "perceivedColourValueId",
     "perceivedColourValueName"),
    ("HAS_PERCEIVED_COLOUR_MASTER", "PerceivedColourMaster", "perceivedColourMasterId",
     "perceivedColourMasterName"),
)  # fmt: skip
# category -[type]-> parent category, only where the child has a key: (type, child, parent,
# article param of the child's key, of the parent's key, of the parent's name).
_CATEGORY_LINKS = (
    ("FROM_SECTION", "Department", "Section", "departmentNo", "sectionNo", "sectionName"),
    ("SUBSET_OF", "ProductType", "ProductGroup", "productTypeNo", "productGroupName", None),
    ("HAS_GROUP", "Index", "IndexGroup", "indexCode", "indexGroupNo", "indexGroupName"),
)


def _category_header(cat: _Category) -> list[str]:
    # A numeric key is its own typed column: an :ID value is always a string.
    if cat.numeric:
        return [f":ID({cat.label})", f"{cat.key}:long", "name"]
    if cat.key == "name":  # ProductGroup: its name is its key
        return [f"name:ID({cat.label})"]
    return [f"{cat.key}:ID({cat.label})", "name"]


def write_files(root: Path, folder: Path, report: LoadReport) -> Written:
    """Streams the three files into the import CSVs under `folder`, counting rows and bad rows
    into `report` exactly as the incremental load does."""
    tx_nodes: list[tuple[str, Path]] = []
    tx_rels: list[tuple[str, Path]] = []
    opened: list[_Csv] = []

    def open_csv(name: str, header: Sequence[str]) -> _Csv:
        out = _Csv(folder / f"{name}.csv", header)
        opened.append(out)
        return out

    # Articles: products on both shards, the category graph on the transactions shard.
    started = time.perf_counter()
    products = open_csv(
        "tx-Product",
        ["code:ID(Product)", "name", "productCode", "description", "hasImage:boolean"],
    )
    stubs = open_csv("products-Product", ["code:ID(Product)", "hasImage:boolean"])
    links = {
        (kind, label): open_csv(f"tx-{kind}-{label}", [":START_ID(Product)", f":END_ID({label})"])
        for kind, label, _, _ in _PRODUCT_LINKS
    }
    names: dict[str, dict[Any, Any]] = {label: {} for label in _CAT}  # key -> first name
    parents: dict[tuple[str, str, str], dict[tuple[Any, Any], None]] = {
        (kind, child, parent): {} for kind, child, parent, *_ in _CATEGORY_LINKS
    }
    codes: set[str] = set()
    n = 0
    for row in reader.read_articles(root, report.bad):
        p = article_params(root, row)
        code, props = p["code"], p["props"]
        has_image = _bool(props["hasImage"])
        products.row([code, props.get("name"), props.get("productCode"), props.get("description"),
                      has_image])  # fmt: skip
        stubs.row([code, has_image])
        codes.add(code)
        for kind, label, key, name in _PRODUCT_LINKS:
            if (value := p[key]) is not None:
                names[label].setdefault(value, p[name])
                links[kind, label].row([code, value])
        for kind, child, parent, child_key, parent_key, parent_name in _CATEGORY_LINKS:
            if p[child_key] is not None and (value := p[parent_key]) is not None:
                names[parent].setdefault(value, p[parent_name] if parent_name else None)
                parents[kind, child, parent][p[child_key], value] = None
        n += 1
    for label, cat in _CAT.items():
        out = open_csv(f"tx-{label}", _category_header(cat))
        for key, name in names[label].items():
            if cat.numeric:
                out.row([key, key, name])
            else:
                out.row([key] if cat.key == "name" else [key, name])
        tx_nodes.append((label, out.path))
    for (kind, child, parent), pairs in parents.items():
        out = open_csv(f"tx-{kind}-{child}-{parent}", [f":START_ID({child})", f":END_ID({parent})"])
        for pair in pairs:
            out.row(pair)
        tx_rels.append((kind, out.path))
    tx_nodes.append(("Product", products.path))
    tx_rels += [(kind, out.path) for (kind, _), out in links.items()]
    report.rows["articles"] = n
    report.seconds["articles"] = time.perf_counter() - started

    # Customers: the first row of each id is written, later ones kept for a MERGE after.
    started = time.perf_counter()
    customers = open_csv(
        "tx-Customer",
        ["id:ID(Customer)", "fn:long", "active:long", "clubMemberStatus", "fashionNewsFrequency",
         "age:long", "postalCode"],
    )  # fmt: skip
    tx_nodes.append(("Customer", customers.path))
    ids: set[str] = set()
    repeated: list[dict[str, Any]] = []
    n = 0
    for row in reader.read_customers(root, report.bad):
        c = customer_params(row)
        n += 1
        if c["id"] in ids:
            repeated.append(c)
            continue
        ids.add(c["id"])
        props = c["props"]
        customers.row([c["id"], props.get("fn"), props.get("active"),
                       props.get("clubMemberStatus"), props.get("fashionNewsFrequency"),
                       props.get("age"), props.get("postalCode")])  # fmt: skip
    report.rows["customers"] = n
    report.seconds["customers"] = time.perf_counter() - started

    started = time.perf_counter()
    purchased = open_csv(
        "tx-PURCHASED",
        [":START_ID(Customer)", ":END_ID(Product)", "date:date", "price:double",
         "salesChannel:long", "line:long"],
    )  # fmt: skip
    tx_rels.append(("PURCHASED", purchased.path))
    watermark, n = _write_purchases(root, purchased, codes, ids, report)
    # A customer id with a line break (quoted in customers.csv) is then in this file too.
    purchased.multiline = customers.multiline
    report.rows["purchases"] = n
    report.skipped["purchases"] = 0
    report.seconds["purchases"] = time.perf_counter() - started

    for out in opened:
        out.close()
    tx_multiline = [out.path for out in opened if out.multiline and out is not stubs]
    return Written(
        transactions=ImportFiles(tx_nodes, tx_rels, tx_multiline),
        stubs=stubs.path,
        repeated_customers=repeated,
        watermark=watermark,
    )


def _write_purchases(
    root: Path, out: _Csv, codes: set[str], ids: set[str], report: LoadReport
) -> tuple[int | None, int]:
    """The purchase rows whose customer and article exist; the others are reported by kind,
    as load_purchases_unknown reports them. Returns (last line read, rows written).

    The lines are formatted here rather than by csv.writer, which cost 3.5x the reader's own
    time (a date and a float converted per row): article ids are digits and dates ISO text, so
    only a customer id can need quotes, and those few are quoted once."""
    special = {c: _quoted(c) for c in ids if _needs_quotes(c)}
    dates: dict[date, str] = {}
    bad = report.bad
    buffer: list[str] = []
    flush = out.file.write
    last: int | None = None
    n = 0
    for r in reader.read_transactions(root, bad):
        last = r["line"]
        customer, article = r["customer_id"], r["article_id"]
        known_customer, known_article = customer in ids, article in codes
        if known_customer and known_article:
            day = r["t_dat"]
            text = dates.get(day)
            if text is None:
                text = dates[day] = day.isoformat()
            channel = r["sales_channel_id"]
            if special:
                customer = special.get(customer, customer)
            buffer.append(
                f"{customer},{article},{text},{r['price']!r},"
                f"{'' if channel is None else channel},{last}\n"
            )
            n += 1
            if len(buffer) >= 10_000:
                flush("".join(buffer))
                buffer.clear()
            continue
        kind = "unknown customer and article"
        if known_customer:
            kind = "unknown article"
        elif known_article:
            kind = "unknown customer"
        values = {"customer_id": customer, "article_id": article}
        bad.add(kind, reader.TRANSACTIONS, last, values)
    flush("".join(buffer))
    return last, n


def _needs_quotes(value: str) -> bool:
    return any(c in value for c in ',"\n\r')


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'
