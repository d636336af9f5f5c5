"""Per-request DataLoaders, one per relationship. Each batch is one named query and each
returns its results in key order, so a list of N products costs one query per relationship.

The rows a schema type is made from are typed here, beside the reads that bring them: each
TypedDict is the shape of a Cypher map projection (a missing property is there as null)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypedDict, TypeVar, cast

from strawberry.dataloader import DataLoader

from cypher.federation import SEARCH_BY_IMAGE, SIMILAR, CrossShardRead, Federation
from cypher.shards import Row, Shard
from recs import reads as recs_reads
from recs.model import Facts, Recommendation, Request

# With sameDepartment and no SIMILAR_IN_DEPARTMENT edges yet, all of a source's SIMILAR
# neighbours are read (the KNN job writes K of them) and filtered; this only bounds the read.
SAME_DEPARTMENT_CANDIDATES = 1000
# The vector index cannot filter by model (Neo4j 5.26), so a search by image asks it for
# SEARCH_GROWTH times more neighbours each round until topK of the model are among them, the
# index has no more, or SEARCH_CANDIDATES_MAX were asked for: the bound on the work while few
# vectors are of the current model (mid re-embedding with a new one).
SEARCH_GROWTH = 4
SEARCH_CANDIDATES_MAX = 10_000

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


class ProductRow(TypedDict):
    """`p {.code, .name, .productCode, .description, .hasImage}` (transactions shard)."""

    code: str
    name: str | None
    productCode: str | None
    description: str | None
    hasImage: bool | None


class NumberedRow(TypedDict):
    """`d {.number, .name}`: a department or a product type."""

    number: int
    name: str | None


class NeighbourRow(TypedDict):
    """One row of a read ending in `similar_details`: a neighbour of `source` (null for a
    search by image) with its product, department and type."""

    source: str | None
    code: str
    score: float
    product: ProductRow
    department: NumberedRow | None
    productType: NumberedRow | None


class SearchRow(NeighbourRow):
    exhausted: bool  # the vector index had no more vectors to give


class SimilarityRow(NeighbourRow):
    rank: int  # 1-based, in its list


class CoPurchaseRow(TypedDict):
    """One of a product's co-purchases (product_bought_with), best first."""

    product: ProductRow
    shared: int
    score: float
    rank: int


class CustomerRow(TypedDict):
    """`c {.id, .age, .clubMemberStatus, .fashionNewsFrequency}`: never the postal code."""

    id: str
    age: int | None
    clubMemberStatus: str | None
    fashionNewsFrequency: str | None


class PurchaseRow(TypedDict):
    """One PURCHASED relationship of a customer (customer_purchases), newest first."""

    date: Any  # neo4j.time.Date
    line: int
    price: float | None
    salesChannel: int | None
    product: ProductRow


# A page of purchases after this (date, line, product code), or from the newest.
PurchaseCursor = tuple[date, int, str] | None
# Recommendations for one key, and the facts of every product they name (shared by the batch).
Recommended = tuple[list[Recommendation], dict[str, Facts]]


class Loader(DataLoader[K, V]):
    """A DataLoader whose loads are shielded: graphql-core cancels the sibling fields of a field
    that fails, and a cancelled waiter would cancel the future that every other waiter on the
    same key shares (found by tests/test_fuzz.py as a 500)."""

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


def _keyed(
    federation: Federation, shard: Shard, name: str, default: Any, **params: Any
) -> Callable[[list[Any]], Awaitable[list[Any]]]:
    """A batch function for a query taking `$keys` and returning `key, value` rows."""

    async def load(keys: list[Any]) -> list[Any]:
        rows = await federation.read(shard, name, keys=keys, **params)
        found = {row["key"]: row["value"] for row in rows}
        return [found.get(key, default) for key in keys]

    return load


def resolve(loader: DataLoader[K, V], key: K, convert: Callable[[V], T]) -> T:
    """For a sync resolver: the converted value at once when the loader already holds it
    (primed by an earlier read), else an awaitable of it, which graphql-core awaits. A primed
    field then costs no task: in a 10-neighbour similarity list that is most of the fields."""
    future = loader.cache_map.get(key) if loader.cache else None
    if (
        future is not None
        and future.done()
        and not future.cancelled()
        and future.exception() is None
    ):
        return convert(future.result())

    async def later() -> T:
        return convert(await loader.load(key))

    return cast(T, later())


@dataclass(frozen=True)
class SimilarArgs:
    top_k: int
    same_department: bool
    min_score: float | None


class Loaders:
    """Each loader's type names its key and the shape of its query's `value` column."""

    def __init__(self, federation: Federation) -> None:
        self.federation = federation
        t, p = Shard.TRANSACTIONS, Shard.PRODUCTS

        def one(shard: Shard, name: str) -> DataLoader[Any, Any]:
            return Loader(_keyed(federation, shard, name, None))

        def count(name: str) -> DataLoader[Any, int]:
            return Loader(_keyed(federation, t, name, 0))

        self.product: DataLoader[str, ProductRow | None] = one(t, "product_by_code")
        self.department: DataLoader[int, NumberedRow | None] = one(t, "department_by_number")
        self.department_section: DataLoader[int, Row | None] = one(t, "department_sections")
        self.department_product_count = count("department_product_counts")
        self.product_type_group: DataLoader[int, Row | None] = one(t, "product_type_groups")
        self.product_department: DataLoader[str, NumberedRow | None] = one(t, "product_departments")
        self.product_product_type: DataLoader[str, NumberedRow | None] = one(
            t, "product_product_types"
        )
        self.product_section: DataLoader[str, Row | None] = one(t, "product_sections")
        self.product_index: DataLoader[str, Row | None] = one(t, "product_indexes")
        self.product_index_group: DataLoader[str, Row | None] = one(t, "product_index_groups")
        self.product_garment_group: DataLoader[str, Row | None] = one(t, "product_garment_groups")
        self.product_graphical_appearance: DataLoader[str, Row | None] = one(
            t, "product_graphical_appearances"
        )
        self.product_colour: DataLoader[str, Row | None] = one(t, "product_colours")
        self.product_perceived_colour_value: DataLoader[str, Row | None] = one(
            t, "product_perceived_colour_values"
        )
        self.product_perceived_colour_master: DataLoader[str, Row | None] = one(
            t, "product_perceived_colour_masters"
        )
        self.product_purchase_count = count("product_purchase_counts")
        self.product_embedding: DataLoader[str, Row | None] = one(p, "product_embeddings")
        self._bought_with: dict[int, DataLoader[str, list[CoPurchaseRow]]] = {}
        self._similar: dict[SimilarArgs, DataLoader[str, list[SimilarityRow]]] = {}
        self.customer: DataLoader[str, CustomerRow | None] = one(t, "customer_by_id")
        self.customer_purchase_count = count("customer_purchase_counts")
        self._purchases: dict[tuple[int, PurchaseCursor], DataLoader[str, list[PurchaseRow]]] = {}
        self._recommendations: dict[Request, DataLoader[str, Recommended]] = {}
        self._goes_with: dict[int, DataLoader[str, Recommended]] = {}

    def bought_with(self, first: int) -> DataLoader[str, list[CoPurchaseRow]]:
        """Each product's co-purchases, best first (`boughtWith`; `alsoBought` their products)."""
        if first not in self._bought_with:
            load = _keyed(
                self.federation, Shard.TRANSACTIONS, "product_bought_with", [], first=first
            )
            self._bought_with[first] = Loader(load)
        return self._bought_with[first]

    def purchases(self, limit: int, after: PurchaseCursor) -> DataLoader[str, list[PurchaseRow]]:
        """Each customer's purchases, newest first, `limit` of them after the cursor."""
        if (limit, after) not in self._purchases:
            date_, line, code = after if after is not None else (None, None, None)
            load = _keyed(
                self.federation, Shard.TRANSACTIONS, "customer_purchases", [], limit=limit,
                afterDate=date_, afterLine=line, afterCode=code,
            )  # fmt: skip
            self._purchases[(limit, after)] = Loader(load)
        return self._purchases[(limit, after)]

    def recommendations(self, request: Request) -> DataLoader[str, Recommended]:
        """Each customer's recommendations (recs.reads: a constant number of queries a batch)."""
        if request not in self._recommendations:

            async def load(customers: list[str]) -> list[Recommended]:
                ranked = await recs_reads.for_customers(self.federation, customers, request)
                self._prime_facts(ranked.facts)
                return [(ranked.recommendations[c], ranked.facts) for c in customers]

            self._recommendations[request] = Loader(load)
        return self._recommendations[request]

    def goes_with(self, first: int) -> DataLoader[str, Recommended]:
        """Each product's "goes with" list (Product.recommendations)."""
        if first not in self._goes_with:

            async def load(codes: list[str]) -> list[Recommended]:
                ranked = await recs_reads.goes_with(self.federation, codes, first)
                self._prime_facts(ranked.facts)
                return [(ranked.recommendations[c], ranked.facts) for c in codes]

            self._goes_with[first] = Loader(load)
        return self._goes_with[first]

    def _prime_facts(self, facts: dict[str, Facts]) -> None:
        """The recommended products' fields most asked for then cost no query."""
        for code, found in facts.items():
            self.product.prime(code, cast(ProductRow, found["product"]))
            self.product_department.prime(code, cast(NumberedRow | None, found["department"]))
            self.product_product_type.prime(code, cast(NumberedRow | None, found["productType"]))
            self.product_index_group.prime(code, found["indexGroup"])

    def similar(self, args: SimilarArgs) -> DataLoader[str, list[SimilarityRow]]:
        """The ranked neighbours of each code."""
        if args not in self._similar:
            self._similar[args] = Loader(partial(self._load_similar, args))
        return self._similar[args]

    async def _load_similar(self, args: SimilarArgs, codes: list[str]) -> list[list[SimilarityRow]]:
        rows = await self._neighbours(
            SIMILAR,
            codes=codes,
            limit=SAME_DEPARTMENT_CANDIDATES if args.same_department else args.top_k,
            sameDepartment=args.same_department,
            minScore=args.min_score,
        )
        by_source: dict[str | None, list[NeighbourRow]] = defaultdict(list)
        for row in rows:
            by_source[row["source"]].append(row)
        return [self._ranked(by_source.get(code, []), args.top_k) for code in codes]

    async def search_by_image(
        self, vector: list[float], model: str, top_k: int
    ) -> list[SimilarityRow]:
        """The `top_k` products nearest to `vector` among the vectors made by `model`."""
        k = top_k
        while True:
            rows = cast(
                list[SearchRow],
                await self._neighbours(
                    SEARCH_BY_IMAGE,
                    k=k,
                    topK=top_k,
                    vector=vector,
                    model=model,
                    sameDepartment=False,
                ),
            )
            exhausted = any(row["exhausted"] for row in rows)
            if len(rows) >= top_k or exhausted or k >= SEARCH_CANDIDATES_MAX:
                return self._ranked(rows, top_k)
            # None of the model among the k nearest (which also hides whether the index has
            # more): its vectors are rare, so the next round asks for the most at once.
            k = min(k * SEARCH_GROWTH, SEARCH_CANDIDATES_MAX) if rows else SEARCH_CANDIDATES_MAX

    async def _neighbours(self, read: CrossShardRead, **params: Any) -> list[NeighbourRow]:
        return cast(list[NeighbourRow], await self.federation.read_across(read, **params))

    def _ranked(self, rows: Sequence[NeighbourRow], top_k: int) -> list[SimilarityRow]:
        """Where every similarity list ends, whatever read and federation mode brought it: the
        best `top_k` by score, then code, each with its 1-based rank. Each row brought its
        product, type and department: later fields on these products are answered from the
        caches, no query."""
        best = sorted(rows, key=lambda r: (-r["score"], r["code"]))[:top_k]
        for row in best:
            self.product.prime(row["code"], row["product"])
            self.product_department.prime(row["code"], row["department"])
            self.product_product_type.prime(row["code"], row["productType"])
        return [SimilarityRow(**row, rank=rank) for rank, row in enumerate(best, start=1)]
