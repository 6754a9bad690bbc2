//! `user.unread_message_reminder`: a user who has had unread messages for the configured delay
//! and is offline gets one reminder (a webhook-catalogue event; published to the user's topic
//! through [`Chat::publish_to_user`], where the webhook tap sees it — the user has no connection
//! to deliver it to). Each node runs a loop ([`Chat::start_unread_reminders`]); the Store's queue
//! of users with unread messages (`ReadStore::count_message` enters them, a read that leaves
//! nothing unread takes them out) is claimed user by user (`take_unread_reminder`), so the
//! reminder fires once per user per unread period over every node. A user who is online when it
//! comes due stays queued until they are offline (or read everything).

use super::views::{bare_event, user_json};
use super::{Chat, ChatResult};
use crate::metrics::Metrics;
use herald_proto::message::MessageCursor;
use herald_proto::read::UnreadTotals;
use herald_proto::user::User;
use herald_proto::JsonMap;
use std::time::Duration;

/// Users looked at per pass (the rest wait for the next pass).
const BATCH: usize = 100;
/// Unread messages listed per channel in a reminder.
const MESSAGES_PER_CHANNEL: usize = 10;

/// Now in Unix milliseconds (the queue's scores).
pub(crate) fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

/// The reminder loop of a node; it stops when this is dropped or stopped.
pub struct UnreadReminderTask(tokio::task::JoinHandle<()>);

impl UnreadReminderTask {
    pub fn stop(&self) {
        self.0.abort();
    }
}

impl Drop for UnreadReminderTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Chat {
    /// Starts this node's reminder loop (None when `delay` is zero: reminders off). It checks
    /// every half delay (between 50 ms and 30 s).
    pub fn start_unread_reminders(&self, delay: Duration) -> Option<UnreadReminderTask> {
        if delay.is_zero() {
            return None;
        }
        let chat = self.clone();
        let period = (delay / 2).clamp(Duration::from_millis(50), Duration::from_secs(30));
        let handle = actix::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = chat.send_due_unread_reminders(delay).await {
                    tracing::warn!(error = %e, "unread-message reminders: this pass failed; the next one retries");
                }
                Metrics::incr(&chat.metrics().unread_reminder_passes);
            }
        });
        Some(UnreadReminderTask(handle))
    }

    /// One pass: every queued user whose first unread message is older than `delay`, offline and
    /// still with unread messages, claimed and reminded. Returns how many were reminded.
    pub async fn send_due_unread_reminders(&self, delay: Duration) -> ChatResult<usize> {
        let until = now_ms().saturating_sub(delay.as_millis() as u64);
        let mut sent = 0;
        for user_id in self.store().unread_reminders_due(until, BATCH).await? {
            let Some(user) = self.store().get_user(&user_id).await? else {
                self.store().take_unread_reminder(&user_id).await?;
                continue;
            };
            if user.online {
                continue; // stays queued until they are offline
            }
            let event = self.unread_reminder_event(&user).await?;
            if event.is_none() {
                self.store().take_unread_reminder(&user_id).await?; // read everything meanwhile
                continue;
            }
            if !self.store().take_unread_reminder(&user_id).await? {
                continue; // another node claimed it
            }
            if let Some(event) = event {
                self.publish_to_user(&user_id, None, &event).await?;
                Metrics::incr(&self.metrics().unread_reminders_sent);
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// `{type, created_at, user, channels: {cid: {channel, messages}}}` with the user's unread
    /// channels and their newest unread messages (plus the user's totals); None when nothing is
    /// unread.
    async fn unread_reminder_event(&self, user: &User) -> ChatResult<Option<JsonMap>> {
        let reads = self.store().user_reads(&user.id).await?;
        let totals = UnreadTotals::of(&reads);
        if totals.total_unread_count == 0 {
            return Ok(None);
        }
        let mut channels = JsonMap::new();
        for read in reads.iter().filter(|r| r.unread_messages > 0) {
            let Ok(loaded) = self.load_channel(&read.cid).await else { continue };
            let take = (read.unread_messages as usize).min(MESSAGES_PER_CHANNEL);
            let messages = self.message_page(&read.cid, MessageCursor::Latest, take, None).await?;
            let mut entry = JsonMap::new();
            entry.insert("channel".into(), self.channel_payload(&loaded).await?);
            entry.insert("messages".into(), messages.into());
            channels.insert(read.cid.clone(), entry.into());
        }
        let mut event = bare_event("user.unread_message_reminder");
        event.insert("user".into(), user_json(user));
        event.insert("channels".into(), channels.into());
        event.insert("total_unread_count".into(), totals.total_unread_count.into());
        event.insert("unread_channels".into(), totals.unread_channels.into());
        Ok(Some(event))
    }

    /// Ends a user's unread period when they have nothing unread left (after a read).
    pub(crate) async fn end_unread_period_if_read(&self, user_id: &str) -> ChatResult<()> {
        let totals = UnreadTotals::of(&self.store().user_reads(user_id).await?);
        if totals.total_unread_count == 0 {
            self.store().take_unread_reminder(user_id).await?;
        }
        Ok(())
    }
}
