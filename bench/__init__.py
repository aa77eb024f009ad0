"""Benchmarks of the crawl against bare Scrapy (``make bench``; see ``bench/README.md``)."""
