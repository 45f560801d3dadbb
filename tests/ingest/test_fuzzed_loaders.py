"""Issue 15, fuzzed loaders: random and mutated Markdown, HTML and PDF bytes, front matter and sidecars.
Every failure is a per-file `DocumentError` naming the file (or its sidecar), never another exception; a
sync over a folder of fuzzed files finishes, reports each bad file, and loses no document: a good file
beside them is indexed and a file that turned bad keeps its previously indexed version."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.embedding import Embedder
from core.errors import DocumentError
from core.settings import Settings
from ingest.loaders import load_document, read_metadata
from ingest.sync import build_ingestor
from tests.conftest import CORPUS

MAX_BYTES = 2**20
SAMPLES = {
    ".md": CORPUS / "markdown" / "haln-vibrant-network-qa.md",
    ".html": CORPUS / "html" / "han-independent-nonprofit-beckers.html",
    ".pdf": CORPUS / "pdf" / "london-win-inclusive-recruitment-gps-pcns.pdf",
}
GOOD = CORPUS / "markdown" / "preston-spend-analysis-guide.md"
FIELDS = ["id", "title", "source_url", "publisher", "doc_type", "nation", "org_type", "themes", "date", "x"]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Edit = tuple[str, int, bytes]


def mutate(original: bytes, edits: list[Edit]) -> bytes:
    data = bytearray(original)
    for kind, at, chunk in edits:
        at = at % (len(data) + 1)
        if kind == "flip" and data:
            data[at % len(data)] ^= chunk[0] or 0xFF
        elif kind == "insert":
            data[at:at] = chunk
        elif kind == "delete":
            del data[at : at + len(chunk) * 8]
        elif kind == "truncate":
            del data[at:]
        elif kind == "overwrite":
            data[at : at + len(chunk)] = chunk
    return bytes(data)


edits = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete", "truncate", "overwrite"]),
        st.integers(0, 10**6),
        st.binary(min_size=1, max_size=24),
    ),
    min_size=1,
    max_size=6,
)
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
metadata_dicts = st.dictionaries(st.sampled_from(FIELDS), yaml_values, max_size=len(FIELDS))


def sidecar_of(sample: Path) -> bytes | None:
    sidecar = sample.with_name(sample.name + ".meta.yaml")
    return sidecar.read_bytes() if sidecar.exists() else None


@st.composite
def fuzzed_file(draw: st.DrawFn, suffix: str) -> tuple[bytes, bytes | None]:
    """(document bytes, sidecar bytes or None), each random, mutated from a real one, or rebuilt with
    random metadata."""
    sample = SAMPLES[suffix]
    original, sidecar = sample.read_bytes(), sidecar_of(sample)
    body = draw(
        st.one_of(st.binary(max_size=2048), edits.map(lambda e: mutate(original, e)), st.just(original))
    )
    if suffix == ".md" and draw(st.booleans()):  # random front matter over the real body
        text = original.decode().split("\n---\n", 1)[-1]
        front = yaml.safe_dump(draw(metadata_dicts), allow_unicode=True)
        body = f"---\n{front}---\n{text}".encode("utf-8", "surrogatepass")
    if sidecar is None:
        return body, None
    side = draw(
        st.one_of(
            st.just(sidecar),
            edits.map(lambda e: mutate(sidecar, e)),
            metadata_dicts.map(
                lambda d: yaml.safe_dump(d, allow_unicode=True).encode("utf-8", "surrogatepass")
            ),
            st.binary(max_size=256),
            st.none(),
        )
    )
    return body, side


def write(folder: Path, name: str, content: tuple[bytes, bytes | None]) -> Path:
    body, sidecar = content
    path = folder / name
    path.write_bytes(body)
    if sidecar is not None:
        path.with_name(path.name + ".meta.yaml").write_bytes(sidecar)
    return path


def assert_loads_or_names_the_file(path: Path) -> None:
    try:
        read_metadata(path)
        load_document(path, MAX_BYTES)
    except DocumentError as error:  # includes the quarantine and image-only-PDF warnings
        assert Path(error.path).name in {path.name, path.name + ".meta.yaml"}, error
        assert error.problem


def fuzz_one(suffix: str, content: tuple[bytes, bytes | None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert_loads_or_names_the_file(write(Path(folder), f"fuzzed{suffix}", content))


@FUZZ
@given(fuzzed_file(".md"))
def test_fuzzed_markdown_and_front_matter(content: tuple[bytes, bytes | None]) -> None:
    fuzz_one(".md", content)


@FUZZ
@given(fuzzed_file(".html"))
def test_fuzzed_html_and_sidecars(content: tuple[bytes, bytes | None]) -> None:
    fuzz_one(".html", content)


@FUZZ
@given(fuzzed_file(".pdf"))
def test_fuzzed_pdf_and_sidecars(content: tuple[bytes, bytes | None]) -> None:
    fuzz_one(".pdf", content)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(sorted(SAMPLES)).flatmap(lambda s: st.tuples(st.just(s), fuzzed_file(s))),
        min_size=3,
        max_size=5,
    )
)
def test_a_sync_over_fuzzed_files_reports_each_and_loses_nothing(
    embedder: Embedder, files: list[tuple[str, tuple[bytes, bytes | None]]]
) -> None:
    root = Path(tempfile.mkdtemp(prefix="haln-fuzz-"))
    try:
        corpus = root / "corpus"
        corpus.mkdir()
        settings_ = Settings(data_dir=root / "data", chroma_url=None, min_free_mb=0)
        shutil.copy(GOOD, corpus / GOOD.name)
        originals = []
        for n, (suffix, _content) in enumerate(files):  # first the real documents, all indexed
            sample = SAMPLES[suffix]
            target = write(corpus, f"doc-{n}{suffix}", (sample.read_bytes(), sidecar_of(sample)))
            text = target.read_text(encoding="utf-8", errors="ignore")
            if suffix == ".md":  # a document id and URL of its own, so the copies do not collide
                text = text.replace("id: haln-vibrant-network-qa", f"id: doc-{n}").replace(
                    "source_url: ", f"source_url: https://example.org/doc-{n}#", 1
                )
                target.write_text(text, encoding="utf-8")
            else:
                side = target.with_name(target.name + ".meta.yaml")
                meta = yaml.safe_load(side.read_text(encoding="utf-8"))
                meta.update(id=f"doc-{n}", source_url=f"https://example.org/doc-{n}")
                side.write_text(yaml.safe_dump(meta), encoding="utf-8")
            originals.append(target)
        ingestor = build_ingestor(settings_, embedder=embedder)
        first = ingestor.sync([corpus])
        assert not first.failed, first.failed
        indexed = set(first.added)

        for target, (_suffix, content) in zip(originals, files, strict=True):  # then they go bad
            side = target.with_name(target.name + ".meta.yaml")
            side.unlink(missing_ok=True)
            write(corpus, target.name, content)
        report = ingestor.sync([corpus])  # must not raise

        named = {Path(p.path).name for p in report.failed + report.warnings}
        for target in originals:
            doc_id = target.stem
            outcome = doc_id in report.updated + report.unchanged + report.added
            assert (
                outcome
                or target.name in named
                or target.name + ".meta.yaml" in named
                or doc_id in report.removed
            )
        live = {m["doc_id"] for m in ingestor.store.load().metadatas}
        assert GOOD.stem in live  # the good document beside them stays indexed
        kept = indexed - set(report.removed)
        assert kept <= live, kept - live  # a file that failed keeps its previous version
    finally:
        shutil.rmtree(root, ignore_errors=True)
