"""`fabric-gql load DIR`: the H&M layout into both shards, in UNWIND batches.

Order: constraints, articles (category graph + products, both shards), customers, purchases.
Articles and customers are MERGEd, so a re-run changes nothing. Purchases are CREATEd (identical
rows are repeat purchases, each kept) by WRITERS concurrent writers, each on its own partition
of the customers under its own watermark written in the same transaction as each batch: a
re-run, or a resumed run after a crash, skips the rows already in. A finished file has one
watermark at its last line.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from queue import Empty, Queue
from typing import Any, TypeVar

from tqdm import tqdm

from cypher.shards import Shard, SyncShards, Tx
from fabric_gql.settings import Settings
from hm import reader
from hm.reader import BadRows

T = TypeVar("T")


@dataclass
class LoadReport:
    rows: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    bad: BadRows = field(default_factory=BadRows)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    # A bulk load's steps (files written, import, restart, schema), in seconds.
    phases: dict[str, float] = field(default_factory=dict)
    mode: str = "incremental"

    def render(self) -> str:
        lines = [f"Loaded ({self.mode}):"]
        for name, n in self.rows.items():
            secs = self.seconds.get(name, 0.0)
            rate = f"{n / secs:,.0f} rows/s" if secs > 0 else ""
            skipped = self.skipped.get(name, 0)
            extra = f", {skipped:,} already loaded" if skipped else ""
            lines.append(f"  {name:<24} {n:>12,} rows in {secs:6.1f} s  {rate}{extra}")
        lines.append(
            "Bad rows (skipped, everything else loaded):" if self.bad.counts else "Bad rows: none"
        )
        if self.bad.counts:
            lines.extend("  " + line for line in self.bad.summary().splitlines())
        if self.phases:
            lines.append("Steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items()))
        for shard, counts in self.counts.items():
            lines.append(f"{shard} shard now holds:")
            lines.extend(f"  {k:<24} {v:>12,}" for k, v in counts.items())
        return "\n".join(lines)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """`items`, produced by a thread up to `depth` ahead: the next batch is parsed and built
    while the server writes this one (the driver waits on its socket without the GIL)."""
    done = object()
    queue: Queue[object] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                queue.put(item)
        except BaseException as exc:  # handed to the consumer, raised there
            queue.put(_Failed(exc))
            return
        queue.put(done)

    thread = threading.Thread(target=produce, name="load-prefetch", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, _Failed):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get_nowait()
            thread.join(timeout=0.05)


@dataclass(frozen=True)
class _Failed:
    exc: BaseException


def create_schema(shards: SyncShards) -> None:
    shards.autocommit(Shard.TRANSACTIONS, "schema_transactions")
    shards.autocommit(Shard.PRODUCTS, "schema_products")


def article_params(root: Path, row: dict[str, Any]) -> dict[str, Any]:
    props = {
        "name": row.get("prod_name"),
        "productCode": row.get("product_code"),
        "description": row.get("detail_desc"),
        "hasImage": reader.image_path(root, row["article_id"]) is not None,
    }
    return {
        "code": row["article_id"],
        "props": {k: v for k, v in props.items() if v is not None},
        "departmentNo": row.get("department_no"),
        "departmentName": row.get("department_name"),
        "sectionNo": row.get("section_no"),
        "sectionName": row.get("section_name"),
        "productTypeNo": row.get("product_type_no"),
        "productTypeName": row.get("product_type_name"),
        "productGroupName": row.get("product_group_name"),
        "indexCode": row.get("index_code"),
        "indexName": row.get("index_name"),
        "indexGroupNo": row.get("index_group_no"),
        "indexGroupName": row.get("index_group_name"),
        "garmentGroupNo": row.get("garment_group_no"),
        "garmentGroupName": row.get("garment_group_name"),
        "graphicalAppearanceNo": row.get("graphical_appearance_no"),
        "graphicalAppearanceName": row.get("graphical_appearance_name"),
        "colourGroupCode": row.get("colour_group_code"),
        "colourGroupName": row.get("colour_group_name"),
        "perceivedColourValueId": row.get("perceived_colour_value_id"),
        "perceivedColourValueName": row.get("perceived_colour_value_name"),
        "perceivedColourMasterId": row.get("perceived_colour_master_id"),
        "perceivedColourMasterName": row.get("perceived_colour_master_name"),
    }


_CUSTOMER_PROPS = {
    "FN": "fn",
    "Active": "active",
    "club_member_status": "clubMemberStatus",
    "fashion_news_frequency": "fashionNewsFrequency",
    "age": "age",
    "postal_code": "postalCode",
}


def customer_params(row: dict[str, Any]) -> dict[str, Any]:
    props = {ours: row.get(theirs) for theirs, ours in _CUSTOMER_PROPS.items()}
    return {"id": row["customer_id"], "props": {k: v for k, v in props.items() if v is not None}}


def _purchase_columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """A batch of transaction rows as columns: the server unpacks six lists much faster than
    ten thousand maps (+20 % rows/s measured on 200,000 rows)."""
    return {
        "lines": [r["line"] for r in rows],
        "customers": [r["customer_id"] for r in rows],
        "articles": [r["article_id"] for r in rows],
        "dates": [r["t_dat"] for r in rows],
        "prices": [r["price"] for r in rows],
        "channels": [r["sales_channel_id"] for r in rows],
    }


_CATEGORIES = {
    # parameter: (key in the article params, other fields: param name -> article param key)
    "departments": ("departmentNo", {"name": "departmentName", "sectionNo": "sectionNo",
                                     "sectionName": "sectionName"}),
    "productTypes": ("productTypeNo", {"name": "productTypeName",
                                       "groupName": "productGroupName"}),
    "indexes": ("indexCode", {"name": "indexName", "groupNo": "indexGroupNo",
                              "groupName": "indexGroupName"}),
    "garmentGroups": ("garmentGroupNo", {"name": "garmentGroupName"}),
    "graphicalAppearances": ("graphicalAppearanceNo", {"name": "graphicalAppearanceName"}),
    "colourGroups": ("colourGroupCode", {"name": "colourGroupName"}),
    "perceivedColourValues": ("perceivedColourValueId", {"name": "perceivedColourValueName"}),
    "perceivedColourMasters": ("perceivedColourMasterId", {"name": "perceivedColourMasterName"}),
}  # fmt: skip


def _categories(params: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Each distinct category of a batch once, first spelling kept (as ON CREATE does)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, (key, fields) in _CATEGORIES.items():
        seen: dict[Any, dict[str, Any]] = {}
        for p in params:
            number = p[key]
            if number is not None and number not in seen:
                seen[number] = {"number" if key != "indexCode" else "code": number} | {
                    field: p[source] for field, source in fields.items()
                }
        out[name] = list(seen.values())
    return out


def _write_articles(tx: Tx, params: list[dict[str, Any]], categories: dict[str, Any]) -> None:
    tx.run("load_categories", **categories)
    tx.run("load_articles", rows=params)


def load_articles(shards: SyncShards, root: Path, report: LoadReport, batch_size: int) -> None:
    started = time.perf_counter()
    n = 0

    def build(batch: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        params = [article_params(root, row) for row in batch]
        return params, _categories(params)

    batches = map(build, batched(reader.read_articles(root, report.bad), batch_size))
    with tqdm(desc="articles", unit=" rows", leave=False) as bar:
        for params, categories in prefetched(batches):
            shards.unit(
                Shard.TRANSACTIONS,
                "load_categories+load_articles",
                partial(_write_articles, params=params, categories=categories),
            )
            stubs = [{"code": p["code"], "hasImage": p["props"]["hasImage"]} for p in params]
            shards.write(Shard.PRODUCTS, "load_product_stubs", rows=stubs)
            n += len(params)
            bar.update(len(params))
    report.rows["articles"] = n
    report.seconds["articles"] = time.perf_counter() - started


def load_customers(shards: SyncShards, root: Path, report: LoadReport, batch_size: int) -> None:
    started = time.perf_counter()
    n = 0
    with tqdm(desc="customers", unit=" rows", leave=False) as bar:
        rows = batched(reader.read_customers(root, report.bad), batch_size)
        for params in prefetched(map(lambda b: [customer_params(r) for r in b], rows)):
            shards.write(Shard.TRANSACTIONS, "load_customers", rows=params)
            n += len(params)
            bar.update(len(params))
    report.rows["customers"] = n
    report.seconds["customers"] = time.perf_counter() - started


def file_key(path: Path) -> str:
    """Names a transactions file by its name and first MiB, so an appended file keeps its key."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        digest.update(f.read(1 << 20))
    return f"{path.name}:{digest.hexdigest()[:16]}"


# Purchases are written by this many transactions at once, each on its own partition of the
# customers (crc32 of the id): the server uses a core per writer, and a partition's batches
# commit in file order under its own watermark, so a crash loses no row and repeats none.
WRITERS = 2


def _partition(customer_id: str, n: int) -> int:
    return zlib.crc32(customer_id.encode()) % n


@dataclass
class _Unknown:
    """Purchases naming an unknown customer or article, per kind: the count and the examples
    with the lowest lines, so the report does not depend on which writer finished first."""

    keep: int
    counts: dict[str, int] = field(default_factory=dict)
    lowest: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)

    def add(self, kind: str, line: int, values: dict[str, str]) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        shown = self.lowest.setdefault(kind, [])
        shown.append((line, values))
        shown.sort(key=lambda lv: lv[0])
        del shown[self.keep :]

    def report(self, bad: BadRows, file: str) -> None:
        for kind, shown in self.lowest.items():
            for line, values in shown:
                bad.add(kind, file, line, values)
            if self.counts[kind] > len(shown):
                line, values = shown[-1]
                bad.add(kind, file, line, values, n=self.counts[kind] - len(shown))


def load_purchases(
    shards: SyncShards, root: Path, report: LoadReport, batch_size: int, writers: int = WRITERS
) -> None:
    path = root / reader.TRANSACTIONS
    key = file_key(path)
    states = shards.read(Shard.TRANSACTIONS, "load_states_of_file", key=key)
    marks = {r["key"]: r["line"] or 0 for r in states}
    floor = marks.pop(key, 0)  # every row up to it is in (a finished, single-writer or bulk load)
    # A load resumed goes on with the partitions it started with.
    n = next((int(k.rsplit("/", 1)[1]) for k in marks), writers)
    keys = [f"{key}#{i}/{n}" for i in range(n)]
    done = [max(floor, marks.get(k, 0)) for k in keys]
    started = time.perf_counter()
    loaded = skipped = last = 0
    unknown = _Unknown(report.bad.max_examples)

    def write(tx: Tx, columns: dict[str, list[Any]], mark: str) -> list[dict[str, Any]]:
        created = tx.run("load_purchases", **columns)[0]["created"]
        missing = []
        if created < len(columns["lines"]):
            missing = tx.run("load_purchases_unknown", **columns)
        tx.run("load_state_set", key=mark, line=columns["lines"][-1], file=path.name)
        return missing

    def partitioned(rows: Iterable[dict[str, Any]]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        nonlocal skipped, last
        batches: list[list[dict[str, Any]]] = [[] for _ in range(n)]
        for row in rows:
            last = row["line"]
            part = _partition(row["customer_id"], n)
            if row["line"] <= done[part]:
                skipped += 1
                continue
            batches[part].append(row)
            if len(batches[part]) == batch_size:
                yield part, batches[part]
                batches[part] = []
        for part, batch in enumerate(batches):
            if batch:
                yield part, batch

    with tqdm(desc="transactions", unit=" rows", leave=False) as bar:
        if floor or marks:
            bar.set_postfix_str("skipping rows loaded before")
        # One thread per partition keeps its batches in file order; at most two per writer wait.
        pools = [ThreadPoolExecutor(1, thread_name_prefix=f"load-writer-{i}") for i in range(n)]
        pending: deque[tuple[int, Future[list[dict[str, Any]]]]] = deque()

        def settle() -> None:
            nonlocal loaded
            sent, future = pending.popleft()
            missing = future.result()
            for row in missing:
                kind = "unknown customer" if row["unknownCustomer"] else "unknown article"
                if row["unknownCustomer"] and row["unknownArticle"]:
                    kind = "unknown customer and article"
                values = {"customer_id": row["customer"], "article_id": row["article"]}
                unknown.add(kind, row["line"], values)
            loaded += sent - len(missing)
            bar.update(sent)

        try:
            rows = reader.read_transactions(root, report.bad)
            batches = ((part, _purchase_columns(b)) for part, b in partitioned(rows))
            for part, columns in prefetched(batches, depth=n):
                unit = partial(write, columns=columns, mark=keys[part])
                name = "load_purchases+load_state_set"
                future = pools[part].submit(shards.unit, Shard.TRANSACTIONS, name, unit)
                pending.append((len(columns["lines"]), future))
                while len(pending) > 2 * n:
                    settle()
            while pending:
                settle()
        finally:
            for pool in pools:
                pool.shutdown(wait=True, cancel_futures=True)
    if last:
        shards.write(Shard.TRANSACTIONS, "load_state_complete", key=key, line=last, file=path.name)
    unknown.report(report.bad, reader.TRANSACTIONS)
    report.rows["purchases"] = loaded
    report.skipped["purchases"] = skipped
    report.seconds["purchases"] = time.perf_counter() - started


def shard_counts(shards: SyncShards) -> dict[str, dict[str, int]]:
    return {
        "transactions": shards.read(Shard.TRANSACTIONS, "counts_transactions")[0],
        "products": shards.read(Shard.PRODUCTS, "counts_products")[0],
    }


def load_dataset(shards: SyncShards, root: Path, *, batch_size: int = 10_000) -> LoadReport:
    reader.validate_dataset(root)  # a missing file or column fails here, before anything is written
    report = LoadReport()
    create_schema(shards)
    load_articles(shards, root, report, batch_size)
    load_customers(shards, root, report, batch_size)
    load_purchases(shards, root, report, batch_size)
    report.counts = shard_counts(shards)
    return report


def run_load(settings: Settings, root: Path, *, batch_size: int, mode: str = "auto") -> int:
    """`mode`: "incremental", "bulk" (empty local shards only: ingest/bulk.py), or "auto" (bulk
    where it pays: see `bulk.choose`)."""
    from ingest import bulk  # bulk builds on this module

    try:
        reader.validate_dataset(root)
    except reader.DatasetError as exc:
        print(f"error: {exc}")
        return 2
    with SyncShards(settings) as shards:
        try:
            plan = bulk.choose(settings, shards, root, mode)
        except bulk.BulkError as exc:
            print(f"error: {exc}")
            return 1
        print(f"load: {plan.why}", flush=True)
        if not plan.bulk:
            report = load_dataset(shards, root, batch_size=batch_size)
    if plan.bulk:
        try:
            report = bulk.bulk_load(settings, root)
        except bulk.BulkError as exc:
            print(f"error: {exc}")
            return 1
    print(report.render())
    return 0
