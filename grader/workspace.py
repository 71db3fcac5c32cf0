"""A learner's workspace: a folder with exercises/ and a .grade/ marker found from any subfolder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

MARKER_DIR = ".grade"
MARKER_FILE = "workspace.json"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def state_dir(self) -> Path:
        return self.root / MARKER_DIR

    @property
    def db_path(self) -> Path:
        return self.state_dir / "progress.sqlite3"

    @property
    def backup_dir(self) -> Path:
        return self.state_dir / "backups"

    def exercise_file(self, name: str) -> Path:
        return self.root / "exercises" / f"{name}.py"


def find_workspace(start: Path | None = None) -> Workspace | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER_DIR / MARKER_FILE).is_file():
            return Workspace(folder)
    return None


def require_workspace(explicit: Path | None = None) -> Workspace:
    if explicit is not None:
        ws = find_workspace(Path(explicit))
        if ws is None:
            raise UsageError(
                f"{explicit} is not inside a grade workspace. Make one with: grade init {explicit}",
                f"{explicit} 는 grade 작업 공간이 아닙니다. 다음으로 만드세요: grade init {explicit}",
            )
        return ws
    ws = find_workspace()
    if ws is None:
        raise UsageError(
            "No grade workspace here or in any parent folder. Make one with: grade init [DIR]",
            "이 폴더와 상위 폴더에 grade 작업 공간이 없습니다. 다음으로 만드세요: grade init [DIR]",
        )
    return ws


def write_marker(root: Path, version: str) -> None:
    state = root / MARKER_DIR
    state.mkdir(parents=True, exist_ok=True)
    (state / MARKER_FILE).write_text(json.dumps({"created_by": "grade", "version": version}) + "\n")
