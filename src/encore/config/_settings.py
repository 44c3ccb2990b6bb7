"""Settings are validated once at start; a bad value stops Encore with a clear message."""

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from encore.kernel import GEN0_THRESHOLD, EncoreError

DEFAULT_SECRET_KEY = "encore-insecure-default-key-change-me"  # noqa: S105 - refused outside demo/dev


# OWASP's argon2id configurations range from 46 MiB x 1 pass to 7 MiB x 5 passes: the floor is the last.
PASSWORD_HASH_FLOOR_MEMORY_KIB = 7 * 1024
PASSWORD_HASH_FLOOR_WORK = PASSWORD_HASH_FLOOR_MEMORY_KIB * 5


class SettingsError(EncoreError):
    code = "bad_settings"


class Settings(BaseSettings):
    """Everything an operator can set. Env `ENCORE_<NAME>`; TOML file from `ENCORE_CONFIG`."""

    model_config = SettingsConfigDict(env_prefix="ENCORE_", extra="forbid")

    mode: Literal["production", "demo", "dev"] = "production"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    data_dir: Path = Path("var")
    database_url: str | None = None
    # Connections each process keeps to the database, the extra ones it may open under load, and how long a
    # request waits for one before it is answered 503 with Retry-After (busy, not broken). FastAPI's 40 worker
    # threads are why the overflow is 40 (db._engine). Not used by an in-memory SQLite database.
    db_pool_size: int = Field(default=8, ge=1, le=1000)
    db_pool_overflow: int = Field(default=40, ge=0, le=1000)
    db_pool_timeout_s: float = Field(default=30.0, gt=0, le=600)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_base_url: str = "http://127.0.0.1:8000"
    # Shared state (ad clocks, open plays, rate windows, slots): in this process when unset; Redis for
    # several workers or machines, e.g. redis://127.0.0.1:6379/0 or unix:///run/redis/redis.sock
    redis_url: str | None = Field(default=None, pattern=r"^(redis|rediss|unix)://")
    redis_prefix: str = Field(default="encore:", pattern=r"^[A-Za-z0-9:._-]{0,40}$")
    # Worker processes of `encore serve` (None: 1 without Redis, one per core with it)
    workers: int | None = Field(default=None, ge=1, le=64)
    # With several workers, uvicorn's supervisor pings each one and replaces a worker that does not answer within
    # this many seconds (uvicorn's own 5 s killed workers still starting on a busy 2-core machine, over and over);
    # a worker that dies during a ping is noticed only then. docs/deploy.md says when to raise or lower it.
    worker_healthcheck_s: int = Field(default=30, ge=1, le=3600)

    # The serving process's cyclic garbage collector (kernel.settle_heap): container allocations between two
    # young-generation passes. Higher costs less CPU and holds more short-lived garbage; Python's own is 700.
    gc_young_threshold: int = Field(default=GEN0_THRESHOLD, ge=100, le=1_000_000)

    # Background jobs (imports, exports, Wrapped builds): `encore serve` runs this many job workers itself;
    # 0 when separate `encore worker` processes take the queue (Redis mode, many nodes).
    jobs_in_process: int = Field(default=1, ge=0, le=16)

    # Streaming
    stream_url_ttl_s: int = Field(default=600, ge=10, le=86_400)
    # After `encore keys rotate`, how long URLs and secrets made under the previous keys keep working (#15).
    key_grace_s: int = Field(default=86_400, ge=0, le=90 * 86_400)
    streaming_mode: Literal["embedded", "edge"] = "embedded"
    edge_base_url: str = "http://127.0.0.1:8080"
    # On-the-fly MP3 transcodes at once (Subsonic); beyond it clients are told to retry. 0 turns them off.
    max_transcodes: int = Field(default=4, ge=0, le=64)

    # Accounts
    session_ttl_days: int = Field(default=30, ge=1, le=365)
    login_attempts_per_account: int = Field(default=5, ge=1)
    login_attempts_per_client: int = Field(default=30, ge=1)
    login_window_s: int = Field(default=900, ge=1)
    allow_signup: bool = True
    signups_per_client_per_hour: int = Field(default=5, ge=1)
    # Password hashing (argon2id): OWASP's recommendation by default. Cheaper parameters than OWASP's weakest
    # listed configuration (7 MiB with 5 passes, i.e. memory x passes >= 35,840 KiB and memory >= 7 MiB) are
    # refused unless password_hash_below_floor_for_tests is set: the test suite's switch, refused in production.
    # Hashes made with other parameters still verify and are rehashed at the next log-in.
    password_hash_time_cost: int = Field(default=2, ge=1, le=64)
    password_hash_memory_kib: int = Field(default=19 * 1024, ge=8, le=4 * 1024 * 1024)
    password_hash_parallelism: int = Field(default=1, ge=1, le=16)
    password_hash_below_floor_for_tests: bool = False
    # Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or CIDR networks,
    # comma-separated in the environment); from any other peer the headers are ignored and the peer address is
    # the client. Loopback by default (as uvicorn and gunicorn do): a TLS proxy on the same machine works as
    # is. List a proxy on another machine; set it empty to believe no one.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["127.0.0.1", "::1"])

    # Ingest
    ingest_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1)
    # A request body that sends nothing for this long is cut off with 408 (uvicorn has no body timeout), and so
    # is one slower on average than the minimum rate once this long has passed (Apache mod_reqtimeout's
    # `body=20,MinRate=500` rule: each 500 bytes received buy one more second).
    body_idle_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    body_min_bytes_per_s: int = Field(default=500, ge=1)
    # Uploads (audio, covers, images, lyrics files, history imports) one account may be sending at once;
    # beyond it 429 with Retry-After. Each one holds a worker's attention and a temp file, not a connection.
    uploads_per_account: int = Field(default=4, ge=1, le=64)

    # Entitlements: Premium plan, trial and free-tier ad pacing (None = 1800 s, 60 s in demo mode)
    premium_plan: str = Field(default="premium-monthly", pattern=r"^[a-z0-9-]{1,32}$")
    premium_price_cents: int = Field(default=999, ge=0)
    premium_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    premium_period_days: int = Field(default=30, ge=1, le=366)
    trial_days: int = Field(default=0, ge=0, le=90)
    ad_interval_s: int | None = Field(default=None, ge=10, le=86_400)
    # A free listener's audio: this much of each play at full speed, then paced at this multiple of real
    # time, so a skip is charged close to what was heard (0 turns pacing off)
    free_burst_s: int = Field(default=10, ge=0, le=600)
    free_pace_x: float = Field(default=2.0, ge=0, le=64)
    # Labels: the share of subscription revenue paid to rights holders (ad revenue goes in whole)
    royalty_payout_share_pct: int = Field(default=70, ge=0, le=100)

    # Stripe (checkout is offered only when the secret key, webhook secret and price id are all set)
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_price_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{1,100}$")
    stripe_api_base: str = Field(default="https://api.stripe.com", pattern=r"^https?://[^/?#]+$")
    stripe_webhook_tolerance_s: int = Field(default=300, ge=10, le=3600)

    # Buy links: retailer name -> https URL template with {upc} {isrc} {artist} {title} (URL-encoded when filled)
    retailers: dict[str, str] = Field(
        default_factory=lambda: {
            "Bandcamp": "https://bandcamp.com/search?q={artist}%20{title}",
            "Qobuz": "https://www.qobuz.com/search?q={artist}%20{title}",
            "7digital": "https://us.7digital.com/search?q={upc}",
        }
    )

    # Buy links on releases that are not out yet (pre-orders); off: they appear on the release date
    retail_preorders: bool = False

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        return [p.strip() for p in value.split(",") if p.strip()] if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the bad entry
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        """A URL SQLAlchemy reads, of a database Encore runs on (probe25b M2: "notaurl" ended every command in a
        traceback). The message never repeats the URL: it may hold a password."""
        if not value:
            return value
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            backend = None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(
                "not a database URL Encore can use; write postgresql://USER:PASSWORD@HOST:5432/DATABASE, or leave it "
                "unset for SQLite in ENCORE_DATA_DIR"
            )
        return value

    @field_validator("public_base_url", "edge_base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        """An absolute http(s) address, without its trailing slash: links made from it are absolute (probe25b M4:
        "music.example.org" told phones and share pages a relative path)."""
        return absolute_base_url(value)

    @field_validator("retailers")
    @classmethod
    def _check_retailers(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {"upc", "isrc", "artist", "title"}
        for name, template in value.items():
            if not re.fullmatch(r"[A-Za-z0-9 ._-]{1,40}", name):
                raise ValueError(f"retailer name {name!r}: letters, digits, space . _ - (max 40)")
            if not template.startswith("https://") or "{" in template.split("/", 3)[2]:
                raise ValueError(f"retailer {name!r}: template must be an https URL with a fixed host")
            fields = set(re.findall(r"{([^{}]*)}", template))
            if not fields or not fields <= allowed:
                raise ValueError(f"retailer {name!r}: placeholders must be among {sorted(allowed)}")
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        key = self.secret_key.get_secret_value()
        if self.mode == "production" and key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "ENCORE_SECRET_KEY is the built-in default; set a long random secret "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) "
                "or run with ENCORE_MODE=demo or ENCORE_MODE=dev"
            )
        if self.mode == "production" and len(key) < 32:
            raise ValueError("ENCORE_SECRET_KEY must be at least 32 characters")
        return self

    @model_validator(mode="after")
    def _refuse_weak_password_hashing(self) -> "Settings":
        memory, passes = self.password_hash_memory_kib, self.password_hash_time_cost
        if memory < 8 * self.password_hash_parallelism:  # argon2's own minimum
            raise ValueError("ENCORE_PASSWORD_HASH_MEMORY_KIB must be at least 8 KiB per lane of parallelism")
        if self.mode == "production" and self.password_hash_below_floor_for_tests:
            raise ValueError(
                "ENCORE_PASSWORD_HASH_BELOW_FLOOR_FOR_TESTS is the test suite's switch; a production server "
                "refuses it (unset it)"
            )
        weak = memory < PASSWORD_HASH_FLOOR_MEMORY_KIB or memory * passes < PASSWORD_HASH_FLOOR_WORK
        if weak and not self.password_hash_below_floor_for_tests:
            raise ValueError(
                f"password hashing at {memory} KiB x {passes} passes is below OWASP's weakest argon2id "
                f"configuration ({PASSWORD_HASH_FLOOR_MEMORY_KIB} KiB x 5 passes); raise "
                "ENCORE_PASSWORD_HASH_MEMORY_KIB or ENCORE_PASSWORD_HASH_TIME_COST (defaults: 19456 KiB x 2)"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'encore.db').resolve()}"

    @property
    def shown_database_url(self) -> str:
        """The database's URL as a message may print it: its password `***`."""
        return make_url(self.resolved_database_url).render_as_string(hide_password=True)

    @property
    def configured_public_base_url(self) -> str | None:
        """ENCORE_PUBLIC_BASE_URL without its trailing slash when the operator set it (environment, file or
        arguments), None when it is only the default: absolute links use it rather than the request's Host."""
        return self.public_base_url.rstrip("/") if "public_base_url" in self.model_fields_set else None

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def ad_interval(self) -> int:
        if self.ad_interval_s is not None:
            return self.ad_interval_s
        return 60 if self.mode == "demo" else 1800

    @property
    def is_demo(self) -> bool:
        return self.mode in ("demo", "dev")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = os.environ.get("ENCORE_CONFIG")
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)


def absolute_base_url(value: str) -> str:
    """`value` as a base for absolute links (pure): http or https, a host, no query or fragment; its trailing
    slashes dropped. ValueError says what is missing."""
    parts = urlsplit(value.strip())
    example = "e.g. https://music.example.org"
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{value!r} is not an absolute address: it needs http:// or https:// ({example})")
    if not parts.hostname:
        raise ValueError(f"{value!r} names no host ({example})")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        raise ValueError(f"{value!r}: its port is not a number from 1 to 65535") from None
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError(f"{value!r} may not hold a query (?) or fragment (#): links are made by appending a path")
    return value.strip().rstrip("/")


ENV_PREFIX = "ENCORE_"
# Read outside `Settings`: the TOML file's path, `make screenshots`' switch (servers started by the suite
# may inherit it), and the memory benchmark's tracing of `encore serve` (cli._serve_memtrace, bench only).
OTHER_ENV_NAMES = frozenset(
    {"ENCORE_CONFIG", "ENCORE_SCREENSHOTS"}
    | {f"ENCORE_MEMTRACE_{name}" for name in ("DIR", "EVERY_S", "FRAMES", "SNAP_AT")}
)


def known_env_names() -> frozenset[str]:
    return frozenset(ENV_PREFIX + name.upper() for name in Settings.model_fields) | OTHER_ENV_NAMES


def unknown_env_reasons(environ: Mapping[str, str]) -> list[str]:
    """One reason per `ENCORE_*` variable Encore does not read, naming the closest known name.

    A typo such as ENCORE_DATABSE_URL would otherwise be ignored and the server would start on defaults
    (here: SQLite under var/) that the operator never chose.
    """
    known = sorted(known_env_names())
    reasons = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known:
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else " (Encore's settings: src/encore/config/_settings.py)"
        reasons.append(f"unknown setting {name}{hint}")
    return reasons


def load_settings(**overrides: Any) -> Settings:
    """Build Settings or raise SettingsError with every problem spelled out."""
    unknown = unknown_env_reasons(os.environ)
    if unknown:
        raise SettingsError("invalid settings: " + "; ".join(unknown))
    config = os.environ.get("ENCORE_CONFIG")
    if config and not Path(config).is_file():
        raise SettingsError(f"ENCORE_CONFIG points to {config!r}, which is not a file")
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as exc:  # the parser's own words carry the line and column
        raise SettingsError(f"ENCORE_CONFIG file {config} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from exc
