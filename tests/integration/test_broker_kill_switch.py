"""The kill switch blocks every adapter: with paper, MT5, Alpaca or IBKR active, a halted desk
sends nothing, a halt that lands after the approval's claim still stops the order before the
broker is called, and after a resume exactly one order goes out. Remote brokers are faked at the
HTTP edge only (respx); the desk, the adapters, httpx and the database are the real ones."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import respx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from orchestrator import desk as desk_module
from orchestrator import execution
from orchestrator.desk import Desk
from orchestrator.errors import AiHalted
from orchestrator.settings import Settings, load_settings
from store.db import session_scope
from store.models import DecisionRow, OrderRow, TradeIdeaRow
from tests.broker_fakes import FakeMt5Bridge, with_mt5
from tests.broker_http_fakes import (
    FakeAlpacaApi,
    FakeIbkrGateway,
    alpaca_settings,
    ibkr_settings,
    with_broker,
)
from tests.desk_helpers import Clock, queue_idea, relax_filters
from tools.brokers.paper import PaperBroker
from tools.lifecycle import DecisionAction, IdeaStatus, OrderStatus

BROKERS = ["paper", "mt5", "alpaca", "ibkr"]
HALT_REASON = "kill switch pressed by the owner"


@dataclass
class Venue:
    """One broker as these tests see it: how to configure the desk for it, and how many
    placements reached it."""

    name: str
    configure: Callable[[Settings], Settings]
    placements: Callable[[], int]


@pytest.fixture(params=BROKERS)
def venue(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Venue]:
    # Every HTTP call goes through respx: an unexpected one fails the test (even on paper).
    with respx.mock(assert_all_called=False) as router:
        match request.param:
            case "paper":
                placed: list[str] = []
                real_place = PaperBroker.place_order

                def spy(broker: PaperBroker, req: object) -> object:
                    placed.append(getattr(req, "client_order_id", ""))
                    return real_place(broker, req)  # type: ignore[arg-type]

                monkeypatch.setattr(PaperBroker, "place_order", spy)
                yield Venue("paper", lambda settings: settings, lambda: len(placed))
            case "mt5":
                bridge = FakeMt5Bridge(router)
                yield Venue("mt5", with_mt5, lambda: bridge.calls.get("place", 0))
            case "alpaca":
                api = FakeAlpacaApi(router)
                yield Venue(
                    "alpaca",
                    lambda settings: with_broker(settings, "alpaca", alpaca_settings()),
                    lambda: api.placements,
                )
            case "ibkr":
                gateway = FakeIbkrGateway(router)
                yield Venue(
                    "ibkr",
                    lambda settings: with_broker(settings, "ibkr", ibkr_settings()),
                    lambda: gateway.placements,
                )


@pytest.fixture
def desk(engine: Engine, venue: Venue) -> Iterator[Desk]:
    desk = Desk(engine, venue.configure(load_settings()), clock=Clock())
    relax_filters(desk)
    desk.use_broker(venue.name, confirm=True, actor="test")
    assert desk.active_broker().name == venue.name
    yield desk
    desk.brokers.close()


def _orders(desk: Desk) -> list[OrderRow]:
    with session_scope(desk.engine) as session:
        return list(session.exec(select(OrderRow)))


def _idea(desk: Desk, idea_id: int) -> TradeIdeaRow:
    with session_scope(desk.engine) as session:
        return session.get_one(TradeIdeaRow, idea_id)


def _decisions(desk: Desk, idea_id: int, action: DecisionAction) -> list[DecisionRow]:
    with session_scope(desk.engine) as session:
        query = select(DecisionRow).where(
            DecisionRow.idea_id == idea_id, DecisionRow.action == action
        )
        return list(session.exec(query))


def test_approve_when_halted_then_no_order_reaches_the_broker(desk: Desk, venue: Venue) -> None:
    idea_id = queue_idea(desk)
    desk.halt(HALT_REASON)

    with pytest.raises(AiHalted, match=HALT_REASON):
        desk.approve(idea_id)

    assert venue.placements() == 0
    assert _orders(desk) == []
    assert _idea(desk, idea_id).status is IdeaStatus.NEEDS_APPROVAL
    [refusal] = _decisions(desk, idea_id, DecisionAction.APPROVAL_REFUSED)
    assert refusal.reason_codes == ["AI_HALTED"]


def _halt_after_the_claim(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The halt lands once the claim has committed, before submit_entry starts."""
    fired: list[bool] = []
    real_submit = desk_module.submit_entry

    def halt_then_submit(*args: object, **kwargs: object) -> IdeaStatus:
        desk.halt(HALT_REASON)
        fired.append(True)
        return real_submit(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(desk_module, "submit_entry", halt_then_submit)
    return fired


def _halt_after_the_order_is_recorded(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The halt lands after submit_entry committed the order as `submitted`, right before the
    unit of work that re-reads the kill switch and calls the broker (outside any transaction,
    so it cannot wait on the desk's own locks)."""
    fired: list[bool] = []
    real_scope = execution.session_scope

    @contextmanager
    def scope(engine: Engine) -> Iterator[Session]:
        if len(fired) == 0 and _order_submitted(desk):
            desk.halt(HALT_REASON)
            fired.append(True)
        with real_scope(engine) as session:
            yield session

    monkeypatch.setattr(execution, "session_scope", scope)
    return fired


def _order_submitted(desk: Desk) -> bool:
    return any(order.status is OrderStatus.SUBMITTED for order in _orders(desk))


@pytest.mark.parametrize(
    "land_halt",
    [_halt_after_the_claim, _halt_after_the_order_is_recorded],
    ids=["after_claim", "after_order_recorded"],
)
def test_approve_when_halt_lands_before_the_broker_call_then_order_cancelled_and_nothing_sent(
    desk: Desk,
    venue: Venue,
    monkeypatch: pytest.MonkeyPatch,
    land_halt: Callable[[Desk, pytest.MonkeyPatch], list[bool]],
) -> None:
    idea_id = queue_idea(desk)
    fired = land_halt(desk, monkeypatch)

    assert desk.approve(idea_id) is IdeaStatus.EXECUTION_FAILED

    assert fired == [True], "the halt did not land inside the approval"
    assert venue.placements() == 0
    [order] = _orders(desk)
    assert order.broker == venue.name
    assert order.status in (OrderStatus.CANCELLED, OrderStatus.REJECTED)
    assert HALT_REASON in (order.error or "")
    assert _idea(desk, idea_id).status is IdeaStatus.EXECUTION_FAILED
    [failure] = _decisions(desk, idea_id, DecisionAction.EXECUTION_FAILED)
    assert failure.reason_codes == ["AI_HALTED"]


def test_approve_when_resumed_after_a_halt_then_exactly_one_order_reaches_the_broker(
    desk: Desk, venue: Venue
) -> None:
    idea_id = queue_idea(desk)
    desk.halt(HALT_REASON)
    with pytest.raises(AiHalted):
        desk.approve(idea_id)
    desk.resume()

    assert desk.approve(idea_id) is IdeaStatus.EXECUTED

    assert venue.placements() == 1
    [order] = _orders(desk)
    assert (order.broker, order.status) == (venue.name, OrderStatus.FILLED)
