"""The Makefile's installs hold everything the README's production set-up needs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _extras(text: str) -> list[set[str]]:
    found = re.findall(r"pip install[^\n]*-e '\.\[([a-z,]+)\]'", text)
    return [set(extras.split(",")) for extras in found]


def test_make_installs_hold_every_extra_the_production_set_up_names() -> None:
    readme = (ROOT / "README.md").read_text()
    production = readme.split("## Running in production", 1)[1]
    needed = _extras(production)[0]
    assert "redis" in needed
    makefile_installs = _extras((ROOT / "Makefile").read_text())
    assert len(makefile_installs) == 2  # `make demo`'s install and `make install-test`
    for installed in makefile_installs:
        assert needed <= installed, f"{sorted(installed)} lacks some of {sorted(needed)}"
