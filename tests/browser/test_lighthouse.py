"""Lighthouse finds each kind of public page fully accessible and within the
performance budgets on a phone (its default: a mid-range phone on a slow 4G
network, simulated).

Lighthouse runs as its own process (the CLI in node_modules, driving the same
Chromium as the other browser tests) and reaches the live server over HTTP.
"""

import json
import os
import signal
import subprocess
from contextlib import suppress
from pathlib import Path

import pytest

from .conftest import CHROMIUM, CHROMIUM_ARGS, ROOT

# The pages come from the database (through the live server): the mark has
# pytest-django set up the test database even when no other test in the run
# asks for it, so that the demo data never goes into the development one.
pytestmark = pytest.mark.django_db

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
TIMEOUT = 120  # seconds for one Lighthouse run, which takes about 15.
LIGHTHOUSE_RUNS = 3  # at most, when a run misses a budget

PAGES = {
    "home": "/",
    "list": "/initiatives/",
    "detail": "/initiatives/lawrence-weston-community-solar-farm/",
    "map": "/map/",
}
# The upper limits of the "good" band of Core Web Vitals, tightened for LCP.
BUDGETS = {
    "largest-contentful-paint": 2000,  # milliseconds
    "total-blocking-time": 200,  # milliseconds
    "cumulative-layout-shift": 0.1,
}


# Lighthouse traces the page load from a fresh renderer process. Chromium 156
# sometimes starts recording in that process only after the navigation has
# begun, and Lighthouse then gives up with NO_NAVSTART ("Please run
# Lighthouse again"): about one run in six here, against none in thirty with
# site isolation off, which changes nothing that the audits measure.
CHROMIUM_FLAGS = " ".join([*CHROMIUM_ARGS, "--disable-site-isolation-trials"])


class LighthouseFailed(Exception):
    pass


def run_lighthouse(url, output):
    """One Lighthouse run: its JSON report, or LighthouseFailed with its stderr."""
    command = [
        str(LIGHTHOUSE),
        url,
        # The default form factor stays: a mobile phone, simulated throttling.
        "--only-categories=accessibility,performance",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
        "--disable-full-page-screenshot",  # not needed, and it takes time
        f"--chrome-flags={CHROMIUM_FLAGS}",
        # Map tiles cannot be fetched here; they must not hold the page up.
        "--blocked-url-patterns=*tile.openstreetmap.org*",
    ]
    # A session of its own, so that a run that hangs can be ended with all
    # it started.
    process = subprocess.Popen(
        command,
        # Chromium's profile goes to the test's own temporary directory,
        # where it is cleared away even after a run that had to be ended.
        env={**os.environ, "CHROME_PATH": CHROMIUM, "TMPDIR": str(output.parent)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        end_with_its_chromium(process)
        _, stderr = process.communicate()
        raise LighthouseFailed(f"timed out after {TIMEOUT} s\n{stderr}") from None
    if process.returncode != 0:
        raise LighthouseFailed(f"exit status {process.returncode}\n{stderr}")
    try:
        report = json.loads(output.read_text())
    except (OSError, ValueError) as error:
        raise LighthouseFailed(f"no report: {error}\n{stderr}") from None
    audits = report.get("audits", {})
    missing = [audit for audit in BUDGETS if audits.get(audit, {}).get("numericValue") is None]
    if report.get("categories", {}).get("accessibility", {}).get("score") is None:
        missing.append("the accessibility score")
    if missing:
        problem = report.get("runtimeError", {}).get("message", "")
        raise LighthouseFailed(f"no value for {', '.join(missing)} {problem}\n{stderr}")
    return report


def end_with_its_chromium(process):
    # Lighthouse starts Chromium as the leader of a process group of its own,
    # which outlives it unless it is ended too.
    groups = [process.pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError):
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent == process.pid:
                groups.append(int(stat.parent.name))
    for group in groups:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


def run_lighthouse_with_retry(url, output):
    try:
        return run_lighthouse(url, output)
    except LighthouseFailed:
        pass
    try:
        return run_lighthouse(url, output)
    except LighthouseFailed as error:
        pytest.fail(f"Lighthouse failed twice on {url}: {error}")


def metric_failures(report):
    failures = []
    for audit_id, budget in BUDGETS.items():
        audit = report["audits"][audit_id]
        if audit["numericValue"] > budget:
            failures.append(
                f"{audit_id}: {audit['numericValue']:g} over its budget of {budget:g} "
                f"({audit.get('displayValue', '')})"
            )
    return failures


def shortfall(report):
    """How far a run is from its budgets: metrics missed first, then how much."""
    audits = report["audits"]
    return (
        len(metric_failures(report)),
        sum(audits[audit_id]["numericValue"] / budget for audit_id, budget in BUDGETS.items()),
    )


def accessibility_failures(report):
    category = report["categories"]["accessibility"]
    if category["score"] == 1:
        return []
    audits = report["audits"]
    failing = [
        f"{ref['id']}: {audits[ref['id']]['title']}"
        for ref in category["auditRefs"]
        if ref["weight"] > 0 and audits[ref["id"]]["score"] not in (None, 1)
    ]
    return [f"accessibility score {category['score']}", *failing]


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_is_accessible_and_fast_on_a_phone(site, path, tmp_path):
    # A check that cannot run must not pass for one that did.
    if not os.access(LIGHTHOUSE, os.X_OK):
        pytest.fail("Lighthouse is not installed: run `make node_modules` (npm ci)")
    url = site + path
    report = run_lighthouse_with_retry(url, tmp_path / "run-1.json")
    runs = 1
    # Lighthouse simulates a slow phone from one real page load, and the
    # simulation follows that load's variations (another process taking the
    # CPU for a moment is enough: on a two-core machine running the rest of
    # the suite, total blocking time moves by tens of milliseconds): a metric
    # close to its budget can miss it on one run and not on the next. Judging
    # the best of up to three runs keeps that noise out without loosening the
    # budgets; a page that really misses one misses it every time.
    while metric_failures(report) and runs < LIGHTHOUSE_RUNS:
        runs += 1
        again = run_lighthouse_with_retry(url, tmp_path / f"run-{runs}.json")
        report = min(report, again, key=shortfall)
    judged = "one run" if runs == 1 else f"the best of {runs} runs"
    failures = accessibility_failures(report) + metric_failures(report)
    assert not failures, f"Lighthouse on {path} ({judged}):\n" + "\n".join(failures)
