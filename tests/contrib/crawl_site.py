"""A real Scrapy crawl of a site, run in its own process by the pipeline's tests.

    python crawl_site.py START_URL OUT_DIR SETTINGS_JSON

Follows every link of the start page, yields ``{"url": ..., "body": response.body}`` for
each page (its bytes: dedup decodes them as the scan does), and writes to OUT_DIR what
came out: ``items.jsonl`` (items passed on), ``dropped.jsonl`` (items dropped, with the
reason) and ``stats.json`` (the crawl's dedup stats and its elapsed time).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response


class SiteSpider(scrapy.Spider):
    name = "site"

    def parse(self, response: Response) -> Iterator[Any]:
        yield from response.follow_all(css="a", callback=self.parse_page)

    def parse_page(self, response: Response) -> Iterator[dict[str, object]]:
        yield {"url": response.url, "body": response.body}


def main(start: str, out: Path, settings: dict[str, Any]) -> None:
    passed: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    process = CrawlerProcess({"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, **settings})
    crawler = process.create_crawler(SiteSpider)

    def on_scraped(item: dict[str, Any]) -> None:
        passed.append({key: value for key, value in item.items() if key != "body"})

    def on_dropped(item: dict[str, Any], exception: BaseException) -> None:
        dropped.append({"url": item["url"], "reason": str(exception)})

    crawler.signals.connect(on_scraped, signal=signals.item_scraped)
    crawler.signals.connect(on_dropped, signal=signals.item_dropped)
    process.crawl(crawler, start_urls=[start])
    process.start()
    stats = {
        key: value
        for key, value in crawler.stats.get_stats().items()
        if key.startswith("dedup/") or key == "elapsed_time_seconds"
    }
    (out / "items.jsonl").write_text("".join(json.dumps(row) + "\n" for row in passed))
    (out / "dropped.jsonl").write_text("".join(json.dumps(row) + "\n" for row in dropped))
    (out / "stats.json").write_text(json.dumps(stats))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3]))
