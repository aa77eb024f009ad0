"""Settings of the newszone crawler. Every setting we use is here, with a one-line comment.

Our own settings carry the ``NEWSZONE_`` prefix and are documented in the README.
"""

BOT_NAME = "newszone_crawler"  # project name, used in logs and the user agent
SPIDER_MODULES = ["newszone_crawler.spiders"]  # where `scrapy crawl` finds spiders
NEWSPIDER_MODULE = "newszone_crawler.spiders"  # where `scrapy genspider` would put one
COMMANDS_MODULE = "newszone_crawler.commands"  # our `crawl` sets a non-zero exit on a failed run

# --- Politeness towards the real site (runs against loopback override these, see below) -------
# names the project and where to read about it
USER_AGENT = "newszone-crawler/0.1 (+https://github.com/newszone-crawler/newszone-crawler)"
ROBOTSTXT_OBEY = True  # honour the site's robots.txt
CONCURRENT_REQUESTS = 16  # global cap on requests in flight
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # at most two requests in flight to www.mnd.go.kr
DOWNLOAD_DELAY = 1.0  # seconds between requests to one domain (before AutoThrottle adapts it)
AUTOTHROTTLE_ENABLED = True  # adapt the delay to the server's response times
AUTOTHROTTLE_START_DELAY = 1.0  # first delay AutoThrottle uses, seconds
AUTOTHROTTLE_MAX_DELAY = 30.0  # longest delay AutoThrottle may reach, seconds
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # average requests in flight AutoThrottle aims for
DOWNLOAD_TIMEOUT = 60  # seconds before a request is given up (and retried)
RETRY_ENABLED = True  # retry transient failures
RETRY_TIMES = 3  # retries after the first attempt
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]  # statuses worth another try
NEWSZONE_RETRY_AFTER_MAX = 60.0  # longest wait a Retry-After header may ask for, seconds
NEWSZONE_ALLOWED_HOSTS: list[str] = []  # other hosts requests may go to (public addresses only)
NEWSZONE_PROXY = ""  # http(s) proxy URL for every request (empty: the http_proxy/https_proxy variables)
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # bytes; a page (or decompressed body) larger than this is cut off and counted
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024  # bytes; a page larger than this is logged
COOKIES_ENABLED = False  # the board needs no session
TELNETCONSOLE_ENABLED = False  # no open console port on scheduled hosts
REMOTE_CONTROL_ENABLED = False  # no code-running HTTP port (Scrapy 2.19's remote control), no token files

# Settings applied when the crawl targets a loopback address (the demo site, tests, benchmarks):
# no delays, no throttling, more requests in flight.
NEWSZONE_LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "DOWNLOAD_TIMEOUT": 20,
    "NEWSZONE_RETRY_AFTER_MAX": 2.0,
}

# --- What to crawl ------------------------------------------------------------------------------
NEWSZONE_BASE_URL = "https://www.mnd.go.kr"  # site root; the spider's base_url argument wins
NEWSZONE_SITE_ID = "mndEN"  # siteId of the English site
NEWSZONE_BOARDS = {  # board key -> (boardId, menu id, name as the site shows it)
    "recent": {"board_id": "O_47261", "menu_id": "mndEN_020100000000", "name": "Recent News"},
    "photo": {"board_id": "O_47317", "menu_id": "mndEN_020200000000", "name": "Photo News"},
    "press": {"board_id": "I_8576246", "menu_id": "mndEN_020600000000", "name": "Press Release"},
}
NEWSZONE_LISTING_WINDOW = 2  # listing pages of one board in flight at once (read-ahead window)
NEWSZONE_DEMO_ARTICLES = 150  # articles the embedded demo site publishes with -a demo=1

# --- Incremental runs and the archive ----------------------------------------------------------
NEWSZONE_MODE = "incremental"  # default run mode: `incremental` fetches only new and recent articles; `full` everything
NEWSZONE_RECHECK_DAYS = 7  # incremental runs re-fetch articles published in the last N days, to catch edits
NEWSZONE_DB = "output/newszone.sqlite"  # the cumulative SQLite archive (empty: no archive, no incremental state)
NEWSZONE_DB_BATCH = 100  # records written per transaction
NEWSZONE_DB_FLUSH_SECONDS = 0.5  # a partial batch is written after this long: its records wait for the commit
NEWSZONE_DB_BUSY_TIMEOUT = 10.0  # seconds a write waits for another program's lock on the archive before failing

# --- Downstream archiving: attachment files and WARC capture -------------------------------------
NEWSZONE_FILES_ENABLED = True  # download every attachment into FILES_STORE, with sha256 and size
FILES_STORE = "output/files"  # where attachment files are kept, under paths made from a hash
NEWSZONE_FILES_MAXSIZE = 200 * 1024 * 1024  # bytes; a larger attachment is not downloaded (recorded as failed)
NEWSZONE_WARC_ENABLED = True  # write every HTTP response as WARC request/response records
NEWSZONE_WARC_DIR = "output/warc"  # WARC files named by run id, with a CDXJ index each
NEWSZONE_WACZ_PER_RUN = False  # also package each run's WARC files as a WACZ (else: `python -m newszone_crawler wacz`)
NEWSZONE_WARC_MAX_SIZE = 1024 * 1024 * 1024  # bytes; a WARC file rolls over to the next past this
NEWSZONE_MANIFEST_DIR = "output/manifests"  # a manifest per run: every file written, with its sha256

# --- Outputs ------------------------------------------------------------------------------------
# One JSON lines file per run, never overwriting an earlier run's file. Added to FEEDS only when
# the command line names no feed of its own (-o/-O), so `-O file.jsonl` works as usual.
NEWSZONE_JSONL = "output/items/newszone-%(run_id)s.jsonl"  # the run's file (UTC start time)
NEWSZONE_JSONL_OPTIONS = {  # its feed options: new and changed records only, no file when there are none
    "format": "jsonlines", "encoding": "utf8", "overwrite": False, "store_empty": False,
    "item_filter": "newszone_crawler.pipelines.NewOrChanged",
}
FEED_EXPORT_ENCODING = "utf-8"  # keep Korean text readable in the JSON lines
FEED_EXPORT_FIELDS = [  # the record's keys, in record.md's order
    "id", "board_id", "url", "fetched_url", "section", "board", "title", "title_raw",
    "title_truncated", "published", "published_raw", "subtitles", "body", "images", "authors",
    "byline_raw", "copyright", "attachments", "views", "content_hash", "crawled_at", "outcome",
]
FEED_STORE_EMPTY = True  # an -o/-O feed is written even when empty (never left with an older run's lines)

# --- Item pipelines (ordered with gaps; see README "Pipelines") ---------------------------------
ITEM_PIPELINES = {
    "newszone_crawler.pipelines.RecordPipeline": 100,  # health counts, required fields, one record per id
    "newszone_crawler.files.AttachmentFilesPipeline": 350,
    "newszone_crawler.files.PhotoCapturePipeline": 360,
    "newszone_crawler.pipelines.StorePipeline": 400,
    "newszone_crawler.pipelines.NoticesPipeline": 900,
}
NEWSZONE_REQUIRED_FIELDS = ["id", "url", "title", "published", "body"]  # dropped when missing (body: or a photo)

# Extraction health: the share of a run's records (per board) that must carry each field, or
# the run fails (a template change that empties bodies must not pass for a quiet day).
NEWSZONE_HEALTH_THRESHOLDS = {  # field -> {board name or "*": minimum share}
    "title": {"*": 0.99},
    "published": {"*": 0.95},
    "body": {"*": 0.9},  # body text, or photos for a photo post
    "authors": {"Recent News": 0.6},  # roughly one Recent News article in ten lacks a byline
    "copyright": {"Recent News": 0.6},
}
NEWSZONE_HEALTH_MIN_RECORDS = 10  # boards with fewer records in a run are not judged

# --- Extensions ---------------------------------------------------------------------------------
EXTENSIONS = {
    "newszone_crawler.ledger.RunLedger": 490,  # every requested article ends stored, settled or failed
    "newszone_crawler.extensions.RunSummary": 500,  # end-of-run summary and exit status
    "newszone_crawler.extensions.RunManifest": 510,  # every file the run wrote, with sha256
    "newszone_crawler.extensions.JsonLinesRepair": 520,  # mend a half line a killed run left
    "scrapy.extensions.logstats.LogStats": None,  # replaced by the next one
    "newszone_crawler.progress.CrawlProgress": 0,  # a periodic progress line (pages, articles, time left)
}
NEWSZONE_PROGRESS_INTERVAL = 5.0  # seconds between progress lines when the log goes to a terminal (0: none)
NEWSZONE_PROGRESS_QUIET_INTERVAL = 60.0  # seconds between them otherwise: cron, a log file (0: none)
DOWNLOADER_MIDDLEWARES = {  # ours, beside Scrapy's own
    "newszone_crawler.middlewares.SafeRequestMiddleware": 60,  # http(s) to the site only
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,  # replaced by the next one
    "newszone_crawler.middlewares.PoliteRetryMiddleware": 550,  # retries honouring Retry-After
    "newszone_crawler.middlewares.CharsetGuardMiddleware": 930,  # refuse hostile charset labels
    "newszone_crawler.middlewares.DataLossRetryMiddleware": 940,  # retry responses cut short
    "newszone_crawler.middlewares.WarcCaptureMiddleware": 950,  # WARC of every response, raw
}
DOWNLOAD_FAIL_ON_DATALOSS = False  # let a cut response reach the WARC (marked truncated), then retry it

# --- Engine -------------------------------------------------------------------------------------
CONCURRENT_ITEMS = 10  # items of one response in the pipelines at once, as in the fastest bare run (issue 13; Scrapy: 100)
NEWSZONE_EXTRACT_WORKERS = None  # processes that extract article pages (None: cores - 1, at least 1; 0: in the crawl's own thread)
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # Scrapy's default
LOG_LEVEL = "INFO"  # DEBUG lists every request; INFO keeps scheduled runs' logs readable
