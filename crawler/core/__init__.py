"""Plain helpers every layer uses: text folding, dates, URLs, provinces, addresses."""
