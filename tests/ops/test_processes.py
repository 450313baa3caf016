"""What runs the site's background work, as a person starts it: `make run`
(the Procfile, through honcho) and docker compose. Each starts the web
server, one queue worker and the scheduler, with the address that links
in emails use."""

import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_make_run_starts_the_site_a_worker_and_the_scheduler():
    assert procfile() == {
        "web": "python manage.py runserver $RUN_ADDRESS",
        "worker": "python manage.py db_worker",
        "scheduler": "python manage.py run_schedule",
    }


def make_run(*args: str) -> str:
    """The commands `make run` would run, without running them."""
    result = subprocess.run(
        [shutil.which("make") or "make", "--no-print-directory", "-n", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout


def test_make_run_links_emails_to_the_address_it_serves():
    commands = make_run("HOST=127.0.0.2", "PORT=8790")
    assert "SITE_URL=http://127.0.0.2:8790 RUN_ADDRESS=127.0.0.2:8790" in commands
    assert "honcho start" in commands
    # Every address: the links name this machine instead.
    assert "SITE_URL=http://127.0.0.1:8080 " in make_run("HOST=0.0.0.0", "PORT=8080")
    # A public address given on the line wins.
    given = make_run("SITE_URL=https://map.example.org")
    assert "SITE_URL=https://map.example.org RUN_ADDRESS=127.0.0.1:8000" in given


def test_compose_runs_a_worker_and_the_scheduler_with_the_sites_settings():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    web, worker, scheduler = services["web"], services["worker"], services["scheduler"]
    assert worker["command"][:3] == ["python", "manage.py", "db_worker"]
    assert scheduler["command"] == ["python", "manage.py", "run_schedule"]
    for service in (worker, scheduler):
        assert service["build"] == web["build"]
        shared = {k: v for k, v in web["environment"].items() if k != "LOAD_DEMO_DATA"}
        assert service["environment"] == shared
        # Migrations run with the web service, before the others start.
        assert service["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert web["environment"]["SITE_URL"] == "${SITE_URL:-http://localhost:8000}"
