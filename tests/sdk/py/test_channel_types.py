"""Channel types through the official Python SDK: the built-in types are listed, and a custom
type created with custom_events=False refuses channel custom events with a 4xx."""
import secrets

import pytest
from stream_chat.base.exceptions import StreamAPIException

BUILT_IN = {"messaging", "livestream", "team", "gaming", "commerce"}


def test_list_channel_types_has_built_ins(client):
    res = client.list_channel_types()
    types = res["channel_types"]
    assert isinstance(types, dict), f"channel_types is a map keyed by name: {res}"
    assert BUILT_IN <= set(types), f"missing built-ins: {BUILT_IN - set(types)}"
    assert types["messaging"]["name"] == "messaging"


def test_custom_events_disabled_refuses_channel_events(client, uid):
    name = f"quiet_{secrets.token_hex(4)}"
    created = client.create_channel_type({"name": name, "custom_events": False})
    try:
        assert created["name"] == name
        assert created["custom_events"] is False
        assert name in client.list_channel_types()["channel_types"]

        alice = uid("alice")
        client.upsert_users([{"id": alice}])
        channel = client.channel(name, uid("room"), {"members": [alice]})
        res = channel.create(alice)
        assert res["channel"]["config"]["custom_events"] is False

        with pytest.raises(StreamAPIException) as err:
            channel.send_event({"type": "friendship_request"}, alice)
        assert 400 <= err.value.status_code < 500, err.value.response_text
    finally:
        try:
            client.delete_channel_type(name)
        except StreamAPIException:
            pass  # cleanup only; deleting types is not under test here
