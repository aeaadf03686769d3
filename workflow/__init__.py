"""News translation and publishing workflow: HTML news items to PO catalogs and back."""

__version__ = "0.1.0"
