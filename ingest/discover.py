"""Find the files to ingest under the given paths, honouring `.halnignore` files."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from ingest.loaders import SIDECAR_SUFFIX, SUPPORTED_SUFFIXES

IGNORE_FILE = ".halnignore"


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    unsupported: list[Path] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (path, why), for the ingest summary


def _unreadable_link(path: Path) -> str | None:
    """Why a symlink is not followed: a loop, a missing target or a folder (folders are not followed, so a
    link cannot pull in files from elsewhere or loop); None for a link to a file."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "symlink loop"
    except OSError:
        return "broken symlink (its target does not exist)"
    if target.is_dir():
        return "symlink to a folder (not followed)"
    return None


def _ignore_patterns(root: Path) -> list[str]:
    ignore = root / IGNORE_FILE
    if not ignore.exists():
        return []
    lines = ignore.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def _ignored(relative: Path, patterns: list[str]) -> bool:
    text = relative.as_posix()
    for pattern in patterns:
        if pattern.endswith("/"):
            if any(fnmatch.fnmatch(part, pattern.rstrip("/")) for part in relative.parts[:-1]):
                return True
        elif fnmatch.fnmatch(text, pattern) or fnmatch.fnmatch(relative.name, pattern):
            return True
    return False


def discover(paths: list[Path]) -> Discovery:
    """Supported files in sorted order; hidden files, sidecars and ignored paths are left out."""
    found = Discovery()
    for path in paths:
        if path.is_file():
            found.roots.append(path.resolve())
            (found.files if path.suffix.lower() in SUPPORTED_SUFFIXES else found.unsupported).append(path)
            continue
        if not path.is_dir():
            raise FileNotFoundError(f"{path}: no such file or directory")
        found.roots.append(path.resolve())
        patterns = _ignore_patterns(path)
        for candidate in sorted(path.rglob("*")):
            relative = candidate.relative_to(path)
            if any(part.startswith(".") for part in relative.parts):
                continue
            if candidate.is_symlink() and (why := _unreadable_link(candidate)):
                if not _ignored(relative, patterns):
                    found.skipped.append((candidate, why))
                continue
            if not candidate.is_file():
                if not candidate.is_dir():
                    found.skipped.append((candidate, "not a regular file"))
                continue
            if candidate.name.endswith(SIDECAR_SUFFIX) or _ignored(relative, patterns):
                continue
            if candidate.suffix.lower() in SUPPORTED_SUFFIXES:
                found.files.append(candidate)
            else:
                found.unsupported.append(candidate)
    return found
