"""Instrument definitions: contract size, pip size, precision and the currencies whose news moves
a symbol. Defaults cover common FX pairs, metals, indices and US stocks; settings may add or
override entries."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

from tools.errors import UnknownInstrumentError


class AssetClass(StrEnum):
    FX = "fx"
    METAL = "metal"
    INDEX = "index"
    STOCK = "stock"
    CRYPTO = "crypto"


class Instrument(BaseModel):
    model_config = ConfigDict(frozen=True)

    symbol: str
    asset_class: AssetClass
    base_currency: str
    quote_currency: str
    contract_size: PositiveFloat = Field(description="Units of the base per 1.0 lot")
    pip_size: PositiveFloat = Field(description="Price change that counts as one pip/point")
    precision: int = Field(ge=0, le=10, description="Decimal places of a quoted price")
    news_currencies: tuple[str, ...] = Field(description="Currencies whose news moves it")
    min_lot: PositiveFloat = 0.01
    lot_step: PositiveFloat = 0.01
    max_lot: PositiveFloat = 100.0

    def pip_value_per_lot(self, quote_to_account: float = 1.0) -> float:
        """Account-currency value of a one-pip move on 1.0 lot."""
        return self.pip_size * self.contract_size * quote_to_account

    def round_price(self, price: float) -> float:
        return round(price, self.precision)


def _fx(symbol: str, precision: int = 5) -> Instrument:
    base, quote = symbol[:3], symbol[3:]
    pip = 0.01 if quote == "JPY" else 0.0001
    return Instrument(
        symbol=symbol,
        asset_class=AssetClass.FX,
        base_currency=base,
        quote_currency=quote,
        contract_size=100_000,
        pip_size=pip,
        precision=3 if quote == "JPY" else precision,
        news_currencies=(base, quote),
    )


def _index(symbol: str, currency: str) -> Instrument:
    return Instrument(
        symbol=symbol,
        asset_class=AssetClass.INDEX,
        base_currency=symbol,
        quote_currency=currency,
        contract_size=1,
        pip_size=1.0,
        precision=1,
        news_currencies=(currency,),
        min_lot=0.1,
        lot_step=0.1,
    )


def _stock(symbol: str) -> Instrument:
    return Instrument(
        symbol=symbol,
        asset_class=AssetClass.STOCK,
        base_currency=symbol,
        quote_currency="USD",
        contract_size=1,
        pip_size=0.01,
        precision=2,
        news_currencies=("USD",),
        min_lot=1,
        lot_step=1,
        max_lot=100_000,
    )


DEFAULT_INSTRUMENTS: dict[str, Instrument] = {
    i.symbol: i
    for i in [
        *(
            _fx(s)
            for s in (
                "EURUSD",
                "GBPUSD",
                "AUDUSD",
                "NZDUSD",
                "USDCAD",
                "USDCHF",
                "EURGBP",
                "EURCHF",
            )
        ),
        *(_fx(s) for s in ("USDJPY", "EURJPY", "GBPJPY")),
        Instrument(
            symbol="XAUUSD",
            asset_class=AssetClass.METAL,
            base_currency="XAU",
            quote_currency="USD",
            contract_size=100,
            pip_size=0.1,
            precision=2,
            news_currencies=("USD",),
        ),
        Instrument(
            symbol="XAGUSD",
            asset_class=AssetClass.METAL,
            base_currency="XAG",
            quote_currency="USD",
            contract_size=5000,
            pip_size=0.01,
            precision=3,
            news_currencies=("USD",),
        ),
        _index("US30", "USD"),
        _index("NAS100", "USD"),
        _index("SPX500", "USD"),
        _index("GER40", "EUR"),
        _index("UK100", "GBP"),
        *(_stock(s) for s in ("AAPL", "MSFT", "NVDA", "AMZN", "TSLA", "SPY")),
    ]
}


class InstrumentRegistry:
    """Default instruments plus configured overrides, looked up by symbol (case-insensitive)."""

    def __init__(self, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._by_symbol = dict(DEFAULT_INSTRUMENTS)
        for symbol, fields in (overrides or {}).items():
            key = symbol.upper()
            base = self._by_symbol.get(key)
            data = {**(base.model_dump() if base else {}), **fields, "symbol": key}
            self._by_symbol[key] = Instrument.model_validate(data)

    def get(self, symbol: str) -> Instrument:
        try:
            return self._by_symbol[symbol.upper()]
        except KeyError:
            raise UnknownInstrumentError(
                f"unknown instrument {symbol!r}: add it under [instruments] in the settings"
            ) from None

    def symbols(self) -> list[str]:
        return sorted(self._by_symbol)
