"""The challenge's split: the holdout is every purchase in the last `days` days of the
transactions file (the challenge's 7 days after 2020-09-22), training everything before.

`split_dataset` writes the training part as an H&M-layout folder (articles, customers and images
linked, transactions_train.csv holding only the rows dated before the split) and returns each
customer's distinct holdout articles. The file's order is not relied on: a first pass finds the
newest date, a second divides the rows by comparing dates.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from hm import reader

LINKED = (reader.ARTICLES, reader.CUSTOMERS, reader.IMAGES)


@dataclass
class Split:
    split_date: date  # the first holdout day; training is strictly before it (the API's asOf)
    last_date: date
    training_rows: int
    holdout_rows: int
    holdout: dict[str, set[str]]  # customer -> distinct articles bought in the holdout


def _columns(header: str) -> tuple[int, int, int]:
    names = [name.strip() for name in header.rstrip("\r\n").split(",")]
    return names.index("t_dat"), names.index("customer_id"), names.index("article_id")


def newest_date(path: Path) -> date:
    newest = ""
    with path.open(encoding="utf-8-sig") as f:
        i_dat, _, _ = _columns(next(f))
        for line in f:
            day = line.split(",", i_dat + 1)[i_dat].strip()
            if day > newest:
                newest = day
    if not newest:
        raise ValueError(f"{path} has no transactions")
    return date.fromisoformat(newest)


def split_dataset(root: Path, out: Path, days: int = 7) -> Split:
    """Writes the training folder `out` from the H&M-layout folder `root`."""
    if days < 1:
        raise ValueError(f"the holdout needs at least one day, got {days}")
    reader.validate_dataset(root)
    source = root / reader.TRANSACTIONS
    last = newest_date(source)
    split = last - timedelta(days=days - 1)
    cut = split.isoformat()  # ISO dates compare as text
    out.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = out / name
        if link.is_symlink() or link.exists():
            link.unlink()
        if (root / name).exists():
            os.symlink((root / name).resolve(), link)
    holdout: dict[str, set[str]] = defaultdict(set)
    training = held = 0
    with (
        source.open(encoding="utf-8-sig") as f,
        (out / reader.TRANSACTIONS).open("w", encoding="utf-8", newline="") as kept,
    ):
        header = next(f)
        i_dat, i_cust, i_art = _columns(header)
        kept.write(header)
        for line in f:
            fields = line.rstrip("\r\n").split(",")
            if len(fields) <= max(i_dat, i_cust, i_art):
                continue  # a blank or malformed line: the loader would skip it too
            if fields[i_dat].strip() < cut:
                kept.write(line)
                training += 1
            else:
                # Product codes are 10 digits with the leading zero (the real file has both).
                holdout[fields[i_cust].strip()].add(fields[i_art].strip().zfill(10))
                held += 1
    return Split(split, last, training, held, dict(holdout))
