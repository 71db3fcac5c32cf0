"""Finding and copying students' submissions: folders or zips, never modified in place."""

from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_ZIP_BYTES = 50 << 20  # uncompressed; a zip bomb stops here
MAX_FILE_BYTES = 5 << 20
MAX_FILES = 1000  # a submission is a handful of files: 200,000 empty ones only cost time


@dataclass
class Submission:
    student: str
    source: Path
    folder: Path | None = None  # the private copy that gets graded
    problems: list[str] = field(default_factory=list)

    def find(self, filename: str) -> Path | None:
        """exercises/<file> preferred, else the first match anywhere in the submission."""
        if self.folder is None:
            return None
        preferred = self.folder / "exercises" / filename
        if preferred.is_file():
            return preferred
        matches = sorted(p for p in self.folder.rglob(filename) if p.is_file())
        return matches[0] if matches else None


def discover(root: Path) -> list[Submission]:
    """One submission per folder or zip in `root`; duplicate student ids are reported."""
    seen: dict[str, Submission] = {}
    found: list[Submission] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            student = entry.name
        elif entry.suffix.lower() == ".zip":
            student = entry.stem
        else:
            continue
        sub = Submission(student, entry)
        if student in seen:
            sub.student = f"{student}#{sum(s.student.split('#')[0] == student for s in found)}"
            sub.problems.append(f"duplicate student id {student!r} (also {seen[student].source.name});"
                                " graded separately as " + sub.student)
        seen.setdefault(student, sub)
        found.append(sub)
    return found


def materialize(sub: Submission, work: Path) -> None:
    """Copy (or safely extract) the submission into work/<student>/."""
    target = work / sub.student
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    try:
        if sub.source.is_dir():
            _copy_tree(sub.source, target, sub.problems)
        else:
            _extract(sub.source, target, sub.problems)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        sub.problems.append(f"could not read {sub.source.name}: {err}")
    sub.folder = target
    if not any(p.is_file() for p in target.rglob("*")):
        sub.problems.append("the submission is empty")


def _copy_tree(src: Path, dst: Path, problems: list[str]) -> None:
    for count, path in enumerate(src.rglob("*")):
        if count >= MAX_FILES:
            problems.append(f"more than {MAX_FILES} files; the rest was skipped")
            return
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            continue  # links could point at other students' files
        rel = path.relative_to(src)
        if path.is_dir():
            (dst / rel).mkdir(parents=True, exist_ok=True)
        elif path.stat().st_size <= MAX_FILE_BYTES:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dst / rel)


def _extract(zip_path: Path, dst: Path, problems: list[str]) -> None:
    total = 0
    with zipfile.ZipFile(zip_path) as zf:
        for count, info in enumerate(zf.infolist()):
            if count >= MAX_FILES:
                problems.append(f"the zip has more than {MAX_FILES} entries; the rest was "
                                "skipped")
                return
            name = Path(info.filename)
            mode = info.external_attr >> 16
            if info.is_dir() or stat.S_ISLNK(mode):
                continue
            if name.is_absolute() or ".." in name.parts:
                problems.append(f"skipped unsafe path {info.filename!r} in the zip")
                continue
            out = dst / name
            out.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(out, "wb") as sink:
                # sizes in the zip's header can lie: count what is really decompressed
                size = 0
                while chunk := src.read(1 << 16):
                    size += len(chunk)
                    total += len(chunk)
                    if size > MAX_FILE_BYTES or total > MAX_ZIP_BYTES:
                        problems.append("the zip is too large; the rest was skipped")
                        return
                    sink.write(chunk)


def content_hash(paths: list[Path | None]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(b"\0missing\0" if path is None else path.read_bytes() + b"\0")
    return digest.hexdigest()
