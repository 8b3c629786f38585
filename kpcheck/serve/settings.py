"""How the desk is bound and guarded: host, port, token, the Host names it answers to."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import zoneinfo
from dataclasses import dataclass, field

MAX_BODY = 1024 * 1024  # 1 MiB: a submission is a few kilobytes
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class BindingRefused(Exception):
    """Binding to a non-loopback address without a token."""


class UnknownTimezone(Exception):
    """``--timezone`` names no zone of the time zone database."""


def zone_of(name: str | None) -> dt.tzinfo:
    """The desk's time zone: an IANA name (``Asia/Almaty``, Kazakhstan's UTC+5) or, without one,
    the machine's own."""
    if not name:
        local = dt.datetime.now().astimezone().tzinfo
        return local if local is not None else dt.timezone.utc
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnknownTimezone(f"unknown time zone {name!r}; give an IANA name such as Asia/Almaty (UTC+5)") from None


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return host.strip("[]") in ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    token: str | None = None
    allow_hosts: tuple[str, ...] = ()
    api_lang: str = "en"
    page_lang: str = "ru"
    max_body: int = MAX_BODY
    timezone: str | None = None  # IANA name; None: the machine's
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)  # signs the session cookie
    coupon_days: int = 10  # the open items' periods (register due's --coupon-days, --receipt-days)
    receipt_days: int = 30

    def __post_init__(self) -> None:
        zone_of(self.timezone)  # refuse an unknown zone at start
        if not is_loopback(self.host) and not self.token:
            raise BindingRefused(
                f"refusing to listen on {self.host}: the desk would be open to the network without a token; "
                "give --token (or KPCHECK_TOKEN), or keep the default --host 127.0.0.1"
            )

    @property
    def zone(self) -> dt.tzinfo:
        return zone_of(self.timezone)

    def trusted_hosts(self) -> list[str]:
        """The ``Host`` header values answered (anything else is refused: DNS rebinding)."""
        names = [*LOOPBACK_NAMES, *self.allow_hosts] if is_loopback(self.host) or is_wildcard(self.host) else [self.host, *self.allow_hosts]
        return sorted({n.strip("[]").lower() for n in names})
