"""Scrapy settings and provwatch's application defaults, in one place.

``scrapy crawl provwatch`` reads this module through scrapy.cfg; the provwatch CLI starts
from the same settings and overrides only what its options say. Every ``PROVWATCH_*``
setting below is the single definition of that default.
"""

BOT_NAME = "provwatch"
SPIDER_MODULES = ["spiders.source_spider"]
NEWSPIDER_MODULE = "spiders"

# -- politeness ----------------------------------------------------------------------------
USER_AGENT = "provwatch/0.1 (+https://github.com/provwatch/provwatch; news monitoring bot)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 0.5
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response's output; an article page
# yields one item and a listing a few dozen requests, so the default 100 only costs
# (about 100 task creations per article page in the profile; no throughput change measured)
CONCURRENT_ITEMS = 8
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 20
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control extension: an HTTP server running Python code sent to it, its
# bearer token in a job file under the user's state directory (left behind by a killed
# crawl). Nothing here uses it; off like the telnet console.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
DOWNLOAD_VERIFY_CERTIFICATES = True    # sources opt out one by one with insecure_tls = true
# http(s) only: a file:, ftp:, s3: or data: address in a feed or a redirect is not fetched
DOWNLOAD_HANDLERS = {"https": "crawler.crawl.tls.VerifyingHTTPSDownloadHandler",
                     "file": None, "ftp": None, "s3": None, "data": None}
# the address crawler.crawl.netguard checked is the one connected to (no second DNS answer)
TWISTED_DNS_RESOLVER = "crawler.crawl.netguard.PinnedResolver"
FEED_EXPORT_ENCODING = "utf-8"

# -- components ----------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    "crawler.crawl.netguard.PrivateNetworkGuard": 50,          # before robots.txt (100)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.crawl.middlewares.BackoffRetryMiddleware": 550,   # Scrapy's retry, with backoff
    "crawler.crawl.middlewares.IncrementalMiddleware": 650,
}
ITEM_PIPELINES = {
    "crawler.crawl.pipelines.ExtractPipeline": 100,
    "crawler.crawl.pipelines.ClassifyPipeline": 200,
    "crawler.crawl.pipelines.StorePipeline": 300,
}
EXTENSIONS = {
    "crawler.run.runrecord.RunRecorder": 500,
    "crawler.crawl.progress.Progress": 510,
}

# -- provwatch -----------------------------------------------------------------------------
PROVWATCH_DB = "provwatch.db"          # SQLite file, relative to the working directory
PROVWATCH_SOURCES = None               # sources TOML; None = the bundled list
PROVWATCH_TOPICS = None                # topics TOML; None = the bundled DX topic
PROVWATCH_RUN_ID = 0                   # set by the CLI; 0 = create a run row
PROVWATCH_MAX_PAGES = 3                # listing pages followed per listing (pagination bound)
PROVWATCH_MAX_SECTIONS = 10            # news sections read from a home page, and listings of
                                       # earlier runs read again, per source and run; 0 = none
PROVWATCH_PAGE_BUDGET = 300            # requests per source per run
PROVWATCH_RECHECK_DAYS = 3             # known articles this recent are re-checked (304s)
PROVWATCH_STOP_AT_KNOWN_LISTING = True # stop paginating at a page whose links are all stored
                                       # and older than the recheck window
PROVWATCH_MAX_SITEMAPS = 10            # child sitemaps read per index (newest/news first)
PROVWATCH_SITEMAP_DEPTH = 2            # sitemap index nesting followed (deeper is a trap)
PROVWATCH_RETRY_BACKOFF = 2.0          # seconds before the first retry, doubling each time
PROVWATCH_RETRY_BACKOFF_MAX = 60.0     # longest pause before a retry (also caps Retry-After)
PROVWATCH_MIN_TEXT_CHARS = 80          # shorter extracted text is reported, not stored
PROVWATCH_WORKERS = "auto"             # analysis processes: "auto" = cores - 1 (1 to 4);
                                       # 0 = analyse in this process (see next setting)
PROVWATCH_KEEP_PAGES = True            # keep each article's last page, compressed (~1/5),
                                       # for `provwatch reanalyse` without refetching
PROVWATCH_COMMIT_EVERY = 200           # article writes per commit (1 = commit each one)
PROVWATCH_COMMIT_SECONDS = 2.0         # ... and at least this often; a kill loses at most
                                       # this group, which the next run fetches again
PROVWATCH_ANALYSIS_TIMEOUT = 60.0      # seconds a worker may spend on one page (0 = none)
PROVWATCH_EXTRACT_IN_THREAD = True     # without workers: extract and classify in a thread
PROVWATCH_ALERT_MAX_AGE_DAYS = 14      # queued alerts older than this are not sent
PROVWATCH_TELEGRAM_API = None          # Telegram Bot API base URL; None = api.telegram.org
PROVWATCH_MAX_ATTEMPTS = 5             # tries before an alert is given up for a target (0 = never)
PROVWATCH_NOTIFY_TIMEOUT = 30.0        # seconds to wait for a notification service's answer
PROVWATCH_HEALTH_STREAK = 3            # bad runs in a row before a source health alert
PROVWATCH_PROGRESS = False             # per-source progress lines (the CLI sets it on a TTY)
PROVWATCH_PROGRESS_INTERVAL = 5.0      # seconds between progress lines
PROVWATCH_ALLOW_PRIVATE = False        # True: any source may reach loopback/private/
                                       # link-local addresses (per source: allow_private)
PROVWATCH_FETCH_TIMEOUT = 30.0         # seconds for a whole single fetch (extract URL,
                                       # sources check, explain URL), redirects included
                                       # (0 = none)
