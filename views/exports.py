class LedgerExportMixin:
    """Adds the ledger (台账) xlsx export to the case list, reusing the view's query and filters."""
