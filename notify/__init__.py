"""Turning stored alerts into messages and sending them with apprise."""
