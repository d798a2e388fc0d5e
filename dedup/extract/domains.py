"""URL -> the registered domain of its host (``sina.com.cn`` for ``news.sina.com.cn``).

The public suffix list comes with `publicsuffixlist` (never fetched). Only its ICANN section
is used: a private suffix (``github.io``, ``blogspot.com``) is a site of its own, not a
registry. The host is cut out of the URL leniently, as crawlers write URLs: with or without
a scheme, user, port, trailing dot or ideographic dots. A host with no public suffix (an IP
address, ``localhost``, an intranet name) is its own key.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

_SCHEME = re.compile(r"[A-Za-z0-9+.-]+:")
_IDEOGRAPHIC_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def registered_domain(url: str) -> str | None:
    """The host's registered domain, in the case the URL writes it; the whole host when it
    has no public suffix; None when the host is itself a public suffix, or there is none."""
    return _registered_domain_of_host(url_host(url))


def url_host(url: str) -> str:
    """The host of a URL written loosely: scheme, user, port, path and root dot left out;
    an IPv6 address keeps its brackets."""
    authority = _without_scheme(url).partition("/")[0].partition("?")[0].partition("#")[0]
    after_user = authority.rpartition("@")[2]
    if after_user.startswith("["):
        address, bracket, _ = after_user.partition("]")
        if bracket:
            return f"{address}]"
    return after_user.partition(":")[0].strip().rstrip(".\u3002\uff0e\uff61")


def _without_scheme(url: str) -> str:
    if url.startswith("//"):
        return url[2:]
    slashes = url.find("//")
    if slashes >= 2 and _SCHEME.fullmatch(url, 0, slashes):
        return url[slashes + 2 :]
    return url


@lru_cache(maxsize=4096)
def _registered_domain_of_host(host: str) -> str | None:
    if not host:
        return None
    if host.startswith("[") and host.endswith("]"):
        return host  # an IPv6 address
    labels = host.translate(_IDEOGRAPHIC_DOTS).split(".")
    if "" in labels:
        # An empty label (a..b.com) ends the lookup there: the labels after it decide.
        labels = labels[len(labels) - labels[::-1].index("") :]
    if not labels:
        return None
    suffix = _suffix_list().publicsuffix(".".join(map(_lookup_label, labels)), accept_unknown=False)
    if suffix is None:  # no top-level domain is numeric, so IPv4 addresses are here too
        return ".".join(labels)  # no public suffix: an IP address, localhost, an intranet
    kept = suffix.count(".") + 2  # the suffix's labels and the one before them
    return ".".join(labels[-kept:]) if kept <= len(labels) else None


def _lookup_label(label: str) -> str:
    """A label as the list spells it: lowercase, punycode (``xn--``) decoded."""
    lowered = label.lower()
    if lowered.startswith("xn--"):
        try:
            return lowered[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return lowered
    return lowered


@cache
def _suffix_list() -> Any:
    # Loaded on the first URL (about 20 ms). Encoded (punycode) forms of the rules are not
    # generated, which would take five times longer: labels are decoded before the lookup.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(accept_encoded_idn=False, only_icann=True)
