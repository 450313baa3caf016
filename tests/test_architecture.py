"""The layout that docs/architecture.md describes, where import-linter
cannot see it: string references between apps, and the size of modules."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "communities", "initiatives", "config")


def source_files(*apps):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_communities_and_accounts_name_no_initiatives_model_even_as_a_string():
    # apps.get_model("initiatives", ...), ForeignKey("initiatives.Initiative"),
    # "initiatives.models" in an import string...
    pattern = re.compile(r"""["']initiatives(["'.]|\s*,)""")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in source_files("communities", "accounts")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


# One settings module, read from the environment, is the rule (STYLE.md):
# it grows with every setting rather than with code.
ONE_BY_DESIGN = {"config/settings.py"}


def test_no_module_outgrows_a_reading():
    """About 400 lines at most, migrations aside: past that a module holds
    more than one thing."""
    long = {
        name: lines
        for path in source_files(*APPS)
        if (name := str(path.relative_to(ROOT))) not in ONE_BY_DESIGN
        and (lines := len(path.read_text().splitlines())) > 420
    }
    assert long == {}


def test_every_capability_package_keeps_its_models_in_its_own_models_module():
    packages = [p.parent.name for p in (ROOT / "initiatives").glob("*/models.py")]
    gathered = (ROOT / "initiatives" / "models" / "__init__.py").read_text()
    for package in packages:
        assert f"from initiatives.{package}.models import" in gathered, package
