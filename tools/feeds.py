"""Reading a feed's bytes from a file or an http(s) URL, shared by the calendar and news loaders
so every feed fails the same way: a FeedError with a one-line reason.

URLs are fetched with httpx, a timeout and a size cap (a feed is untrusted); `display_name` is how
a source appears in results and errors, with URL queries and credentials removed.
"""

from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tools.errors import FeedError

MAX_FEED_BYTES = 5_000_000  # a feed is untrusted: refuse to buffer an endless body


def read_source(source: str | Path, *, client: httpx.Client | None, timeout: float) -> bytes:
    """The bytes of a file or an http(s) URL; raises FeedError with a one-line reason. Feeds
    elsewhere in tools/ share this so every feed fails the same way."""
    if is_url(source):
        return _fetch(str(source), client=client, timeout=timeout)
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read file ({exc.strerror or exc})") from None


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def display_name(source: str | Path) -> str:
    """How a source is named in results and errors: URLs lose query and credentials, which may
    hold API keys."""
    if not is_url(source):
        return str(source)
    parts = urlsplit(str(source))
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _fetch(url: str, *, client: httpx.Client | None, timeout: float) -> bytes:
    try:
        if client is None:
            with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True) as own:
                return _download(own, url, timeout)
        return _download(client, url, timeout)
    except httpx.TimeoutException:
        raise FeedError(f"timed out after {timeout:g}s") from None
    except httpx.HTTPStatusError as exc:
        raise FeedError(f"HTTP {exc.response.status_code} {exc.response.reason_phrase}") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"unreachable ({type(exc).__name__}: {exc})") from None


def _download(client: httpx.Client, url: str, timeout: float) -> bytes:
    with client.stream("GET", url, timeout=httpx.Timeout(timeout)) as response:
        response.raise_for_status()
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_FEED_BYTES:
                raise FeedError(f"response larger than {MAX_FEED_BYTES} bytes")
        return bytes(body)
