"""Fixtures for the official stream-chat Python SDK tests against herald.

Reads HERALD_URL / HERALD_API_KEY / HERALD_API_SECRET (set by tests/sdk/run.sh) and gives each
test a server-side `StreamChat` client, a unique-id factory and a raw-WebSocket observer.
"""
import os
import secrets

import pytest
from stream_chat import StreamChat

from wsclient import RawUser

RUN = secrets.token_hex(4)


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run these tests through tests/sdk/run.sh", returncode=2)
    return value


@pytest.fixture(scope="session")
def settings():
    return {
        "url": _env("HERALD_URL").rstrip("/"),
        "key": _env("HERALD_API_KEY"),
        "secret": _env("HERALD_API_SECRET"),
    }


@pytest.fixture(scope="session")
def client(settings):
    """The server-side client exactly as an app backend builds it."""
    return StreamChat(api_key=settings["key"], api_secret=settings["secret"], base_url=settings["url"])


@pytest.fixture
def uid():
    """uid("alice") -> a user/channel id unique to this run and call."""
    counter = iter(range(1, 1_000_000))

    def make(prefix: str) -> str:
        return f"{prefix}-{RUN}-{next(counter)}-{secrets.token_hex(2)}"

    return make


@pytest.fixture
def raw_user(settings, client):
    """raw_user(user_id) -> RawUser to open WebSockets / make user-token calls for that user."""

    def make(user_id: str) -> RawUser:
        return RawUser(settings["url"], settings["key"], user_id, client.create_token(user_id))

    return make
