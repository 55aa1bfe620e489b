"""What judging a fetched page (article or listing) costs the crawl process, and its verdicts.

    python benchmarks/pagetype.py [--pages 100]

Runs ``crawler.analysis.pagetype.page_kind`` on the generated article pages of benchmarks/crawl.py
(about 33 kB in portal furniture, 173 links, 38 of them to articles: the worst case for
the judgment, which looks at every link) and ``crawler.analysis.extract.extract_page`` on the same
pages, one after the other in this process (CPU time, median); then prints the verdict on
each listing and article shape of tests/sites/pagetype. The judgment runs in the crawl
process for every page fetched as an article; extraction runs in the worker processes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from crawl import Site  # noqa: E402
from parsel import Selector  # noqa: E402

from crawler.analysis.extract import extract_page  # noqa: E402
from crawler.analysis.pagetype import page_kind  # noqa: E402

SHAPES = {
    "liferay_category": "https://tinh.gov.vn/web/portal/kinh-te",
    "nukeviet_category": "https://sokhcn.tinh.gov.vn/news/chuyen-doi-so/",
    "wordpress_category": "https://baotinh.vn/category/chuyen-doi-so/",
    "aspnet_catid": "https://huyen.gov.vn/TinTuc.aspx?CatID=3",
    "article_related": "https://baotinh.vn/chuyen-doi-so/tinh-dua-ioc-vao-van-hanh-post412000.html",
    "article_short": "https://tinh.gov.vn/thong-bao/tam-dung-dich-vu-cong-5102.html",
}


def cpu_ms(started: float) -> float:
    return (time.process_time() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=100)
    args = parser.parse_args()
    site = Site(3, args.pages, furniture=True)
    base = "http://127.0.0.1:8000"
    pages = [(base + site.article_path(k), site.article_html(k)) for k in range(args.pages)]
    parse, judge, extract, kinds = [], [], [], {"article": 0, "listing": 0}
    for url, html in pages:
        started = time.process_time()
        sel = Selector(text=html)
        parse.append(cpu_ms(started))
        started = time.process_time()
        verdict = page_kind(sel, url)
        judge.append(cpu_ms(started))
        kinds[verdict.kind] += 1
    for url, html in pages[:40]:
        started = time.process_time()
        extract_page(html, url)
        extract.append(cpu_ms(started))
    print(f"{len(pages)} generated article pages ({len(pages[0][1]) // 1000} kB, furniture): "
          f"page_kind {statistics.median(judge):.2f} ms (first, caches cold: {judge[0]:.1f} ms), "
          f"parse {statistics.median(parse):.2f} ms, extract_page "
          f"{statistics.median(extract):.2f} ms (median CPU per page); verdicts {kinds}")
    for name, url in SHAPES.items():
        html = (ROOT / "tests" / "sites" / "pagetype" / f"{name}.html").read_text("utf-8")
        print(f"  {name:<20} {page_kind(html, url).reason}")


if __name__ == "__main__":
    main()
