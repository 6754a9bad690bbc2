//! The HTTP surface: Stream-compatible REST routes, the WebSocket upgrade, health and metrics.
//! Handlers are thin: authenticate, parse into `proto` types, make one call to [`Chat`], reply.
//!
//! [`routes`] mounts everything (used by [`crate::run`] and by tests).

mod app;
mod blocks;
mod channel_types;
mod channels;
mod conversations;
mod events;
mod exports;
mod extract;
mod health;
mod lifecycle;
mod member_updates;
mod messages;
mod moderation;
mod reads;
mod reminders;
mod request_info;
mod timing;
mod user_lifecycle;
mod users;
mod ws;

pub use extract::AppState;
pub use request_info::request_info;
pub use timing::stamp_errors;

use actix_web::web;

/// Every route herald serves. Order matters where paths overlap: `/channels/{type}/query`
/// before `/channels/{type}/{id}`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/hi", web::get().to(health::hi))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/connect", web::get().to(ws::connect))
        .route("/users", web::post().to(users::upsert))
        .route("/users", web::patch().to(users::partial_update))
        .route("/users", web::get().to(users::query))
        .route("/users/block", web::post().to(blocks::block))
        .route("/users/block", web::get().to(blocks::list))
        .route("/users/unblock", web::post().to(blocks::unblock))
        .route("/users/{id}/event", web::post().to(events::user_event))
        .route("/app", web::get().to(app::get))
        .route("/app", web::patch().to(app::patch))
        .route("/webhooks/dead_letters", web::get().to(app::dead_letters))
        .route("/webhooks/dead_letters/replay", web::post().to(app::replay_dead_letters))
        .route("/users/deactivate", web::post().to(user_lifecycle::deactivate_many))
        .route("/users/reactivate", web::post().to(user_lifecycle::reactivate_many))
        .route("/users/delete", web::post().to(user_lifecycle::delete_many))
        .route("/users/{id}/deactivate", web::post().to(user_lifecycle::deactivate))
        .route("/users/{id}/reactivate", web::post().to(user_lifecycle::reactivate))
        .route("/users/{id}", web::delete().to(user_lifecycle::delete))
        .route("/moderation/ban", web::post().to(moderation::ban))
        .route("/moderation/ban", web::delete().to(moderation::unban))
        .route("/query_banned_users", web::get().to(moderation::query_banned))
        .route("/moderation/mute", web::post().to(moderation::mute))
        .route("/moderation/unmute", web::post().to(moderation::unmute))
        .route("/moderation/flag", web::post().to(moderation::flag))
        .route("/moderation/unflag", web::post().to(moderation::unflag))
        .route("/moderation/flags/message", web::get().to(moderation::message_flags))
        .route("/moderation/flags", web::get().to(moderation::all_flags))
        .route("/channeltypes", web::get().to(channel_types::list))
        .route("/channeltypes", web::post().to(channel_types::create))
        .route("/channeltypes/{name}", web::get().to(channel_types::get))
        .route("/channeltypes/{name}", web::put().to(channel_types::update))
        .route("/channeltypes/{name}", web::delete().to(channel_types::delete))
        .route("/channels", web::post().to(channels::query_channels))
        .route("/channels/delete", web::post().to(channels::delete_many))
        .route("/channels/read", web::post().to(reads::mark_channels_read))
        .route("/channels/{type}/query", web::post().to(channels::query_distinct))
        .route("/channels/{type}/{id}/query", web::post().to(channels::query))
        .route("/channels/{type}/{id}/event", web::post().to(events::channel_event))
        .route("/channels/{type}/{id}/message", web::post().to(messages::send))
        .route("/channels/{type}/{id}/stop-watching", web::post().to(channels::stop_watching))
        .route("/channels/{type}/{id}/read", web::post().to(reads::mark_read))
        .route("/channels/{type}/{id}/unread", web::post().to(reads::mark_unread))
        .route("/channels/{type}/{id}/truncate", web::post().to(lifecycle::truncate))
        .route("/channels/{type}/{id}/hide", web::post().to(lifecycle::hide))
        .route("/channels/{type}/{id}/show", web::post().to(lifecycle::show))
        .route("/channels/{type}/{id}/member", web::patch().to(member_updates::partial_update))
        .route("/channels/{type}/{id}/member/{user_id}", web::patch().to(member_updates::partial_update_named))
        .route("/moderation/mute/channel", web::post().to(lifecycle::mute_channel))
        .route("/moderation/unmute/channel", web::post().to(lifecycle::unmute_channel))
        .route("/channels/{type}/{id}", web::post().to(channels::update))
        .route("/channels/{type}/{id}", web::patch().to(channels::partial_update))
        .route("/channels/{type}/{id}", web::delete().to(channels::delete))
        .route("/tasks/{id}", web::get().to(channels::task))
        .route("/export_channels", web::post().to(exports::export_channels))
        .route("/export_channels/{id}", web::get().to(channels::task))
        .route("/export/users", web::post().to(exports::export_users))
        .route("/exports/{task}/{file}", web::get().to(exports::file))
        .route("/messages/{id}", web::get().to(messages::get))
        .route("/messages/{id}", web::post().to(messages::update))
        .route("/messages/{id}", web::put().to(messages::partial_update))
        .route("/messages/{id}", web::delete().to(messages::delete))
        .route("/messages/{id}/reaction", web::post().to(messages::react))
        .route("/messages/{id}/reaction/{type}", web::delete().to(messages::unreact))
        .route("/messages/{id}/reactions", web::get().to(messages::reactions))
        .route("/messages/{id}/reminders", web::post().to(reminders::create))
        .route("/messages/{id}/reminders", web::patch().to(reminders::update))
        .route("/messages/{id}/reminders", web::delete().to(reminders::delete))
        .route("/reminders/query", web::post().to(reminders::query));
    for version in ["/v0.3", "/v1"] {
        conversations::mount(cfg, version);
    }
    cfg.default_service(web::to(health::not_found));
}
