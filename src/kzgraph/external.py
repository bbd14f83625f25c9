"""Talking to external stores: credentials from environment variables only, URL checks, User-Agent.

A secret on the command line is visible to every user of the machine (``ps``) and lands in shell
histories, so kzgraph takes none there: ``<PREFIX>TOKEN`` sends ``Authorization: Bearer``;
``<PREFIX>USER`` and ``<PREFIX>PASSWORD`` send HTTP Basic, or Digest when ``<PREFIX>AUTH=digest``
(Virtuoso's authenticated endpoints). Prefixes: ``KZGRAPH_PUBLISH_`` for ``kzgraph publish``,
``KZGRAPH_BACKEND_`` for ``kzgraph serve --backend``.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Mapping
from importlib.metadata import version
from urllib.parse import urlsplit

import httpx

from kzgraph.errors import UsageError

__all__ = ["USER_AGENT", "BearerAuth", "auth_from_env", "checked_url"]

USER_AGENT = f"kzgraph/{version('kzgraph')} (https://w3id.org/kzgraph) httpx/{httpx.__version__}"

_SCHEMES = {"basic": httpx.BasicAuth, "digest": httpx.DigestAuth}


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def auth_from_env(prefix: str, environ: Mapping[str, str] | None = None) -> httpx.Auth | None:
    """The credentials configured by ``<prefix>TOKEN`` or ``<prefix>USER``/``PASSWORD``, if any."""
    environ = os.environ if environ is None else environ
    token = environ.get(prefix + "TOKEN", "").strip()
    user = environ.get(prefix + "USER", "")
    if token and user:
        raise UsageError(f"set either {prefix}TOKEN or {prefix}USER / {prefix}PASSWORD, not both")
    if token:
        return BearerAuth(token)
    if not user:
        return None
    scheme = environ.get(prefix + "AUTH", "basic").strip().lower()
    if scheme not in _SCHEMES:
        raise UsageError(f"{prefix}AUTH must be one of {', '.join(_SCHEMES)}; got {scheme!r}")
    return _SCHEMES[scheme](user, environ.get(prefix + "PASSWORD", ""))


def checked_url(url: str, what: str, env_prefix: str) -> str:
    """``url`` if it is an http(s) URL without credentials in it; else a UsageError saying why."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{what} must be an http:// or https:// URL with a host; "
                         f"got a {parts.scheme or 'scheme-less'} URL")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"{what} must not carry credentials; set {env_prefix}USER and "
                         f"{env_prefix}PASSWORD (or {env_prefix}TOKEN) in the environment instead")
    if parts.fragment:
        raise UsageError(f"{what} must not have a #fragment; got {url!r}")
    return url
