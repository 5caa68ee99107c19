"""A warning at serve time when the desk listens beyond this machine."""

import ipaddress
import logging

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a hostname: it may resolve to anything


def warn_if_exposed(host: str, has_owner: bool, logger: logging.Logger) -> None:
    if is_loopback(host):
        return
    if not has_owner:
        logger.warning(
            "listening on %s with no owner account: anyone who reaches this address can claim "
            "the desk at setup. Run `countersign user create` first or bind to 127.0.0.1.",
            host,
        )
    else:
        logger.warning(
            "listening on %s, beyond this machine: serve it behind HTTPS so the session cookie "
            "is marked Secure.",
            host,
        )
