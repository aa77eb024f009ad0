"""The project's own signals."""

output_written = object()
"""A component wrote a file the run's manifest must list: ``send_catch_log(output_written,
path=Path)``, with ``size=`` and ``sha256=`` (hex) when it hashed the bytes as it wrote them."""

articles_failed = object()
"""Articles failed in this run: ``send_catch_log(articles_failed, failures=[(id, url, reason),
...])``; the archive keeps each in its ``failures`` table (``ledger.RunLedger`` sends it)."""
