"""What a fetched page is: extraction, page type, relevance, near-duplicates, versions."""
