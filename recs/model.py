"""What a recommendation request asks for and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, TypedDict


class Signal(Enum):
    REPURCHASE = "REPURCHASE"  # bought it before: repeat buying is strong in this data
    COPURCHASE = "COPURCHASE"  # bought with a recent purchase by other customers (BOUGHT_WITH)
    VISUAL = "VISUAL"  # looks like a recent purchase (SIMILAR)
    TRENDING = "TRENDING"  # sold most in the week before asOf
    TRENDING_IN_GROUP = "TRENDING_IN_GROUP"  # the same, in one of the customer's usual index groups


class Strategy(Enum):
    BLEND = "BLEND"  # every signal, one score
    POPULAR = "POPULAR"  # the week's best sellers
    REPURCHASE_POPULAR = "REPURCHASE_POPULAR"  # the customer's own purchases, then POPULAR
    COPURCHASE = "COPURCHASE"
    VISUAL = "VISUAL"


@dataclass(frozen=True)
class Filters:
    department_number: int | None = None
    product_type_number: int | None = None
    index_group: str | None = None  # an index group's name, case-insensitive

    def params(self) -> dict[str, Any]:
        return {
            "departmentNumber": self.department_number,
            "productTypeNumber": self.product_type_number,
            "indexGroup": self.index_group,
        }

    def admit(self, facts: Facts) -> bool:
        def number(row: Any) -> Any:
            return None if row is None else row["number"]

        wanted = (self.department_number, self.product_type_number)
        found = (number(facts["department"]), number(facts["productType"]))
        if any(w is not None and w != f for w, f in zip(wanted, found, strict=True)):
            return False
        if self.index_group is not None:
            group = facts["indexGroup"]
            name = None if group is None else group.get("name")
            if name is None or name.casefold() != self.index_group.casefold():
                return False
        return True


@dataclass(frozen=True)
class Request:
    """A customer's recommendations; hashable, so one DataLoader serves each distinct request."""

    first: int = 12
    strategy: Strategy = Strategy.BLEND
    exclude_purchased: bool = False
    filters: Filters = Filters()
    as_of: date | None = None  # only purchases strictly before it
    max_per_product_type: int | None = None


class Facts(TypedDict):
    """One row of `recs_products`: a product and the categories the filters and the cap read."""

    product: dict[str, Any]  # p {.code, .name, .productCode, .description, .hasImage}
    department: dict[str, Any] | None
    productType: dict[str, Any] | None
    indexGroup: dict[str, Any] | None


@dataclass
class Reason:
    signal: Signal
    contribution: float
    because: list[str]  # codes of the customer's purchases (or the product) that led to it


@dataclass
class Recommendation:
    code: str
    score: float
    reasons: list[Reason] = field(default_factory=list)
