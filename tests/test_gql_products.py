"""Products, departments and types through the real app on a loopback uvicorn server."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from typing import Any

import httpx
import pytest
from gql_support import Catalogue, data, error_codes, post

from cypher.loader import text
from gql.schema.product_filter import ProductFilter

pytestmark = pytest.mark.neo4j

PRODUCT = """query($code: ID!) {
  product(code: $code) {
    code name productCode description hasImage imageUrl
    department { number name section { number name } }
    productType { number name productGroup { name } }
    section { number } index { code name } indexGroup { number } garmentGroup { number }
    graphicalAppearance { number } colour { code name }
    perceivedColourValue { id } perceivedColourMaster { id }
  }
}"""

PAGE = """query($filter: ProductFilter, $first: Int, $after: String) {
  products(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { code } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def test_product_by_code_has_its_leading_zero_and_attributes(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    code = catalogue.with_image[0]
    row = catalogue.articles[code]
    product = data(http, PRODUCT, code=code)["product"]
    assert code.startswith("0") and product["code"] == code
    assert product["name"] == row["prod_name"]
    assert product["productCode"] == row["product_code"]
    assert product["description"] == row["detail_desc"]
    assert product["hasImage"] is True
    assert product["imageUrl"].endswith(f"/images/{code}")
    assert product["department"]["number"] == int(row["department_no"])
    assert product["department"]["name"] == row["department_name"]
    assert product["department"]["section"]["number"] == int(row["section_no"])
    assert product["section"]["number"] == int(row["section_no"])
    assert product["productType"] == {
        "number": int(row["product_type_no"]),
        "name": row["product_type_name"],
        "productGroup": {"name": row["product_group_name"]},
    }
    assert product["index"] == {"code": row["index_code"], "name": row["index_name"]}
    assert product["indexGroup"]["number"] == int(row["index_group_no"])
    assert product["garmentGroup"]["number"] == int(row["garment_group_no"])
    assert product["graphicalAppearance"]["number"] == int(row["graphical_appearance_no"])
    assert product["colour"] == {
        "code": int(row["colour_group_code"]),
        "name": row["colour_group_name"],
    }
    assert product["perceivedColourValue"]["id"] == int(row["perceived_colour_value_id"])
    assert product["perceivedColourMaster"]["id"] == int(row["perceived_colour_master_id"])


def test_product_code_without_its_leading_zero_finds_the_product(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    code = catalogue.with_image[0]
    product = data(http, "query($c: ID!) { product(code: $c) { code } }", c=code.lstrip("0"))
    assert product["product"]["code"] == code


@pytest.mark.parametrize("code", ["0000000001", "nope", ""])
def test_unknown_code_gives_null_product(
    catalogue: Catalogue, http: httpx.Client, code: str
) -> None:
    assert data(http, "query($c: ID!) { product(code: $c) { code } }", c=code) == {"product": None}


def test_product_without_image_has_no_image_url(catalogue: Catalogue, http: httpx.Client) -> None:
    code = next(c for c in sorted(catalogue.articles) if c not in catalogue.with_image)
    product = data(http, PRODUCT, code=code)["product"]
    assert product["hasImage"] is False
    assert product["imageUrl"] is None


def _all_pages(http: httpx.Client, filter: dict[str, Any], first: int) -> list[str]:
    codes: list[str] = []
    after = None
    while True:
        page = data(http, PAGE, filter=filter, first=first, after=after)["products"]
        codes += [edge["node"]["code"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return codes
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]


def _articles_where(catalogue: Catalogue, **conditions: str) -> list[str]:
    return sorted(
        code
        for code, row in catalogue.articles.items()
        if all(row[column] == value for column, value in conditions.items())
    )


def test_pages_follow_their_cursors_through_every_product(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    codes = _all_pages(http, {}, first=7)
    assert codes == sorted(catalogue.articles)


@pytest.mark.parametrize(
    ("filter_key", "column"),
    [
        ("departmentNumber", "department_no"),
        ("productTypeNumber", "product_type_no"),
        ("indexGroupNumber", "index_group_no"),
        ("colourGroupCode", "colour_group_code"),
    ],
)
def test_filter_by_category_number(
    catalogue: Catalogue, http: httpx.Client, filter_key: str, column: str
) -> None:
    value, _ = Counter(row[column] for row in catalogue.articles.values()).most_common(1)[0]
    expected = _articles_where(catalogue, **{column: value})
    assert _all_pages(http, {filter_key: int(value)}, first=2) == expected


def test_filter_by_name_contains_ignores_case(catalogue: Catalogue, http: httpx.Client) -> None:
    word = catalogue.articles[catalogue.with_image[0]]["prod_name"].split()[-1]
    expected = sorted(
        code for code, row in catalogue.articles.items() if word.lower() in row["prod_name"].lower()
    )
    assert _all_pages(http, {"nameContains": word.upper()}, first=50) == expected


def test_filter_by_has_image(catalogue: Catalogue, http: httpx.Client) -> None:
    without = sorted(set(catalogue.articles) - set(catalogue.with_image))
    assert _all_pages(http, {"hasImage": False}, first=50) == without
    assert _all_pages(http, {"hasImage": True}, first=50) == catalogue.with_image


def test_filters_combine(catalogue: Catalogue, http: httpx.Client) -> None:
    code = catalogue.with_image[0]
    row = catalogue.articles[code]
    expected = [
        c
        for c in _articles_where(catalogue, department_no=row["department_no"])
        if c in catalogue.with_image
    ]
    combined = {"departmentNumber": int(row["department_no"]), "hasImage": True}
    assert _all_pages(http, combined, first=50) == expected


def _conditions(query: str) -> list[str]:
    """The `AND`ed conditions of a query file's WHERE, whitespace normalised."""
    where = text(query).split("WHERE", 1)[1].split("RETURN", 1)[0]
    return [" ".join(condition.split()) for condition in re.split(r"\bAND\b", where)]


def test_page_and_count_queries_have_the_same_filter() -> None:
    page, count = _conditions("products_page"), _conditions("products_count")
    assert page == ["p.code > $after", *count]
    # One condition per ProductFilter field, each on its own parameter.
    parameters = [set(re.findall(r"\$(\w+)", condition)) for condition in count]
    assert all(len(names) == 1 for names in parameters)
    assert sorted(name for names in parameters for name in names) == sorted(
        ProductFilter().params()
    )


def _filter_cases(catalogue: Catalogue) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Each filter condition alone, and all six together: the filter and its products."""
    code = catalogue.with_image[0]
    row = catalogue.articles[code]
    word = row["prod_name"].split()[-1]
    named = sorted(
        c for c, r in catalogue.articles.items() if word.lower() in r["prod_name"].lower()
    )
    cases: dict[str, tuple[dict[str, Any], list[str]]] = {
        key: ({key: int(row[column])}, _articles_where(catalogue, **{column: row[column]}))
        for key, column in [
            ("departmentNumber", "department_no"),
            ("productTypeNumber", "product_type_no"),
            ("indexGroupNumber", "index_group_no"),
            ("colourGroupCode", "colour_group_code"),
        ]
    }
    cases["nameContains"] = ({"nameContains": word.upper()}, named)
    cases["hasImage"] = ({"hasImage": True}, catalogue.with_image)
    every = {key: value for filter, _ in cases.values() for key, value in filter.items()}
    in_all = set.intersection(*(set(codes) for _, codes in cases.values()))
    cases["all six"] = (every, sorted(in_all))
    return cases


@pytest.mark.parametrize(
    "case",
    [
        "departmentNumber", "productTypeNumber", "indexGroupNumber", "colourGroupCode",
        "nameContains", "hasImage", "all six",
    ],
)  # fmt: skip
def test_total_count_agrees_with_the_pages(
    catalogue: Catalogue, http: httpx.Client, case: str
) -> None:
    filter, expected = _filter_cases(catalogue)[case]
    # A condition that kept every product, or none, would not tell the two queries apart.
    assert 0 < len(expected) < len(catalogue.articles)
    assert _all_pages(http, filter, first=50) == expected
    assert data(http, PAGE, filter=filter, first=1)["products"]["totalCount"] == len(expected)


@pytest.mark.parametrize("after", ["not-a-cursor", "cHJvZHVjdDo=", "eyJhIjoxfQ==", "%%%"])
def test_malformed_cursor_is_bad_user_input(
    catalogue: Catalogue, http: httpx.Client, after: str
) -> None:
    body = post(http, PAGE, first=2, after=after)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "cursor" in body["errors"][0]["message"]


@pytest.mark.parametrize("first", [-1, 101, 2**31 - 1])
def test_page_size_outside_its_range_is_bad_user_input(
    catalogue: Catalogue, http: httpx.Client, first: int
) -> None:
    assert error_codes(post(http, PAGE, first=first)) == ["BAD_USER_INPUT"]


def test_departments_with_their_counts_and_products(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    expected: dict[int, list[str]] = defaultdict(list)
    names = {}
    for code, row in catalogue.articles.items():
        expected[int(row["department_no"])].append(code)
        names[int(row["department_no"])] = row["department_name"]
    departments = data(
        http,
        """{ departments { number name productCount section { number }
                          products(first: 100) { totalCount edges { node { code } } } } }""",
    )["departments"]
    assert [d["number"] for d in departments] == sorted(expected)
    for department in departments:
        codes = sorted(expected[department["number"]])
        assert department["name"] == names[department["number"]]
        assert department["productCount"] == len(codes)
        assert department["products"]["totalCount"] == len(codes)
        assert [e["node"]["code"] for e in department["products"]["edges"]] == codes


def test_department_by_number(catalogue: Catalogue, http: httpx.Client) -> None:
    row = catalogue.articles[catalogue.with_image[0]]
    query = "query($n: Int!) { department(number: $n) { number name } }"
    found = data(http, query, n=int(row["department_no"]))["department"]
    assert found == {"number": int(row["department_no"]), "name": row["department_name"]}
    assert data(http, query, n=999_999) == {"department": None}


def test_product_types_with_their_groups(catalogue: Catalogue, http: httpx.Client) -> None:
    expected = {
        int(row["product_type_no"]): (row["product_type_name"], row["product_group_name"])
        for row in catalogue.articles.values()
    }
    types = data(http, "{ productTypes { number name productGroup { name } } }")["productTypes"]
    assert {t["number"]: (t["name"], t["productGroup"]["name"]) for t in types} == expected
    assert [t["number"] for t in types] == sorted(expected)


RANDOM = "query($n: Int, $seed: Int) { randomProducts(count: $n, seed: $seed) { code } }"


def test_random_products_same_seed_same_products(catalogue: Catalogue, http: httpx.Client) -> None:
    first = [p["code"] for p in data(http, RANDOM, n=12, seed=42)["randomProducts"]]
    again = [p["code"] for p in data(http, RANDOM, n=12, seed=42)["randomProducts"]]
    other = [p["code"] for p in data(http, RANDOM, n=12, seed=43)["randomProducts"]]
    assert first == again
    assert len(first) == len(set(first)) == 12
    assert set(first) <= set(catalogue.articles)
    assert other != first
    # Not simply the first codes in order.
    assert first != sorted(catalogue.articles)[:12]


def test_random_products_count_outside_its_range(catalogue: Catalogue, http: httpx.Client) -> None:
    assert error_codes(post(http, RANDOM, n=1000, seed=1)) == ["BAD_USER_INPUT"]


def _purchases(catalogue: Catalogue) -> list[tuple[str, str]]:
    with (catalogue.root / "transactions_train.csv").open(newline="") as f:
        return [(row["customer_id"], row["article_id"]) for row in csv.DictReader(f)]


def test_purchase_count_and_also_bought(catalogue: Catalogue, http: httpx.Client) -> None:
    purchases = _purchases(catalogue)
    counts = Counter(article for _, article in purchases)
    code, count = counts.most_common(1)[0]
    bought_by: dict[str, set[str]] = defaultdict(set)
    for customer, article in purchases:
        bought_by[customer].add(article)
    buyers = [customer for customer, articles in bought_by.items() if code in articles]
    together = Counter(
        other for customer in buyers for other in bought_by[customer] if other != code
    )
    # The co-purchase job's order: shared buyers, then score (for the same count, the other
    # product with fewer buyers), then code.
    buyers_of = Counter(article for articles in bought_by.values() for article in articles)
    ranked = sorted(together.items(), key=lambda cn: (-cn[1], buyers_of[cn[0]], cn[0]))
    expected = [c for c, _ in ranked][:5]

    product = data(
        http,
        "query($c: ID!) { product(code: $c) { purchaseCount alsoBought(first: 5) { code } } }",
        c=code,
    )["product"]
    assert product["purchaseCount"] == count
    assert [p["code"] for p in product["alsoBought"]] == expected
