from __future__ import annotations

import pytest

from app.config import Config, ConfigError, env_bool


def test_it_rejects_unknown_boolean_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ConfigError):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env_bool("X_FLAG") is True


def test_production_requires_a_long_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x/y")
    monkeypatch.setenv("REDIS_URL", "redis://x")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        Config.from_env()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError):
        Config.from_env()
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    cfg = Config.from_env()
    assert cfg.SESSION_COOKIE_SECURE and cfg.SESSION_COOKIE_NAME.startswith("__Host-")
    assert cfg.SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg://")


def test_secrets_can_come_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from pathlib import Path

    secret = Path(str(tmp_path)) / "key"
    secret.write_text("f" * 60 + "\n")
    monkeypatch.setenv("BACKOFFICE_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x/y")
    monkeypatch.setenv("REDIS_URL", "redis://x")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert Config.from_env().SECRET_KEY == "f" * 60


@pytest.mark.parametrize(("name", "raw"), [
    ("ELASTICSEARCH_TIMEOUT", "soon"), ("ELASTICSEARCH_TIMEOUT", "0"), ("ELASTICSEARCH_TIMEOUT", "nan"),
    ("LOGIN_RATE_LIMIT", "lots"), ("LOGIN_MAX_FAILURES", "0"), ("WORKER_HEARTBEAT_SECONDS", "-5"),
    ("WORKER_MAINTENANCE_SECONDS", "ten"),
])
def test_a_bad_operations_setting_stops_the_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str
) -> None:
    monkeypatch.setenv("BACKOFFICE_ENV", "development")
    monkeypatch.setenv(name, raw)
    with pytest.raises(ConfigError, match=name):
        Config.from_env()


def test_operations_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_ENV", "development")
    for name, raw in {"ELASTICSEARCH_TIMEOUT": "1.5", "LOGIN_RATE_LIMIT": "6 per minute", "LOGIN_MAX_FAILURES": "3",
                      "WORKER_HEARTBEAT_SECONDS": "2", "WORKER_MAINTENANCE_SECONDS": "4"}.items():
        monkeypatch.setenv(name, raw)
    cfg = Config.from_env()
    assert (cfg.ELASTICSEARCH_TIMEOUT, cfg.LOGIN_RATE_LIMIT, cfg.LOGIN_MAX_FAILURES) == (1.5, "6 per minute", 3)
    assert (cfg.WORKER_HEARTBEAT_SECONDS, cfg.WORKER_MAINTENANCE_SECONDS) == (2, 4)
