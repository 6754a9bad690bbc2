// herald's Vonage-style conversation API through the official @vonage/server-sdk (its
// `conversations` client, apiHost pointed at a herald node, RS256 application JWTs), and the live
// side through the official stream-chat client: a conversation is the Stream channel
// `conversation:{CON-id}`, and every accepted custom event reaches its watchers with `from`
// (the member id) and `body`. Also the stored events listing (getEventPage / listAllEvents with
// its cursor pagination) and the refusal of a type without the `custom:` prefix (HTTP 400).
// In cluster mode the Vonage client, the stream-chat server client and the user's socket each
// take a different node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Vonage } from '@vonage/server-sdk';
import { Session, nodeURL, uid } from './helpers.mjs';

const APPLICATION_ID = process.env.VONAGE_APPLICATION_ID;
const PRIVATE_KEY = process.env.VONAGE_PRIVATE_KEY; // path of the PEM (the SDK reads it)
if (!APPLICATION_ID || !PRIVATE_KEY) {
  throw new Error('VONAGE_APPLICATION_ID / VONAGE_PRIVATE_KEY are not set: run these tests through tests/sdk/run.sh');
}

const EVENT = 'custom:friendship_request';

/** The official Vonage conversations client on the next node (apiHost; every call is /v1/...). */
function vonageConversations() {
  const vonage = new Vonage({ applicationId: APPLICATION_ID, privateKey: PRIVATE_KEY }, { apiHost: nodeURL() });
  return vonage.conversations;
}

function where(conversations) {
  return `herald ${conversations.getConfig().apiHost}`;
}

/**
 * Awaits a Vonage SDK call; on an HTTP error (VetchError: "Request failed with status code N")
 * rethrows with the status and herald's response body, which the SDK never reads itself.
 */
async function call(conversations, what, promise) {
  try {
    return await promise;
  } catch (e) {
    if (!e?.response) throw new Error(`${what} on ${where(conversations)} failed inside the SDK: ${e?.stack ?? e}`);
    const body = await e.response.text().catch(() => '<unreadable>');
    throw new Error(`${what} on ${where(conversations)}: HTTP ${e.response.status} ${body}`);
  }
}

/** Asserts that a Vonage SDK call rejects with an HTTP error of `status`; returns the body text. */
async function assertHttpStatus(conversations, what, promise, status) {
  let error;
  try {
    const res = await promise;
    assert.fail(`${what} on ${where(conversations)}: expected HTTP ${status}, got success: ${JSON.stringify(res)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    error = e;
  }
  assert.ok(error.response, `${what}: expected an HTTP error from the SDK, got ${error?.stack ?? error}`);
  const body = await error.response.text().catch(() => '<unreadable>');
  assert.equal(error.response.status, status, `${what}: HTTP status (body ${body})`);
  assert.equal(error.message, `Request failed with status code ${status}`);
  return body;
}

/** A fresh conversation with `userId` joined as a member (user given by name, as the SDK docs do). */
async function conversationWithMember(conversations, userId) {
  const name = uid('conv');
  const conv = await call(
    conversations,
    'createConversation',
    conversations.createConversation({ name, displayName: `Conversation ${name}` }),
  );
  assert.match(String(conv.id), /^CON-/, `conversation id (${JSON.stringify(conv)})`);
  assert.equal(conv.name, name);
  assert.equal(conv.displayName, `Conversation ${name}`, 'display_name, camelCased by the SDK');
  assert.equal(conv.state, 'ACTIVE');
  assert.ok(conv.timestamp?.created, `timestamp.created is set (${JSON.stringify(conv)})`);

  const fetched = await call(conversations, 'getConversation', conversations.getConversation(conv.id));
  assert.equal(fetched.id, conv.id);
  assert.equal(fetched.name, name);

  const member = await call(
    conversations,
    'createMember',
    conversations.createMember(conv.id, { state: 'joined', user: { name: userId }, channel: { type: 'app' } }),
  );
  assert.match(String(member.id), /^MEM-/, `member id (${JSON.stringify(member)})`);
  assert.equal(member.state, 'JOINED');
  assert.equal(member.user?.name, userId, `_embedded.user.name (${JSON.stringify(member)})`);
  return { conv, member };
}

test('a custom event created through the Vonage SDK reaches the member watching conversation:{id}', async (t) => {
  const s = new Session(t);
  const conversations = vonageConversations();
  const alice = uid('alice');
  const { conv, member } = await conversationWithMember(conversations, alice);

  const [aliceClient] = await s.connect(alice);
  const channel = await s.watch(aliceClient, 'conversation', conv.id);
  assert.equal(channel.cid, `conversation:${conv.id}`);

  const body = { text: `Hey there, long time no see! ${uid('t')}`, level: 3 };
  const received = s.waitFor(channel, EVENT, (e) => e.body?.text === body.text);
  const created = await call(
    conversations,
    'createEvent',
    conversations.createEvent(conv.id, { type: EVENT, from: member.id, body }),
  );
  assert.equal(created.type, EVENT);
  assert.equal(created.from, member.id);
  assert.ok(Number.isInteger(created.id) && created.id >= 1, `event id is a positive integer (${JSON.stringify(created)})`);
  assert.deepEqual(created.body, body);

  const got = await received;
  assert.equal(got.type, EVENT);
  assert.equal(got.cid, `conversation:${conv.id}`);
  assert.equal(got.from, member.id, 'from carries the member id');
  assert.deepEqual(got.body, body, 'body is delivered as sent');
  assert.equal(got.user?.id, alice, 'user is the member\'s user');
});

test('the Vonage SDK lists the stored events in order, through pages and cursors', async (t) => {
  const conversations = vonageConversations();
  const bob = uid('bob');
  const { conv, member } = await conversationWithMember(conversations, bob);

  const created = [];
  for (let seq = 1; seq <= 3; seq += 1) {
    created.push(
      await call(
        conversations,
        `createEvent #${seq}`,
        conversations.createEvent(conv.id, { type: EVENT, from: member.id, body: { seq } }),
      ),
    );
  }
  const ids = created.map((e) => e.id);
  for (let i = 1; i < ids.length; i += 1) {
    assert.ok(ids[i] > ids[i - 1], `event ids increase in creation order: ${JSON.stringify(ids)}`);
  }

  // Herald may store non-custom events (e.g. member:joined) in the conversation too.
  const custom = (events) => events.filter((e) => String(e.type).startsWith('custom:'));
  const brief = (events) => JSON.stringify(events.map(({ id, type, from, body }) => ({ id, type, from, body })));

  const asc = await call(conversations, 'getEventPage asc', conversations.getEventPage(conv.id, { pageSize: 100, order: 'asc' }));
  const listed = custom(asc.events);
  assert.deepEqual(listed.map((e) => e.id), ids, `ascending page: ${brief(asc.events)}`);
  assert.deepEqual(listed.map((e) => e.body?.seq), [1, 2, 3]);
  for (const e of listed) {
    assert.equal(e.type, EVENT);
    assert.equal(e.from, member.id);
  }
  const all = asc.events.map((e) => e.id);
  assert.deepEqual(all, [...all].sort((a, b) => a - b), `ascending page in id order: ${brief(asc.events)}`);

  const desc = await call(conversations, 'getEventPage desc', conversations.getEventPage(conv.id, { pageSize: 100, order: 'desc' }));
  assert.deepEqual(custom(desc.events).map((e) => e.id), [...ids].reverse(), `descending page: ${brief(desc.events)}`);

  // Two events a page: the SDK follows _links.next.href (its `cursor` query parameter).
  const paged = [];
  for await (const e of conversations.listAllEvents(conv.id, { pageSize: 2, order: 'asc' })) {
    paged.push(e);
    assert.ok(paged.length <= 50, 'listAllEvents does not end: a next link on the last page?');
  }
  assert.deepEqual(paged.map((e) => e.id), all, `listAllEvents (2 a page) returns the same events: ${brief(paged)}`);
});

test('the Vonage SDK surfaces HTTP 400 for an event type without the custom: prefix', async (t) => {
  const s = new Session(t);
  const conversations = vonageConversations();
  const carol = uid('carol');
  const { conv, member } = await conversationWithMember(conversations, carol);

  // A watcher must not see the refused event.
  const [carolClient] = await s.connect(carol);
  const channel = await s.watch(carolClient, 'conversation', conv.id);
  const seen = [];
  channel.on('friendship_request', (e) => seen.push(e));

  await assertHttpStatus(
    conversations,
    'createEvent friendship_request',
    conversations.createEvent(conv.id, { type: 'friendship_request', from: member.id, body: { text: 'hi' } }),
    400,
  );

  // The refused event was not stored, and the next accepted one still arrives.
  const received = s.waitFor(channel, EVENT, (e) => e.from === member.id);
  await call(conversations, 'createEvent', conversations.createEvent(conv.id, { type: EVENT, from: member.id, body: { text: 'ok' } }));
  const got = await received;
  assert.deepEqual(got.body, { text: 'ok' });
  assert.deepEqual(seen, [], 'the refused event was not delivered');
  const page = await call(conversations, 'getEventPage', conversations.getEventPage(conv.id, { pageSize: 100 }));
  assert.deepEqual(
    page.events.filter((e) => e.type === 'friendship_request'),
    [],
    'the refused event was not stored',
  );
});
