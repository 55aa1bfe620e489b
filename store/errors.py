"""The store's own error, apart so that the schema's migrations can raise it too."""


class StoreError(RuntimeError):
    """The database cannot be opened, migrated or written."""


class MissingAnalysers(StoreError):
    """The Store was opened without the ``StoreAnalysers`` a call (or a migration) needs."""
