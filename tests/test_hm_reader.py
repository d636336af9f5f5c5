import re
from datetime import date
from pathlib import Path

import pytest

from hm.reader import (
    BadRows,
    DatasetError,
    image_path,
    read_articles,
    read_customers,
    read_transactions,
    validate_dataset,
)

ARTICLES = """\
article_id,product_code,prod_name,product_type_no,product_type_name,colour_group_code,detail_desc
0108775015,0108775,Strap top,253,Vest top,09,Jersey top with narrow shoulder straps.
108775044,108775,Strap top,253,Vest top,10,
0110065001,0110065,OP T-shirt (Idro),,Bra,,"Microfibre T-shirt bra, underwired."
0108775015,0108775,Strap top (dup),253,Vest top,09,
"""
CUSTOMERS = """\
customer_id,FN,Active,club_member_status,fashion_news_frequency,age,postal_code
00000dbacae5abe5e23885899a1fa44253a17956c6d1c3d25f88aa139fdfc657,,,ACTIVE,NONE,49,52043ee2
0000423b00ade91418cceaf3b26c6af3dd342b51fd051eec9c12fb36984420fa,1.0,1.0,ACTIVE,Regularly,,2973abc5
000058a12d5b43e67d225668fa1f8d618c13dc232df0cad8ffe7ad4a1091e318,1.0,,,,24.0,
"""
TRANSACTIONS = """\
t_dat,customer_id,article_id,price,sales_channel_id
2018-09-20,000058a12d5b43e67d225668fa1f8d618c13dc232df0cad8ffe7ad4a1091e318,0663713001,0.0508305084745762,2
2018-09-20,000058a12d5b43e67d225668fa1f8d618c13dc232df0cad8ffe7ad4a1091e318,541518023,0.0304915254237288,2
2018-13-45,000058a12d5b43e67d225668fa1f8d618c13dc232df0cad8ffe7ad4a1091e318,0663713001,0.05,2
2018-09-21,00007d2de826758b65a93dd24ce629ed66842531df6699338c5570910a014cc2,0663713001,abc,1
2018-09-21,00007d2de826758b65a93dd24ce629ed66842531df6699338c5570910a014cc2,0663713001,,1
,00007d2de826758b65a93dd24ce629ed66842531df6699338c5570910a014cc2,0663713001,0.01,1
2018-09-22,00007d2de826758b65a93dd24ce629ed66842531df6699338c5570910a014cc2,0505221004,0.0152372881355932,
"""


def write(root: Path, articles: str = ARTICLES, customers: str = CUSTOMERS,
          transactions: str = TRANSACTIONS) -> Path:  # fmt: skip
    (root / "articles.csv").write_text(articles)
    (root / "customers.csv").write_text(customers)
    (root / "transactions_train.csv").write_text(transactions)
    return root


def test_article_ids_keep_or_regain_their_leading_zero(tmp_path: Path) -> None:
    rows = list(read_articles(write(tmp_path)))
    assert [r["article_id"] for r in rows] == ["0108775015", "0108775044", "0110065001"]
    assert [r["product_code"] for r in rows] == ["0108775", "0108775", "0110065"]


def test_transaction_article_ids_are_padded(tmp_path: Path) -> None:
    rows = list(read_transactions(write(tmp_path)))
    assert [r["article_id"] for r in rows] == ["0663713001", "0541518023", "0505221004"]


def test_blank_fields_are_none(tmp_path: Path) -> None:
    articles = list(read_articles(write(tmp_path)))
    assert articles[1]["detail_desc"] is None
    assert articles[2]["product_type_no"] is None
    assert articles[2]["colour_group_code"] is None
    customers = list(read_customers(tmp_path))
    assert customers[0]["FN"] is None and customers[0]["Active"] is None
    assert customers[1]["age"] is None
    assert customers[2]["club_member_status"] is None
    assert customers[2]["postal_code"] is None


def test_values_are_typed(tmp_path: Path) -> None:
    article = next(read_articles(write(tmp_path)))
    assert article["product_type_no"] == 253 and article["colour_group_code"] == 9
    customers = list(read_customers(tmp_path))
    assert customers[0]["age"] == 49 and customers[2]["age"] == 24
    assert customers[1]["FN"] == 1 and customers[1]["Active"] == 1
    first = next(read_transactions(tmp_path))
    assert first["t_dat"] == date(2018, 9, 20)
    assert first["price"] == pytest.approx(0.0508305084745762)
    assert first["sales_channel_id"] == 2


def test_rows_carry_their_data_line_number(tmp_path: Path) -> None:
    rows = list(read_transactions(write(tmp_path)))
    assert [r["line"] for r in rows] == [1, 2, 7]


def test_missing_optional_columns_are_accepted_and_none(tmp_path: Path) -> None:
    write(
        tmp_path,
        articles="article_id,prod_name\n0108775015,Strap top\n",
        customers="customer_id\nabc123\n",
        transactions="t_dat,customer_id,article_id,price\n2019-01-02,abc123,0108775015,0.02\n",
    )
    validate_dataset(tmp_path)
    (article,) = read_articles(tmp_path)
    assert article["department_no"] is None and article["product_code"] is None
    (customer,) = read_customers(tmp_path)
    assert customer["age"] is None
    (txn,) = read_transactions(tmp_path)
    assert txn["sales_channel_id"] is None


@pytest.mark.parametrize(
    ("file", "header", "column"),
    [
        ("articles.csv", "article_id,product_code\n", "prod_name"),
        ("customers.csv", "FN,Active,age\n", "customer_id"),
        ("transactions_train.csv", "t_dat,customer_id,article_id,sales_channel_id\n", "price"),
    ],
)
def test_missing_required_column_names_file_and_column(
    tmp_path: Path, file: str, header: str, column: str
) -> None:
    write(tmp_path)
    (tmp_path / file).write_text(header)
    with pytest.raises(DatasetError, match=rf"{re.escape(file)}.*{column}"):
        validate_dataset(tmp_path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    write(tmp_path)
    (tmp_path / "customers.csv").unlink()
    with pytest.raises(DatasetError, match=r"customers\.csv"):
        validate_dataset(tmp_path)


def test_reader_checks_its_own_header(tmp_path: Path) -> None:
    write(tmp_path, transactions="t_dat,customer_id,price\n")
    with pytest.raises(DatasetError, match=r"transactions_train\.csv.*article_id"):
        next(read_transactions(tmp_path))


def test_malformed_dates_and_prices_are_counted_with_examples(tmp_path: Path) -> None:
    bad = BadRows()
    rows = list(read_transactions(write(tmp_path), bad))
    assert len(rows) == 3
    assert bad.counts == {"bad date": 2, "bad price": 2}
    assert [e.line for e in bad.examples["bad price"]] == [4, 5]
    example = bad.examples["bad date"][0]
    assert example.file == "transactions_train.csv"
    assert example.values["t_dat"] == "2018-13-45"


def test_duplicated_article_is_counted_and_the_first_kept(tmp_path: Path) -> None:
    bad = BadRows()
    rows = list(read_articles(write(tmp_path), bad))
    assert [r["prod_name"] for r in rows if r["article_id"] == "0108775015"] == ["Strap top"]
    assert bad.counts == {"duplicate article": 1}
    assert bad.examples["duplicate article"][0].line == 4


def test_bad_rows_keep_five_examples_and_merge() -> None:
    bad = BadRows()
    for line in range(1, 9):
        bad.add("unknown article", "transactions_train.csv", line, {"article_id": str(line)})
    assert bad.counts["unknown article"] == 8
    assert len(bad.examples["unknown article"]) == 5
    other = BadRows()
    other.add("unknown customer", "transactions_train.csv", 3, {})
    bad.update(other)
    assert bad.total == 9
    assert bad.as_dict()["unknown customer"]["examples"][0]["line"] == 3
    assert "unknown article: 8" in bad.summary()


def test_image_path(tmp_path: Path) -> None:
    folder = tmp_path / "images" / "010"
    folder.mkdir(parents=True)
    (folder / "0108775015.jpg").write_bytes(b"\xff\xd8")
    assert image_path(tmp_path, "0108775015") == folder / "0108775015.jpg"
    assert image_path(tmp_path, "108775015") == folder / "0108775015.jpg"
    assert image_path(tmp_path, "0108775044") is None
