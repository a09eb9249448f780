"""What `CLUSTERS_STATE_DB` names: a SQLite file (the default) or a PostgreSQL database.

    is_postgres_url("postgresql://bot:pw@db:5432/alerts")  -> True
    mask_url("postgresql://bot:pw@db:5432/alerts")         -> "postgresql://bot:***@db:5432/alerts"

The password of a URL never appears in a log line, an error or a message: everything that names
the database shows `mask_url(url)` (`describe` does it for either kind). No driver is imported
here, so settings can tell the kinds apart cheaply.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

URL_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(value: object) -> bool:
    """Whether `value` is a `postgresql://` (or `postgres://`) URL rather than a file path."""
    return isinstance(value, str) and value.startswith(URL_SCHEMES)


def mask_url(url: str) -> str:
    """`url` with its password replaced by `***`; anything else in it is kept."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # a malformed port: show no credentials at all
        return url.partition("://")[0] + "://***"
    if password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def describe(state_db: Path | str) -> str:
    """The state store for a log line: the file's path, or the database's masked URL."""
    return mask_url(state_db) if isinstance(state_db, str) else str(state_db)
