//! Unread fields Stream adds to the users of a webhook payload: `total_unread_count` and
//! `unread_count` (unread messages over the user's channels), `unread_channels` (channels with
//! any), and for the event's channel `channel_unread_count` and `channel_last_read_at`. From the
//! Store's read state (`ReadStore::user_reads`), one read per user shown.

use herald_actors::store::Store;
use serde_json::Value;

/// Adds the unread fields to `user` (a user JSON object) for channel `cid`. A Store failure
/// leaves the fields out (never zeroes).
pub async fn annotate(store: &dyn Store, cid: Option<&str>, user: &mut Value) {
    let Some(id) = user.get("id").and_then(Value::as_str).map(str::to_owned) else { return };
    let Ok(reads) = store.user_reads(&id).await else { return };
    let Value::Object(obj) = user else { return };
    let total: u64 = reads.iter().map(|r| r.unread_messages).sum();
    let channels = reads.iter().filter(|r| r.unread_messages > 0).count();
    obj.insert("total_unread_count".into(), total.into());
    obj.insert("unread_count".into(), total.into());
    obj.insert("unread_channels".into(), channels.into());
    if let Some(read) = cid.and_then(|cid| reads.iter().find(|r| r.cid == cid)) {
        obj.insert("channel_unread_count".into(), read.unread_messages.into());
        obj.insert("channel_last_read_at".into(), read.last_read.clone().into());
    }
}
