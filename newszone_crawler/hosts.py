"""The host rule, in one place: a site is the same with or without ``www.``, in any case.

A leaf module (standard library only): ``parsing/``, ``normalize/``, the spider, the request
guard and the attachment files all import it, and it imports none of them.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def bare_host(host: str | None) -> str:
    """A host name lower-cased, without a leading ``www.``.

    >>> bare_host("WWW.mnd.go.kr"), bare_host("mnd.go.kr"), bare_host(None), bare_host("www2.h")
    ('mnd.go.kr', 'mnd.go.kr', '', 'www2.h')
    """
    return (host or "").lower().removeprefix("www.")


def same_site(url: str, page_url: str) -> bool:
    """Whether ``url`` is on the page's site: same host (with or without ``www.``) and port.

    >>> same_site("https://www.mnd.go.kr/upload/a.jpg", "http://mnd.go.kr/user/x")
    True
    >>> same_site("http://10.0.0.1/a.jpg", "http://127.0.0.1:8000/user/x")
    False
    >>> same_site("http://127.0.0.1:1/x", "http://127.0.0.1:8000/user/x")
    False
    >>> same_site("http://[::1/x", "http://h/"), same_site("http://h:99999/x", "http://h/")
    (False, False)
    """
    try:
        a, b = urlsplit(url), urlsplit(page_url)
        return bare_host(a.hostname) == bare_host(b.hostname) and a.port == b.port
    except ValueError:  # bad IPv6 brackets, a port that is not a number or out of range
        return False
