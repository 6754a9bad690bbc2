//! What exists before the first socket opens: the run's users (receivers and publishers) and,
//! for the channels target, its channels, created over REST with a server token on the first
//! node (in a cluster every node reads them from the shared store).

use crate::plan::{Plan, Target};
use crate::rest::{self, Auth};
use crate::token;
use futures_util::TryStreamExt;

const USERS_PER_CALL: usize = 100;
const CONCURRENT_CALLS: usize = 16;

pub async fn prepare(plan: &Plan) -> Result<(), String> {
    let http = rest::client();
    let server = token::server_token(&plan.api_secret);
    let base = plan.urls[0].as_str();
    let ids: Vec<String> =
        (0..plan.connections).map(|c| plan.user_id(c)).chain((0..plan.publishers).map(|p| plan.publisher_user_id(p))).collect();
    futures_util::stream::iter(ids.chunks(USERS_PER_CALL).map(Ok::<_, String>))
        .try_for_each_concurrent(CONCURRENT_CALLS, |chunk| {
            let users: serde_json::Map<String, serde_json::Value> =
                chunk.iter().map(|id| (id.clone(), serde_json::json!({ "id": id, "name": id }))).collect();
            let (http, server) = (&http, &server);
            async move {
                rest::post(http, base, &plan.api_key, "/users", "", Auth::Server(server), &serde_json::json!({ "users": users })).await
            }
        })
        .await?;
    if plan.target == Target::Channels {
        futures_util::stream::iter((0..plan.channels).map(Ok::<_, String>))
            .try_for_each_concurrent(CONCURRENT_CALLS, |stream| {
                let path = format!("/channels/{}/{}/query", plan.channel_type, plan.channel_id(stream));
                let creator = plan.publisher_user_id(stream % plan.publishers.max(1));
                let body = serde_json::json!({ "data": { "created_by_id": creator }, "members": { "limit": 0 } });
                let (http, server) = (&http, &server);
                async move { rest::post(http, base, &plan.api_key, &path, "", Auth::Server(server), &body).await }
            })
            .await?;
    }
    Ok(())
}
