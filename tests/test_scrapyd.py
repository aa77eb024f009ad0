"""Running on a schedule: the project deployed to a real Scrapyd on 127.0.0.1 and crawled there,
and cheap checks of the cron and systemd examples in ``deploy/`` and of ``scrapy.cfg``.

The Scrapyd test does what deploy/README.md tells an operator to do: start Scrapyd (its own
config and directories, in tmp_path), ``scrapyd-deploy`` the project (from a copy of the project
tree, because scrapyd-deploy writes a ``setup.py``, ``build/`` and ``*.egg-info`` next to
``scrapy.cfg``), ``scrapyd-client schedule`` the ``newszone`` spider against the embedded demo
site, wait for the job in ``listjobs.json``, then check the job's items feed, its log and the
SQLite archive it wrote.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

from newszone_crawler.demo_site import DemoSite
from newszone_crawler.runlock import EXIT_LOCKED

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
PROJECT = "newszone_crawler"
DEMO_ARTICLES = 30
JOB_TIMEOUT = 120.0  # seconds for the scheduled crawl to finish (it takes a few)
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy


# --- helpers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict:
    with HTTP.open(url, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def get_text(url: str) -> str:
    with HTTP.open(url, timeout=10) as response:
        return response.read().decode("utf-8")


def tool(name: str) -> list[str]:
    """A console script installed beside this interpreter (the venv's), as a command."""
    script = BIN / name
    assert script.exists(), f"{name} is not installed: pip install -e '.[test]'"
    return [str(script)]


def copy_project(dest: Path) -> Path:
    """The project as scrapyd-deploy sees it: the top-level files (scrapy.cfg, pyproject.toml,
    README.md, ...) and the package, without caches."""
    dest.mkdir()
    for path in ROOT.iterdir():
        if path.is_file():
            shutil.copy2(path, dest / path.name)
    shutil.copytree(
        ROOT / PROJECT, dest / PROJECT, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    return dest


def start_scrapyd(home: Path, port: int) -> tuple[subprocess.Popen, Path]:
    """Scrapyd with its own config and directories under ``home``, listening on 127.0.0.1."""
    home.mkdir()
    dirs = {name: home / name for name in ("eggs", "logs", "items", "dbs")}
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        + "".join(f"{name}_dir = {path}\n" for name, path in dirs.items())
        + "poll_interval = 0.5\n"
        "max_proc = 1\n",
        encoding="utf-8",
    )
    out = home / "scrapyd.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"],
            cwd=home,  # scrapyd reads ./scrapyd.conf; crawls run here too
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its crawls too
        )
    return proc, out


def stop_scrapyd(proc: subprocess.Popen) -> None:
    """Stop Scrapyd and any crawl it started (they share the process group it leads)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group
    except ProcessLookupError:
        pass
    proc.wait(timeout=15)


def wait_until_up(base: str, proc: subprocess.Popen, out: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"scrapyd exited ({proc.returncode}):\n{out.read_text()}"
        try:
            if get_json(base + "daemonstatus.json")["status"] == "ok":
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"scrapyd did not answer within {timeout} s:\n{out.read_text()}")


def run(cmd: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


# --- Scrapyd, end to end -------------------------------------------------------------------------


def test_scrapyd_deploys_and_runs_the_demo_crawl(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    with (project / "scrapy.cfg").open("a", encoding="utf-8") as cfg:
        cfg.write(f"\n[deploy:pytest]\nurl = {base.rstrip('/')}\nproject = {PROJECT}\n")
    archive = tmp_path / "archive" / "newszone.sqlite"
    had_setup_py = (ROOT / "setup.py").exists()

    scrapyd, scrapyd_out = start_scrapyd(tmp_path / "scrapyd", port)
    try:
        wait_until_up(base, scrapyd, scrapyd_out)

        # Deploy with the real tool: it builds the egg (writing setup.py into the copy) and
        # POSTs it to addversion.json.
        deployed = run([*tool("scrapyd-deploy"), "pytest", "--version", "r1"], cwd=project)
        assert deployed.returncode == 0, deployed.stderr + deployed.stdout
        response = json.loads(deployed.stdout)
        assert response["status"] == "ok", response
        assert (response["project"], response["version"], response["spiders"]) == (PROJECT, "r1", 1)
        assert get_json(f"{base}listspiders.json?project={PROJECT}")["spiders"] == ["newszone"]

        # The job will run the deployed egg, not the editable install of this checkout.
        egg = tmp_path / "scrapyd" / "eggs" / PROJECT / "r1.egg"
        probe = run(
            [sys.executable, "-c",
             "import os\n"
             "from scrapyd.runner import project_environment\n"
             f"with project_environment({PROJECT!r}):\n"
             "    import newszone_crawler.spiders.newszone as spider\n"
             "    print(spider.__file__)\n"
             "    print(os.environ['SCRAPY_SETTINGS_MODULE'])\n"],
            cwd=tmp_path / "scrapyd",
        )
        assert probe.returncode == 0, probe.stderr
        assert probe.stdout.split() == [
            f"{egg}/newszone_crawler/spiders/newszone.py", "newszone_crawler.settings"
        ]

        # Schedule: spider arguments and settings go as form fields.
        scheduled = run(
            [*tool("scrapyd-client"), "schedule", "-t", "pytest", "-p", PROJECT, "newszone",
             "--arg", "demo=1", "--arg", f"demo_articles={DEMO_ARTICLES}",
             "--arg", f"setting=NEWSZONE_DB={archive}"],
            cwd=project,
        )
        assert scheduled.returncode == 0, scheduled.stderr + scheduled.stdout
        match = re.fullmatch(rf"{PROJECT} / newszone => (\w+)\n", scheduled.stdout)
        assert match, scheduled.stdout
        job = match.group(1)

        deadline = time.monotonic() + JOB_TIMEOUT
        finished = None
        while finished is None:
            jobs = get_json(f"{base}listjobs.json?project={PROJECT}")
            finished = next((j for j in jobs["finished"] if j["id"] == job), None)
            if finished is None:
                assert time.monotonic() < deadline, (
                    f"job {job} not finished after {JOB_TIMEOUT} s: {jobs}\n"
                    + scrapyd_out.read_text()
                )
                time.sleep(0.5)

        log = get_text(base + finished["log_url"].lstrip("/"))
        # Scrapyd keeps the exit code only in its own log: "Process died: exitstatus=N" if not 0.
        ended = [line for line in scrapyd_out.read_text().splitlines() if f"job='{job}'" in line]
        assert any("Process finished:" in line for line in ended), "\n".join(ended) + log[-3000:]
        assert not any("Process died" in line for line in ended), "\n".join(ended)
        assert "Run status: ok" in log, log[-3000:]
        assert f"Demo site with {DEMO_ARTICLES} articles" in log

        expected = set(DemoSite(DEMO_ARTICLES).all_ids())
        assert len(expected) == DEMO_ARTICLES
        feed = get_text(base + finished["items_url"].lstrip("/"))
        items = [json.loads(line) for line in feed.splitlines()]
        assert len(items) == len(expected)
        assert {item["id"] for item in items} == expected
        assert all(item["title"] and item["published"] for item in items)

        with closing(sqlite3.connect(archive)) as conn:
            stored = [row[0] for row in conn.execute("SELECT id FROM articles")]
        assert sorted(stored) == sorted(expected)
    finally:
        stop_scrapyd(scrapyd)
    # scrapyd-deploy wrote its setup.py into the copy, not into this checkout
    assert (project / "setup.py").exists()
    assert (ROOT / "setup.py").exists() == had_setup_py


# --- the deploy/ examples and scrapy.cfg ---------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    """A systemd unit file read as INI (strict: no duplicate keys or sections)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text("utf-8"), source=name)
    return parser


def test_systemd_service_runs_one_crawl_from_the_project() -> None:
    service = unit("newszone-crawl.service")
    assert {"Unit", "Service"} <= set(service.sections())
    svc = service["Service"]
    assert svc["Type"] == "oneshot"
    workdir = Path(svc["WorkingDirectory"])
    assert workdir.is_absolute()
    command = shlex.split(svc["ExecStart"])
    assert command == [str(workdir / ".venv/bin/scrapy"), "crawl", "newszone"]
    # failures (1) and incomplete runs (2) must stay failures; only the lock's code may pass
    ok_codes = {int(code) for code in svc.get("SuccessExitStatus", "").split()}
    assert ok_codes <= {EXIT_LOCKED}
    assert "Restart" not in svc or svc["Restart"] == "no"


def test_systemd_timer_starts_the_service_every_six_hours_and_catches_up() -> None:
    timer = unit("newszone-crawl.timer")
    section = timer["Timer"]
    assert section["Persistent"] == "true"
    assert section.get("Unit", "newszone-crawl.service") == "newszone-crawl.service"
    assert re.fullmatch(r"\*-\*-\* 00/6:\d\d:00", section["OnCalendar"]), section["OnCalendar"]
    assert timer["Install"]["WantedBy"] == "timers.target"


CRON_FIELD = re.compile(r"\*|\*/\d+|\d+(-\d+)?(/\d+)?(,\d+(-\d+)?)*")
CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def test_cron_example_is_one_valid_crontab_line() -> None:
    lines = [
        line
        for line in (DEPLOY / "cron.example").read_text("utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
        and not re.match(r"^[A-Z_]+=", line)  # SHELL=, MAILTO=
    ]
    assert len(lines) == 1, lines
    fields = lines[0].split(None, 5)
    assert len(fields) == 6, fields
    for field, (low, high) in zip(fields[:5], CRON_RANGES, strict=True):
        assert CRON_FIELD.fullmatch(field), field
        assert all(low <= int(n) <= high for n in re.findall(r"\d+", field.split("/")[0])), field
    assert fields[1] == "*/6", "every 6 hours"
    command = fields[5]
    assert command.startswith(
        "cd /srv/newszone-crawler && .venv/bin/scrapy crawl newszone >> output/cron.log 2>&1"
    ), command
    assert "%" not in command.replace("\\%", ""), "an unescaped % ends a crontab command"


def test_examples_agree_on_the_directory_and_the_exit_codes() -> None:
    workdir = unit("newszone-crawl.service")["Service"]["WorkingDirectory"]
    assert f"cd {workdir} " in (DEPLOY / "cron.example").read_text("utf-8")
    readme = (DEPLOY / "README.md").read_text("utf-8")
    for code in (0, 1, 2, EXIT_LOCKED):
        assert re.search(rf"^\| {code} \|", readme, re.MULTILINE), code


def test_scrapy_cfg_keeps_the_settings_and_names_the_scrapyd_target() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "scrapy.cfg", encoding="utf-8")
    assert cfg["settings"]["default"] == "newszone_crawler.settings"
    # no trailing slash: scrapyd-client (2.0.3) would ask Scrapyd for "//listprojects.json": 404
    assert cfg["deploy"]["url"] == "http://localhost:6800"
    assert cfg["deploy"]["project"] == PROJECT
