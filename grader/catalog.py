"""Where exercises live: found from the name alone.

    exercises/NAME.py          the stub a learner fills in
    solutions/NAME.py          the hidden reference solution (absent in a student release)
    checks/NAME/meta.yaml      title, points, concepts, chapter, framework, hints
    checks/NAME/test_public.py checks the learner may read
    checks/NAME/test_hidden.py checks that run when the instructor grades

Adding an exercise means adding these files; nothing here changes.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import __version__
from .errors import UsageError
from .text import Text

def _load_yaml(text: str):
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


VISIBILITY = {"test_public.py": "public", "test_hidden.py": "hidden"}


def content_root() -> Path:
    """The folder holding exercises/, solutions/ and checks/ (the repo, or site-packages)."""
    override = os.environ.get("GRADE_CONTENT_ROOT")
    return Path(override) if override else Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Exercise:
    name: str
    root: Path
    meta: dict

    @property
    def title(self) -> Text:
        return Text(self.meta["title"]["en"], self.meta["title"]["ko"])

    @property
    def points(self) -> float:
        return float(self.meta["points"])

    @property
    def framework(self) -> str:
        return self.meta.get("framework", "numpy")

    @property
    def hints(self) -> list[Text]:
        return [Text(h["en"], h["ko"]) for h in self.meta.get("hints", [])]

    @property
    def stub(self) -> Path:
        return self.root / "exercises" / f"{self.name}.py"

    @property
    def solution(self) -> Path | None:
        path = self.root / "solutions" / f"{self.name}.py"
        return path if path.is_file() else None

    @property
    def checks_dir(self) -> Path:
        return self.root / "checks" / self.name

    def check_files(self, hidden: bool = True) -> list[tuple[Path, str]]:
        files = [(self.checks_dir / f, vis) for f, vis in VISIBILITY.items()]
        return [(p, vis) for p, vis in files if p.is_file() and (hidden or vis == "public")]

    @property
    def release_seed(self) -> int | None:
        """In a student release, the seed whose reference outputs were recorded."""
        release = self.meta.get("release") or {}
        return release.get("seed") if self.solution is None else None

    @property
    def hidden_count(self) -> int:
        """How many hidden checks exist (recorded in a release, where their code is absent)."""
        return int(self.meta.get("hidden_checks", 0))

    def checks_version(self) -> str:
        """A short hash of everything that decides the score: checks, metadata, reference."""
        digest = hashlib.sha256()
        for path in sorted(self.checks_dir.glob("*")) + [self.root / "solutions" / f"{self.name}.py"]:
            if path.is_file() and path.suffix in (".py", ".yaml", ".json", ".npz"):
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return f"{__version__}+{digest.hexdigest()[:10]}"


def load_exercise(name: str, root: Path | None = None) -> Exercise:
    root = root or content_root()
    meta_path = root / "checks" / name / "meta.yaml"
    if not name.isidentifier() or not meta_path.is_file():
        names = exercise_names(root)
        close = difflib.get_close_matches(name, names, n=1)
        tip_en = f" Did you mean '{close[0]}'?" if close else ""
        tip_ko = f" '{close[0]}' 을(를) 찾으시나요?" if close else ""
        raise UsageError(
            f"Unknown exercise '{name}'.{tip_en} Available: {', '.join(names)}.",
            f"'{name}' 이라는 연습 문제는 없습니다.{tip_ko} 목록: {', '.join(names)}.")
    try:
        meta = _load_yaml(meta_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UsageError(f"{meta_path}: not valid YAML: {exc}") from None
    return Exercise(name, root, meta)


def exercise_names(root: Path | None = None) -> list[str]:
    root = root or content_root()
    checks = root / "checks"
    if not checks.is_dir():
        return []
    found = [p.parent.name for p in checks.glob("*/meta.yaml")]
    return sorted(found, key=lambda n: (_order(checks / n / "meta.yaml"), n))


def all_exercises(root: Path | None = None) -> list[Exercise]:
    return [load_exercise(n, root) for n in exercise_names(root)]


def _order(meta_path: Path) -> int:
    try:
        return int((_load_yaml(meta_path.read_text(encoding="utf-8")) or {}).get("order", 99))
    except (yaml.YAMLError, ValueError, TypeError, AttributeError):
        return 99
