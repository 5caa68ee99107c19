import pytest

from tools.errors import UnknownInstrumentError
from tools.instruments import AssetClass, InstrumentRegistry


def test_get_when_fx_pair_then_news_currencies_are_base_and_quote() -> None:
    eurusd = InstrumentRegistry().get("eurusd")
    assert eurusd.news_currencies == ("EUR", "USD")
    assert eurusd.pip_value_per_lot() == pytest.approx(10.0)


def test_get_when_metal_or_index_then_moved_by_usd_news_only() -> None:
    registry = InstrumentRegistry()
    assert registry.get("XAUUSD").news_currencies == ("USD",)
    assert registry.get("US30").news_currencies == ("USD",)
    assert registry.get("US30").asset_class is AssetClass.INDEX


def test_get_when_jpy_quote_then_pip_is_one_hundredth() -> None:
    usdjpy = InstrumentRegistry().get("USDJPY")
    assert (usdjpy.pip_size, usdjpy.precision) == (0.01, 3)


def test_get_when_symbol_unknown_then_error_says_how_to_add_it() -> None:
    with pytest.raises(UnknownInstrumentError, match=r"unknown instrument 'FOOBAR'.*instruments"):
        InstrumentRegistry().get("FOOBAR")


def test_registry_when_override_given_then_fields_merge_over_default() -> None:
    registry = InstrumentRegistry(
        {
            "xauusd": {"contract_size": 10},
            "BTCUSD": {
                "asset_class": "crypto",
                "base_currency": "BTC",
                "quote_currency": "USD",
                "contract_size": 1,
                "pip_size": 1,
                "precision": 2,
                "news_currencies": ["USD"],
            },
        }
    )
    assert registry.get("XAUUSD").contract_size == 10
    assert registry.get("XAUUSD").pip_size == 0.1  # untouched default
    assert registry.get("BTCUSD").asset_class is AssetClass.CRYPTO


def test_registry_when_override_invalid_then_validation_names_field() -> None:
    with pytest.raises(ValueError, match="pip_size"):
        InstrumentRegistry({"EURUSD": {"pip_size": -1}})
