//! The node's life: graceful shutdown closes sockets with the reconnect code 4000 and turns
//! /readyz to 503; the `herald` command line keeps its contract (generated secret with a warning,
//! `token`, `print-config` with the secret redacted).

use crate::support::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[actix_web::test]
async fn shutdown_closes_sockets_with_a_reconnect_code() {
    let node = spawn_node().await;
    let mut ws = node.connect(&uid("u")).await;
    let control = node.control().clone();
    let stopping = actix_web::rt::spawn(async move { control.shutdown().await });
    assert_eq!(ws.closed().await, Some(herald_proto::close::SHUTDOWN));
    stopping.await.unwrap();
}

#[actix_web::test]
async fn readyz_reports_draining() {
    let node = spawn_node().await;
    assert_eq!(node.call("GET", "/readyz", None, None).await.status, 200);
    // drain without stopping the HTTP server, as the first step of shutdown does
    node.control().set_draining();
    assert_eq!(node.call("GET", "/readyz", None, None).await.status, 503);
    assert_eq!(node.call("GET", "/healthz", None, None).await.status, 200);
    node.stop().await;
}

fn herald() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_herald"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("HERALD_")) {
        cmd.env_remove(k);
    }
    cmd
}

#[test]
fn serve_without_a_secret_generates_one_and_says_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = herald()
        .arg("serve")
        .env("HERALD_LISTEN", format!("127.0.0.1:{port}"))
        .env("HERALD_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut warned = false;
    let mut secret = None;
    for line in stderr.lines() {
        let line = line.unwrap();
        warned |= line.contains("WARNING: no API secret");
        if let Some(s) = line.trim().strip_prefix("HERALD_API_SECRET=") {
            secret = Some(s.to_owned());
        }
        if line.contains("listening") {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(warned, "no warning printed");
    let secret = secret.expect("the generated secret is printed");
    assert!(secret.len() >= 32, "{secret}");
}

#[test]
fn token_needs_a_secret_and_print_config_redacts_it() {
    let out = herald().args(["token", "--user", "alice"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HERALD_API_SECRET"));

    let out = herald().args(["token", "--user", "alice", "--ttl", "60"]).env("HERALD_API_SECRET", "s3cret").output().unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap();
    let auth = herald::auth::Authenticator::new("herald", "s3cret", 0);
    assert_eq!(auth.verify(token.trim()).unwrap(), herald_actors::chat::Caller::User("alice".into()));

    let out = herald().arg("print-config").env("HERALD_API_SECRET", "s3cret").env("HERALD_LISTEN", "127.0.0.1:9999").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("listen = \"127.0.0.1:9999\""), "{text}");
    assert!(!text.contains("s3cret") && text.contains("<redacted>"), "{text}");

    let out = herald().arg("print-config").env("HERALD_TIMING__HEARTBEAT_SECS", "99").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("heartbeat_secs"));
}
