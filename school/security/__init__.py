"""Login throttling and the audit log."""
