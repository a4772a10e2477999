"""Settings: defaults, and one clear line for every malformed value."""
from __future__ import annotations

from datetime import time

import pytest

from bot.config import ConfigError, file_base_url_for, load_settings


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.token is None
    assert settings.api_base_url == "https://api.telegram.org/bot"
    assert settings.file_base_url == "https://api.telegram.org/file/bot"
    assert str(settings.timezone) == "Asia/Shanghai"
    assert settings.admin_ids == frozenset()
    assert settings.quiet_start == time(21, 0) and settings.quiet_end == time(8, 0)


def test_values_are_read() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "BOT_ADMIN_IDS": " 1, 2 ,3,",
            "ORG_NAME": "博望镇党委",
            "DATABASE_PATH": "/tmp/x.sqlite3",
        }
    )
    assert settings.file_base_url == "http://127.0.0.1:8081/file/bot"
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.org_name == "博望镇党委"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TELEGRAM_BOT_TOKEN": "no-colon"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x/bot"}, "TELEGRAM_API_BASE_URL"),
        ({"TIMEZONE": "Mars/Base"}, "TIMEZONE"),
        ({"BOT_ADMIN_IDS": "12,abc"}, "BOT_ADMIN_IDS"),
        ({"INVITE_TTL_DAYS": "0"}, "INVITE_TTL_DAYS"),
        ({"QUIET_HOURS_START": "25:00"}, "QUIET_HOURS_START"),
        ({"DIGEST_DATE_STYLE": "roman"}, "DIGEST_DATE_STYLE"),
        ({"TELEGRAM_PROXY_URL": "proxy:8080"}, "TELEGRAM_PROXY_URL"),
    ],
)
def test_malformed_settings_name_themselves(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert named in message and "\n" not in message


def test_token_never_in_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": "secret token with spaces:x"})
    assert "secret" not in str(caught.value)


def test_file_url_derivation_for_self_hosted_server() -> None:
    assert file_base_url_for("http://10.0.0.5:8081/bot/") == "http://10.0.0.5:8081/file/bot"
