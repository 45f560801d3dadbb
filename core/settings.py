"""Settings, read once from `HALN_*` environment variables (or a `.env` file) and passed down."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

MAX_THREADS = 64
SOURCE_TREE = Path(__file__).resolve().parent.parent  # the checkout this code runs from


def _is_project(folder: Path) -> bool:
    return (folder / "corpus").is_dir() or (folder / ".env").is_file()


def find_project_root(start: Path | None = None) -> Path:
    """Where relative paths (data, corpus, question sets, `.env`) are read from, so `haln` works the same
    from any folder: HALN_PROJECT_ROOT when set; else the nearest folder, from the working one up, holding
    a `corpus` folder or a `.env` file; else the source checkout this code runs from, when it has a
    corpus; else the working folder."""
    given = os.environ.get("HALN_PROJECT_ROOT")
    if given:
        return Path(given).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_project(folder):
            return folder
    return SOURCE_TREE if _is_project(SOURCE_TREE) else here


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HALN_", env_file=".env", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The `.env` file is the project root's, whatever the working folder."""
        dotenv = DotEnvSettingsSource(settings_cls, env_file=find_project_root() / ".env")
        return init_settings, env_settings, dotenv, file_secret_settings

    project_root: Path = Field(
        default_factory=find_project_root,
        description="Folder that relative paths (data_dir, corpus_dir, questions_dir) are read from. Unset: "
        "the nearest folder from the working one up with a `corpus` folder or a `.env` file, else the "
        "source checkout — so `haln` works the same from any folder.",
    )

    data_dir: Path = Field(
        Path("./data"), description="Where the embedded Chroma index and the SQLite database live."
    )
    corpus_dir: Path = Field(Path("./corpus"), description="Default folder that `haln ingest` reads.")
    questions_dir: Path = Field(
        Path("./evals/questions"), description="Eval question sets (`haln eval`, `haln check`)."
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (`chroma run`), e.g. http://127.0.0.1:8001. "
        "Unset: embedded Chroma under data_dir.",
    )
    collection_prefix: str = Field(
        "haln", description="Prefix of the Chroma collection name; the rest is the index fingerprint."
    )
    embedder: Literal["torch", "onnx-int8"] = Field(
        "torch",
        description="Embedding runtime: torch (default) or the int8 ONNX Runtime export made by "
        "`make install`. Each has its own index; switch, then run `haln ingest`.",
    )
    embed_batch_size: int = Field(64, ge=1, le=1024, description="Chunks embedded per batch.")
    query_runtime: Literal["onnx", "torch"] = Field(
        "onnx",
        description="How question vectors are computed with the torch embedder: onnx (default) uses the fp32 "
        "ONNX Runtime export of the same weights made by `make install` (same vectors, about 2.5x faster "
        "for one question); torch uses torch.",
    )
    query_threads: int = Field(
        0,
        ge=0,
        le=MAX_THREADS,
        description="Threads of the ONNX Runtime embedders (questions, small batches, the int8 embedder). "
        "0: all cores, or under `haln serve` the cores shared out between its workers' answer threads.",
    )
    chunk_size: int = Field(256, ge=64, le=2048, description="Chunk size in tokens (SentenceSplitter).")
    chunk_overlap: int = Field(32, ge=0, le=512, description="Token overlap between neighbouring chunks.")
    max_file_mb: float = Field(
        20.0, gt=0, description="Files larger than this many MiB (2^20 bytes) are refused at ingest."
    )
    min_free_mb: float = Field(
        500.0,
        ge=0,
        description="Ingest refuses to write when the filesystem of data_dir has less free space than this "
        "many MiB: a full disk fails inside Chroma's compaction and takes the index offline. An index "
        "snapshot is not saved when it would leave less than this free (its size estimated from the last "
        "one saved); the index keeps serving. 0: no check. With HALN_CHROMA_URL the Chroma server's own "
        "disk is not checked.",
    )
    ingest_lock_wait_s: float = Field(
        0.0,
        ge=0,
        description="How long an ingest waits, in seconds, for another ingest of the same index to finish "
        "before refusing with a message naming it (pid, host, start time). 0: refuse at once.",
    )
    index_snapshots: bool = Field(
        True,
        description="Save the built search index beside the store, keyed by the store's content version, "
        "so a worker or replica at the same version restores it (memory-mapped, about a second at 100k "
        "chunks) instead of rebuilding it (about 30 s). Off: every process builds its own.",
    )
    snapshot_dir: Path | None = Field(
        None,
        description="Where index snapshots are kept. Unset: data_dir/index-snapshots. Replicas that share "
        "this folder (a shared volume) share one build per content version; otherwise each machine builds "
        "once and its workers share that.",
    )
    index_check_s: float = Field(
        5.0,
        gt=0,
        le=300,
        description="How often, in seconds, an API worker checks the store's content version to pick up an "
        "ingest, a delete or a rebuild made by any process or replica.",
    )

    backend: Literal["extractive", "llm"] = Field(
        "extractive", description="Answer backend: offline extractive composer, or an OpenAI-compatible LLM."
    )
    top_k: int = Field(8, ge=1, le=30, description="Sources retrieved per question.")
    answer_threads: int = Field(
        2,
        ge=1,
        le=MAX_THREADS,
        description="Extractive answers computed at once in each API worker; others wait in arrival "
        "order. Two keep a core busy while the other answer embeds its question; more only contend.",
    )
    refusal_threshold: float = Field(
        0.42,
        ge=0,
        le=1,
        description="Minimum retrieval confidence to answer; below it the assistant says the corpus does "
        "not cover the question. Calibrated on the dev, check and practitioner sets: questions the corpus "
        "cannot answer score at most 0.38 (0.40 where a missing fact caps them), answerable ones at least "
        "0.435 (a long start question in the asker's own words), so the threshold sits between.",
    )
    llm_base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1."
    )
    llm_model: str = Field("gpt-4o-mini", description="Model name sent to the LLM server.")
    llm_api_key: str = Field(
        "not-needed", description="API key for the LLM server (local servers ignore it)."
    )
    llm_timeout_s: float = Field(30.0, gt=0, description="Timeout of one LLM request, in seconds.")
    llm_max_retries: int = Field(1, ge=0, le=5, description="Retries of a failed LLM request.")
    llm_max_tokens: int = Field(512, ge=16, description="Maximum tokens the LLM may generate per answer.")

    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the feedback/answer-log database, e.g. "
        "postgresql+psycopg://user:pass@host/db. Unset: SQLite (WAL) at data_dir/haln.db.",
    )
    log_questions: bool = Field(
        True, description="Store asked questions with the answer log (they may contain personal data)."
    )
    log_retention_days: int = Field(30, ge=1, description="Answer-log rows older than this are deleted.")
    api_keys: str = Field(
        "", description="Comma-separated client API keys for the answer endpoints. Empty: no key needed."
    )
    admin_api_key: str | None = Field(
        None,
        description="Bearer token for admin endpoints (ingest, delete, feedback list). Unset: admin off.",
    )
    rate_limit_per_minute: int = Field(
        120,
        ge=1,
        description="Answer requests (/v1/answer, /v1/chat/completions) per minute per API key or IP, and "
        "per end user when the portal forwards one (X-HALN-User, or the chat body's `user`).",
    )
    key_rate_limit_per_minute: int = Field(
        1200,
        ge=1,
        description="Answer requests per minute one API key may make over all the end users it forwards "
        "(X-HALN-User): forwarded ids split a key's budget, they do not multiply it.",
    )
    read_rate_limit_per_minute: int = Field(
        600, ge=1, description="Source and model list requests per minute, counted as answers are."
    )
    feedback_rate_limit_per_minute: int = Field(
        120,
        ge=1,
        description="Feedback posts per minute, counted apart from answers so none is lost to them.",
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where rate limits are counted, as a `limits` storage URI: `memory://` per worker "
        "process; a shared one (e.g. `redis://host:6379`) for all workers together.",
    )
    max_body_bytes: int = Field(2_000_000, ge=1024, description="Largest accepted request body (413 above).")
    body_timeout_s: float = Field(
        30.0,
        gt=0,
        description="A request body must arrive whole within this many seconds of the server starting to "
        "read it; a stalled or trickled body gets 408 and its connection is closed.",
    )
    keep_alive_s: int = Field(
        5, ge=1, description="An idle keep-alive connection is closed after this many seconds (uvicorn)."
    )
    cors_origins: str = Field("", description="Comma-separated origins allowed by CORS (the portal's URL).")
    api_url: str = Field("http://127.0.0.1:8000", description="Where the chat UI finds the answer API.")
    ui_api_key: str | None = Field(None, description="API key the chat UI sends, when the API requires keys.")

    @model_validator(mode="after")
    def _absolute_paths(self) -> Settings:
        """Relative paths are read from the project root, never from the working folder."""
        root = self.project_root.expanduser().resolve()
        self.project_root = root
        for name in ("data_dir", "corpus_dir", "questions_dir"):
            path = getattr(self, name).expanduser()
            setattr(self, name, path if path.is_absolute() else root / path)
        return self

    def shown(self, path: Path | str) -> str:
        """A path for a message: relative to the project root when inside it, else absolute."""
        absolute = Path(path).absolute()
        try:
            return str(absolute.relative_to(self.project_root))
        except ValueError:
            return str(absolute)

    @property
    def api_key_set(self) -> set[str]:
        return {k.strip() for k in self.api_keys.split(",") if k.strip()}

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'haln.db').resolve()}"

    @property
    def snapshot_path(self) -> Path:
        return self.snapshot_dir or self.data_dir / "index-snapshots"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def uploads_dir(self) -> Path:
        """Documents uploaded through the admin API, one folder each: part of the managed corpus."""
        return self.data_dir / "uploads"

    def managed_folders(self) -> list[Path]:
        """What a plain `haln ingest` syncs: the corpus folder and the uploads folder (when present)."""
        return [self.corpus_dir] + ([self.uploads_dir] if self.uploads_dir.is_dir() else [])

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)
