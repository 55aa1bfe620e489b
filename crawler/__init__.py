"""Page processing: extraction, metadata, relevance, dedup, versioning, Scrapy pipelines."""
