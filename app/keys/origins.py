"""Origins as browsers send them: scheme, host and port, nothing else."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(value: str) -> str:
    """``HTTPS://Shop.Example:443/`` → ``https://shop.example``; ValueError if not an origin."""
    parts = urlsplit(value.strip())
    if parts.scheme not in _DEFAULT_PORTS:
        raise ValueError(f"{value!r}: an origin starts with http:// or https://")
    if not parts.hostname:
        raise ValueError(f"{value!r}: an origin needs a host")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{value!r}: an origin is scheme://host[:port] with no path")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"{value!r}: invalid port") from error
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"
