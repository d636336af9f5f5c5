"""Per-request DataLoaders, one per relationship. Each batch is one named query and each
returns its results in key order, so a list of N products costs one query per relationship."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader

from cypher.federation import SIMILAR, Federation
from cypher.shards import Shard

Row = dict[str, Any]

# With sameDepartment and no SIMILAR_IN_DEPARTMENT edges yet, all of a source's SIMILAR
# neighbours are read (the KNN job writes K of them) and filtered; this only bounds the read.
SAME_DEPARTMENT_CANDIDATES = 1000

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


def _keyed(
    federation: Federation, shard: Shard, name: str, default: V, **params: Any
) -> Callable[[list[K]], Awaitable[list[V]]]:
    """A batch function for a query taking `$keys` and returning `key, value` rows."""

    async def load(keys: list[K]) -> list[V]:
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
    def __init__(self, federation: Federation) -> None:
        self.federation = federation
        t, p = Shard.TRANSACTIONS, Shard.PRODUCTS

        def one(shard: Shard, name: str) -> DataLoader[Any, Row | None]:
            return DataLoader(_keyed(federation, shard, name, None))

        def count(name: str) -> DataLoader[Any, int]:
            return DataLoader(_keyed(federation, t, name, 0))

        self.product = one(t, "product_by_code")
        self.department = one(t, "department_by_number")
        self.department_section = one(t, "department_sections")
        self.department_product_count = count("department_product_counts")
        self.product_type_group = one(t, "product_type_groups")
        self.product_department = one(t, "product_departments")
        self.product_product_type = one(t, "product_product_types")
        self.product_section = one(t, "product_sections")
        self.product_index = one(t, "product_indexes")
        self.product_index_group = one(t, "product_index_groups")
        self.product_garment_group = one(t, "product_garment_groups")
        self.product_graphical_appearance = one(t, "product_graphical_appearances")
        self.product_colour = one(t, "product_colours")
        self.product_perceived_colour_value = one(t, "product_perceived_colour_values")
        self.product_perceived_colour_master = one(t, "product_perceived_colour_masters")
        self.product_purchase_count = count("product_purchase_counts")
        self.product_embedding = one(p, "product_embeddings")
        self._also_bought: dict[int, DataLoader[str, list[Row]]] = {}
        self._similar: dict[SimilarArgs, DataLoader[str, list[Row]]] = {}

    def also_bought(self, first: int) -> DataLoader[str, list[Row]]:
        if first not in self._also_bought:
            empty: list[Row] = []
            load = _keyed(
                self.federation, Shard.TRANSACTIONS, "product_also_bought", empty, first=first
            )
            self._also_bought[first] = DataLoader(load)
        return self._also_bought[first]

    def similar(self, args: SimilarArgs) -> DataLoader[str, list[Row]]:
        """Neighbours of each code: `{code, score, rank, product, department, productType}`."""
        if args not in self._similar:
            self._similar[args] = DataLoader(partial(self._load_similar, args))
        return self._similar[args]

    async def _load_similar(self, args: SimilarArgs, codes: list[str]) -> list[list[Row]]:
        rows = await self.federation.read_across(
            SIMILAR,
            codes=codes,
            limit=SAME_DEPARTMENT_CANDIDATES if args.same_department else args.top_k,
            sameDepartment=args.same_department,
            minScore=args.min_score,
        )
        self.prime_details(rows)
        by_source: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_source[row["source"]].append(row)
        # Both federation modes end here, so they rank the same way: score, then code.
        return [ranked(by_source.get(code, []), args.top_k) for code in codes]

    def prime_details(self, rows: list[Row]) -> None:
        """Rows of a read ending in `similar_details` brought each product, its type and its
        department: later fields on these products are answered from the caches, no query."""
        for row in rows:
            self.product.prime(row["code"], row["product"])
            self.product_department.prime(row["code"], row["department"])
            self.product_product_type.prime(row["code"], row["productType"])


def ranked(rows: list[Row], top_k: int) -> list[Row]:
    """The best `top_k` by score, then code, each with its 1-based `rank`."""
    best = sorted(rows, key=lambda r: (-r["score"], r["code"]))[:top_k]
    return [{**row, "rank": rank} for rank, row in enumerate(best, start=1)]
