"""Events through the official Python SDK, observed on raw WebSockets: channel.send_event with
a user, send_user_custom_event to every connection of a user, and its 404/16 and 400/4 errors."""
import asyncio

import pytest
from stream_chat.base.exceptions import StreamAPIException


def test_health_check_handshake(client, uid, raw_user):
    user = uid("ivy")

    async def scenario():
        async with raw_user(user).socket() as ws:
            assert ws.hello["type"] == "health.check"
            assert ws.hello.get("me", {}).get("id", user) == user

    asyncio.run(scenario())


def test_channel_send_event_with_user_reaches_watchers(client, uid, raw_user):
    alice, bob = uid("alice"), uid("bob")
    client.upsert_users([{"id": alice}, {"id": bob}])
    channel = client.channel("messaging", uid("room"), {"members": [alice, bob]})
    channel.create(alice)

    async def scenario():
        async with raw_user(bob).socket() as ws:
            await asyncio.to_thread(ws.watch, "messaging", channel.id)
            res = await asyncio.to_thread(channel.send_event, {"type": "friendship_request", "text": "hey"}, alice)
            assert res["event"]["type"] == "friendship_request"
            assert res["event"]["user"]["id"] == alice
            got = await ws.wait_for(lambda e: e.get("type") == "friendship_request")
            assert got["user"]["id"] == alice
            assert got["cid"] == channel.cid
            assert got["channel_id"] == channel.id
            assert got["channel_type"] == "messaging"
            assert got["text"] == "hey"

    asyncio.run(scenario())


def test_send_user_custom_event_reaches_every_connection(client, uid, raw_user):
    dave = uid("dave")
    client.upsert_users([{"id": dave}])
    text = f"Tommaso wants to be your friend {uid('t')}"

    def is_it(event):
        return event.get("type") == "friendship_request" and event.get("text") == text

    async def scenario():
        async with raw_user(dave).socket() as first, raw_user(dave).socket() as second:
            assert first.connection_id != second.connection_id
            await asyncio.to_thread(client.send_user_custom_event, dave, {"type": "friendship_request", "text": text})
            a, b = await asyncio.gather(first.wait_for(is_it), second.wait_for(is_it))
            assert a["text"] == b["text"] == text

    asyncio.run(scenario())


def test_send_user_custom_event_unknown_user_is_404_code_16(client, uid):
    with pytest.raises(StreamAPIException) as err:
        client.send_user_custom_event(uid("nobody"), {"type": "friendship_request"})
    assert err.value.status_code == 404, err.value.response_text
    assert err.value.error_code == 16, err.value.response_text


def test_send_user_custom_event_dotted_type_is_400_code_4(client, uid):
    erin = uid("erin")
    client.upsert_users([{"id": erin}])
    with pytest.raises(StreamAPIException) as err:
        client.send_user_custom_event(erin, {"type": "friendship.request"})
    assert err.value.status_code == 400, err.value.response_text
    assert err.value.error_code == 4, err.value.response_text
