// Shared harness for the official stream-chat JS SDK tests against herald.
// Reads HERALD_URLS (or HERALD_URL) / HERALD_API_KEY / HERALD_API_SECRET (set by
// tests/sdk/run.sh), builds server-side and user clients, waits for events with timeouts, and
// tears everything down. Every new client takes the next node of HERALD_URLS round-robin, so
// in cluster mode a test's server client and its users' sockets land on different nodes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StreamChat } from 'stream-chat';

function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through tests/sdk/run.sh`);
  return value;
}

/** Base URLs of the herald nodes (one in single mode); HERALD_URL alone means one node. */
export const NODE_URLS = (process.env.HERALD_URLS || requireEnv('HERALD_URL'))
  .split(',')
  .map((url) => url.trim().replace(/\/+$/, ''))
  .filter(Boolean);
export const API_KEY = requireEnv('HERALD_API_KEY');
export const API_SECRET = requireEnv('HERALD_API_SECRET');

let nextNode = 0;

/** The next node's base URL, round-robin over NODE_URLS (one call per new client). */
export function nodeURL() {
  const url = NODE_URLS[nextNode % NODE_URLS.length];
  nextNode += 1;
  return url;
}

/** "node 2/3 (http://127.0.0.1:PORT)" for a client: where its REST calls and socket go. */
export function nodeOf(client) {
  return `node ${NODE_URLS.indexOf(client.baseURL) + 1}/${NODE_URLS.length} (${client.baseURL})`;
}

// Signs tokens only (no request is ever sent through it), so it does not take a node.
const signer = new StreamChat(API_KEY, API_SECRET, { baseURL: NODE_URLS[0] });

const RUN = randomBytes(4).toString('hex');
let counter = 0;

/** A fresh id, unique per run and per call, valid as a user id and a channel id. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${RUN}-${counter}-${randomBytes(2).toString('hex')}`;
}

/**
 * Server-side client (JWT {"server":true}) on the next node; the same construction an app
 * backend uses.
 */
export function serverClient() {
  return new StreamChat(API_KEY, API_SECRET, { baseURL: nodeURL() });
}

/** A valid user token for `userId`, signed by the SDK. */
export function userToken(userId) {
  return signer.createToken(userId);
}

/** Expired user token for `userId` (exp one hour ago), signed by the SDK. */
export function expiredToken(userId) {
  return signer.createToken(userId, Math.floor(Date.now() / 1000) - 3600);
}

function brief(event) {
  const { type, cid, user, watcher_count: wc } = event;
  return JSON.stringify({ type, cid, user: user?.id, online: user?.online, watcher_count: wc });
}

function label(target) {
  return target.cid
    ? `channel ${target.cid} watched by ${target.getClient().userID} on ${nodeOf(target.getClient())}`
    : `client of ${target.userID} on ${nodeOf(target)}`;
}

/**
 * One test's clients and pending waits. `close()` (registered with `t.after`) cancels every
 * wait and disconnects every user client, so the process exits on its own. The server client
 * and each user client take the next node in turn (REST and WebSocket of one user client go
 * to the same node, as connection_id requires).
 */
export class Session {
  constructor(t) {
    this.server = serverClient();
    this.clients = [];
    this.waits = new Set();
    t.after(() => this.close());
  }

  /** Creates (upserts) users through the server client. */
  async upsertUsers(...ids) {
    const res = await this.server.upsertUsers(ids.map((id) => ({ id, name: `name of ${id}` })));
    return res;
  }

  /**
   * Creates a channel server-side (created_by_id = first member) and returns the server's
   * channel object; `createResponse` holds the create response.
   */
  async createChannel(type, members, data = {}) {
    const channel = this.server.channel(type, uid('room'), {
      members,
      created_by_id: members[0],
      ...data,
    });
    channel.createResponse = await channel.create();
    return channel;
  }

  /** `client` watches channel `type:id` (presence on by default); returns the watching channel. */
  async watch(client, type, id, options = { presence: true }) {
    const channel = client.channel(type, id);
    channel.watchResponse = await channel.watch(options);
    return channel;
  }

  /** A fresh user-side client on the next node, not yet connected. */
  userClient() {
    const client = new StreamChat(API_KEY, { baseURL: nodeURL(), allowServerSideConnect: true });
    this.clients.push(client);
    return client;
  }

  /** Connects `userId` (next node) with a token signed by the SDK; returns [client, connectResult]. */
  async connect(userId, extra = {}) {
    const client = this.userClient();
    const token = userToken(userId);
    const result = await client.connectUser({ id: userId, ...extra }, token);
    return [client, result];
  }

  /**
   * Resolves with the first event of `type` on `target` (a client or a channel) for which
   * `predicate` is true; rejects after `ms`. Call it BEFORE the action that triggers the event.
   */
  waitFor(target, type, predicate = () => true, ms = 5000) {
    const seen = [];
    let sub;
    let all;
    let timer;
    const wait = {};
    const promise = new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        sub?.unsubscribe();
        all?.unsubscribe();
        this.waits.delete(wait);
      };
      wait.cancel = () => {
        finish();
        reject(new Error(`wait for ${type} cancelled by test teardown`));
      };
      const onTimeout = () => {
        finish();
        reject(
          new Error(
            `no ${type} event within ${ms} ms on ${label(target)}; ` +
              `events seen meanwhile: ${seen.length ? seen.join(' ') : 'none'}`,
          ),
        );
      };
      all = target.on((event) => {
        if (event.type !== 'health.check') seen.push(brief(event));
      });
      sub = target.on(type, (event) => {
        let ok = false;
        try {
          ok = predicate(event);
        } catch {
          ok = false;
        }
        if (ok) {
          finish();
          resolve(event);
        }
      });
      timer = setTimeout(onTimeout, ms);
    });
    // Mark as handled so a wait abandoned by a failing step never becomes an unhandled rejection.
    promise.catch(() => {});
    this.waits.add(wait);
    return promise;
  }

  async close() {
    for (const wait of [...this.waits]) wait.cancel();
    await Promise.all(this.clients.map((c) => c.disconnectUser().catch(() => {})));
  }
}

/** Asserts that `promise` rejects with an SDK ErrorFromResponse carrying `status` and `code`. */
export async function assertApiError(promise, { status, code }) {
  let error;
  try {
    const res = await promise;
    assert.fail(`expected HTTP ${status} / code ${code}, got success: ${JSON.stringify(res)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    error = e;
  }
  const body = JSON.stringify(error.response?.data);
  assert.equal(error.status, status, `HTTP status (body ${body}; error ${error.message})`);
  assert.equal(error.code, code, `Stream error code (body ${body})`);
  return error;
}
