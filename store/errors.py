"""The store's errors, apart from db.py so that the migrations (schema.py, which db.py
imports) can raise them too."""


class StoreError(RuntimeError):
    """The database cannot be opened, migrated or written."""


class MissingAnalysers(StoreError):
    """The Store was opened without the ``StoreAnalysers`` a call (or a migration) needs."""
