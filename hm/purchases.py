"""Which article each synthetic purchase is: customers with persistent tastes, a weekly trend.

Every customer keeps, for the whole two years:
- an index group (Ladieswear, Divided, Menswear, Baby/Children, Sport), drawn by the group's
  share of sales;
- three favourite departments in it (with repeats allowed: a stronger favourite), drawn by the
  departments' share of sales in the group;
- two favourite colour groups and one favourite graphical appearance (pattern), drawn by their
  share of the catalogue;
- a price level (budget, middle, premium: the article's list price against its product type's);
- a repeat-buying propensity (Beta(0.8, 5), mean 0.14): how often a purchase is an article they
  bought before.

Each article has a popularity that moves with the weeks: a fixed Zipf–Mandelbrot skew (a few
articles with very many purchases), times a life cycle (nothing before its launch week, a peak in
its first weeks, a decay with its own half-life to a tail), times a mean-reverting random
fluctuation. A purchase picks a scope — the whole catalogue (8%), the customer's index group
(25%) or one of their departments (67%) — and inside a department it narrows to one of the
customer's colours (35%), their price level (25%) or their pattern (20%); the article is then
drawn from that cell by the week's popularity (an empty cell widens to the department,
the index group, the catalogue). The shares are fixed here for any catalogue and were never
fitted to a recommender. Everything is vectorised over purchases; no per-customer loop.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

SCOPE_P = (0.08, 0.25, 0.67)  # catalogue, index group, a favourite department
FAVOURITE_P = (0.5, 0.3, 0.2)  # among the three favourite departments
# Inside a department: (a favourite colour, the price level, the pattern, nothing).
NARROW_P = (0.35, 0.25, 0.2, 0.2)
TIER_P = (0.3, 0.45, 0.25)  # customers' price levels: budget, middle, premium
SAME_BASKET_REPEAT = 0.06  # two of the same article in one basket
CHUNK = 1 << 21  # purchases drawn at a time


class Traits(NamedTuple):
    """Per article, each a small integer code 0..k-1."""

    group: np.ndarray
    department: np.ndarray
    tier: np.ndarray  # 0 budget, 1 middle, 2 premium
    colour: np.ndarray
    pattern: np.ndarray


class Tastes(NamedTuple):
    """Per customer."""

    group: np.ndarray  # (customers,)
    departments: np.ndarray  # (customers, 3) department codes
    colours: np.ndarray  # (customers, 2)
    pattern: np.ndarray
    tier: np.ndarray
    repeat: np.ndarray  # probability that a purchase repeats an earlier one


def codes(values: np.ndarray) -> np.ndarray:
    """Values as codes 0..k-1 (in sorted value order)."""
    return np.unique(values, return_inverse=True)[1].astype(np.int64)


def weekly_popularity(n_articles: int, n_weeks: int, rng: np.random.Generator) -> np.ndarray:
    """(weeks, articles) purchase weights, each week summing to 1."""
    rank = rng.permutation(n_articles)
    base = 1.0 / (rank + 1.0 + n_articles / 2000)  # Zipf–Mandelbrot
    launch = rng.integers(-40, n_weeks, n_articles)  # about a quarter on sale before the data
    launch[rank == 0] = min(int(launch[rank == 0][0]), -1)  # some article is on sale every week
    half_life = rng.uniform(2.0, 12.0, n_articles)
    age = np.arange(n_weeks)[:, None] - launch[None, :]
    rise = np.minimum(1.0, (age + 1) / 2.0)
    decay = np.exp2(-np.maximum(age - 1, 0) / half_life)
    life = np.where(age < 0, 0.0, rise * (0.03 + 0.97 * decay))
    noise = np.empty((n_weeks, n_articles))
    level = rng.normal(0.0, 0.3, n_articles)
    for week in range(n_weeks):  # AR(1) in log space: popularity wanders but comes back
        level = 0.8 * level + rng.normal(0.0, 0.2, n_articles)
        noise[week] = level
    weights = base * life * np.exp(noise)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights


def draw_tastes(traits: Traits, popularity: np.ndarray, n: int, rng: np.random.Generator) -> Tastes:
    sales = popularity.sum(axis=0)
    n_groups = int(traits.group.max()) + 1
    n_departments = int(traits.department.max()) + 1
    by_group = np.bincount(traits.group, sales, n_groups)
    group = rng.choice(n_groups, n, p=by_group / by_group.sum())
    cell = np.zeros((n_groups, n_departments))
    np.add.at(cell, (traits.group, traits.department), sales)
    departments = np.empty((n, 3), dtype=np.int64)
    for g in range(n_groups):
        members = np.flatnonzero(group == g)
        if len(members):
            departments[members] = rng.choice(
                n_departments, (len(members), 3), p=cell[g] / cell[g].sum()
            )
    colour_p = np.bincount(traits.colour).astype(np.float64)
    pattern_p = np.bincount(traits.pattern).astype(np.float64)
    return Tastes(
        group=group,
        departments=departments,
        colours=rng.choice(len(colour_p), (n, 2), p=colour_p / colour_p.sum()),
        pattern=rng.choice(len(pattern_p), n, p=pattern_p / pattern_p.sum()),
        tier=rng.choice(3, n, p=TIER_P),
        repeat=rng.beta(0.8, 5.0, n),
    )


class _Cells:
    """The articles sorted by a nested key, with the weekly weights cumulated in that order, so
    a draw from any range of keys in any week is one binary search."""

    def __init__(self, key: np.ndarray, n_keys: int, popularity: np.ndarray) -> None:
        self.order = np.argsort(key, kind="stable")
        self.n = len(key)
        self.n_keys = n_keys
        # first[k]: the sorted position of the first article with a key >= k (keys are few).
        self.first = np.searchsorted(key[self.order], np.arange(n_keys + 1))
        flat = popularity[:, self.order].ravel()
        self.cum = np.concatenate(([0.0], np.cumsum(flat)))
        # The cumulated weight at each key's first article, per week: a small table, so the
        # per-purchase lookups stay in cache.
        weeks = np.arange(popularity.shape[0])[:, None]
        self.at_key = self.cum[weeks * self.n + self.first[None, :]]

    def weight(self, week: np.ndarray, k0: np.ndarray, k1: np.ndarray) -> np.ndarray:
        weight: np.ndarray = self.at_key[week, k1] - self.at_key[week, k0]
        return weight

    def draw(self, week: np.ndarray, k0: np.ndarray, k1: np.ndarray, u: np.ndarray) -> np.ndarray:
        start = self.at_key[week, k0]
        target = start + u * (self.at_key[week, k1] - start)
        order = np.argsort(target)  # sorted needles: the binary searches walk the array once
        found = np.empty(len(target), dtype=np.int64)
        found[order] = np.searchsorted(self.cum, target[order], side="right")
        pos = found - 1 - week * self.n
        chosen: np.ndarray = self.order[np.clip(pos, self.first[k0], self.first[k1] - 1)]
        return chosen


def draw_articles(
    traits: Traits,
    popularity: np.ndarray,
    tastes: Tastes,
    customer: np.ndarray,
    week: np.ndarray,
    basket: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The article of each purchase, and which purchases repeat an earlier one of the same
    customer. The rows must be ordered by customer, then day, then basket."""
    n = len(customer)
    n_dep = int(traits.department.max()) + 1
    n_cells = (int(traits.group.max()) + 1) * n_dep  # (index group, department) pairs
    dept_key = traits.group * n_dep + traits.department
    # One ordering per narrowing (colour, price level, pattern), each nested under (index group,
    # department), so every scope is a range of keys in any of them.
    attributes = (traits.colour, traits.tier, traits.pattern)
    cells = []
    for attribute in attributes:
        k = int(attribute.max()) + 1
        cells.append(_Cells(dept_key * k + attribute, n_cells * k, popularity))
    article = np.empty(n, dtype=np.int64)
    for start in range(0, n, CHUNK):  # bounded memory for tens of millions of purchases
        part = slice(start, min(start + CHUNK, n))
        c = customer[part]
        m = len(c)
        g = tastes.group[c]
        d = g * n_dep + tastes.departments[c, rng.choice(3, m, p=FAVOURITE_P)]
        wishes = (tastes.colours[c, rng.integers(0, 2, m)], tastes.tier[c], tastes.pattern[c])
        scope = rng.choice(3, m, p=SCOPE_P)
        narrow = np.where(scope == 2, rng.choice(4, m, p=NARROW_P), 3)
        u = rng.random(m)
        drawn = np.empty(m, dtype=np.int64)
        for kind, wish in enumerate(wishes):
            # The colour ordering also serves the purchases that narrow to nothing.
            rows = np.flatnonzero((narrow == kind) | (narrow == 3) if kind == 0 else narrow == kind)
            cell, k = cells[kind], cells[kind].n_keys // n_cells
            week_r, g_r, d_r = week[part][rows], g[rows], d[rows]
            spans = [  # key ranges, widest first: catalogue, index group, department, the cell
                (np.zeros(len(rows), np.int64), np.full(len(rows), cell.n_keys, np.int64)),
                (g_r * n_dep * k, (g_r + 1) * n_dep * k),
                (d_r * k, (d_r + 1) * k),
                (d_r * k + wish[rows], d_r * k + wish[rows] + 1),
            ]
            level = np.where(narrow[rows] == kind, 3, scope[rows])
            k0, k1 = spans[0]
            for depth in (1, 2, 3):  # the chosen scope, widened while nothing in it is on sale
                lo_d, hi_d = spans[depth]
                usable = (level >= depth) & (cell.weight(week_r, lo_d, hi_d) > 0)
                k0, k1 = np.where(usable, lo_d, k0), np.where(usable, hi_d, k1)
            drawn[rows] = cell.draw(week_r, k0, k1, u[rows])
        article[part] = drawn

    # Repeat purchases: an article this customer bought a few purchases before (or, rarely,
    # a second one in the same basket).
    back = rng.geometric(0.35, n)
    source = np.maximum(np.arange(n) - back, 0)
    same_customer = (customer[source] == customer) & (back <= np.arange(n))
    chance = np.where(basket[source] == basket, SAME_BASKET_REPEAT, tastes.repeat[customer])
    again = same_customer & (rng.random(n) < chance)
    article = np.where(again, article[source], article)
    return article, again
