"""The one settings object: every environment variable tiaojie reads is read here."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse


class SettingsError(ValueError):
    """A variable holds a value tiaojie cannot use; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, not {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}")
    return value


def _list(env: Mapping[str, str], name: str, default: str) -> list[str]:
    return [item.strip() for item in env.get(name, default).split(",") if item.strip()]


@dataclass(frozen=True)
class WitnessConfig:
    """A witness as the deployment lists it: its URL and its cosignature/v1 vkey."""

    url: str
    vkey: str


def _witnesses(env: Mapping[str, str]) -> tuple[WitnessConfig, ...]:
    """TIAOJIE_WITNESSES: `URL VKEY; URL VKEY; ...`."""
    found = []
    for entry in (e.strip() for e in env.get("TIAOJIE_WITNESSES", "").split(";")):
        if not entry:
            continue
        parts = entry.split()
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            msg = f"TIAOJIE_WITNESSES: {entry!r} is not `URL VKEY`"
            raise SettingsError(msg)
        found.append(WitnessConfig(parts[0].rstrip("/"), parts[1]))
    return tuple(found)


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Addresses or networks (`10.0.0.0/8`), each checked."""
    found = []
    for item in _list(env, name, ""):
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(f"{name}: {item!r} is not an address or network") from None
        found.append(item)
    return tuple(found)


@dataclass(frozen=True)
class PostgresAddress:
    host: str
    port: int
    user: str
    password: str
    dbname: str


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None
    postgres_schema: str
    host: str
    port: int
    secret_key: str | None
    token_hours: int
    threads: int
    db_connections: int
    db_timeout: int
    projections_in_process: bool
    center_code: str | None
    court_code: str | None
    procuratorate_code: str | None
    notary_office_code: str | None
    grace_days: int
    supervision_review_months: int
    supervision_reply_months: int
    red_flag_pair_cases: int
    red_flag_pair_days: int
    red_flag_loop_hours: int
    red_flag_cloned_creditors: int
    red_flag_large_percentile: int
    default_threshold_days: int
    conflict_retries: int
    cookie_secure: bool
    aggregate_cache: int
    login_rate: int
    smtp_host: str
    smtp_port: int
    mail_from: str
    sms_outbox: Path | None
    reminder_days: int
    public_url: str
    public_url_configured: bool  # TIAOJIE_PUBLIC_URL set; otherwise it follows host and port
    log_origin: str
    keys_dir: Path | None
    witnesses: tuple[WitnessConfig, ...]
    witness_quorum: int
    media_workers: int
    media_host_addresses: list[str]
    ice_servers: list[str]
    ice_username: str | None
    ice_credential: str | None
    evidence_dir: Path | None
    invitation_hours: int
    pki_dir: Path | None
    cjk_font: Path
    redis_url: str | None
    trusted_proxies: tuple[str, ...]
    sms_per_phone_per_day: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        url = env.get("TIAOJIE_DATABASE_URL", "").strip() or None
        if url is not None and urlparse(url).scheme not in ("postgresql", "postgres", "memory"):
            raise SettingsError(
                "TIAOJIE_DATABASE_URL must be a postgresql:// URL, memory:// or unset"
            )
        projections = env.get("TIAOJIE_PROJECTIONS", "in_process").strip()
        if projections not in ("in_process", "external"):
            raise SettingsError("TIAOJIE_PROJECTIONS must be in_process or external")
        if projections == "external" and url is None:
            raise SettingsError("TIAOJIE_PROJECTIONS=external needs PostgreSQL")
        schema = env.get("TIAOJIE_POSTGRES_SCHEMA", "public").strip() or "public"
        host = env.get("TIAOJIE_HOST", "").strip() or "127.0.0.1"
        port = _int(env, "TIAOJIE_PORT", 8000, 1, 65535)
        public_url = env.get("TIAOJIE_PUBLIC_URL", "").strip()
        if not schema.replace("_", "").isalnum():
            raise SettingsError("TIAOJIE_POSTGRES_SCHEMA must be letters, digits and _")
        witnesses = _witnesses(env)
        return cls(
            witnesses=witnesses,
            witness_quorum=_int(
                env, "TIAOJIE_WITNESS_QUORUM", min(3, len(witnesses)), 0, len(witnesses)
            ),
            data_dir=Path(env.get("TIAOJIE_DATA_DIR", "").strip() or "./var"),
            database_url=url,
            postgres_schema=schema,
            host=host,
            port=port,
            secret_key=env.get("TIAOJIE_SECRET_KEY", "").strip() or None,
            token_hours=_int(env, "TIAOJIE_TOKEN_HOURS", 12, 1, 24 * 30),
            threads=_int(env, "TIAOJIE_THREADS", 32, 1, 512),
            db_connections=_int(env, "TIAOJIE_DB_CONNECTIONS", 10, 2, 200),
            db_timeout=_int(env, "TIAOJIE_DB_TIMEOUT", 5, 1, 300),
            projections_in_process=projections == "in_process",
            center_code=env.get("TIAOJIE_CENTER", "").strip() or None,
            court_code=env.get("TIAOJIE_COURT", "").strip() or None,
            procuratorate_code=env.get("TIAOJIE_PROCURATORATE", "").strip() or None,
            notary_office_code=env.get("TIAOJIE_NOTARY_OFFICE", "").strip() or None,
            supervision_review_months=_int(env, "TIAOJIE_SUPERVISION_REVIEW_MONTHS", 3, 1, 24),
            supervision_reply_months=_int(env, "TIAOJIE_SUPERVISION_REPLY_MONTHS", 3, 1, 24),
            red_flag_pair_cases=_int(env, "TIAOJIE_RED_FLAG_PAIR_CASES", 3, 2, 1000),
            red_flag_pair_days=_int(env, "TIAOJIE_RED_FLAG_PAIR_DAYS", 365, 1, 3650),
            red_flag_loop_hours=_int(env, "TIAOJIE_RED_FLAG_LOOP_HOURS", 24, 1, 720),
            red_flag_cloned_creditors=_int(env, "TIAOJIE_RED_FLAG_CLONED_CREDITORS", 2, 2, 1000),
            red_flag_large_percentile=_int(env, "TIAOJIE_RED_FLAG_LARGE_PERCENTILE", 99, 50, 99),
            grace_days=_int(env, "TIAOJIE_GRACE_DAYS", 7, 0, 365),
            default_threshold_days=_int(env, "TIAOJIE_DEFAULT_THRESHOLD_DAYS", 30, 0, 365),
            conflict_retries=_int(env, "TIAOJIE_CONFLICT_RETRIES", 8, 0, 100),
            login_rate=_int(env, "TIAOJIE_LOGIN_RATE", 20, 1, 100_000),
            smtp_host=env.get("TIAOJIE_SMTP_HOST", "").strip() or "127.0.0.1",
            smtp_port=_int(env, "TIAOJIE_SMTP_PORT", 25, 1, 65535),
            mail_from=env.get("TIAOJIE_MAIL_FROM", "").strip() or "noreply@tiaojie.invalid",
            sms_outbox=Path(env["TIAOJIE_SMS_OUTBOX"]) if env.get("TIAOJIE_SMS_OUTBOX") else None,
            reminder_days=_int(env, "TIAOJIE_REMINDER_DAYS", 3, 0, 60),
            keys_dir=Path(env["TIAOJIE_KEYS_DIR"]) if env.get("TIAOJIE_KEYS_DIR") else None,
            log_origin=env.get("TIAOJIE_LOG_ORIGIN", "").strip() or "tiaojie.local/audit",
            public_url=public_url or f"http://{host}:{port}",
            public_url_configured=bool(public_url),
            aggregate_cache=_int(env, "TIAOJIE_AGGREGATE_CACHE", 10_000, 0, 10_000_000),
            cookie_secure=env.get("TIAOJIE_COOKIE_SECURE", "").strip().lower()
            in ("1", "true", "yes")
            or public_url.startswith("https://"),
            media_workers=_int(env, "TIAOJIE_MEDIA_WORKERS", 1, 0, 64),
            media_host_addresses=_list(env, "TIAOJIE_MEDIA_HOST_ADDRESSES", "127.0.0.1"),
            ice_servers=_list(env, "TIAOJIE_ICE_SERVERS", ""),
            ice_username=env.get("TIAOJIE_ICE_USERNAME", "").strip() or None,
            ice_credential=env.get("TIAOJIE_ICE_CREDENTIAL", "").strip() or None,
            evidence_dir=Path(env["TIAOJIE_EVIDENCE_DIR"])
            if env.get("TIAOJIE_EVIDENCE_DIR")
            else None,
            invitation_hours=_int(env, "TIAOJIE_INVITATION_HOURS", 72, 1, 24 * 90),
            pki_dir=Path(env["TIAOJIE_PKI_DIR"]) if env.get("TIAOJIE_PKI_DIR") else None,
            redis_url=env.get("TIAOJIE_REDIS_URL", "").strip() or None,
            trusted_proxies=_networks(env, "TIAOJIE_TRUSTED_PROXIES"),
            sms_per_phone_per_day=_int(env, "TIAOJIE_SMS_PER_PHONE_PER_DAY", 5, 1, 1000),
            cjk_font=Path(
                env.get("TIAOJIE_CJK_FONT", "").strip()
                or "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
            ),
        )

    def serving_at(self, host: str | None, port: int | None) -> Settings:
        """These settings for a server on `host`:`port` (given on the command line): links in
        invitations point there unless TIAOJIE_PUBLIC_URL says otherwise."""
        host, port = host or self.host, port or self.port
        public_url = self.public_url if self.public_url_configured else f"http://{host}:{port}"
        return dataclasses.replace(self, host=host, port=port, public_url=public_url)

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None and not self.uses_memory

    @property
    def uses_memory(self) -> bool:
        """`memory://`: nothing kept after the process ends (tests, trials)."""
        return self.database_url == "memory://"

    def postgres(self) -> PostgresAddress:
        assert self.database_url is not None
        parsed = urlparse(self.database_url)
        return PostgresAddress(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            dbname=(parsed.path or "/").lstrip("/") or "postgres",
        )

    def jwt_secret(self) -> str:
        """The configured key, or one generated on first start and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "jwt-secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
