"""Users through the official Python SDK: upsert_users, update_users_partial, query_users ($in)."""


def test_upsert_users_returns_map_keyed_by_id(client, uid):
    alice, bob = uid("alice"), uid("bob")
    res = client.upsert_users([{"id": alice, "name": "Alice", "color": "red"}, {"id": bob}])
    assert res["users"][alice]["id"] == alice
    assert res["users"][alice]["name"] == "Alice"
    assert res["users"][alice]["color"] == "red"
    assert res["users"][bob]["id"] == bob


def test_update_users_partial_sets_and_unsets(client, uid):
    alice = uid("alice")
    client.upsert_users([{"id": alice, "name": "Alice", "color": "red"}])
    res = client.update_users_partial([{"id": alice, "set": {"name": "Alicia", "mood": "happy"}, "unset": ["color"]}])
    user = res["users"][alice]
    assert user["name"] == "Alicia"
    assert user["mood"] == "happy"
    assert "color" not in user

    found = client.query_users({"id": {"$in": [alice]}})
    assert [u["id"] for u in found["users"]] == [alice]
    assert found["users"][0]["name"] == "Alicia"
    assert "color" not in found["users"][0]


def test_query_users_by_id_in(client, uid):
    ids = [uid("u") for _ in range(3)]
    client.upsert_users([{"id": i} for i in ids])
    res = client.query_users({"id": {"$in": ids[:2]}})
    assert sorted(u["id"] for u in res["users"]) == sorted(ids[:2])
