"""Recommendations through the real app: every result explained by purchases the customer really
made before asOf, the arguments honoured, each strategy what it says, and a constant number of
Cypher round trips. BOUGHT_WITH comes from the co-purchase job (jobs/copurchase.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from gql_support import Catalogue, data, error_codes, post
from purchases_support import People, read_people
from starlette.applications import Starlette
from starlette.testclient import TestClient

from cypher.shards import SyncShards
from jobs import copurchase
from jobs.runner import run_in_foreground
from recs import signals
from recs.model import Signal

pytestmark = pytest.mark.neo4j

RECOMMEND = """query($id: ID!, $first: Int, $strategy: RecommendationStrategy,
    $excludePurchased: Boolean, $departmentNumber: Int, $productTypeNumber: Int,
    $indexGroup: String, $asOf: Date, $maxPerProductType: Int) {
  customer(id: $id) {
    recommendations(first: $first, strategy: $strategy, excludePurchased: $excludePurchased,
        departmentNumber: $departmentNumber, productTypeNumber: $productTypeNumber,
        indexGroup: $indexGroup, asOf: $asOf, maxPerProductType: $maxPerProductType) {
      score
      product { code name department { number } productType { number } indexGroup { name } }
      reasons { signal contribution because { code name } }
    }
  }
}"""

GOES_WITH = """query($code: ID!, $first: Int) {
  product(code: $code) {
    productType { number }
    recommendations(first: $first) {
      score
      product { code productType { number } }
      reasons { signal contribution because { code } }
    }
  }
}"""

OWN_SIGNALS = {"REPURCHASE", "COPURCHASE", "VISUAL"}


@pytest.fixture(scope="module")
def people(catalogue: Catalogue, sync_shards: SyncShards) -> People:
    """The catalogue with BOUGHT_WITH edges written by the co-purchase job itself."""
    params = {"topN": copurchase.TOP_N, "weeks": None}
    record = run_in_foreground(sync_shards, copurchase.KIND, params, copurchase.copurchase_work())
    assert record["status"] == "SUCCEEDED", record
    return read_people(catalogue.root)


def recommend(
    client: httpx.Client | TestClient, customer: str, **args: Any
) -> list[dict[str, Any]]:
    if isinstance(args.get("asOf"), date):
        args["asOf"] = args["asOf"].isoformat()
    found: list[dict[str, Any]] = data(client, RECOMMEND, id=customer, **args)["customer"][
        "recommendations"
    ]
    return found


def middle_day(people: People, customer: str) -> date:
    days = sorted({b.day for b in people.purchases[customer]})
    return days[len(days) // 2]


def heavy(people: People) -> str:
    return people.by_count()[0]


def assert_explained(people: People, customer: str, as_of: date | None, found: list[Any]) -> None:
    bought = {b.code for b in people.before(customer, as_of)}
    scores = [r["score"] for r in found]
    assert scores == sorted(scores, reverse=True)
    for recommendation in found:
        reasons = recommendation["reasons"]
        assert reasons
        assert recommendation["score"] == pytest.approx(sum(r["contribution"] for r in reasons))
        for reason in reasons:
            because = [p["code"] for p in reason["because"]]
            assert reason["contribution"] > 0
            if reason["signal"] in OWN_SIGNALS:
                assert because and set(because) <= bought, (reason, sorted(bought))
            else:
                assert because == []
            if reason["signal"] == "REPURCHASE":
                assert because == [recommendation["product"]["code"]]


def test_blend_results_are_explained_by_the_customers_purchases(
    people: People, http: httpx.Client
) -> None:
    customer = heavy(people)
    for as_of in (None, middle_day(people, customer)):
        found = recommend(http, customer, asOf=as_of)
        assert len(found) == 12
        assert_explained(people, customer, as_of, found)
        signals_seen = {r["signal"] for rec in found for r in rec["reasons"]}
        assert "REPURCHASE" in signals_seen
        assert signals_seen & {"COPURCHASE", "VISUAL"}


def test_as_of_uses_only_purchases_strictly_before_it(people: People, http: httpx.Client) -> None:
    customer = heavy(people)
    as_of = middle_day(people, customer)
    before = {b.code for b in people.before(customer, as_of)}
    found = recommend(http, customer, asOf=as_of, strategy="REPURCHASE_POPULAR", first=100)
    repurchased = {
        rec["product"]["code"] for rec in found if rec["reasons"][0]["signal"] == "REPURCHASE"
    }
    assert repurchased and repurchased <= before
    # On the day of the first purchase there is no history yet (that day's purchases included).
    first_day = min(b.day for b in people.purchases[customer])
    for rec in recommend(http, customer, asOf=first_day):
        assert {r["signal"] for r in rec["reasons"]} <= {"TRENDING", "TRENDING_IN_GROUP"}


def test_filters_keep_only_matching_products(people: People, http: httpx.Client) -> None:
    customer = heavy(people)
    unfiltered = recommend(http, customer, first=50)
    department = Counter(r["product"]["department"]["number"] for r in unfiltered).most_common(1)
    product_type = Counter(r["product"]["productType"]["number"] for r in unfiltered).most_common(1)
    group = Counter(r["product"]["indexGroup"]["name"] for r in unfiltered).most_common(1)

    found = recommend(http, customer, departmentNumber=department[0][0])
    assert found and {r["product"]["department"]["number"] for r in found} == {department[0][0]}
    found = recommend(http, customer, productTypeNumber=product_type[0][0])
    assert found and {r["product"]["productType"]["number"] for r in found} == {product_type[0][0]}
    found = recommend(http, customer, indexGroup=group[0][0].upper())  # any case
    assert found and {r["product"]["indexGroup"]["name"] for r in found} == {group[0][0]}
    assert_explained(people, customer, None, found)


def test_the_diversity_cap_holds(people: People, http: httpx.Client) -> None:
    customer = heavy(people)
    uncapped = recommend(http, customer, first=20)
    assert max(Counter(r["product"]["productType"]["number"] for r in uncapped).values()) > 1
    for cap in (1, 2):
        found = recommend(http, customer, first=20, maxPerProductType=cap)
        per_type = Counter(r["product"]["productType"]["number"] for r in found)
        assert found and max(per_type.values()) <= cap


def test_exclude_purchased_drops_what_was_bought_before_as_of(
    people: People, http: httpx.Client
) -> None:
    customer = heavy(people)
    as_of = middle_day(people, customer)
    before = {b.code for b in people.before(customer, as_of)}
    assert {r["product"]["code"] for r in recommend(http, customer, asOf=as_of)} & before
    found = recommend(http, customer, asOf=as_of, excludePurchased=True, first=30)
    assert found and not {r["product"]["code"] for r in found} & before
    assert_explained(people, customer, as_of, found)


def _sent(client: TestClient, app: Starlette, customer: str, **args: Any) -> Counter[Any]:
    sent = app.state.federation.shards.sent
    sent.clear()
    assert recommend(client, customer, **args)
    return Counter({(shard.value, name): n for (shard, name), n in sent.items()})


def test_round_trips_do_not_grow_with_history_or_first(
    people: People, client: TestClient, app: Starlette
) -> None:
    ordered = people.by_count()
    light = next(c for c in reversed(ordered) if len({b.code for b in people.purchases[c]}) >= 2)
    assert len(people.purchases[ordered[0]]) > 3 * len(people.purchases[light])
    expected = {
        ("transactions", "customer_by_id"): 1,
        ("transactions", "recs_history"): 1,
        ("transactions", "recs_copurchase"): 1,
        ("products", "similar_candidates"): 1,
        ("transactions", "similar_details"): 1,
        ("transactions", "recs_trending"): 1,
        ("transactions", "recs_products"): 1,
    }
    assert _sent(client, app, ordered[0], first=50) == expected
    assert _sent(client, app, light, first=1) == expected
    assert _sent(client, app, ordered[1], first=12, maxPerProductType=1) == expected


def test_round_trips_do_not_grow_with_the_number_of_customers(
    people: People, client: TestClient, app: Starlette
) -> None:
    document = """query($n: Int) { customers(first: $n) { edges { node {
      recommendations(first: 5) { product { code productType { name } } because: reasons {
        because { code department { name } } } } } } } }"""
    counts = []
    for n in (2, 40):
        sent = app.state.federation.shards.sent
        sent.clear()
        edges = data(client, document, n=n)["customers"]["edges"]
        assert len(edges) == n
        counts.append(Counter({name: k for (_, name), k in sent.items()}))
    assert counts[0] == counts[1]
    assert counts[1]["recs_history"] == 1


def test_popular_is_the_weeks_best_sellers(people: People, http: httpx.Client) -> None:
    customer = heavy(people)
    as_of = middle_day(people, customer)
    window = as_of - timedelta(days=signals.TRENDING_DAYS)
    sold: Counter[str] = Counter(
        b.code for rows in people.purchases.values() for b in rows if window <= b.day < as_of
    )
    best = sorted(sold, key=lambda code: (-sold[code], code))[:12]
    found = recommend(http, customer, asOf=as_of, strategy="POPULAR")
    assert [r["product"]["code"] for r in found] == best
    for rec in found:
        assert [(r["signal"], r["because"]) for r in rec["reasons"]] == [("TRENDING", [])]
        code = rec["product"]["code"]
        expected = signals.WEIGHTS[Signal.TRENDING] * sold[code] / sold[best[0]]
        assert rec["score"] == pytest.approx(expected)


def test_repurchase_popular_is_the_customers_purchases_then_popular(
    people: People, http: httpx.Client
) -> None:
    customer = next(
        c for c in people.by_count() if 3 <= len({b.code for b in people.purchases[c]}) <= 8
    )
    bought = {b.code for b in people.purchases[customer]}
    found = recommend(http, customer, strategy="REPURCHASE_POPULAR", first=20)
    tiers = ["REPURCHASE" in {r["signal"] for r in rec["reasons"]} for rec in found]
    assert tiers == sorted(tiers, reverse=True)  # every repurchase first
    assert {rec["product"]["code"] for rec, t in zip(found, tiers, strict=True) if t} == bought
    for rec in found:
        assert {r["signal"] for r in rec["reasons"]} <= {"REPURCHASE", "TRENDING"}
    assert len(found) == 20  # padded with the popular


def test_copurchase_alone_proposes_products_bought_by_the_same_customers(
    people: People, http: httpx.Client
) -> None:
    customer = heavy(people)
    buyers: dict[str, set[str]] = {}
    for who, rows in people.purchases.items():
        for b in rows:
            buyers.setdefault(b.code, set()).add(who)
    found = recommend(http, customer, strategy="COPURCHASE")
    assert found
    assert_explained(people, customer, None, found)
    for rec in found:
        assert [r["signal"] for r in rec["reasons"]] == ["COPURCHASE"]
        for source in rec["reasons"][0]["because"]:
            assert buyers[source["code"]] & buyers[rec["product"]["code"]]


def test_visual_alone_proposes_neighbours_in_the_same_index_group(
    people: People, catalogue: Catalogue, http: httpx.Client
) -> None:
    customer = heavy(people)
    found = recommend(http, customer, strategy="VISUAL")
    assert found
    assert_explained(people, customer, None, found)
    group = {code: row["index_group_no"] for code, row in catalogue.articles.items()}
    for rec in found:
        assert [r["signal"] for r in rec["reasons"]] == ["VISUAL"]
        code = rec["product"]["code"]
        for source in rec["reasons"][0]["because"]:
            assert code in {c for c, _ in catalogue.similar[source["code"]]}
            assert group[code] == group[source["code"]]


def test_product_recommendations_go_with_it(
    people: People, catalogue: Catalogue, http: httpx.Client
) -> None:
    buyers = Counter(b.code for rows in people.purchases.values() for b in rows)
    code = max(catalogue.with_image, key=lambda c: (buyers[c], c))
    product = data(http, GOES_WITH, code=code, first=30)["product"]
    found = product["recommendations"]
    seen = Counter(r["signal"] for rec in found for r in rec["reasons"])
    assert seen["COPURCHASE"] and seen["VISUAL"]
    neighbours = {c for c, _ in catalogue.similar[code]}
    scores = [rec["score"] for rec in found]
    assert scores == sorted(scores, reverse=True)
    for rec in found:
        assert rec["product"]["code"] != code
        for reason in rec["reasons"]:
            assert [p["code"] for p in reason["because"]] == [code]
            if reason["signal"] == "COPURCHASE":
                assert rec["product"]["productType"] != product["productType"]
            else:
                assert reason["signal"] == "VISUAL" and rec["product"]["code"] in neighbours


def test_product_recommendations_round_trips_do_not_grow_with_the_page(
    catalogue: Catalogue, client: TestClient, app: Starlette
) -> None:
    document = """query($n: Int) { products(first: $n, filter: {hasImage: true}) { edges { node {
      recommendations(first: 8) { product { code productType { name } } } } } } }"""
    counts = []
    for n in (2, 30):
        sent = app.state.federation.shards.sent
        sent.clear()
        assert len(data(client, document, n=n)["products"]["edges"]) == n
        counts.append(Counter({name: k for (_, name), k in sent.items()}))
    assert counts[0] == counts[1]
    assert counts[1]["recs_products"] == 1


def test_the_request_cost_counts_recommendations_first(people: People, http: httpx.Client) -> None:
    document = """{ customers(first: 100) { edges { node { recommendations(first: 100) {
      reasons { because { code } } } } } } }"""
    body = post(http, document)
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
    # customers 1 + edges 100 x (1 + node (1 + recommendations 100 x (1 + reasons 5 x (1 +
    # because 3 x 2))))
    assert body["errors"][0]["extensions"]["value"] == 1 + 100 * (1 + 1 + 100 * (1 + 5 * 7))


def test_arguments_out_of_range_are_bad_user_input(people: People, http: httpx.Client) -> None:
    customer = heavy(people)
    for args in ({"first": 101}, {"first": -1}, {"maxPerProductType": 0}):
        body = post(http, RECOMMEND, id=customer, **args)
        assert error_codes(body) == ["BAD_USER_INPUT"], args
