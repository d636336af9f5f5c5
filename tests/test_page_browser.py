"""The explorer page at / in a real browser: Debian's Chromium driven by Playwright, against the
real app on a loopback port and the real shards, loaded with the small dataset and embedded and
linked by the job code (random weights, so the scores are real but not meaningful)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from gql_support import Catalogue, load_and_embed, needs_chromium, read_catalogue
from playwright.sync_api import Browser, Page, expect

from cypher.shards import SyncShards
from fabric_gql.settings import Settings
from jobs import embed
from jobs.runner import Progress, run_in_foreground

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
WAIT_MS = 20_000  # two shared cores: a cold first query can take seconds

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.browser,
    needs_chromium,
]


@pytest.fixture(scope="module")
def api_settings(settings: Settings, small_dataset: Path) -> Settings:
    """The served app's settings; overrides gql_support's so uploads embed offline."""
    return settings.model_copy(update={"dataset_dir": small_dataset, "embedding_weights": "none"})


@pytest.fixture(scope="module")
def embedded(sync_shards: SyncShards, api_settings: Settings, small_dataset: Path) -> Catalogue:
    """Both shards reset and loaded, every image embedded, SIMILAR edges computed."""
    load_and_embed(sync_shards, api_settings, small_dataset, similarities=True)
    return read_catalogue(small_dataset)


@pytest.fixture
def page(browser: Browser, embedded: Catalogue, server_url: str) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)  # assertions too (their own default is 5 s)
    page.goto(server_url)
    expect(page.locator("#results .card").first).to_be_visible()  # the page has started
    yield page
    page.close()


def _crowded(catalogue: Catalogue) -> str:
    """An imaged product of the department with the most imaged products."""
    imaged = Counter(catalogue.department(code) for code in catalogue.with_image)
    return max(catalogue.with_image, key=lambda code: imaged[catalogue.department(code)])


def _open(page: Page, code: str) -> None:
    page.fill("#q", code)
    page.press("#q", "Enter")
    expect(page.locator("#code")).to_contain_text(code)


def _similar_cards_loaded(page: Page) -> None:
    expect(page.locator("#view")).to_have_attribute("aria-busy", "false")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#similar-list img')].every(img => img.complete)"
    )


def _scores(page: Page) -> list[float]:
    return [float(text) for text in page.locator("#similar-list .score").all_inner_texts()]


def test_a_product_shows_ten_similar_cards_with_loaded_images_best_first(
    page: Page, embedded: Catalogue
) -> None:
    code = _crowded(embedded)
    page.select_option("#department", str(embedded.department(code)))
    page.locator(f'#results .card[data-code="{code}"]').click()
    expect(page.locator("#name")).to_have_text(embedded.articles[code]["prod_name"])
    expect(page.locator("#facts")).to_contain_text("resnet50v2/none-seed0")  # Product.model
    expect(page.locator("#similar-list .card")).to_have_count(10)
    _similar_cards_loaded(page)

    widths = page.eval_on_selector_all("#similar-list img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == 10 and all(width > 0 for width in widths)
    scores = _scores(page)
    assert scores == sorted(scores, reverse=True)
    assert all(len(text.split(".")[1]) == 3 for text in page.locator(".score").all_inner_texts())
    page.mouse.move(0, 0)  # no hover outline in the picture
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "page.png")


def test_more_appends_the_next_page(page: Page, embedded: Catalogue) -> None:
    page.click("#random")  # a sample has no next page; browsing all products has
    expect(page.locator("#results .card")).to_have_count(24)
    expect(page.locator("#more")).to_be_hidden()
    page.press("#q", "Enter")
    total = len(embedded.articles)
    expect(page.locator("#results-count")).to_have_text(f"24 of {total}")
    page.click("#more")
    expect(page.locator("#results-count")).to_have_text(f"48 of {total}")
    codes = page.eval_on_selector_all("#results .card", "cards => cards.map(c => c.dataset.code)")
    assert codes == sorted(embedded.articles)[:48]


def test_same_department_toggle_shows_only_the_products_department(
    page: Page, embedded: Catalogue
) -> None:
    code = _crowded(embedded)
    department = embedded.articles[code]["department_name"]
    _open(page, code)
    page.check("#same-department")
    expect(page.locator("#similar-title")).to_have_text(f"Most similar in {department}")
    _similar_cards_loaded(page)

    cards = page.locator("#similar-list .card")
    expect(cards.first).to_be_visible()
    numbers = {cards.nth(i).get_attribute("data-department") for i in range(cards.count())}
    assert numbers == {str(embedded.department(code))}
    assert set(page.locator("#similar-list .department").all_inner_texts()) == {department}
    scores = _scores(page)
    assert scores == sorted(scores, reverse=True)


def test_a_product_without_image_shows_its_placeholder(page: Page, embedded: Catalogue) -> None:
    code = next(c for c in sorted(embedded.articles) if c not in embedded.with_image)
    _open(page, code)
    expect(page.locator("#hero .placeholder")).to_be_visible()
    expect(page.locator("#hero img")).to_have_count(0)
    expect(page.locator(f'#results .card[data-code="{code}"] .placeholder')).to_be_visible()
    expect(page.locator("#similar-note")).to_be_visible()
    broken = page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => i.complete && i.naturalWidth === 0).length"
    )
    assert broken == 0


def test_uploading_a_photo_finds_that_product_first(page: Page, embedded: Catalogue) -> None:
    code = embedded.with_image[0]
    page.set_input_files("#photo", embedded.root / "images" / code[:3] / f"{code}.jpg")
    expect(page.locator("#name")).to_have_text("Your photo")
    expect(page.locator("#similar-list .card").first).to_be_visible()
    _similar_cards_loaded(page)
    assert page.locator("#similar-list .card").first.get_attribute("data-code") == code
    scores = _scores(page)
    assert scores == sorted(scores, reverse=True)


def test_a_graphql_error_shows_its_code_in_the_status_line(page: Page, tmp_path: Path) -> None:
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("not a photo")
    page.set_input_files("#photo", not_an_image)
    expect(page.locator("#status.error")).to_contain_text("NOT_AN_IMAGE")


def test_a_running_job_shows_its_progress(
    page: Page, embedded: Catalogue, sync_shards: SyncShards
) -> None:
    release = threading.Event()

    def work(shards: SyncShards, params: dict[str, object], progress: Progress) -> str:
        progress.set_total(10)
        progress.advance(processed=4)
        release.wait(60)
        return "released"

    params = {"codes": None, "onlyMissing": True}
    job = threading.Thread(target=run_in_foreground, args=(sync_shards, embed.KIND, params, work))
    job.start()
    try:
        expect(page.locator('#jobs .job[data-status="RUNNING"]')).to_contain_text("4 / 10")
    finally:
        release.set()
        job.join(30)
    expect(page.locator("#jobs .job")).to_have_count(0)
