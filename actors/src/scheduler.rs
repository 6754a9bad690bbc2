//! ReminderScheduler: one per node, started by the server wiring. Every `interval` it asks
//! [`Chat::fire_due_reminders`] to claim and announce the reminders that are due. The claim is
//! atomic in the Store, so every node may poll and each reminder still fires once.

use crate::chat::Chat;
use actix::prelude::*;
use std::time::Duration;

pub struct ReminderScheduler {
    chat: Chat,
    interval: Duration,
    /// A poll still running (a slow Store): the next tick is skipped rather than piling up.
    busy: bool,
}

impl ReminderScheduler {
    pub fn start(chat: Chat, interval: Duration) -> Addr<ReminderScheduler> {
        ReminderScheduler { chat, interval, busy: false }.start()
    }
}

impl Actor for ReminderScheduler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.interval, |act, ctx| {
            if act.busy {
                return;
            }
            act.busy = true;
            let chat = act.chat.clone();
            ctx.spawn(
                async move {
                    if let Err(e) = chat.fire_due_reminders().await {
                        tracing::warn!(error = %e, "could not fire due reminders; retrying at the next poll");
                    }
                }
                .into_actor(act)
                .map(|_, act, _| act.busy = false),
            );
        });
    }
}

/// Stops the scheduler (node shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopScheduler;

impl Handler<StopScheduler> for ReminderScheduler {
    type Result = ();
    fn handle(&mut self, _: StopScheduler, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
