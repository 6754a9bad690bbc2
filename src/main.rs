//! The `herald` command: `serve`, `token`, `vonage-token`, `print-config`, `bench` (the load tester,
//! crate `herald-bench`). Parses arguments, loads the configuration, starts tracing and calls
//! [`herald::run`].

use clap::{Parser, Subcommand};
use herald::auth::Authenticator;
use herald::Config;
use rand::distr::{Alphanumeric, SampleString};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "herald", version, about = "A self-hosted event broker that speaks the Stream Chat protocol")]
struct Cli {
    /// A TOML configuration file (defaults < file < HERALD_* environment).
    #[arg(long, global = true, env = "HERALD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a node.
    Serve,
    /// Print a user token signed with the configured secret.
    Token {
        /// The user id the token is for.
        #[arg(long)]
        user: String,
        /// Seconds until the token expires (no expiry when omitted).
        #[arg(long)]
        ttl: Option<u64>,
    },
    /// Print a Vonage-style application token (RS256) for the conversation API.
    VonageToken {
        /// The application's private key (PEM file).
        #[arg(long)]
        private_key: PathBuf,
        /// The application id (default: the configured vonage_application_id).
        #[arg(long)]
        application_id: Option<String>,
        /// A user the token acts for (`sub`); events then need `from`.
        #[arg(long)]
        sub: Option<String>,
        /// Seconds until the token expires.
        #[arg(long, default_value_t = 900)]
        ttl: u64,
    },
    /// Print the effective configuration (secret redacted).
    PrintConfig,
    /// Load-test nodes through the real protocol and account for every delivery (BENCHMARKS.md).
    #[command(args_override_self = true)]
    Bench(Box<herald_bench::BenchArgs>),
    /// One worker process of `herald bench` (started by it; reads its plan on stdin).
    #[command(hide = true)]
    BenchWorker,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::BenchWorker = cli.command {
        return herald_bench::run_worker();
    }
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::PrintConfig => {
            print!("{}", config.to_redacted_toml());
            Ok(())
        }
        Command::Token { user, ttl } => {
            anyhow::ensure!(
                !config.api_secret.is_empty(),
                "no API secret configured: set HERALD_API_SECRET (or api_secret in --config) to the secret your node runs with"
            );
            println!("{}", Authenticator::new(&config.api_key, &config.api_secret, 0).user_token(&user, ttl));
            Ok(())
        }
        Command::VonageToken { private_key, application_id, sub, ttl } => {
            let application_id = application_id.unwrap_or(config.vonage_application_id);
            anyhow::ensure!(!application_id.is_empty(), "no application id: pass --application-id or set HERALD_VONAGE_APPLICATION_ID");
            let pem = std::fs::read(&private_key).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", private_key.display()))?;
            println!("{}", herald::vonage_auth::application_token(&pem, &application_id, sub.as_deref(), ttl)?);
            Ok(())
        }
        Command::Bench(args) => herald_bench::run(*args, &config.api_key, &config.api_secret),
        Command::BenchWorker => unreachable!("handled before the configuration loads"),
        Command::Serve => {
            init_tracing(&config.log);
            if config.api_secret.is_empty() {
                config.api_secret = Alphanumeric.sample_string(&mut rand::rng(), 48);
                warn_generated_secret(&config);
            }
            serve(config)
        }
    }
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

fn warn_generated_secret(config: &Config) {
    let listen = &config.listen;
    let key = &config.api_key;
    let secret = &config.api_secret;
    eprintln!(
        "\nWARNING: no API secret is configured (HERALD_API_SECRET or api_secret in --config).\n\
         herald generated one for this run only; tokens signed with it stop working when it restarts:\n\n  \
         HERALD_API_SECRET={secret}\n\n\
         To keep it, start herald with it and sign tokens with the same secret:\n\n  \
         export HERALD_API_KEY={key} HERALD_API_SECRET={secret}\n  \
         herald serve\n  \
         herald token --user alice\n\n\
         Then point the official JS client at it:\n\n  \
         new StreamChat('{key}', {{ baseURL: 'http://{listen}' }})\n"
    );
}

#[actix_web::main]
async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(&config.listen).map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(listen = %config.listen, api_key = %config.api_key, "listening");
    let node = herald::run(listener, config)?;
    let control = node.control.clone();
    actix_web::rt::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown signal received");
        control.shutdown().await;
    });
    node.server.await?;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
