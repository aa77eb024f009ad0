"""The project's own signals."""

output_written = object()
"""A component wrote a file the run's manifest must list: ``send_catch_log(output_written,
path=Path)``."""
