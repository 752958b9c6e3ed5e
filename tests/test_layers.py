"""The house's floors (DESIGN §4): a slice reads the models of the slices below it and never
imports a slice above it, other than reading that slice's models. A page is the top layer: a
`views` module may also read the queries and forms of the slices whose parts it shows (the loop
page shows the panel's feedback progress). Read from the code's own imports, so a new import that
runs the wrong way fails here, not in a review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "barraiser"

# Bottom to top. Modules of the package root that are not slices sit at the bottom (the
# foundations) or the top (the app factory and the commands). `policy` is the exception that
# proves the rule: every slice asks it who may do what, and it may read models only.
FLOORS: tuple[tuple[str, ...], ...] = (
    (
        "config",
        "extensions",
        "clock",
        "zones",
        "database",
        "domain",
        "errors",
        "personal_data",
        "pages",
        "changes",
        "lazy",
        "collector",
        "priority",
        "urls",
        "frame",
    ),
    ("ops",),
    ("audit",),
    # Below auth: account messages (set-password links) are queued through it. It reads only the
    # User model from above.
    ("outbox",),
    ("auth",),
    ("identity",),
    ("principles", "settings"),
    ("requisitions", "candidates"),
    ("loops",),
    ("feedback",),
    ("debrief",),
    ("training",),
    # The candidates' survey: the report reads its aggregates, the reviews its comments.
    ("surveys",),
    ("calibration",),
    # The committee's reviews, built on the report and its action items.
    ("reviews",),
    ("history",),
    ("privacy",),
    ("demo",),
    ("home",),
    # The API is a set of pages for programs: above every slice whose services it calls.
    ("api",),
    ("models", "cli", "worker", "__init__"),
)
FLOOR = {room: level for level, rooms in enumerate(FLOORS) for room in rooms}
READS_MODELS_ONLY = "policy"
READS = (".models",)
PAGE_READS = (".models", ".queries", ".forms")


def _room(module: str) -> str:
    """`barraiser.loops.rules` → `loops`; `barraiser` itself → `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path, root: Path) -> list[tuple[str, int]]:
    """Every barraiser module `path` imports (relative or absolute), with its line."""
    package = list(path.relative_to(root).with_suffix("").parts[:-1])
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if not target.startswith("barraiser"):
                continue
            if target == "barraiser":  # from . import policy, clock
                found += [(f"barraiser.{alias.name}", node.lineno) for alias in node.names]
            else:
                found.append((target, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("barraiser.")]
    return found


def _module(path: Path, root: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = relative.parts[:-1] if path.name == "__init__.py" else relative.parts
    return ".".join(parts)


def upward_imports(package: Path = PACKAGE) -> list[str]:
    """Each import that runs up a floor to something other than models, as `file:line → module`."""
    wrong = []
    for path in sorted(package.rglob("*.py")):
        module = _module(path, package.parent)
        room = _room(module)
        reads = PAGE_READS if path.name == "views.py" else READS
        for target, line in _imports(path, package.parent):
            other = _room(target)
            where = f"{path.relative_to(package.parent)}:{line} → {target}"
            if room == READS_MODELS_ONLY:
                if other in FLOOR and FLOOR[other] > 0 and not target.endswith(".models"):
                    wrong.append(where)
                continue
            if other in (room, READS_MODELS_ONLY):
                continue
            if other not in FLOOR or room not in FLOOR:
                wrong.append(f"{where} (a room with no floor: add it to FLOORS)")
            elif FLOOR[other] > FLOOR[room] and not target.endswith(reads):
                wrong.append(where)
    return wrong


def test_no_slice_imports_a_slice_above_it():
    assert upward_imports() == []


def test_every_slice_has_a_floor():
    rooms = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    rooms |= {path.stem for path in PACKAGE.glob("*.py")} - {READS_MODELS_ONLY}
    assert rooms - set(FLOOR) == set()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..debrief.services import propose\n", True),  # up a floor, not models
        ("from ..debrief.models import Proposal\n", False),  # reading a model above is fine
        ("from ..auth.services import create_user\n", False),  # down a floor
        ("from barraiser.calibration.report import build_report\n", True),
    ],
)
def test_the_check_sees_an_upward_import(tmp_path, source, expected):
    """The check itself can fail: an import from feedback up to debrief is caught."""
    assert bool(upward_imports(_package(tmp_path, "services.py", source))) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..debrief.queries import debrief_page\n", False),  # a page reads what it shows
        ("from ..debrief.forms import VetoForm\n", False),
        ("from ..debrief.services import veto\n", True),  # but acts only through its own slice
    ],
)
def test_a_page_reads_the_slices_above_it_and_acts_through_its_own(tmp_path, source, expected):
    assert bool(upward_imports(_package(tmp_path, "views.py", source))) is expected


def _package(tmp_path: Path, module: str, source: str) -> Path:
    """A package with one module, feedback/<module>, holding `source`."""
    package = tmp_path / "barraiser"
    (package / "feedback").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "feedback" / "__init__.py").write_text("")
    (package / "feedback" / module).write_text(source)
    return package
