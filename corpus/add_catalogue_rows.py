"""Append to corpus/catalogue.tsv the row of ../shared/corpus-sources-more.tsv for every corpus document
that has no row yet (issue 14). Rows are copied byte for byte; a document found in neither catalogue
is reported and the script exits 1 (its row must be written by hand).

Run from the repository root after adding documents: `python corpus/add_catalogue_rows.py`.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from ingest.discover import discover  # noqa: E402
from ingest.loaders import read_metadata  # noqa: E402

CATALOGUE = HERE / "catalogue.tsv"
MORE = REPO.parent / "shared" / "corpus-sources-more.tsv"


def rows_by_url(path: Path) -> dict[str, str]:
    """Each data line of a catalogue, as written, keyed by its `source_url`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    column = header.index("source_url")
    rows: dict[str, str] = {}
    for line in lines[1:]:
        if line.strip():
            fields = next(csv.reader([line], delimiter="\t"))
            rows[fields[column]] = line
    return rows


def document_urls(corpus: Path) -> set[str]:
    return {str(read_metadata(p).source_url) for p in discover([corpus]).files}


def add_rows(catalogue: Path = CATALOGUE, more: Path = MORE, corpus: Path = HERE) -> tuple[int, list[str]]:
    """Append the missing rows; return how many were added and the URLs found in neither catalogue."""
    have = rows_by_url(catalogue)
    candidates = rows_by_url(more)
    missing = set(document_urls(corpus)) - set(have)
    # In the order of corpus-sources-more.tsv.
    added = [line for url, line in candidates.items() if url in missing]
    unknown = sorted(missing - set(candidates))
    if added:
        text = catalogue.read_text(encoding="utf-8")
        separator = "" if text.endswith("\n") else "\n"
        catalogue.write_text(text + separator + "\n".join(added) + "\n", encoding="utf-8")
    return len(added), unknown


def main() -> int:
    count, unknown = add_rows()
    print(f"added {count} row(s) to {CATALOGUE.relative_to(REPO)}")
    for url in unknown:
        print(f"no row in either catalogue: {url}", file=sys.stderr)
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
