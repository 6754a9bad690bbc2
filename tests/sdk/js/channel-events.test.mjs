// Channel custom events and typing through the official JS client: channel.sendEvent fan-out
// to every watcher (the sender's own client included), keystroke/stopTyping, and the
// permission rules (messaging: members only, 403 code 17; livestream: anyone may send).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, assertApiError, uid } from './helpers.mjs';

/** alice and bob are members of a fresh messaging channel and both watch it. */
async function twoWatchers(t) {
  const s = new Session(t);
  const alice = uid('alice');
  const bob = uid('bob');
  await s.upsertUsers(alice, bob);
  const room = await s.createChannel('messaging', [alice, bob]);
  const [aliceClient] = await s.connect(alice);
  const [bobClient] = await s.connect(bob);
  const aliceCh = await s.watch(aliceClient, 'messaging', room.id);
  const bobCh = await s.watch(bobClient, 'messaging', room.id);
  return { s, alice, bob, room, aliceClient, bobClient, aliceCh, bobCh };
}

test('channel.sendEvent reaches the other watcher and the sender itself', async (t) => {
  const { s, alice, room, aliceCh, bobCh } = await twoWatchers(t);
  const text = `Hey there, long time no see! ${uid('t')}`;

  const toBob = s.waitFor(bobCh, 'friendship_request', (e) => e.text === text);
  const toAlice = s.waitFor(aliceCh, 'friendship_request', (e) => e.text === text);
  const res = await aliceCh.sendEvent({ type: 'friendship_request', text });

  assert.equal(res.event?.type, 'friendship_request', 'response carries the event');
  assert.equal(res.event?.user?.id, alice, 'server fills user from the JWT');

  const got = await toBob;
  assert.equal(got.user?.id, alice);
  assert.equal(got.cid, room.cid);
  assert.equal(got.channel_id, room.id);
  assert.equal(got.channel_type, 'messaging');
  assert.equal(got.text, text, 'custom fields are flattened at the top level');
  assert.ok(got.created_at, 'created_at is set');

  const own = await toAlice;
  assert.equal(own.user?.id, alice);
});

test('keystroke sends typing.start and stopTyping sends typing.stop to other watchers', async (t) => {
  const { s, alice, aliceCh, bobCh } = await twoWatchers(t);
  assert.equal(aliceCh.getConfig()?.typing_events, true, 'channel.config.typing_events must be true or keystroke() is a no-op');

  const start = s.waitFor(bobCh, 'typing.start', (e) => e.user?.id === alice);
  await aliceCh.keystroke();
  const started = await start;
  assert.equal(started.cid, aliceCh.cid);
  assert.ok(bobCh.state.typing[alice], 'bob\'s channel state shows alice typing');

  const stop = s.waitFor(bobCh, 'typing.stop', (e) => e.user?.id === alice);
  await aliceCh.stopTyping();
  const stopped = await stop;
  assert.equal(stopped.cid, aliceCh.cid);
  assert.equal(bobCh.state.typing[alice], undefined, 'typing state cleared');
});

test('a non-member cannot send events to a messaging channel (403, code 17)', async (t) => {
  const s = new Session(t);
  const alice = uid('alice');
  const mallory = uid('mallory');
  await s.upsertUsers(alice, mallory);
  const room = await s.createChannel('messaging', [alice]);
  const [malloryClient] = await s.connect(mallory);

  // The exact request channel.sendEvent() makes; the SDK only refuses it client-side for a
  // channel it has not watched, and a non-member cannot watch a messaging channel.
  const url = `${malloryClient.channel('messaging', room.id)._channelURL()}/event`;
  await assertApiError(malloryClient.post(url, { event: { type: 'friendship_request', text: 'hi' } }), {
    status: 403,
    code: 17,
  });
});

test('anyone watching a livestream channel may send custom events', async (t) => {
  const s = new Session(t);
  const host = uid('host');
  const viewer = uid('viewer');
  await s.upsertUsers(host, viewer);
  const stream = await s.createChannel('livestream', [host]);
  const [hostClient] = await s.connect(host);
  const [viewerClient] = await s.connect(viewer);
  const hostCh = await s.watch(hostClient, 'livestream', stream.id);
  const viewerCh = await s.watch(viewerClient, 'livestream', stream.id);

  const toHost = s.waitFor(hostCh, 'cheer', (e) => e.user?.id === viewer);
  await viewerCh.sendEvent({ type: 'cheer', level: 3 });
  const got = await toHost;
  assert.equal(got.level, 3);
  assert.equal(got.cid, stream.cid);
});
