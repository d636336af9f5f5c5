"""Similarity across the shards: SIMILAR from the products shard, type and department from the
transactions shard, through the real app on a loopback uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from gql_support import Catalogue, data, error_codes, post, write_similar

from cypher.shards import Shard, SyncShards

pytestmark = pytest.mark.neo4j

SIMILAR = """query($code: ID!, $topK: Int, $same: Boolean, $min: Float) {
  similarProducts(code: $code, topK: $topK, sameDepartment: $same, minScore: $min) {
    score rank
    product { code name productType { name } department { number name } }
  }
}"""


def _similar(http: httpx.Client, code: str, **args: object) -> list[dict[str, object]]:
    result: list[dict[str, object]] = data(http, SIMILAR, code=code, **args)["similarProducts"]
    return result


def _codes(similar: list[dict[str, object]]) -> list[str]:
    return [s["product"]["code"] for s in similar]  # type: ignore[index]


def test_similar_products_best_first_with_type_and_department(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    code = catalogue.with_image[0]
    similar = _similar(http, code)
    expected = catalogue.similar[code]
    assert _codes(similar) == [c for c, _ in expected]
    assert [s["score"] for s in similar] == pytest.approx([score for _, score in expected])
    assert [s["rank"] for s in similar] == list(range(1, len(expected) + 1))
    for item in similar:
        product = item["product"]
        row = catalogue.articles[product["code"]]  # type: ignore[index]
        assert product["name"] == row["prod_name"]  # type: ignore[index]
        assert product["productType"]["name"] == row["product_type_name"]  # type: ignore[index]
        assert product["department"] == {  # type: ignore[index]
            "number": int(row["department_no"]),
            "name": row["department_name"],
        }


def test_top_k_and_min_score_cut_the_list(catalogue: Catalogue, http: httpx.Client) -> None:
    code = catalogue.with_image[1]
    expected = catalogue.similar[code]
    assert _codes(_similar(http, code, topK=3)) == [c for c, _ in expected[:3]]
    cutoff = expected[4][1]
    above = _similar(http, code, min=cutoff)
    assert _codes(above) == [c for c, score in expected if score >= cutoff]
    assert all(s["score"] >= cutoff for s in above)  # type: ignore[operator]


def _department_case(catalogue: Catalogue) -> tuple[str, list[str]]:
    """A product whose global neighbours include some, but not only, of its department."""
    for code in catalogue.with_image:
        dept = catalogue.department(code)
        same = [c for c, _ in catalogue.similar[code] if catalogue.department(c) == dept]
        if 0 < len(same) < len(catalogue.similar[code]):
            return code, same
    raise AssertionError("the fixture has no product with mixed-department neighbours")


def test_same_department_keeps_only_its_department_and_never_pads(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    code, same = _department_case(catalogue)
    similar = _similar(http, code, topK=10, same=True)
    assert _codes(similar) == same
    assert len(similar) < 10
    dept = catalogue.department(code)
    assert {s["product"]["department"]["number"] for s in similar} == {dept}  # type: ignore[index]
    assert [s["rank"] for s in similar] == list(range(1, len(same) + 1))


@pytest.fixture
def in_department_edges(
    catalogue: Catalogue, sync_shards: SyncShards
) -> Iterator[tuple[str, list[tuple[str, float]]]]:
    """SIMILAR_IN_DEPARTMENT for one product, as the similarity recompute will write them: for
    a product with department peers outside its global top 10, so the answers differ."""
    code, exact = next(
        (code, catalogue.same_department_ranking(code))
        for code in catalogue.with_image
        if len(catalogue.same_department_ranking(code))
        > sum(
            catalogue.department(c) == catalogue.department(code)
            for c, _ in catalogue.similar[code]
        )
    )
    rows = [
        {"source": code, "code": c, "score": s, "rank": r}
        for r, (c, s) in enumerate(exact, start=1)
    ]
    sync_shards.write(Shard.PRODUCTS, "fixture_similar_in_department", rows=rows)
    yield code, exact
    write_similar(sync_shards, catalogue)  # clears both kinds, writes SIMILAR back


def test_same_department_reads_department_edges_when_present(
    catalogue: Catalogue,
    http: httpx.Client,
    in_department_edges: tuple[str, list[tuple[str, float]]],
) -> None:
    code, exact = in_department_edges
    similar = _similar(http, code, topK=10, same=True)
    filtered = [
        c
        for c, _ in catalogue.similar[code]
        if catalogue.department(c) == catalogue.department(code)
    ]
    assert _codes(similar) == [c for c, _ in exact[:10]] != filtered
    assert [s["score"] for s in similar] == pytest.approx([s for _, s in exact[:10]])
    # The global list is untouched by them.
    assert _codes(_similar(http, code)) == [c for c, _ in catalogue.similar[code]]


@pytest.mark.parametrize("top_k", [0, -3, 101])
def test_top_k_outside_1_to_100_is_bad_user_input(
    catalogue: Catalogue, http: httpx.Client, top_k: int
) -> None:
    body = post(http, SIMILAR, code=catalogue.with_image[0], topK=top_k)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "topK" in body["errors"][0]["message"]
    assert "Traceback" not in str(body)


def test_product_without_image_has_no_embedding_and_no_neighbours(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    code = next(c for c in sorted(catalogue.articles) if c not in catalogue.with_image)
    product = data(
        http,
        "query($c: ID!) { product(code: $c) { hasImage hasEmbedding similar { score } } }",
        c=code,
    )["product"]
    assert product == {"hasImage": False, "hasEmbedding": False, "similar": []}
    assert _similar(http, code) == []
    assert _similar(http, "0000000001") == []


def test_nested_similar_equals_the_root_field(catalogue: Catalogue, http: httpx.Client) -> None:
    code = catalogue.with_image[2]
    nested = data(
        http,
        """query($c: ID!) { product(code: $c) {
             similar(topK: 4) { score rank product { code } } } }""",
        c=code,
    )["product"]["similar"]
    root = _similar(http, code, topK=4)
    assert [(s["product"]["code"], s["rank"]) for s in nested] == [
        (s["product"]["code"], s["rank"])  # type: ignore[index]
        for s in root
    ]
