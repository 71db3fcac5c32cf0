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


def init_workspace(root: Path, stubs: dict[str, Path], version: str) -> list[Path]:
    """Create a workspace with the stubs; refuse (changing nothing) if it would overwrite work."""
    targets = {root / "exercises" / f"{name}.py": src for name, src in stubs.items()}
    readme = root / "README.md"
    clashes = [p for p in [*targets, readme, root / MARKER_DIR / MARKER_FILE] if p.exists()]
    if clashes:
        names = ", ".join(str(p) for p in clashes)
        raise UsageError(
            f"Not overwriting existing files: {names}. Pick an empty folder: grade init NEW_DIR",
            f"이미 있는 파일을 덮어쓰지 않습니다: {names}. 빈 폴더를 고르세요: grade init NEW_DIR")
    (root / "exercises").mkdir(parents=True, exist_ok=True)
    for target, src in targets.items():
        target.write_bytes(src.read_bytes())
    template = Path(__file__).parent / "templates" / "LEARNER_README.md"
    readme.write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
    write_marker(root, version)
    return sorted(targets)


def reset_exercise(ws: Workspace, name: str, stub: Path) -> Path | None:
    """Put the stub back; the learner's current file is kept in .grade/backups first."""
    import time

    current = ws.exercise_file(name)
    backup = None
    if current.exists():
        ws.backup_dir.mkdir(parents=True, exist_ok=True)
        backup = ws.backup_dir / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.py"
        n = 1
        while backup.exists():
            backup = ws.backup_dir / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}-{n}.py"
            n += 1
        backup.write_bytes(current.read_bytes())
    current.parent.mkdir(parents=True, exist_ok=True)
    current.write_bytes(stub.read_bytes())
    return backup
