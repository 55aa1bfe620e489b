"""Crawl throughput and politeness on a generated local network of portals.

    python benchmarks/crawl.py [--sites 20] [--articles 100]

Starts N sites on 127.0.0.1 (listing pages with pagination, an RSS feed, a sitemap announced
in robots.txt, calendar/search traps, articles with visitor counters), then measures on the
same pages, with the same concurrency settings:

* provwatch cold run (`provwatch crawl`: discovery, extraction, classification, dedup, store)
* provwatch unchanged re-run (known articles are not fetched; recheck window 0 days)
* baseline A: a bare Scrapy spider that only downloads the listing and article pages
* baseline B: the same spider running trafilatura.extract on each article in its callback
* baseline C: the same with trafilatura.extract(fast=True), which is what provwatch's own
  extraction calls after it has removed furniture: B vs C shows how much of provwatch's lead
  comes from extracting more cheaply and how much from extracting off the reactor

Article pages are wrapped in portal furniture (menus, related/latest-news blocks, comment and
rating forms, counters, footer, scripts; about 35 kB) because that is what real portals serve:
on them trafilatura.extract costs ~30 ms a page (~8 ms with fast=True), the order of cost the
issue describes; ``--no-furniture`` serves bare 3.5 kB pages (~1.5 ms) instead. The first
line printed is the measured extraction cost per page.

For each: requests made vs the minimum needed, article pages per second, peak memory (RSS
of the largest process, and for provwatch also summed over its CLI, crawl and worker
processes), and provwatch's pages/s as a ratio to each baseline. The issue's targets are
measured with ``--sites 50 --articles 200`` (10,000 articles).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from localsite import LocalSite, Page  # noqa: E402

PER_PAGE = 10
WORDS = ("ủy ban nhân dân tỉnh triển khai kế hoạch chuyển đổi số phát triển chính quyền số "
         "kinh tế số xã hội số dịch vụ công trực tuyến toàn trình được mở rộng tới các xã "
         "phường thị trấn nông dân hợp tác xã sản phẩm OCOP du lịch cộng đồng hạ tầng giao "
         "thông trường học bệnh viện đoàn viên thanh niên hội nghị tổng kết năm học mới "
         "thanh toán không dùng tiền mặt nền tảng số dữ liệu dân cư Đề án 06 định danh điện tử "
         "mùa vụ lúa cây ăn quả lũ lụt phòng chống thiên tai an ninh trật tự biên giới lễ hội "
         "văn hóa thể thao bóng đá giải chạy đầu tư doanh nghiệp khu công nghiệp việc làm").split()


def article_text(site: int, k: int, paragraphs: int = 6) -> list[str]:
    """Distinct pseudo-Vietnamese paragraphs (seeded): real portals do not publish 1000
    near-copies of one text, and near-duplicate detection would pay for it if they did."""
    rng = random.Random(site * 100_003 + k)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(60, 110))).capitalize() + "."
            for _ in range(paragraphs)]


SECTIONS = ("Tin tức - Sự kiện", "Chính trị", "Kinh tế", "Xã hội", "Văn hóa - Du lịch",
            "Giáo dục", "Y tế", "Quốc phòng - An ninh", "Thông tin chỉ đạo điều hành",
            "Văn bản pháp luật", "Dịch vụ công", "Hỏi đáp", "Thống kê", "Doanh nghiệp")


def portal_furniture(site: int, k: int, article_path: Callable[[int], str]
                     ) -> tuple[str, str]:
    """What a real portal wraps an article in (see ../shared/seeds): a mega menu, breadcrumbs,
    a share bar, rating and comment forms, related and latest-news blocks linking to the
    site's other articles, a visitor counter, a footer, scripts and styles. Returned as
    (before the article, after it). Without it a generated page is a tenth of the size and
    trafilatura needs ~1.5 ms on it; with it ~30 ms (~8 ms with fast=True)."""
    rng = random.Random(site * 7_919 + k)
    menu = "".join(
        f"<li class='menu-item'><a href='/chuyen-muc/{i}'>{name}</a><ul class='sub-menu'>"
        + "".join(f"<li><a href='/chuyen-muc/{i}/{j}'>{name} {j}</a></li>" for j in range(8))
        + "</ul></li>" for i, name in enumerate(SECTIONS))
    style = "<style>" + "".join(
        f".blk-{i}{{margin:{i}px;padding:{i % 7}px;color:#{i * 4099 % 16**6:06x}}}"
        for i in range(120)) + "</style>"
    script = ("<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
              "arguments)}gtag('js',new Date());gtag('config','G-XXXX');" + "".join(
                  f"var w{i}=document.getElementById('w{i}');" for i in range(80)) + "</script>")
    header = (f"<div id='top'><div class='logo'><a href='/'><img src='/logo.png' "
              f"alt='Cổng thông tin điện tử tỉnh {site}'></a></div><div class='search'><form "
              "action='/tim-kiem'><input name='q' placeholder='Tìm kiếm'><button>Tìm</button>"
              f"</form></div><nav><ul class='menu'>{menu}</ul></nav></div>"
              "<div class='breadcrumb'><a href='/'>Trang chủ</a> » <a href='/tin'>Tin tức - "
              "Sự kiện</a></div><div class='share'><a href='#'>Chia sẻ Facebook</a> <a "
              "href='#'>Zalo</a> <a href='#'>In bài</a> <a href='#'>Gửi email</a> Cỡ chữ: "
              "<a href='#'>A-</a> <a href='#'>A+</a></div>")

    def teasers(title: str, count: int) -> str:
        others = [rng.randrange(10_000) for _ in range(count)]
        return (f"<div class='box'><h3>{title}</h3><ul>" + "".join(
            f"<li><a href='{article_path(o)}'><img src='/thumb/{o}.jpg'>"
            f"{' '.join(rng.choice(WORDS) for _ in range(14)).capitalize()}</a>"
            f"<span class='date'>({rng.randint(1, 28):02d}/0{rng.randint(1, 9)}/2024)</span>"
            f"<p>{' '.join(rng.choice(WORDS) for _ in range(25))}</p></li>"
            for o in others) + "</ul></div>")

    footer = ("<div class='rating'>Đánh giá bài viết: " + "".join(
        f"<input type='radio' name='r' value='{i}'>{i}" for i in range(1, 6))
        + "</div><div class='comment'><h3>Ý kiến bạn đọc</h3><form><input name='name' "
        "placeholder='Họ và tên'><input name='email' placeholder='Email'><textarea "
        "name='body'></textarea><button>Gửi ý kiến</button></form></div>"
        + teasers("Tin liên quan", 8) + teasers("Tin cùng chuyên mục", 10)
        + teasers("Tin mới nhất", 12) + teasers("Xem nhiều", 8)
        + f"<div class='counter'>Thống kê truy cập<br>Đang truy cập: {k % 97}<br>Hôm nay: "
        f"{k * 7}<br>Tổng lượt truy cập: {k * 7919}</div><div id='footer'><p>Cơ quan chủ "
        f"quản: Ủy ban nhân dân tỉnh {site}</p><p>Địa chỉ: số {site} đường Lê Lợi, điện thoại:"
        " 0234 382 2222, email: banbientap@portal.gov.vn</p><p>Giấy phép số 45/GP-TTĐT do Cục "
        "Phát thanh, truyền hình và thông tin điện tử cấp</p><p>Ghi rõ nguồn khi phát hành "
        "lại thông tin từ cổng thông tin điện tử này</p></div>" + script)
    return style + header, footer


class Site:
    """One generated portal on its own loopback address (LocalSite also answers 304s):
    /tin?page=N listings, /tin/bai-K-<id>.html articles, a feed, a sitemap, traps."""

    def __init__(self, index: int, articles: int, furniture: bool = True) -> None:
        self.index = index
        self.articles = articles
        self.furniture = furniture
        self.server = LocalSite(f"127.0.{1 + index // 250}.{2 + index % 250}")
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
            routes[self.article_path(k)] = Page(self.article_html(k))
        return routes

    def article_html(self, k: int) -> str:
        paras = "".join(f"<p>{text}</p>" for text in article_text(self.index, k))
        before, after = (portal_furniture(self.index, k, self.article_path) if self.furniture
                         else ("", f"<div class='counter'>Thống kê truy cập<br>Hôm nay: {k * 7}"
                                   "</div>"))
        return (f"<html><head><title>Bài {k}: tỉnh {self.index} đẩy mạnh chuyển đổi số</title>"
                f"</head><body>{before}<h1>Bài {k}: tỉnh {self.index} đẩy mạnh chuyển đổi số"
                f"</h1><div class='date'>12/03/2024 08:00</div><div class='content'>{paras}"
                f"</div>{after}</body></html>")

    def minimum(self) -> int:
        """robots + every listing page + every article once."""
        return 1 + self.pages + self.articles


SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 32,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "RETRY_TIMES": 0, "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False}

BASELINE = r"""
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
bases, mode, settings = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
if mode.startswith("extract"):
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
        elif mode == "extract-fast":
            trafilatura.extract(response.text, url=response.url, fast=True)

process = CrawlerProcess({**settings, "ROBOTSTXT_OBEY": True})
crawler = process.create_crawler(Bare)
process.crawl(crawler)
process.start()
print(json.dumps({"seconds": crawler.stats.get_value("elapsed_time_seconds"),
                  "articles": count["articles"]}))
"""


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rindex(")") + 2:].split()[1])
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB: its resident memory now and at its peak."""
    found = {"VmRSS:": 0.0, "VmHWM:": 0.0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key = line.split(":", 1)[0] + ":"
            if key in found:
                found[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found["VmRSS:"], found["VmHWM:"]


class TreeMemory:
    """Memory of a process and all its descendants (the CLI, the crawl process, its analysis
    workers, multiprocessing's tracker), sampled every 0.1 s: the peak of their summed RSS,
    and the largest peak (VmHWM, kept by the kernel between samples) of any one of them.

    Not getrusage's ru_maxrss: a child forked from this benchmark counts this process's
    memory (all the generated pages) until it execs, which made every child look as large
    as the benchmark itself."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self.largest = 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.done.wait(0.1):
            tree = [_memory_mb(p) for p in _process_tree(self.pid)]
            self.peak = max(self.peak, sum(rss for rss, _ in tree))
            self.largest = max([self.largest, *(hwm for _, hwm in tree)])

    def stop(self) -> tuple[float, float]:
        self.done.set()
        self.thread.join()
        return self.largest, self.peak


def run_child(args: list[str], env: dict[str, str] | None = None
              ) -> tuple[str, float, float]:
    """Run a child to completion: its stdout, the peak RSS in MB of its largest process,
    and the peak of the summed RSS of its whole process tree (both sampled, see TreeMemory)."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        tree = TreeMemory(proc.pid)
        proc.wait()
        largest, tree_peak = tree.stop()
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise SystemExit(f"{args[1]} failed with exit code {proc.returncode}:\n{text[-3000:]}")
    return text, largest, tree_peak


def run_baseline(sites: list[Site], mode: str) -> dict[str, float]:
    for s in sites:
        s.requests.clear()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(BASELINE)  # Scrapy reads callbacks' source: "python -c" has none
    try:
        out, rss, tree = run_child([sys.executable, script.name,
                                    json.dumps([s.base for s in sites]), mode,
                                    json.dumps(SETTINGS)])
    finally:
        os.unlink(script.name)
    result = json.loads(out.strip().splitlines()[-1])
    result["requests"] = sum(len(s.requests) for s in sites)
    result["rss_mb"] = rss
    result["tree_mb"] = tree
    return result


def run_provwatch(sites: list[Site], db: Path, sources: Path, recheck_days: float,
                  workers: str = "auto") -> dict[str, float]:
    for s in sites:
        s.requests.clear()
    overrides = [arg for k, v in {**SETTINGS, "PROVWATCH_MAX_PAGES": 1000,
                                  "PROVWATCH_PAGE_BUDGET": 100000,
                                  "PROVWATCH_RECHECK_DAYS": recheck_days,
                                  "PROVWATCH_WORKERS": workers}.items()
                 for arg in ("-s", f"{k}={json.dumps(v)}")]
    _, rss, tree = run_child([sys.executable, "-c", "from cli import main; main()", "-q",
                              "--db", str(db), *overrides, "crawl", "--sources", str(sources)],
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    with sqlite3.connect(db) as conn:
        summary = json.loads(conn.execute(
            "SELECT summary FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0])
        stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    requests = [(p, h) for s in sites for _, p, h in s.requests]
    return {"seconds": summary["crawl_seconds"], "requests": len(requests), "rss_mb": rss,
            "tree_mb": tree,
            "stored": stored,
            "conditional": sum(1 for p, h in requests if "If-None-Match" in h),
            "article_bodies": sum(1 for p, h in requests
                                  if "/bai-" in p and "If-None-Match" not in h)}


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median time, with the range of times of all runs."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["fastest"], chosen["slowest"] = ordered[0]["seconds"], ordered[-1]["seconds"]
    chosen["runs"] = len(runs)
    return chosen


def calibration(site: Site, sample: int = 20) -> str:
    """What one generated article page costs to extract, so that the ratios can be read."""
    import statistics

    import trafilatura

    from crawler.analysis.extract import extract_page

    pages = [site.article_html(k) for k in range(min(sample, site.articles))]
    costs: dict[str, list[float]] = {"default": [], "fast": [], "provwatch": []}
    runs: dict[str, Callable[[str], object]] = {
        "default": trafilatura.extract,
        "fast": lambda page: trafilatura.extract(page, fast=True),
        "provwatch": lambda page: extract_page(page, site.base + "/a")}
    for page in pages:
        for name, run in runs.items():
            began = time.perf_counter()
            run(page)
            costs[name].append((time.perf_counter() - began) * 1000)
    size = statistics.mean(len(page.encode()) for page in pages) / 1024
    return (f"article pages: {size:.0f} kB; extraction per page (median of {len(pages)}): "
            f"trafilatura.extract {statistics.median(costs['default']):.1f} ms, with fast=True "
            f"{statistics.median(costs['fast']):.1f} ms, provwatch extract_page "
            f"{statistics.median(costs['provwatch']):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--workers", default="auto",
                        help="PROVWATCH_WORKERS for the provwatch runs (default: auto)")
    parser.add_argument("--no-furniture", action="store_true",
                        help="bare article pages (3.5 kB, trafilatura ~1.5 ms) instead of "
                             "pages wrapped in portal furniture (~35 kB, as real portals)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="cold runs of the four crawlers, interleaved; medians reported")
    args = parser.parse_args()
    started = time.perf_counter()
    sites = [Site(i, args.articles, furniture=not args.no_furniture) for i in range(args.sites)]
    total = args.sites * args.articles
    minimum = sum(s.minimum() for s in sites)
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text("".join(
            f'[[sources]]\nid = "site{s.index}"\nname = "Site {s.index}"\n'
            f'province = "Huế"\nurl = "{s.base}/tin"\n\n' for s in sites), encoding="utf-8")
        db = Path(tmp) / "bench.db"
        # interleaved, so that a slow spell of the machine hits all four alike
        bares, naives, fasts, colds = [], [], [], []
        for attempt in range(args.repeat):
            bares.append(run_baseline(sites, "download"))
            naives.append(run_baseline(sites, "extract"))
            fasts.append(run_baseline(sites, "extract-fast"))
            if attempt:
                db.unlink()
                for suffix in ("-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
            colds.append(run_provwatch(sites, db, sources, recheck_days=3,
                                       workers=args.workers))
        bare, naive, fast, cold = (median_run(runs) for runs in (bares, naives, fasts, colds))
        # every article was first seen minutes ago: all are inside the 3-day recheck window,
        # so the re-run re-checks each one with a conditional GET (the worst case)
        recheck = run_provwatch(sites, db, sources, recheck_days=3, workers=args.workers)
        # articles older than the window are not requested at all
        rerun = run_provwatch(sites, db, sources, recheck_days=0, workers=args.workers)
    # to see new articles a run needs robots.txt, the first listing page, the feed and the
    # sitemap of each site; to see edits, one conditional GET per article in the window
    rerun_min = 4 * len(sites)
    recheck_min = rerun_min + total

    def rate(result: dict[str, float]) -> float:
        return total / result["seconds"]

    def spread(result: dict[str, float]) -> str:
        if result.get("runs", 1) < 2:
            return ""
        return (f" (median of {result['runs']:.0f}: {total / result['slowest']:.1f}-"
                f"{total / result['fastest']:.1f})")

    print(f"network: {args.sites} sites (each on its own 127.0.0.N) x {args.articles} articles "
          f"= {total} articles; cold minimum {minimum} requests (robots + listings + articles)")
    print(f"settings: {json.dumps(SETTINGS)}")
    print(calibration(sites[0]))
    print(f"baseline A (download only):      {bare['articles']} articles, {bare['requests']} "
          f"requests, {rate(bare):.1f} pages/s{spread(bare)}, peak RSS {bare['rss_mb']:.0f} MB")
    print(f"baseline B (inline trafilatura): {naive['articles']} articles, {naive['requests']} "
          f"requests, {rate(naive):.1f} pages/s{spread(naive)}, peak RSS {naive['rss_mb']:.0f} MB")
    print(f"baseline C (inline trafilatura, fast=True, its fallbacks off): {fast['articles']} "
          f"articles, {rate(fast):.1f} pages/s{spread(fast)}, peak RSS {fast['rss_mb']:.0f} MB")
    print(f"provwatch cold run:              {cold['stored']} stored, {cold['requests']} "
          f"requests ({cold['requests'] / minimum:.2f}x minimum {minimum}), {rate(cold):.1f} "
          f"pages/s{spread(cold)}, peak RSS {cold['rss_mb']:.0f} MB in the largest process, "
          f"{cold['tree_mb']:.0f} MB summed over all its processes (CLI, crawl, workers)")
    print(f"provwatch re-run, all in window: {recheck['requests']} requests "
          f"({recheck['requests'] / recheck_min:.2f}x minimum {recheck_min} = 4/site + one "
          f"conditional GET per article), {recheck['conditional']} conditional, "
          f"{recheck['article_bodies']} article bodies")
    print(f"provwatch re-run, none in window: {rerun['requests']} requests "
          f"({rerun['requests'] / rerun_min:.2f}x minimum {rerun_min} = robots + first listing "
          f"+ feed + sitemap per site), {rerun['article_bodies']} article bodies")
    print(f"ratio provwatch cold / baseline A: {rate(cold) / rate(bare):.2f}")
    print(f"ratio provwatch cold / baseline B: {rate(cold) / rate(naive):.2f}")
    print(f"ratio provwatch cold / baseline C: {rate(cold) / rate(fast):.2f} (provwatch's own "
          "extraction also runs trafilatura with fast=True, after removing furniture itself)")
    print(f"(pages/s = articles / crawl time, process start-up excluded for all; "
          f"benchmark wall time {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
