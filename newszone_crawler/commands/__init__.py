"""Project commands: ``crawl`` with an exit status that tells a scheduler whether the run worked."""
