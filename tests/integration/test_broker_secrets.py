"""Broker secrets come from the environment only and never leave it: a settings file holding one
is refused, and a bridge that echoes the token in its errors gets it redacted from every log
line, error, decision, order, broker status, reconciliation and halt the desk records."""

import json
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import respx
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from orchestrator.desk import Desk
from orchestrator.errors import AiHalted, BrokerUnavailable, DeskError
from orchestrator.settings import SettingsError, load_settings
from store.db import session_scope
from store.models import OrderRow, ReconciliationRow
from tests.broker_fakes import MT5_TOKEN, MT5_URL, FakeMt5Bridge
from tests.broker_http_fakes import ALPACA_KEY_ID, ALPACA_SECRET_KEY
from tests.desk_helpers import queue_idea
from tools.account import Direction
from tools.brokers.base import BrokerError, OrderRequest
from tools.brokers.mt5 import Mt5Broker, Mt5Settings
from tools.lifecycle import IdeaStatus

REDACTED = "[redacted]"
ECHO = f"Authorization: Bearer {MT5_TOKEN} is not valid here"


# --- where secrets come from ------------------------------------------------------------------


def test_load_settings_when_mt5_secret_in_env_then_loaded_and_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COUNTERSIGN_BROKERS__MT5__BASE_URL", MT5_URL)
    monkeypatch.setenv("COUNTERSIGN_BROKERS__MT5__TOKEN", MT5_TOKEN)

    settings = load_settings()

    mt5 = settings.brokers.mt5
    assert mt5 is not None
    assert mt5.root_url() == MT5_URL and mt5.token.get_secret_value() == MT5_TOKEN
    for shown in (str(settings), repr(settings), settings.model_dump_json(), repr(mt5)):
        assert MT5_TOKEN not in shown


def test_load_settings_when_alpaca_keys_in_env_then_loaded_and_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COUNTERSIGN_BROKERS__ALPACA__KEY_ID", ALPACA_KEY_ID)
    monkeypatch.setenv("COUNTERSIGN_BROKERS__ALPACA__SECRET_KEY", ALPACA_SECRET_KEY)

    settings = load_settings()

    alpaca = settings.brokers.alpaca
    assert alpaca is not None
    assert alpaca.key_id.get_secret_value() == ALPACA_KEY_ID
    assert alpaca.secret_key.get_secret_value() == ALPACA_SECRET_KEY
    for shown in (str(settings), repr(settings), settings.model_dump_json()):
        assert ALPACA_KEY_ID not in shown and ALPACA_SECRET_KEY not in shown


def test_load_settings_when_file_has_broker_settings_and_env_the_token_then_both_apply(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "desk.toml"
    config.write_text(f'[brokers.mt5]\nbase_url = "{MT5_URL}"\nread_attempts = 2\n')
    monkeypatch.setenv("COUNTERSIGN_CONFIG_FILE", str(config))
    monkeypatch.setenv("COUNTERSIGN_BROKERS__MT5__TOKEN", MT5_TOKEN)

    mt5 = load_settings().brokers.mt5

    assert mt5 is not None
    assert (mt5.root_url(), mt5.read_attempts) == (MT5_URL, 2)
    assert mt5.token.get_secret_value() == MT5_TOKEN


def test_load_settings_when_toml_holds_the_mt5_token_then_refused_naming_the_env_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "desk.toml"
    config.write_text(f'[brokers.mt5]\nbase_url = "{MT5_URL}"\ntoken = "{MT5_TOKEN}"\n')
    monkeypatch.setenv("COUNTERSIGN_CONFIG_FILE", str(config))

    with pytest.raises(SettingsError) as refused:
        load_settings()

    message = str(refused.value)
    assert "brokers.mt5.token" in message and "COUNTERSIGN_BROKERS__MT5__TOKEN" in message
    assert MT5_TOKEN not in message


def test_load_settings_when_default_toml_holds_alpaca_keys_then_refused_naming_each(
    tmp_path: Path,
) -> None:
    # the working directory is tmp_path (tests/conftest.py), where countersign.toml is looked up
    (tmp_path / "countersign.toml").write_text(
        f'[brokers.alpaca]\nkey_id = "{ALPACA_KEY_ID}"\nsecret_key = "{ALPACA_SECRET_KEY}"\n'
    )

    with pytest.raises(SettingsError) as refused:
        load_settings()

    message = str(refused.value)
    for name in ("COUNTERSIGN_BROKERS__ALPACA__KEY_ID", "COUNTERSIGN_BROKERS__ALPACA__SECRET_KEY"):
        assert name in message
    assert ALPACA_KEY_ID not in message and ALPACA_SECRET_KEY not in message


def test_load_settings_when_a_broker_setting_is_invalid_then_the_error_does_not_echo_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COUNTERSIGN_BROKERS__MT5__BASE_URL", "not a url")
    monkeypatch.setenv("COUNTERSIGN_BROKERS__MT5__TOKEN", MT5_TOKEN)

    with pytest.raises(SettingsError, match="COUNTERSIGN_BROKERS__MT5__BASE_URL") as refused:
        load_settings()

    assert MT5_TOKEN not in str(refused.value)


# --- secrets never leave the adapter ----------------------------------------------------------


def _everything_stored(engine: Engine) -> str:
    """Every row of every table, as text."""
    tables = MetaData()
    tables.reflect(bind=engine)
    with engine.connect() as conn:
        return "\n".join(
            json.dumps([table.name, *map(str, row)])
            for table in tables.sorted_tables
            for row in conn.execute(table.select())
        )


def _raised(
    error: type[DeskError], call: Callable[..., object], *args: object, **kwargs: object
) -> str:
    """What a desk call raised (it must raise `error`), with its details, as text."""
    with pytest.raises(error) as raised:
        call(*args, **kwargs)
    return f"{raised.value} {raised.value!r} {json.dumps(raised.value.details, default=str)}"


@pytest.fixture
def desk(mt5_configured_desk: Desk) -> Desk:
    return mt5_configured_desk


def test_broker_errors_when_they_echo_the_token_then_it_is_in_no_log_error_or_row(
    desk: Desk, mt5_bridge: FakeMt5Bridge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    raised: list[str] = []

    # use_broker: the connection test fails with the token in a JSON message, then in a 401 text
    mt5_bridge.fail_next("account", httpx.Response(503, json={"message": ECHO}))
    raised.append(_raised(BrokerUnavailable, desk.use_broker, "mt5", confirm=True))
    mt5_bridge.fail_next("account", httpx.Response(401, text=ECHO))  # refused credentials: halt
    raised.append(_raised(BrokerUnavailable, desk.use_broker, "mt5", confirm=True))
    desk.resume()
    desk.use_broker("mt5", confirm=True)
    first, second = queue_idea(desk), queue_idea(desk)

    # approve: a refusal echoing the token, then a lost placement whose lookup is refused
    mt5_bridge.fail_next(
        "place", httpx.Response(400, json={"status": "error", "retcode": 10019, "message": ECHO})
    )
    assert desk.approve(first) is IdeaStatus.EXECUTION_FAILED
    mt5_bridge.fail_next("place", httpx.Response(500, text=ECHO))
    mt5_bridge.fail_next("orders", httpx.Response(401, json={"message": ECHO}))
    assert desk.approve(second) is IdeaStatus.EXECUTING  # unknown outcome: left for reconcile

    # reconcile: a body with the token but no message field, then a text body
    mt5_bridge.fail_next("orders", httpx.Response(502, json={"detail": ECHO}))
    mt5_bridge.fail_next("orders", httpx.Response(503, text=ECHO))
    [failed_once] = desk.reconcile()
    [failed_twice] = desk.reconcile()
    assert failed_once.error and failed_twice.error

    stored = _everything_stored(desk.engine)
    assert MT5_TOKEN not in caplog.text
    assert not [line for line in raised if MT5_TOKEN in line]
    assert MT5_TOKEN not in stored
    assert not [s.message for s in desk.broker_statuses() if MT5_TOKEN in s.message]

    # the echoes did reach the desk (redacted), so the checks above are not vacuous
    assert REDACTED in caplog.text
    assert stored.count(REDACTED) >= 5
    with session_scope(desk.engine) as session:
        [rejected, _] = session.exec(select(OrderRow).order_by(col(OrderRow.id))).all()
        assert REDACTED in (rejected.error or "")
        errors = session.exec(select(ReconciliationRow.error)).all()
        assert errors and all(REDACTED in (error or "") for error in errors)
    assert desk.risk_config().ai_trading_enabled is False  # the 401 on the lookup halted


def test_approve_when_halted_by_a_token_echo_then_the_refusal_does_not_repeat_it(
    desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    desk.use_broker("mt5", confirm=True)
    idea_id = queue_idea(desk)
    mt5_bridge.fail_next("account", httpx.Response(401, json={"message": ECHO}))
    desk.check_broker("mt5")  # refused credentials halt trading; the reason quotes the error

    with pytest.raises(AiHalted) as refused:
        desk.approve(idea_id)

    assert MT5_TOKEN not in f"{refused.value} {refused.value.details}"
    assert REDACTED in str(refused.value)  # the reason does quote the echo


LONG_TOKEN = "mt5-" + "Zq8rT2vW" * 6  # 52 characters: real tokens are often this long


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(400, json={"retcode": 10019, "detail": "n" * 240 + LONG_TOKEN}),
        httpx.Response(503, text="n" * 250 + LONG_TOKEN),
    ],
    ids=["refusal_without_message_field", "text_error_page"],
)
def test_broker_error_when_the_echoed_token_straddles_the_message_limit_then_no_part_of_it_shows(
    answer: httpx.Response, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Mt5Settings(base_url=MT5_URL, token=LONG_TOKEN, retry_backoff_seconds=0)
    broker = Mt5Broker(settings)
    order = OrderRequest(
        client_order_id="cs-1-entry", symbol="EURUSD", direction=Direction.BUY, lots=0.1, price=1.1
    )
    with respx.mock() as router:
        router.post(f"{MT5_URL}/mt5/order").mock(return_value=answer)
        with pytest.raises(BrokerError) as failed:
            broker.place_order(order)
    broker.close()

    shown = f"{failed.value}\n{caplog.text}"
    prefix = LONG_TOKEN[:12]
    assert prefix not in shown, f"{prefix!r} (the token's start) is in: {shown}"
