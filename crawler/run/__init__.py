"""One night: the runner, the lock, run records, health, reports, re-analysis."""
