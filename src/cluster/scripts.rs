//! The Lua scripts of the Redis store: each one is a read-modify-write that must be atomic across
//! nodes (Redis runs a script alone). Key names follow [`super::keys`]; keys built inside a
//! script from the prefix (`ARGV` last) belong to the single Redis a deployment uses.

use redis::Script;
use std::sync::LazyLock;

/// Compare-and-set of one hash field. KEYS: hash. ARGV: field, expected ('' = absent), new.
/// Returns 1 when written, 0 when the field changed meanwhile (the caller retries).
pub static CAS_FIELD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local cur = redis.call('HGET', KEYS[1], ARGV[1])
        if (cur or '') ~= ARGV[2] then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        return 1",
    )
});

/// KEYS: channels, members:{cid}, watch:{cid}, wcount:{cid}, cevents:{cid}, cevseq:{cid}.
/// ARGV: cid, prefix. Deletes a channel with its members, watchers and conversation events;
/// returns the channel JSON (nil if none).
pub static DELETE_CHANNEL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local ch = redis.call('HGET', KEYS[1], ARGV[1])
        redis.call('HDEL', KEYS[1], ARGV[1])
        for _, user in ipairs(redis.call('HKEYS', KEYS[2])) do
            redis.call('SREM', ARGV[2] .. ':memberships:' .. user, ARGV[1])
        end
        for _, conn in ipairs(redis.call('HKEYS', KEYS[3])) do
            redis.call('SREM', ARGV[2] .. ':cwatch:' .. conn, ARGV[1])
        end
        redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
        return ch",
    )
});

/// KEYS: members:{cid}. ARGV: cid, prefix, user ids… Returns the removed members' JSON.
pub static REMOVE_MEMBERS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local out = {}
        for i = 3, #ARGV do
            local m = redis.call('HGET', KEYS[1], ARGV[i])
            if m then
                redis.call('HDEL', KEYS[1], ARGV[i])
                table.insert(out, m)
            end
            redis.call('SREM', ARGV[2] .. ':memberships:' .. ARGV[i], ARGV[1])
        end
        return out",
    )
});

/// KEYS: watch:{cid}, wcount:{cid}, cwatch:{conn}. ARGV: conn, user, cid.
/// Returns {1 if the user's first watching connection, distinct watching users}.
pub static ADD_WATCHER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local edge = 0
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
            redis.call('SADD', KEYS[3], ARGV[3])
            if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then edge = 1 end
        end
        return {edge, redis.call('HLEN', KEYS[2])}",
    )
});

/// KEYS: watch:{cid}, wcount:{cid}, cwatch:{conn}. ARGV: conn, user, cid.
/// Returns {1 if it was the user's last watching connection, distinct watching users}.
pub static REMOVE_WATCHER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local edge = 0
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
            redis.call('SREM', KEYS[3], ARGV[3])
            if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
                redis.call('HDEL', KEYS[2], ARGV[2])
                edge = 1
            end
        end
        return {edge, redis.call('HLEN', KEYS[2])}",
    )
});

/// KEYS: conns, uconns:{user}, nconns:{node}. ARGV: conn, node, user.
/// Returns 1 when it is the user's first connection anywhere.
pub static ADD_CONNECTION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({node = ARGV[2], user = ARGV[3]}))
        redis.call('SADD', KEYS[3], ARGV[1])
        if redis.call('SADD', KEYS[2], ARGV[1]) == 1 and redis.call('SCARD', KEYS[2]) == 1 then return 1 end
        return 0",
    )
});

/// KEYS: conns, uconns:{user}, cwatch:{conn}. ARGV: conn, prefix.
/// Returns 1 when it was the user's last connection anywhere.
pub static REMOVE_CONNECTION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local rec = redis.call('HGET', KEYS[1], ARGV[1])
        if rec then
            redis.call('SREM', ARGV[2] .. ':nconns:' .. cjson.decode(rec).node, ARGV[1])
            redis.call('HDEL', KEYS[1], ARGV[1])
        end
        redis.call('DEL', KEYS[3])
        if redis.call('SREM', KEYS[2], ARGV[1]) == 1 and redis.call('SCARD', KEYS[2]) == 0 then return 1 end
        return 0",
    )
});
