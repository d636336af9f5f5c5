"""The challenge's measures: MAP@12 (mean over the customers with a purchase in the holdout of
the average precision of their first 12 recommendations), recall@12, coverage."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence


def average_precision(actual: Collection[str], predicted: Sequence[str], k: int = 12) -> float:
    """AP@k as the H&M challenge scored it: the precision at each rank 1..k that holds a
    purchased article (a repeat of an earlier prediction counts as a miss), summed and divided
    by min(k, distinct articles purchased). A customer without a purchase is not scored."""
    if not actual:
        raise ValueError("a customer with no purchase in the holdout is not scored")
    hits = 0
    total = 0.0
    seen: set[str] = set()
    for rank, code in enumerate(predicted[:k], start=1):
        if code in actual and code not in seen:
            hits += 1
            total += hits / rank
        seen.add(code)
    return total / min(len(set(actual)), k)


def mean_average_precision(
    actual: Mapping[str, Collection[str]], predicted: Mapping[str, Sequence[str]], k: int = 12
) -> float:
    """MAP@k over the customers of `actual` (each with a purchase); a customer missing from
    `predicted` was recommended nothing."""
    if not actual:
        raise ValueError("no customer to score")
    return sum(average_precision(a, predicted.get(c, []), k) for c, a in actual.items()) / len(
        actual
    )


def recall(actual: Collection[str], predicted: Sequence[str], k: int = 12) -> float:
    """The share of the distinct purchased articles among the first k recommendations."""
    if not actual:
        raise ValueError("a customer with no purchase in the holdout is not scored")
    wanted = set(actual)
    return len(wanted & set(predicted[:k])) / len(wanted)


def mean_recall(
    actual: Mapping[str, Collection[str]], predicted: Mapping[str, Sequence[str]], k: int = 12
) -> float:
    if not actual:
        raise ValueError("no customer to score")
    return sum(recall(a, predicted.get(c, []), k) for c, a in actual.items()) / len(actual)


def coverage(predicted: Mapping[str, Sequence[str]], catalogue: int, k: int = 12) -> float:
    """Distinct recommended articles over the catalogue's size."""
    distinct = {code for codes in predicted.values() for code in codes[:k]}
    return len(distinct) / catalogue if catalogue else 0.0
