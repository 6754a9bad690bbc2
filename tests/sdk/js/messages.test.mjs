// Messages and reactions through the official JS SDK: channel.sendMessage (message.new to every
// watcher, notification.message_new to a member who is not watching), channel.state.messages
// after watch() and paging back with id_lt, updateMessage / partialUpdateMessage / deleteMessage
// (soft and hard), sendReaction (with enforce_unique) and deleteReaction keeping the message's
// reaction state, and a frozen channel refusing a member's message (403, code 17).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, assertApiError, uid } from './helpers.mjs';

/** alice, bob and carol are members of a fresh messaging channel; alice and bob watch it. */
async function room(t) {
  const s = new Session(t);
  const [alice, bob, carol] = [uid('alice'), uid('bob'), uid('carol')];
  await s.upsertUsers(alice, bob, carol);
  const channel = await s.createChannel('messaging', [alice, bob, carol]);
  const [aliceClient] = await s.connect(alice);
  const [bobClient] = await s.connect(bob);
  const aliceCh = await s.watch(aliceClient, 'messaging', channel.id);
  const bobCh = await s.watch(bobClient, 'messaging', channel.id);
  return { s, alice, bob, carol, channel, aliceClient, bobClient, aliceCh, bobCh };
}

const byId = (ch, id) => ch.state.messages.find((m) => m.id === id);

test('channel.sendMessage: message.new to watchers, notification.message_new to a member not watching', async (t) => {
  const { s, alice, carol, channel, aliceCh, bobCh } = await room(t);
  const [carolClient] = await s.connect(carol); // connected, not watching
  const text = `hello ${uid('t')}`;

  const toBob = s.waitFor(bobCh, 'message.new', (e) => e.message?.text === text);
  const toAlice = s.waitFor(aliceCh, 'message.new', (e) => e.message?.text === text);
  const toCarol = s.waitFor(carolClient, 'notification.message_new', (e) => e.message?.text === text);
  const res = await aliceCh.sendMessage({ text, mood: 'happy' });

  assert.equal(res.message?.text, text);
  assert.equal(res.message.user?.id, alice);
  assert.equal(res.message.type, 'regular');
  assert.equal(res.message.mood, 'happy', 'custom fields are flattened');
  const ev = await toBob;
  assert.equal(ev.message.id, res.message.id);
  assert.equal(ev.user?.id, alice);
  assert.equal(ev.cid, channel.cid);
  assert.ok(byId(bobCh, res.message.id), 'bob\'s channel state holds the message');
  await toAlice;
  const note = await toCarol;
  assert.equal(note.channel?.cid, channel.cid);
});

test('watch() loads the newest messages into channel.state.messages; query pages back with id_lt', async (t) => {
  const s = new Session(t);
  const alice = uid('alice');
  await s.upsertUsers(alice);
  const channel = await s.createChannel('messaging', [alice]);
  const ids = [];
  for (let i = 1; i <= 5; i += 1) {
    const res = await channel.sendMessage({ text: `m${i}`, user_id: alice });
    ids.push(res.message.id);
  }
  const [aliceClient] = await s.connect(alice);
  const ch = aliceClient.channel('messaging', channel.id);
  const state = await ch.watch({ messages: { limit: 3 } });
  assert.deepEqual(state.messages.map((m) => m.text), ['m3', 'm4', 'm5'], 'the newest, oldest first');
  assert.deepEqual(ch.state.messages.map((m) => m.text), ['m3', 'm4', 'm5']);

  const older = await ch.query({ messages: { limit: 2, id_lt: ids[2] } });
  assert.deepEqual(older.messages.map((m) => m.text), ['m1', 'm2']);
  const got = await aliceClient.getMessage(ids[0]);
  assert.equal(got.message.text, 'm1');
});

test('updateMessage, partialUpdateMessage and deleteMessage reach the other watcher', async (t) => {
  const { s, aliceClient, aliceCh, bobCh } = await room(t);
  const sent = await aliceCh.sendMessage({ text: 'draft' });
  const id = sent.message.id;

  // the message as alice's state holds it, edited: the SDK sends it back whole
  const mine = byId(aliceCh, id) ?? sent.message;
  const updated = s.waitFor(bobCh, 'message.updated', (e) => e.message?.id === id && e.message.text === 'final');
  const res = await aliceClient.updateMessage({ ...mine, text: 'final' });
  assert.equal(res.message.text, 'final');
  await updated;
  assert.equal(byId(bobCh, id)?.text, 'final');

  const partial = s.waitFor(bobCh, 'message.updated', (e) => e.message?.id === id && e.message.mood === 'calm');
  await aliceClient.partialUpdateMessage(id, { set: { mood: 'calm' } });
  await partial;

  const soft = s.waitFor(bobCh, 'message.deleted', (e) => e.message?.id === id);
  await aliceClient.deleteMessage(id);
  const ev = await soft;
  assert.equal(ev.message.type, 'deleted');
  assert.equal(byId(bobCh, id)?.type, 'deleted', 'a soft-deleted message stays, marked deleted');

  const other = await aliceCh.sendMessage({ text: 'gone soon' });
  const hard = s.waitFor(bobCh, 'message.deleted', (e) => e.message?.id === other.message.id);
  await aliceClient.deleteMessage(other.message.id, { hardDelete: true });
  assert.equal((await hard).hard_delete, true);
  assert.equal(byId(bobCh, other.message.id), undefined, 'a hard-deleted message leaves the state');
});

test('sendReaction and deleteReaction keep the message\'s reactions in channel state', async (t) => {
  const { s, bob, aliceCh, bobCh } = await room(t);
  const sent = await aliceCh.sendMessage({ text: 'react' });
  const id = sent.message.id;

  const added = s.waitFor(aliceCh, 'reaction.new', (e) => e.reaction?.type === 'like');
  const res = await bobCh.sendReaction(id, { type: 'like' });
  assert.equal(res.reaction?.type, 'like');
  assert.equal(res.reaction.user_id, bob);
  assert.deepEqual(res.message?.reaction_counts, { like: 1 });
  const ev = await added;
  assert.equal(ev.user?.id, bob);
  assert.equal(byId(aliceCh, id)?.reaction_groups?.like?.count, 1, 'alice\'s state counts it');

  const replaced = s.waitFor(aliceCh, 'reaction.updated', (e) => e.reaction?.type === 'love');
  await bobCh.sendReaction(id, { type: 'love' }, { enforce_unique: true });
  const up = await replaced;
  assert.deepEqual(up.message.reaction_counts, { love: 1 });
  assert.equal(byId(aliceCh, id)?.reaction_groups?.like, undefined);
  assert.equal(byId(aliceCh, id)?.reaction_groups?.love?.count, 1);

  const removed = s.waitFor(aliceCh, 'reaction.deleted', (e) => e.reaction?.type === 'love');
  await bobCh.deleteReaction(id, 'love');
  await removed;
  assert.equal(byId(aliceCh, id)?.reaction_groups?.love, undefined, 'no reactions left');
});

test('a frozen channel refuses a member\'s message with 403 code 17', async (t) => {
  const s = new Session(t);
  const [alice, bob] = [uid('alice'), uid('bob')];
  await s.upsertUsers(alice, bob);
  const channel = await s.createChannel('messaging', [alice, bob]);
  // frozen before anyone watches: a channel.updated that flips `frozen` makes watching clients
  // re-query in the background, which would outlive the test
  const frozen = await channel.updatePartial({ set: { frozen: true } });
  assert.equal(frozen.channel?.frozen, true);
  const [aliceClient] = await s.connect(alice);
  const [bobClient] = await s.connect(bob);
  const aliceCh = await s.watch(aliceClient, 'messaging', channel.id);
  const bobCh = await s.watch(bobClient, 'messaging', channel.id);
  assert.equal(bobCh.data?.frozen, true);
  await assertApiError(bobCh.sendMessage({ text: 'too late' }), { status: 403, code: 17 });
  // alice created the channel: she moderates it and may still post
  const res = await aliceCh.sendMessage({ text: 'notice' });
  assert.equal(res.message.text, 'notice');
});
