"""The brokers the desk can trade through, each opened for one unit of work.

The paper broker's account lives in the database, so it is loaded (row-locked where the database
can) and saved in the caller's transaction. A real broker keeps its own books: its provider hands
out one long-lived adapter (one connection pool) and has nothing to save.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel
from sqlmodel import Session

from orchestrator.broker_health import active_name
from orchestrator.broker_settings import PAPER, BrokerSettings
from orchestrator.errors import NotFound
from orchestrator.settings import PaperDeskSettings
from store.records import load_paper_state, save_paper_state
from tools.brokers.alpaca import AlpacaBroker, AlpacaSettings
from tools.brokers.base import Broker
from tools.brokers.ibkr import IbkrBroker, IbkrSettings
from tools.brokers.mt5 import Mt5Broker, Mt5Settings
from tools.brokers.paper import PaperBroker
from tools.brokers.paper_state import PaperAccountState
from tools.instruments import InstrumentRegistry

log = logging.getLogger(__name__)


class RemoteBroker(Broker, Protocol):
    """A broker reached over the network: it can be tested and its connections closed."""

    def test_connection(self) -> str: ...

    def close(self) -> None: ...


class BrokerProvider(Protocol):
    name: str
    is_paper: bool  # no real money (the paper broker, or a broker's own paper account)
    is_remote: bool  # reached over the network: switching to it needs confirmation and a test

    def read(self, session: Session) -> Broker:
        """The broker for reading only (account, positions)."""
        ...

    def open(self, session: Session) -> AbstractContextManager[Broker]:
        """The broker for one unit of work in `session`."""
        ...

    def test_connection(self) -> str:
        """What the broker says about the account; raises BrokerError when it cannot answer."""
        ...


class PaperBrokerProvider:
    """The embedded default broker: a paper account persisted as JSON in `paper_account`."""

    name = PAPER
    is_paper = True
    is_remote = False

    def __init__(
        self,
        settings: PaperDeskSettings,
        instruments: InstrumentRegistry,
        clock: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self._instruments = instruments
        self._clock = clock

    def read(self, session: Session) -> PaperBroker:
        payload = load_paper_state(session)
        state = (
            PaperAccountState.model_validate_json(payload)
            if payload
            else PaperAccountState.fresh(
                self._settings.starting_balance, self._settings, self._clock()
            )
        )
        return PaperBroker(state, self._settings, self._instruments.get, self._clock)

    @contextmanager
    def open(self, session: Session) -> Iterator[PaperBroker]:
        """The broker for this transaction; its state is saved when the block ends cleanly."""
        load_paper_state(session, lock=True)  # hold the row for the whole unit of work
        broker = self.read(session)
        yield broker
        save_paper_state(session, broker.state.model_dump_json())

    def test_connection(self) -> str:
        return "the built-in paper broker is always available"

    def reset(self, session: Session, starting_balance: float | None = None) -> None:
        with self.open(session) as broker:
            broker.reset(starting_balance or self._settings.starting_balance)


class RemoteBrokerProvider:
    """A real broker adapter (MT5 bridge, Alpaca, IBKR), created on first use and then reused."""

    is_remote = True

    def __init__(self, name: str, is_paper: bool, build: Callable[[], RemoteBroker]) -> None:
        self.name = name
        self.is_paper = is_paper
        self._build = build
        self._adapter: RemoteBroker | None = None

    def adapter(self) -> RemoteBroker:
        if self._adapter is None:
            self._adapter = self._build()
        return self._adapter

    def read(self, session: Session) -> Broker:
        return self.adapter()

    @contextmanager
    def open(self, session: Session) -> Iterator[Broker]:
        yield self.adapter()

    def test_connection(self) -> str:
        return self.adapter().test_connection()

    def close(self) -> None:
        if self._adapter is not None:
            self._adapter.close()
            self._adapter = None


def _remote(name: str, config: BaseModel) -> RemoteBrokerProvider:
    match config:
        case Mt5Settings():
            return RemoteBrokerProvider(name, config.paper, lambda: Mt5Broker(config))
        case AlpacaSettings():
            return RemoteBrokerProvider(name, config.paper, lambda: AlpacaBroker(config))
        case IbkrSettings():
            return RemoteBrokerProvider(name, config.paper, lambda: IbkrBroker(config))
    raise TypeError(f"no adapter for {type(config).__name__}")


class BrokerBook:
    """Every broker the settings make available; which one is active is kept in the database."""

    def __init__(
        self,
        paper: PaperBrokerProvider,
        settings: BrokerSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.paper = paper
        self.settings = settings
        self.clock = clock
        self._providers: dict[str, BrokerProvider] = {PAPER: paper}
        for name, config in settings.configured().items():
            self._providers[name] = _remote(name, config)

    def names(self) -> list[str]:
        return list(self._providers)

    def get(self, name: str) -> BrokerProvider:
        provider = self._providers.get(name)
        if provider is None:
            raise NotFound(
                f"broker {name!r} is not configured; configured: {', '.join(self._providers)}",
                {"broker": name, "configured": self.names()},
            )
        return provider

    def active(self, session: Session) -> BrokerProvider:
        """The broker new orders go to. One chosen earlier but no longer configured (its
        settings removed) gives way to paper, which sends nothing anywhere."""
        name = active_name(session, PAPER)
        if name not in self._providers:
            log.warning("active broker %s is no longer configured: using paper", name)
            return self.paper
        return self._providers[name]

    def close(self) -> None:
        for provider in self._providers.values():
            if isinstance(provider, RemoteBrokerProvider):
                provider.close()
