"""The one settings object, read from `SOAPSCRIBE_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlp.asr.registry import BackendName

DiarizationMethod = Literal["auto", "channels", "voices", "off"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOAPSCRIBE_", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite in the data dir")
    broker_url: str | None = Field(default=None, description="unset: embedded worker; redis://...: Celery")
    broker_key_prefix: str = Field(default="", description="prefix of every Redis key the broker uses, so "
                                                           "several deployments can share one Redis database")
    models_dir: Path | None = Field(default=None, description="cache of joined/converted weights; default: data dir")

    asr_backend: BackendName = "faster-whisper"
    asr_model: str = "tiny.en"
    asr_compute_type: str = "int8"
    asr_beam_size: int = Field(default=1, ge=1, le=10)
    # Measured (benchmarks/RESULTS.md, correction): with tiny.en, hotwords find more drug names than the prompt
    # at a lower WER, and both together are worst; openai-whisper has no hotwords (turn the prompt on there).
    asr_vocabulary_prompt: bool = Field(default=False, description="give the topic's terms as Whisper's initial "
                                        "prompt (read for the first 30 s only)")
    asr_vocabulary_hotwords: bool = Field(default=True, description="give the topic's terms to faster-whisper as "
                                          "`hotwords` (read before every 30 s window)")
    asr_threads: int = Field(default=0, ge=0, description="0: CTranslate2 picks")
    asr_vocabulary_correction: bool = Field(default=True, description="correct misheard drug names against the "
                                                                      "topic's lexicon, keeping the heard word")
    asr_vocabulary_rescoring: bool = Field(default=True, description="a term of the consultation's vocabulary "
                                           "(chart, upload, clinic) missing from the transcript is looked for where "
                                           "Whisper was unsure, and written where Whisper, reading that audio again, "
                                           "finds it likelier (faster-whisper only)")
    # 60 s: faster-whisper's VAD and features for a 300 s window cost 250 MB more at the peak, for the same words.
    asr_window_seconds: float = Field(default=60.0, ge=30, description="a recording is decoded and recognised "
                                      "this many seconds at a time (cut at a pause), so memory does not grow "
                                      "with its length")
    diarization: DiarizationMethod = Field(default="auto", description="who spoke: auto (by channel for a stereo "
                                           "recording with one speaker a channel, else by voice), channels, "
                                           "voices, off")
    diarization_min_speakers: int = Field(default=1, ge=1, le=8)
    diarization_max_speakers: int = Field(default=4, ge=1, le=8)
    diarization_threshold: float = Field(default=0.35, gt=0, lt=2, description="cosine distance between two "
                                         "voices' embeddings above which they are different people")

    topic: str = "leg_cramps"
    topics_dir: Path | None = Field(
        default=None, description="a folder of topic folders (each holding lexicon.yaml, drugs.yaml, ...) to take "
                                  "`topic` from; default: the built-in knowledge/topics")
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    max_transcript_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    max_audio_seconds: float = Field(default=2 * 3600.0, gt=0, description="a recording longer than this is "
                                     "refused at upload (413), before it is stored or queued")
    templates_dir: Path | None = Field(
        default=None, description="a clinic's note templates (note.md.j2, note.txt.j2, note.html.j2), each "
                                  "overriding the built-in one of that name")
    note_plan_dir: Path | None = Field(
        default=None, description="a clinic's note plan folder (plan.yaml, its style and register files; "
                                  "`soapscribe style learn` writes the style); default: knowledge/note_plan")

    embedded_worker: bool = True
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    job_lease_seconds: float = Field(default=120.0, gt=0)
    job_max_attempts: int = Field(default=3, ge=1)
    worker_concurrency: int = Field(default=1, ge=1, description="jobs one `soapscribe worker` runs at once "
                                                                  "(Celery threads; each job holds the models)")
    job_sweep_seconds: float = Field(default=5.0, gt=0, description="with a broker: how often a worker re-sends "
                                                                    "jobs that have no message out")
    worker_alive_file: Path | None = Field(default=None, description="a file `soapscribe worker` touches on "
                                                                     "every loop, for container health checks")
    job_redispatch_seconds: float = Field(default=300.0, gt=0, description="with a broker: a queued job whose "
                                          "message was sent this long ago and not taken is sent again")

    webhook_secret: str | None = Field(default=None, description="HMAC-SHA256 key that signs webhook bodies of "
                                       "tenants without their own (`soapscribe keys webhook-secret`); a "
                                       "`callback_url` is accepted only when one of the two is set")
    webhook_allowed_networks: list[str] = Field(default_factory=list, description="networks (CIDR) or host names "
                                                "a callback URL may reach although they are loopback, private or "
                                                "link-local (JSON list, e.g. [\"10.1.0.0/16\"]); others are refused")
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_max_attempts: int = Field(default=10, ge=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    public_url: str | None = Field(default=None, description="the API's external base URL, for `note_url` in "
                                                             "webhooks; unset: a path")

    events_poll_seconds: float = Field(default=0.5, gt=0, description="how often an event stream checks "
                                                                     "a consultation for changes")
    events_max_seconds: float = Field(default=3600.0, gt=0, description="an event stream ends after this long")

    ehr_client_id: str = Field(default="soapscribe", description="the review app's SMART client_id at the EHR")
    ehr_fhir_servers: list[str] = Field(default_factory=list, description="FHIR base URLs besides loopback ones "
                                                                          "that may launch the review app (JSON list)")
    ehr_tenant: str = Field(default="ehr", description="the tenant whose consultations SMART-launched reviews use")

    require_recording_consent: bool = Field(default=True, description="refuse an audio upload that does not "
                                            "record the patient's consent to being recorded (422 consent-required)")
    audio_retention_days: int = Field(default=30, ge=0, description="days after which a consultation's recording "
                                      "is purged (transcript, findings and note stay); 0: keep recordings forever")
    retention_sweep_seconds: float = Field(default=3600.0, gt=0, description="how often each worker purges the "
                                           "recordings that are past the retention period")

    encryption_key_file: Path | None = Field(default=None, description="file of encryption keys, one "
                                             "'<id> <base64 key>' a line, the first active; default: "
                                             "<data dir>/encryption.keys, generated on first use")
    encryption_key: SecretStr | None = Field(default=None, description="one base64 AES-256 key, used as the "
                                             "active key before those of the key file")

    sqlite_busy_timeout_seconds: float = Field(default=30.0, gt=0, description="how long a write waits for "
                                               "another writer's lock on the SQLite file before the request is "
                                               "answered 503 (Retry-After)")

    log_level: str = "INFO"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'soapscribe.db').resolve()}"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def model_cache_dir(self) -> Path:
        return self.models_dir or self.data_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once per process; tests build their own `Settings` instead."""
    return Settings()
