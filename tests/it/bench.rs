//! `herald bench` smoke runs (the CI part of the load tester; figures live in BENCHMARKS.md):
//! a tiny load through the real binary against a real node, asserting the accounting — every
//! expected delivery received once and in order — and the JSON report's contract fields.
//! Nothing here is timed.

use crate::support::*;
use serde_json::Value;

/// Runs `herald bench` with `args` against `urls` and returns its JSON report.
pub async fn run_bench(urls: &[String], args: &[&str]) -> Value {
    let dir = std::env::temp_dir().join(uid("bench"));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("report.json");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_herald"));
    cmd.arg("bench").args(["--api-key", KEY, "--api-secret", SECRET, "--quiet", "--json"]).arg(&json);
    for url in urls {
        cmd.args(["--url", url]);
    }
    cmd.args(args);
    let out = actix_web::rt::task::spawn_blocking(move || cmd.output().expect("run herald bench")).await.unwrap();
    assert!(
        out.status.success(),
        "herald bench failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).expect("the JSON report")).expect("the report is JSON");
    let _ = std::fs::remove_dir_all(&dir);
    report
}

/// The contract every report meets, and a clean run: nothing lost, duplicated or reordered.
pub fn assert_clean(report: &Value, connections: u64, receivers_per_event: u64) {
    let n = |k: &str| report[k].as_u64().unwrap_or_else(|| panic!("{k} is a count in {report:#}"));
    assert_eq!(n("connections_ok"), connections, "{report:#}");
    assert_eq!(n("connections_failed"), 0, "{report:#}");
    assert!(n("events_sent") > 0, "{report:#}");
    assert_eq!(n("deliveries_expected"), n("events_sent") * receivers_per_event, "{report:#}");
    assert_eq!(n("deliveries_received"), n("deliveries_expected"), "{report:#}");
    assert_eq!(n("lost"), 0, "{report:#}");
    assert_eq!(n("duplicates"), 0, "{report:#}");
    assert_eq!(n("out_of_order"), 0, "{report:#}");
    assert!(report["deliveries_per_sec"].as_f64().is_some_and(|r| r > 0.0), "{report:#}");
    let l = &report["latency_ms"];
    let ms = |k: &str| l[k].as_f64().unwrap_or_else(|| panic!("latency_ms.{k} in {report:#}"));
    assert!(0.0 < ms("p50") && ms("p50") <= ms("p90") && ms("p90") <= ms("p99"), "{report:#}");
    assert!(ms("p99") <= ms("p999") && ms("p999") <= ms("max"), "{report:#}");
}

fn base(node: &TestNode) -> String {
    format!("http://{}", node.addr)
}

#[actix_web::test]
async fn channel_fanout_by_socket_across_two_workers() {
    let node = spawn_node().await;
    let args = ["--connections", "40", "--channels", "4", "--watchers", "10", "--rate", "400", "--duration", "1", "--workers", "2"];
    let report = run_bench(&[base(&node)], &args).await;
    assert_clean(&report, 40, 10);
    assert_eq!(report["watches_ok"], 40);
    assert_eq!(report["scenario"]["workers"], 2);
    // The node runs inside this test process, which the bench finds listening on the node's port.
    assert_eq!(report["server"]["pids"], serde_json::json!([std::process::id()]), "{report:#}");
    assert!(report["server"]["rss_bytes_idle"].as_u64().is_some_and(|rss| rss > 0), "{report:#}");
}

#[actix_web::test]
async fn user_events_by_rest() {
    let node = spawn_node().await;
    let args = ["--target", "users", "--via", "rest", "--connections", "30", "--rate", "300", "--duration", "1"];
    let report = run_bench(&[base(&node)], &args).await;
    assert_clean(&report, 30, 1);
}

#[actix_web::test]
async fn a_refused_setup_fails_with_the_node_s_error() {
    let node = spawn_node().await;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_herald"));
    cmd.args(["bench", "--api-key", KEY, "--api-secret", "not-the-secret", "--quiet", "--url", &base(&node)]);
    cmd.args(["--connections", "2", "--channels", "1", "--watchers", "2", "--duration", "1"]);
    let out = actix_web::rt::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("401") && stderr.contains("signature"), "{stderr}");
}
