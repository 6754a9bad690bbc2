// connectUser against herald: the health.check handshake (connection_id, me.id) and the
// expired-token rejection (Stream code 40) as the official JS client reports them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, expiredToken, uid } from './helpers.mjs';

test('connectUser resolves with the health.check handshake', async (t) => {
  const s = new Session(t);
  const alice = uid('alice');
  const [client, hello] = await s.connect(alice, { name: 'Alice', color: 'red' });

  assert.equal(hello.type, 'health.check');
  assert.equal(typeof hello.connection_id, 'string');
  assert.ok(hello.connection_id.length > 0, 'connection_id is not empty');
  assert.equal(hello.me?.id, alice, 'me.id is the connecting user');
  assert.equal(client._getConnectionID(), hello.connection_id, 'client adopted the connection id');
  assert.equal(client.user.id, alice);
  assert.equal(client.wsConnection.isHealthy, true);
});

test('each connection of the same user gets its own connection_id', async (t) => {
  const s = new Session(t);
  const bob = uid('bob');
  const [, first] = await s.connect(bob);
  const [, second] = await s.connect(bob);
  assert.notEqual(first.connection_id, second.connection_id);
});

test('connectUser with an expired token is rejected with code 40', async (t) => {
  const s = new Session(t);
  const carol = uid('carol');
  const client = s.userClient();

  // A static token whose exp is in the past: the client does not retry, connect() throws
  // Error(JSON.stringify({code, StatusCode, message, isWSFailure})) (connection.ts).
  const err = await client.connectUser({ id: carol }, expiredToken(carol)).then(
    (ok) => assert.fail(`connectUser succeeded with an expired token: ${JSON.stringify(ok)}`),
    (e) => e,
  );
  let detail;
  try {
    detail = JSON.parse(err.message);
  } catch {
    assert.fail(`connectUser failed, but not with a server error frame: ${err.message}`);
  }
  assert.equal(detail.code, 40, `error frame code (got ${err.message})`);
  assert.equal(detail.StatusCode, 401, `error frame StatusCode (got ${err.message})`);
  assert.equal(detail.isWSFailure, false);
});
