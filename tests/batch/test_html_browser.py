"""The HTML report in a real browser: headless Chromium opens it from disk.

Needs Playwright for Python (the `dev` extra) and Debian's `chromium` at /usr/bin/chromium
(`.ci/run` installs it); skipped with the reason where either is absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dedup.batch.html_report import write_html
from dedup.batch.pipeline import scan

from ..browser import CHROMIUM, FLAGS
from ..conftest import SAMPLES
from .test_html_report import hostile_result


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is absent (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Visit:
    """A page opened from disk that records every request and every console error."""

    def __init__(self, browser: Any, report: Path) -> None:
        self.report = report
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        self.page.goto(report.as_uri())

    def open_cluster(self, cluster_id: int) -> None:
        self.page.evaluate(f"location.hash = '#cluster-{cluster_id}'")
        self.page.wait_for_selector(f"#cluster h2:text('Cluster {cluster_id}:')")

    def left_the_page(self) -> list[str]:
        return [url for url in self.requests if url != self.report.as_uri()]


@pytest.fixture(scope="module")
def samples_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = tmp_path_factory.mktemp("report") / "report.html"
    write_html(scan([SAMPLES], jobs=1), report)
    return report


def test_every_cluster_of_the_samples_renders_with_its_differences(
    browser: Any, samples_report: Path, tmp_path: Path
) -> None:
    visit = Visit(browser, samples_report)
    listed = visit.page.locator("#clusters tbody a").all_inner_texts()
    assert len(listed) == 3 and listed[0].startswith("江州市发布充电基础设施")
    for cluster_id, members in ((1, 4), (2, 3), (3, 3)):
        visit.open_cluster(cluster_id)
        assert visit.page.locator("#cluster table.members tbody tr").count() == members
        assert visit.page.locator("#cluster svg.timeline circle").count() == members
        assert visit.page.locator("#cluster details.pair").count() == members - 1
        assert visit.page.locator("#cluster .sides").count() == members - 1
    visit.open_cluster(1)
    # The truncated company copy: its missing half is marked in the original's column.
    truncated = visit.page.locator("#pair-3 .side.original .only-original")
    assert truncated.count() >= 1 and "僵尸桩" in truncated.first.inner_text()
    # The Traditional copy is shown in its own script, with nothing marked as changed.
    traditional = visit.page.locator("#pair-1 .side.copy")
    assert "發佈" in traditional.inner_text()
    assert visit.page.locator("#pair-1 .only-copy, #pair-1 .only-original").count() == 0
    # Each side reads exactly as its page's body: the copy rebuilt from its respelling.
    members = scan([SAMPLES], jobs=1).clusters[0].members
    for number in (1, 2, 3):
        copy_side = visit.page.locator(f"#pair-{number} .side.copy").evaluate(
            "side => Array.from(side.childNodes).slice(1).map(n => n.textContent).join('')"
        )
        assert copy_side == members[number].document.body
    visit.page.screenshot(path=str(tmp_path / "cluster-1.png"), full_page=True)
    assert (tmp_path / "cluster-1.png").stat().st_size > 10_000
    assert visit.left_the_page() == [] and visit.errors == []


def test_search_and_filters_narrow_the_list(browser: Any, samples_report: Path) -> None:
    visit = Visit(browser, samples_report)
    rows = visit.page.locator("#clusters tbody tr")
    visit.page.fill("#search", "春茶")
    assert rows.count() == 1 and "云岭省春茶" in rows.first.inner_text()
    visit.page.fill("#search", "")
    visit.page.select_option("#relation-filter", "partial")
    assert rows.count() == 1 and "江州市" in rows.first.inner_text()
    visit.page.select_option("#relation-filter", "")
    visit.page.select_option("#site-filter", label="产经新闻网")
    assert rows.count() == 2
    assert visit.errors == []


def test_hostile_page_text_shows_as_text_and_never_runs(browser: Any, tmp_path: Path) -> None:
    report = tmp_path / "hostile.html"
    write_html(hostile_result(), report)
    visit = Visit(browser, report)
    visit.open_cluster(1)
    assert visit.page.evaluate("window.__pwned") is None
    assert "<script>window.__pwned = 1</script>" in visit.page.locator("#cluster h2").inner_text()
    # A javascript: address is shown as a path, never made a link.
    assert visit.page.locator("#cluster a[href^='javascript']").count() == 0
    assert sorted(visit.page.locator("#pair-1 mark.num").all_inner_texts()) == ["5"] * 3 + ["6"] * 3
    visit.page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    assert visit.left_the_page() == [] and visit.errors == []


def test_a_cluster_named_in_the_address_opens_and_back_returns_to_the_list(
    browser: Any, samples_report: Path
) -> None:
    page = browser.new_page()
    page.goto(samples_report.as_uri() + "#cluster-2")
    page.wait_for_selector("#cluster h2:text('Cluster 2:')")
    assert page.locator("#overview").is_hidden()
    page.click("#cluster a.back")
    page.wait_for_selector("#overview", state="visible")
    assert page.locator("#cluster").is_hidden()
    assert page.locator("#clusters tbody tr").count() == 3
