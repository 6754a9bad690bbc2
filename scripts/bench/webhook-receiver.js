// A webhook endpoint for scripts/bench.sh (BENCH_WEBHOOK=fast|hang), on 127.0.0.1:PORT.
//   fast: answers every request 200 at once and keeps, per request, the lag from the moment the
//         bench publisher sent the event (the `herald_bench` marker "STREAM:SEQ:SENT_US" in the
//         body; same clock, loopback) to the moment the request arrived.
//   hang: accepts connections and never answers.
// On SIGTERM it prints one JSON line: requests, distinct X-Webhook-Id, first/last arrival (ms),
// and lag percentiles (ms).
const http = require("http");
const [mode, port] = [process.argv[2], Number(process.argv[3])];
const lags = [];
const ids = new Set();
let requests = 0, first = 0, last = 0;
const server = http.createServer((req, res) => {
  if (mode === "hang") return; // never answer
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const now = Date.now();
    requests += 1;
    ids.add(req.headers["x-webhook-id"]);
    first = first || now;
    last = now;
    const m = /"herald_bench":"[^:"]*:\d+:(\d+)"/.exec(Buffer.concat(chunks).toString());
    if (m) lags.push(now - Number(m[1]) / 1000);
    res.end("ok");
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => {
  lags.sort((a, b) => a - b);
  const q = (p) => (lags.length ? Number(lags[Math.min(lags.length - 1, Math.floor(p * lags.length))].toFixed(1)) : null);
  const span = last - first;
  console.log(JSON.stringify({ mode, requests, distinct_ids: ids.size, span_ms: span,
    per_second: span > 0 ? Math.round(((requests - 1) * 1000) / span) : null,
    lag_ms: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: lags.length ? Number(lags[lags.length - 1].toFixed(1)) : null } }));
  process.exit(0);
});
