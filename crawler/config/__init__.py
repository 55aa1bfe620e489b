"""What the operator configures: the sources file (and the defaults)."""
