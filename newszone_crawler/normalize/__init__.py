"""Pure functions: raw field -> clean field. No Scrapy, no I/O.

Modules: ``text`` (whitespace, deck markers, paragraphs), ``dates``, ``titles``, ``bylines``,
``copyright``, ``attachments``, ``record`` (content hash).
"""
