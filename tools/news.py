"""News headlines from RSS/Atom (URLs or files). Headlines are untrusted text: data only.

`load_news` never raises on feed problems: a failing source gives ok=False with its error while
headlines from the other sources are kept. URLs are fetched with httpx and timeouts by
`tools.feeds.read_source` (shared, so every feed fails the same way); feedparser only ever gets
the bytes and never fetches or opens anything itself.
"""

import functools
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
from pydantic import BaseModel, Field

from tools.errors import FeedError
from tools.feeds import display_name, is_url, read_source

SAMPLE_NEWS = Path(__file__).parent / "samples" / "news.xml"
MAX_HEADLINE_CHARS = 300
MAX_SOURCE_CHARS = 80
ELLIPSIS = "…"
# The newest demo headline lands this long before the moment asked about.
DEMO_NEWEST_AGE = timedelta(minutes=5)

# Keys of three letters are currencies, longer keys are symbols. Keywords match whole words,
# case-insensitively; a space in a keyword matches any run of whitespace.
# fmt: off
DEFAULT_KEYWORDS: dict[str, list[str]] = {
    "USD": [
        "usd", "fed", "federal reserve", "fomc", "powell", "dollar", "greenback", "nonfarm",
        "non-farm", "payrolls", "u.s.", "us cpi", "us inflation", "us data",
        "treasury", "treasuries", "jobless claims", "pce", "ism",
    ],
    "EUR": ["eur", "ecb", "lagarde", "euro", "eurozone", "euro area", "bundesbank", "german"],
    "GBP": ["gbp", "boe", "bank of england", "bailey", "sterling", "pound", "uk", "gilts"],
    "JPY": ["jpy", "boj", "bank of japan", "ueda", "yen", "japan", "japanese"],
    "CHF": ["chf", "snb", "swiss national bank", "swiss franc", "franc"],
    "AUD": ["aud", "rba", "reserve bank of australia", "aussie", "australian"],
    "NZD": ["nzd", "rbnz", "reserve bank of new zealand", "kiwi", "new zealand"],
    "CAD": ["cad", "boc", "bank of canada", "loonie", "canadian"],
    "XAUUSD": ["xauusd", "xau/usd", "gold", "bullion"],
    "XAGUSD": ["xagusd", "xag/usd", "silver"],
    "EURUSD": ["eurusd", "eur/usd"],
    "GBPUSD": ["gbpusd", "gbp/usd", "cable"],
    "USDJPY": ["usdjpy", "usd/jpy"],
    "US30": ["us30", "dow", "dow jones"],
    "NAS100": ["nas100", "nasdaq"],
    "SPX500": ["spx500", "s&p 500", "s&p"],
    "GER40": ["ger40", "dax"],
    "UK100": ["uk100", "ftse"],
}
# fmt: on


class Headline(BaseModel):
    headline: str
    source: str
    published_at: datetime = Field(description="UTC")
    url: str | None = None
    symbols: list[str] = Field(default_factory=list)
    currencies: list[str] = Field(default_factory=list)


class NewsResult(BaseModel):
    headlines: list[Headline] = Field(default_factory=list)
    ok: bool = True
    error: str | None = None
    source: str = ""


def load_news(
    sources: Sequence[str | Path],
    *,
    keywords: Mapping[str, Sequence[str]] | None = None,
    client: httpx.Client | None = None,
    timeout: float = 5.0,
    limit: int = 50,
) -> NewsResult:
    """Headlines from every source, tagged, de-duplicated, newest first, at most `limit`.
    `keywords` None means DEFAULT_KEYWORDS."""
    results = [load_feed(s, keywords=keywords, client=client, timeout=timeout) for s in sources]
    errors = [r.error for r in results if r.error]
    return NewsResult(
        headlines=merge_headlines((h for r in results for h in r.headlines), limit=limit),
        ok=not errors,
        error="; ".join(errors) or None,
        source=", ".join(r.source for r in results),
    )


def load_feed(
    source: str | Path,
    *,
    name: str | None = None,
    keywords: Mapping[str, Sequence[str]] | None = None,
    client: httpx.Client | None = None,
    timeout: float = 5.0,
) -> NewsResult:
    """One RSS/Atom feed. Headline.source is `name` if given, else the feed's title, else the
    file name or host."""
    shown = display_name(source)
    try:
        data = read_source(source, client=client, timeout=timeout)
        headlines = parse_feed(data, name=name, fallback_name=_short_name(source))
    except FeedError as exc:
        return NewsResult(ok=False, error=f"news {shown}: {exc}", source=shown)
    tagger = KeywordTagger(DEFAULT_KEYWORDS if keywords is None else keywords)
    tagged = [tagger.tag(h) for h in headlines]
    return NewsResult(headlines=merge_headlines(tagged, limit=None), source=shown)


def parse_feed(data: bytes, *, name: str | None, fallback_name: str) -> list[Headline]:
    """Untagged headlines from RSS/Atom bytes. Entries without a title or a date are skipped: an
    undated headline cannot be placed before or after a decision."""
    # A stream, because feedparser treats bare bytes that name a local file as that file's path.
    parsed = feedparser.parse(io.BytesIO(data))
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = parsed.get("bozo_exception") or "no RSS or Atom entries found"
        raise FeedError(f"malformed feed ({_one_line(str(reason))})")
    source = name or clean_text(parsed.feed.get("title", ""), MAX_SOURCE_CHARS) or fallback_name
    headlines = (_headline(entry, source) for entry in parsed.entries)
    return [h for h in headlines if h is not None]


def merge_headlines(headlines: Iterable[Headline], *, limit: int | None) -> list[Headline]:
    """Newest first without repeats: the same normalized text or the same URL counts as one, and
    the first report of it is kept."""
    seen_text: set[str] = set()
    seen_urls: set[str] = set()
    unique = []
    for h in sorted(headlines, key=lambda h: (h.published_at, h.headline)):
        key = " ".join(h.headline.split()).casefold()
        if key in seen_text or (h.url and h.url in seen_urls):
            continue
        seen_text.add(key)
        if h.url:
            seen_urls.add(h.url)
        unique.append(h)
    unique.reverse()
    return unique if limit is None else unique[:limit]


def headlines_for(
    result_or_headlines: NewsResult | Iterable[Headline],
    symbol_currencies: Iterable[str],
    symbol: str,
    since: datetime,
    until: datetime,
) -> list[Headline]:
    """Headlines tagged with `symbol` or one of its currencies, published in [since, until],
    newest first."""
    for bound in (since, until):
        if bound.tzinfo is None or bound.utcoffset() is None:
            raise ValueError(f"news queries need timezone-aware datetimes, got {bound!r}")
    wanted = {c.upper() for c in symbol_currencies}
    headlines = (
        result_or_headlines.headlines
        if isinstance(result_or_headlines, NewsResult)
        else result_or_headlines
    )
    matching = (
        h
        for h in headlines
        if since <= h.published_at <= until
        and (symbol.upper() in h.symbols or wanted.intersection(h.currencies))
    )
    return sorted(matching, key=lambda h: h.published_at, reverse=True)


@functools.cache
def _sample_feed() -> NewsResult:
    # The shipped file never changes while we run: parse it once (feedparser is slow).
    return load_feed(SAMPLE_NEWS)


def demo_news(at: datetime, *, keywords: Mapping[str, Sequence[str]] | None = None) -> NewsResult:
    """DEMO DATA: the shipped sample feed with its publish times moved so the newest headline is
    DEMO_NEWEST_AGE before `at` and the spacing between headlines is kept; none is after `at`."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"demo_news needs a timezone-aware datetime, got {at!r}")
    result = _sample_feed() if keywords is None else load_feed(SAMPLE_NEWS, keywords=keywords)
    if not result.ok or not result.headlines:
        return result
    shift = at.astimezone(UTC) - DEMO_NEWEST_AGE - result.headlines[0].published_at
    moved = [
        h.model_copy(update={"published_at": h.published_at + shift}) for h in result.headlines
    ]
    return NewsResult(headlines=moved, source=f"demo data re-anchored before {at:%Y-%m-%d %H:%M}")


class KeywordTagger:
    """Tags headlines with the currencies (3-letter keys) and symbols (other keys) whose keywords
    appear in them as whole words."""

    def __init__(self, keywords: Mapping[str, Sequence[str]]) -> None:
        self._patterns = {
            key.upper(): re.compile(
                "|".join(rf"(?<!\w){_keyword_pattern(k)}(?!\w)" for k in words if k.strip()),
                re.IGNORECASE,
            )
            for key, words in keywords.items()
            if any(k.strip() for k in words)
        }

    def tag(self, headline: Headline) -> Headline:
        keys = sorted(k for k, p in self._patterns.items() if p.search(headline.headline))
        return headline.model_copy(
            update={
                "currencies": [k for k in keys if len(k) == 3],
                "symbols": [k for k in keys if len(k) != 3],
            }
        )


def clean_text(raw: str, max_chars: int = MAX_HEADLINE_CHARS) -> str:
    """Plain text from untrusted HTML: tags dropped, <script>/<style> contents removed, entities
    unescaped, control and invisible characters removed, whitespace collapsed, and cut to
    `max_chars` ending in an ellipsis."""
    extractor = _TextExtractor()
    extractor.feed(raw)
    extractor.close()
    visible = "".join(ch for ch in extractor.text() if ch.isprintable() or ch.isspace())
    text = " ".join(visible.split())
    if len(text) <= max_chars:
        return text
    return text[: max_chars - len(ELLIPSIS)].rstrip() + ELLIPSIS


class _TextExtractor(HTMLParser):
    _HIDDEN = frozenset({"script", "style"})
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth += 1
        elif tag in self._BREAKS:
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1
        elif tag in self._BREAKS:
            self._parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self._parts.append(data)

    def text(self) -> str:
        return "".join(self._parts)


def _headline(entry: Any, source: str) -> Headline | None:
    text = clean_text(entry.get("title", ""))
    # A plain dict lookup skips feedparser's deprecated updated->published fallback and warning.
    stamp = entry.get("published_parsed") or dict.get(entry, "updated_parsed")
    if not text or stamp is None:
        return None
    return Headline(
        headline=text,
        source=source,
        published_at=datetime(*stamp[:6], tzinfo=UTC),  # feedparser gives UTC struct_time
        url=_safe_url(entry.get("link")),
    )


def _safe_url(link: Any) -> str | None:
    """Only http(s) links survive: a javascript: or data: URL from a feed must never become a
    clickable link on a page."""
    if not isinstance(link, str):
        return None
    link = link.strip()
    return link if urlsplit(link).scheme.lower() in ("http", "https") else None


def _keyword_pattern(keyword: str) -> str:
    return r"\s+".join(re.escape(word) for word in keyword.split())


def _short_name(source: str | Path) -> str:
    if is_url(source):
        return urlsplit(str(source)).hostname or str(source)
    return Path(source).name


def _one_line(text: str) -> str:
    return " ".join(text.split())
