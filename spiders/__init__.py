"""Scrapy spiders: discovery of listings, feeds, sitemaps and article links."""
