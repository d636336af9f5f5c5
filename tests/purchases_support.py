"""The generated dataset's customers and purchases as the CSV files hold them: the truth the
customer and recommendation tests compare the API with."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Bought:
    day: date
    code: str
    price: float
    channel: int | None


@dataclass
class People:
    customers: dict[str, dict[str, str]]  # customer_id -> customers.csv row
    purchases: dict[str, list[Bought]]  # customer_id -> their rows, in file order

    def before(self, customer: str, as_of: date | None) -> list[Bought]:
        return [b for b in self.purchases[customer] if as_of is None or b.day < as_of]

    def by_count(self) -> list[str]:
        """Customers with purchases, the most purchases first."""
        return sorted(self.purchases, key=lambda c: (-len(self.purchases[c]), c))


def read_people(root: Path) -> People:
    with (root / "customers.csv").open(newline="") as f:
        customers = {row["customer_id"]: row for row in csv.DictReader(f)}
    purchases: dict[str, list[Bought]] = defaultdict(list)
    with (root / "transactions_train.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            channel = row.get("sales_channel_id") or None
            purchases[row["customer_id"]].append(
                Bought(
                    date.fromisoformat(row["t_dat"]),
                    row["article_id"],
                    float(row["price"]),
                    None if channel is None else int(channel),
                )
            )
    return People(customers, dict(purchases))
