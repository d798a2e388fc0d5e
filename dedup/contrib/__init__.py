"""Where crawlers live: a Scrapy item pipeline and an HTTP service over the crawler's index.

Each module here is the one user of its framework, installed with its own extra
(``dedup[scrapy]``, ``dedup[serve]``); ``import dedup`` never loads them.
"""
