"""What is kept and read back: storing access, alerts, export rows, feeds, the reading room."""
