"""The README documents every setting and every spider argument (a test that fails when
something is added without a word for its users)."""

from __future__ import annotations

import inspect
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath

import pytest

from newszone_crawler import settings
from newszone_crawler.spiders.newszone import NewsZoneSpider

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
SETTINGS_SOURCE = Path(settings.__file__).read_text("utf-8")

OUR_SETTINGS = [name for name in dir(settings) if name.startswith("NEWSZONE_")]
ARGUMENTS = [
    name
    for name, p in inspect.signature(NewsZoneSpider.__init__).parameters.items()
    if p.kind is inspect.Parameter.KEYWORD_ONLY
]


@pytest.mark.parametrize("name", OUR_SETTINGS)
def test_setting_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("name", ARGUMENTS)
def test_spider_argument_is_in_the_readme(name: str) -> None:
    assert re.search(rf"^\| `{name}` \|", README, re.MULTILINE)


def test_every_setting_has_a_comment() -> None:
    lines = SETTINGS_SOURCE.splitlines()
    for before, line in zip(["", *lines], lines, strict=False):
        if re.match(r"^[A-Z][A-Z0-9_]+ = ", line):
            assert "#" in line or before.startswith("#"), f"setting without a comment: {line}"


# -- every README command works when pasted into a fresh clone (issue 12, finding 8) --------------

COMMAND_READMES = ["README.md", "output/README.md", "bench/README.md"]
# What a fresh machine has (the README asks for Python 3.11+ and make); everything else is run
# by its path, from the project's virtual environment.
FRESH_MACHINE = {"make", "python3", "mkdir", "cd"}
PATHLIKE_SUFFIXES = (".sqlite", ".jsonl", ".json", ".gz", ".md", ".py", ".wacz", ".cdxj", ".toml")
GLOB = re.compile(r"[*?\[]")


def _git(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, input=stdin, capture_output=True, text=True,
                          check=False)


@pytest.fixture(scope="module")
def tracked() -> set[str]:
    """Every tracked file of the checkout and every folder holding one."""
    listed = _git("ls-files", "-z")
    if shutil.which("git") is None or listed.returncode != 0:
        pytest.skip("not a git checkout")
    files = {f for f in listed.stdout.split("\0") if f}
    folders = {str(parent) for f in files for parent in PurePosixPath(f).parents}
    return files | folders


def _ignored(path: str) -> bool:
    return _git("check-ignore", "-q", "--no-index", path).returncode == 0


def _blocks(readme: str) -> list[list[str]]:
    """The shell commands of each of a README's ``sh`` blocks (continued lines joined)."""
    text = (ROOT / readme).read_text("utf-8")
    blocks = re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    return [[line for line in block.replace("\\\n", " ").splitlines() if line.strip()]
            for block in blocks]


def _words(command: str) -> list[list[str]]:
    """The simple commands of one line (split at ``&&``, ``||``, ``;``, ``|``), comments cut."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    simple: list[list[str]] = [[]]
    for token in lexer:
        if set(token) <= set(";&|"):
            simple.append([])
        else:
            simple[-1].append(token)
    return [words for words in simple if words]


def _pathlike(word: str) -> bool:
    if word.startswith("-") or "=" in word or "://" in word or " " in word:
        return False
    return "/" in word or word.endswith(PATHLIKE_SUFFIXES)


def _placeholder(path: str) -> bool:
    """``URLS.json``, ``NEW.sqlite``: a name the reader chooses."""
    stem = PurePosixPath(path).name.split(".")[0]
    return stem.isupper()


def _path_problem(word: str, cwd: PurePosixPath, tracked: set[str]) -> str | None:
    """What is wrong with a path a command names (run from ``cwd``), or None."""
    parts = []
    for part in PurePosixPath(word).parts:
        if GLOB.search(part):
            break
        parts.append(part)
    path = os.path.normpath(cwd.joinpath(*parts))
    if path.startswith(".."):
        return f"{word} lies outside the checkout"
    if path not in tracked and not _ignored(path):
        return f"{path} is neither in the repository nor ignored by git"
    if path.startswith(".venv/bin/") and not (Path(sys.executable).parent / path[10:]).exists():
        return f"{path} is not installed by `make install`"
    return None


def problems_of(readme: str, tracked: set[str]) -> list[str]:
    """Each command of the README's shell blocks that a fresh clone could not run as written:
    a program not on a fresh machine nor in the checkout, a path that is neither tracked nor
    ignored by git (a file the reader lacks, or an output left untracked), a path outside the
    checkout. Each block starts in the checkout's root; ``cd`` moves it."""
    found = []
    for block in _blocks(readme):
        cwd = PurePosixPath(".")
        for command in block:
            for program, *args in _words(command):
                if "/" not in program and program not in FRESH_MACHINE:
                    found.append(f"{readme}: `{program}` is not on a fresh machine: {command}")
                for word in [program, *args] if "/" in program else args:
                    if _pathlike(word) and not word.startswith("/") and not _placeholder(word):
                        problem = _path_problem(word, cwd, tracked)
                        if problem:
                            found.append(f"{readme}: {problem}: {command}")
                if program == "cd" and args:
                    cwd = PurePosixPath(os.path.normpath(cwd / args[0]))
    return found


@pytest.mark.parametrize("readme", COMMAND_READMES)
def test_readme_commands_name_only_paths_a_fresh_clone_has(readme: str, tracked: set[str]) -> None:
    assert problems_of(readme, tracked) == []


def test_the_command_check_has_teeth(tracked: set[str]) -> None:
    bad = ROOT / "tests" / ".readme-check.md"  # a README of mistakes, removed again
    bad.write_text(
        "```sh\ndatasette output/newszone.sqlite\n"
        ".venv/bin/python -m newszone_crawler export --jsonl nowhere/x.jsonl\n"
        ".venv/bin/no-such-tool\nmkdir -p here && cd here && ../../outside.py\n```\n",
        "utf-8",
    )
    try:
        found = problems_of("tests/.readme-check.md", tracked)
    finally:
        bad.unlink()
    assert len(found) == 4, found
    assert "`datasette` is not on a fresh machine" in found[0]
    assert "nowhere/x.jsonl is neither" in found[1]
    assert ".venv/bin/no-such-tool is not installed" in found[2]
    assert "outside the checkout" in found[3]


@pytest.mark.parametrize("readme", [*COMMAND_READMES, "deploy/README.md"])
def test_readme_links_name_files_of_the_repository(readme: str, tracked: set[str]) -> None:
    """Relative links, and ``.md`` files named in backticks, are files of the checkout."""
    text = (ROOT / readme).read_text("utf-8")
    folder = PurePosixPath(readme).parent
    targets = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text)
               if "://" not in t and not t.startswith(("#", "mailto:"))]
    named = re.findall(r"`([\w./-]+/[\w.-]+\.md)`", text)
    missing = [
        t for t in [*targets, *named]
        if os.path.normpath(folder / t) not in tracked and os.path.normpath(t) not in tracked
    ]
    assert missing == []


def test_license_is_mit_as_pyproject_says() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == "MIT"  # an SPDX string: the table form warns at install
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the newszone-crawler authors" in text
