"""Channels and members through the official Python SDK: create with created_by and members
(and the code-4 error without created_by), add_members / remove_members with message=None,
query_channels with cid $in, channel.delete and delete_channels."""
import pytest
from stream_chat.base.exceptions import StreamAPIException


def member_ids(res):
    return sorted(m.get("user_id") or m["user"]["id"] for m in res["members"])


@pytest.fixture
def users(client, uid):
    ids = [uid("alice"), uid("bob"), uid("carol")]
    client.upsert_users([{"id": i} for i in ids])
    return ids


def test_create_with_created_by_and_members(client, uid, users):
    alice, bob, _ = users
    channel = client.channel("messaging", uid("room"), {"members": [alice, bob], "name": "Room"})
    res = channel.create(alice)
    assert res["channel"]["cid"] == channel.cid
    assert res["channel"]["created_by"]["id"] == alice
    assert res["channel"]["name"] == "Room"
    assert member_ids(res) == sorted([alice, bob])


def test_server_side_create_without_created_by_is_code_4(client, uid, users):
    channel = client.channel("messaging", uid("room"), {"members": users[:1]})
    with pytest.raises(StreamAPIException) as err:
        channel.query()  # get-or-create with no created_by / created_by_id
    assert err.value.status_code == 400, err.value.response_text
    assert err.value.error_code == 4, err.value.response_text


def test_add_and_remove_members(client, uid, users):
    alice, bob, carol = users
    channel = client.channel("messaging", uid("room"), {"members": [alice]})
    channel.create(alice)

    res = channel.add_members([bob, carol])  # sends "message": null
    assert member_ids(res) == sorted([alice, bob, carol])

    res = channel.add_members([{"user_id": bob}], message=None)  # member objects, idempotent
    assert member_ids(res) == sorted([alice, bob, carol])

    res = channel.remove_members([carol])
    assert member_ids(res) == sorted([alice, bob])


def test_query_channels_by_cid_in(client, uid, users):
    alice = users[0]
    one = client.channel("messaging", uid("room"), {"members": [alice]})
    two = client.channel("messaging", uid("room"), {"members": [alice]})
    one.create(alice)
    two.create(alice)
    res = client.query_channels({"cid": {"$in": [one.cid, two.cid]}})
    assert sorted(c["channel"]["cid"] for c in res["channels"]) == sorted([one.cid, two.cid])


def test_channel_delete(client, uid, users):
    alice = users[0]
    channel = client.channel("messaging", uid("room"), {"members": [alice]})
    channel.create(alice)
    res = channel.delete()
    assert res["channel"]["cid"] == channel.cid
    left = client.query_channels({"cid": {"$in": [channel.cid]}})
    assert left["channels"] == []


def test_delete_channels_batch(client, uid, users):
    alice = users[0]
    chans = [client.channel("messaging", uid("room"), {"members": [alice]}) for _ in range(2)]
    for c in chans:
        c.create(alice)
    cids = [c.cid for c in chans]
    client.delete_channels(cids, hard_delete=True)
    left = client.query_channels({"cid": {"$in": cids}})
    assert left["channels"] == []
