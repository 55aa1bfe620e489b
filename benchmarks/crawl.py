"""Crawl throughput and politeness on a generated local network of portals.

    python benchmarks/crawl.py [--sites 20] [--articles 100]

Starts N sites on 127.0.0.1 (listing pages with pagination, an RSS feed, a sitemap announced
in robots.txt, calendar/search traps, articles with visitor counters), then measures on the
same pages, with the same concurrency settings:

* provwatch cold run (`provwatch crawl`: discovery, extraction, classification, dedup, store)
* provwatch unchanged re-run (known articles are not fetched; recheck window 0 days)
* baseline A: a bare Scrapy spider that only downloads the listing and article pages
* baseline B: the same spider running trafilatura.extract on each article in its callback

For each: requests made vs the minimum needed, article pages per second, peak memory (RSS
of the crawling process), and provwatch's pages/s as a ratio to each baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.localservers import Page, SiteServer  # noqa: E402

PER_PAGE = 10
BODY = ("Ủy ban nhân dân tỉnh triển khai kế hoạch chuyển đổi số, phát triển chính quyền số, "
        "kinh tế số và xã hội số; dịch vụ công trực tuyến toàn trình được mở rộng tới các xã. ")


class Site:
    """One generated portal on tests.localservers.SiteServer (which also answers 304s):
    /tin?page=N listings, /tin/bai-K-<id>.html articles, a feed, a sitemap, traps."""

    def __init__(self, index: int, articles: int) -> None:
        self.index = index
        self.articles = articles
        self.server = SiteServer().start()
        self.server.routes.update(self.routes())

    @property
    def base(self) -> str:
        return self.server.base

    @property
    def requests(self) -> list[tuple[str, str, dict[str, str]]]:
        return self.server.requests

    @property
    def pages(self) -> int:
        return (self.articles + PER_PAGE - 1) // PER_PAGE

    def article_path(self, k: int) -> str:
        return f"/tin/bai-{k}-tinh-{self.index}-day-manh-chuyen-doi-so-{100000 + k}.html"

    def routes(self) -> dict[str, Page]:
        routes = {
            "/robots.txt": Page("User-agent: *\nDisallow: /noi-bo/\nSitemap: /sitemap.xml\n",
                                content_type="text/plain"),
            "/rss.xml": Page("<?xml version='1.0'?><rss version='2.0'><channel>" + "".join(
                f"<item><title>{k}</title><link>{self.base}{self.article_path(k)}</link></item>"
                for k in range(min(20, self.articles))) + "</channel></rss>",
                content_type="application/rss+xml"),
            "/sitemap.xml": Page(
                "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/"
                "schemas/sitemap/0.9'>" + "".join(
                    f"<url><loc>{self.base}{self.article_path(k)}</loc></url>"
                    for k in range(self.articles)) + "</urlset>",
                content_type="application/xml"),
        }
        for page in range(1, self.pages + 1):
            links = "".join(
                f"<li><a href='{self.article_path(k)}'>Bài {k}: tỉnh {self.index} đẩy mạnh "
                f"chuyển đổi số trong năm</a></li>"
                for k in range((page - 1) * PER_PAGE, min(page * PER_PAGE, self.articles)))
            nxt = f"<a href='/tin?page={page + 1}'>Trang sau</a>" if page < self.pages else ""
            traps = "<a href='/lich/2024/05/'>Lịch</a><a href='/tim-kiem?q=x'>Tìm</a>"
            listing = Page(f"<html><head><link rel='alternate' type='application/rss+xml' "
                           f"href='/rss.xml'></head><body><ul>{links}</ul>{nxt}{traps}"
                           "</body></html>")
            routes[f"/tin?page={page}"] = listing
            if page == 1:
                routes["/tin"] = listing
        for k in range(self.articles):
            paras = "".join(f"<p>Bài {k} của tỉnh {self.index}, đoạn {i}. {BODY * 2}</p>"
                            for i in range(6))
            routes[self.article_path(k)] = Page(
                f"<html><head><title>Bài {k}: tỉnh {self.index} đẩy mạnh chuyển đổi số</title>"
                f"</head><body><h1>Bài {k}: tỉnh {self.index} đẩy mạnh chuyển đổi số</h1>"
                f"<div class='date'>12/03/2024 08:00</div><div class='content'>{paras}</div>"
                f"<div class='counter'>Thống kê truy cập<br>Hôm nay: {k * 7}</div>"
                "</body></html>")
        return routes

    def minimum(self) -> int:
        """robots + every listing page + every article once."""
        return 1 + self.pages + self.articles


SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 32,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "RETRY_TIMES": 0, "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False}

BASELINE = r'''
import json, sys, time
import scrapy
from scrapy.crawler import CrawlerProcess
bases, mode, settings = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
if mode == "extract":
    import trafilatura
count = {"articles": 0}

class Bare(scrapy.Spider):
    name = "bare"
    async def start(self):
        for base in bases:
            yield scrapy.Request(base + "/tin", callback=self.listing)
    def listing(self, response):
        for href in response.css("ul a::attr(href)").getall():
            yield response.follow(href, callback=self.article)
        nxt = response.xpath("//a[contains(., 'Trang sau')]/@href").get()
        if nxt:
            yield response.follow(nxt, callback=self.listing)
    def article(self, response):
        count["articles"] += 1
        if mode == "extract":
            trafilatura.extract(response.text, url=response.url)

start = time.perf_counter()
process = CrawlerProcess({**settings, "ROBOTSTXT_OBEY": True})
process.crawl(Bare)
process.start()
print(json.dumps({"seconds": time.perf_counter() - start, "articles": count["articles"]}))
'''


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_baseline(sites: list[Site], mode: str) -> dict[str, float]:
    for s in sites:
        s.requests.clear()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(BASELINE)  # Scrapy reads callbacks' source: "python -c" has none
    out = subprocess.run([sys.executable, script.name, json.dumps([s.base for s in sites]),
                          mode, json.dumps(SETTINGS)], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    os.unlink(script.name)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["requests"] = sum(len(s.requests) for s in sites)
    return result


def run_provwatch(sites: list[Site], db: Path, sources: Path, recheck_days: float
                  ) -> dict[str, float]:
    for s in sites:
        s.requests.clear()
    overrides = [arg for k, v in {**SETTINGS, "PROVWATCH_MAX_PAGES": 1000,
                                  "PROVWATCH_PAGE_BUDGET": 100000,
                                  "PROVWATCH_RECHECK_DAYS": recheck_days}.items()
                 for arg in ("-s", f"{k}={json.dumps(v)}")]
    subprocess.run([sys.executable, "-c", "from cli import main; main()", "-q", "--db", str(db),
                    *overrides, "crawl", "--sources", str(sources)], check=True, cwd=ROOT,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    with sqlite3.connect(db) as conn:
        summary = json.loads(conn.execute(
            "SELECT summary FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    return {"seconds": summary["crawl_seconds"],
            "requests": sum(len(s.requests) for s in sites),
            "article_bodies": sum(1 for s in sites for _, p, h in s.requests
                                  if "/bai-" in p and "If-None-Match" not in h)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--articles", type=int, default=100)
    args = parser.parse_args()
    sites = [Site(i, args.articles) for i in range(args.sites)]
    total_articles = args.sites * args.articles
    minimum = sum(s.minimum() for s in sites)
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text("".join(
            f'[[sources]]\nid = "site{s.index}"\nname = "Site {s.index}"\n'
            f'province = "Huế"\nurl = "{s.base}/tin"\n\n' for s in sites), encoding="utf-8")
        db = Path(tmp) / "bench.db"
        bare = run_baseline(sites, "download")
        naive = run_baseline(sites, "extract")
        rss_before = peak_rss_mb()
        cold = run_provwatch(sites, db, sources, recheck_days=3)
        rss_cold = peak_rss_mb()
        # a single 304 request per known article would be the polite re-check; with the
        # recheck window at 0 days nothing known is requested at all
        rerun = run_provwatch(sites, db, sources, recheck_days=0)
    rerun_min = sum(1 + s.pages + 2 for s in sites)  # robots, listings, feed, sitemap
    cold_rate = total_articles / cold["seconds"]
    print(f"network: {args.sites} sites x {args.articles} articles = {total_articles} articles, "
          f"{minimum} pages minimum (robots + listings + articles)")
    print(f"baseline A (download only):       {bare['articles']} articles, "
          f"{bare['requests']} requests, {total_articles / bare['seconds']:.1f} pages/s")
    print(f"baseline B (inline trafilatura):  {naive['articles']} articles, "
          f"{naive['requests']} requests, {total_articles / naive['seconds']:.1f} pages/s")
    print(f"provwatch cold run:               {cold['requests']} requests "
          f"({cold['requests'] / minimum:.2f}x minimum {minimum}; feeds and sitemaps add a few), "
          f"{cold_rate:.1f} pages/s (crawl time, process start-up excluded as for baselines), "
          f"peak RSS {max(rss_cold, rss_before):.0f} MB")
    print(f"provwatch unchanged re-run:       {rerun['requests']} requests "
          f"({rerun['requests'] / rerun_min:.2f}x minimum {rerun_min} = robots + listings + "
          f"feed + sitemap), "
          f"{rerun['article_bodies']} article bodies downloaded")
    print(f"ratio provwatch / baseline A: {cold_rate / (total_articles / bare['seconds']):.2f}")
    print(f"ratio provwatch / baseline B: {cold_rate / (total_articles / naive['seconds']):.2f}")


if __name__ == "__main__":
    main()
