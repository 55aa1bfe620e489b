"""Scrapy's side: items, pipelines, downloader middlewares, extensions, the analysis workers."""
