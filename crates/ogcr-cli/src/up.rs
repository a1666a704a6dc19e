//! `ogcr up`: the whole registry in one process — a local chain whose state is kept on disk,
//! the contracts (deployed once, then reused), the indexer and the read API.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use alloy::providers::Provider;
use anyhow::{Context as _, Result, anyhow, bail};
use clap::Args;
use ogcr_client::{DeployOptions, Manifest, demo::DemoAccounts, registry::TxPolicy};
use ogcr_indexer::{DocumentSources, Indexer, IndexerConfig, Resolver, RpcSource};
use ogcr_store::Store;

use crate::{Outcome, index::DatabaseArgs, serve::ApiArgs};

/// anvil's well-known dev accounts (test mnemonic) and their parts — the roles `ogcr up`
/// grants at deployment are the demo's ([`ogcr_client::demo::DemoAccounts`]), so the same
/// accounts work with and without `--demo`. Never use these keys on a real network.
pub(crate) const DEV_ACCOUNTS: [(&str, &str, &str); 10] = [
    (
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "administrator (deployer)",
    ),
    (
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "developer (Terraviva Carbon Partners)",
    ),
    (
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
        "developer (Basalt & Char Removals)",
    ),
    (
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
        "validator",
    ),
    (
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
        "verifier (signs and sends)",
    ),
    (
        "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
        "verifier (signs attestations)",
    ),
    (
        "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
        "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
        "registry operator",
    ),
    (
        "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
        "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
        "relayer (no role)",
    ),
    (
        "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
        "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
        "holder (airline)",
    ),
    (
        "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
        "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
        "holder (fund)",
    ),
];

/// Run the whole registry locally in one process: a chain, the contracts, the indexer and the
/// API (reads and writes).
///
/// Starts anvil (the npm binary in node_modules/.bin, else `anvil` on PATH) unless --rpc-url is
/// given, keeping its state in --data-dir so that a restart — even after a crash — resumes
/// the same chain; deploys the contracts with the dev roles granted, or reuses the deployment
/// recorded in deploy/<chain-id>.json; indexes into the database (SQLite ./ogcr.db by default)
/// and serves the API (http://127.0.0.1:8080) — the write API with one organization per dev
/// account on a local chain (or those of --organizations). Ctrl-C stops everything cleanly; running it
/// again resumes where it stopped. If the chain comes back behind the database (its state file
/// was older), the indexer rolls the database back to the chain instead of serving phantom
/// rows; if the chain was reset and the contracts redeployed, the database is re-indexed.
///
/// Examples:
///
///   ogcr up --demo                      # with a realistic scenario on chain (see below)
///   ogcr up
///   ogcr up --port 9000 --anvil-port 9545 --data-dir /tmp/ogcr
///   ogcr up --database-url postgres://ogcr@localhost/ogcr
///   ogcr up --fresh                     # forget the chain and the database, start over
///
/// --demo sends the demo scenario through the registry's own paths before serving: six
/// projects of six removal types in Brazil, Kenya, Indonesia, Iceland, India and Uruguay (one
/// rejected then revised, one under review, one archived), ten monitoring reports over
/// consecutive periods (one rejected, some verified by relayed EIP-712 attestations), 22 CRU
/// blocks with buffer shares, CORSIA and Article 6 labels with ITMO references, transfers,
/// splits, partial retirements with beneficiaries and two cancellations — so every API route,
/// CAD Trust table and AEF table has rows. It resumes if interrupted and sends nothing once it
/// is on chain. What it did is written to <data-dir>/demo-summary.json, and the export
/// configuration that names its validator and verifiers as CAD Trust bodies to
/// <data-dir>/demo-export.toml (served by /cadt/v2 and /aef unless --export-config is given),
/// and an API key per demo role to <data-dir>/demo-api-keys.json (new at every start), and a
/// confidential OAuth 2.0 client per demo role to <data-dir>/demo-oauth-clients.json (likewise).
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct UpArgs {
    /// Use this chain instead of starting anvil (its deployment must be in --manifest-dir, or
    /// it must be an anvil-like chain 31337 the dev key can deploy to).
    #[arg(long, env = "OGCR_RPC_URL")]
    rpc_url: Option<String>,
    /// Port of the anvil started here.
    #[arg(long, default_value_t = 8545)]
    anvil_port: u16,
    /// Where the local chain's state is kept (anvil-state.json) with anvil's log.
    #[arg(long, default_value = ".ogcr")]
    data_dir: PathBuf,
    /// Directory of deployment manifests.
    #[arg(long, env = "OGCR_MANIFEST_DIR", default_value = "deploy")]
    manifest_dir: PathBuf,
    /// Directory of content-addressed documents (where `ogcr project register` stores them).
    #[arg(long, env = "OGCR_DOCS_DIR", default_value = "ogcr-documents")]
    documents_dir: PathBuf,
    /// Delete the local chain state and the database first.
    #[arg(long)]
    fresh: bool,
    /// Seed the demo scenario (local chain 31337 only; see above).
    #[arg(long)]
    demo: bool,
    /// The write API's organizations and signing accounts (TOML, as `ogcr serve
    /// --organizations`) [default on a local chain: one organization per dev account].
    #[arg(long, env = "OGCR_ORGANIZATIONS", value_name = "FILE")]
    organizations: Option<PathBuf>,
    #[command(flatten)]
    db: DatabaseArgs,
    #[command(flatten)]
    api: ApiArgs,
}

pub(crate) fn up(args: UpArgs) -> Result<Outcome> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(run(args))
}

/// anvil as a child process; stopped with SIGTERM (it then writes its state). It also gets
/// SIGTERM when `ogcr up` dies without stopping it (kill -9: the parent-death signal), and
/// its pid is kept in `<data-dir>/anvil.pid` so that the next `ogcr up` can reclaim it.
struct Anvil {
    child: tokio::process::Child,
    pid_file: PathBuf,
}

impl Anvil {
    async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
            if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
                .await
                .is_ok()
            {
                let _ = std::fs::remove_file(&self.pid_file);
                return;
            }
        }
        let _ = self.child.kill().await;
        let _ = std::fs::remove_file(&self.pid_file);
    }
}

/// Whether `pid` is a live anvil keeping its state at `state` (an earlier `ogcr up` of this
/// data directory), from its command line.
fn is_our_anvil(pid: u32, state: &Path) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    // The state file as the process names it, relative to its own working directory.
    let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap_or_default();
    let same = |a: &str| {
        let p = Path::new(a);
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        };
        match (p.canonicalize(), state.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => std::path::absolute(&p).ok() == std::path::absolute(state).ok(),
        }
    };
    args.first().is_some_and(|a| a.contains("anvil")) && args.iter().any(|a| same(a))
}

/// Stops an anvil an earlier `ogcr up` of this data directory left running (a crash of
/// `ogcr up` before it could stop its chain): SIGTERM, so it saves its state, then waits.
async fn reclaim_anvil(pid_file: &Path, state: &Path) -> Result<bool> {
    let Some(pid) = std::fs::read_to_string(pid_file)
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse::<u32>().ok())
    else {
        return Ok(false);
    };
    if !is_our_anvil(pid, state) {
        return Ok(false);
    }
    eprintln!("chain     an anvil of an earlier `ogcr up` (pid {pid}) still runs: stopping it");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    for _ in 0..200 {
        if !Path::new(&format!("/proc/{pid}")).exists() || !is_our_anvil(pid, state) {
            let _ = std::fs::remove_file(pid_file);
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!(
        "the anvil of an earlier `ogcr up` (pid {pid}) did not stop within 10 s; stop it and retry"
    )
}

/// Makes the child get SIGTERM when this process dies, however it dies (Linux).
fn die_with_parent(command: &mut tokio::process::Command) {
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: the closure runs in the forked child before exec and calls only
        // async-signal-safe functions (prctl, getppid); it touches no shared state.
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent died between fork and prctl: do not outlive it.
                if libc::getppid() != parent {
                    return Err(std::io::Error::other("ogcr up exited while starting anvil"));
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

fn anvil_binary() -> PathBuf {
    if let Ok(p) = std::env::var("OGCR_ANVIL") {
        return PathBuf::from(p);
    }
    let local = Path::new("node_modules/.bin/anvil");
    if local.exists() {
        return local.to_path_buf();
    }
    PathBuf::from("anvil")
}

async fn start_anvil(port: u16, data_dir: &Path) -> Result<(Anvil, String)> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let state = data_dir.join("anvil-state.json");
    let log_path = data_dir.join("anvil.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let url = format!("http://127.0.0.1:{port}");
    let pid_file = data_dir.join("anvil.pid");
    if tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok()
        && !reclaim_anvil(&pid_file, &state).await?
    {
        bail!(
            "something already listens on 127.0.0.1:{port}; stop it, choose another --anvil-port, \
             or use it with --rpc-url {url}"
        );
    }
    let bin = anvil_binary();
    let resumed = state.exists();
    let mut command = tokio::process::Command::new(&bin);
    command
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--chain-id", "31337", "--state-interval", "1"])
        .arg("--state")
        .arg(&state)
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    die_with_parent(&mut command);
    let child = command.spawn().with_context(|| {
        format!(
            "starting {} (install the toolchain with `npm ci`, or set OGCR_ANVIL)",
            bin.display()
        )
    })?;
    if let Some(pid) = child.id() {
        std::fs::write(&pid_file, format!("{pid} {port}\n"))
            .with_context(|| format!("writing {}", pid_file.display()))?;
    }
    let mut anvil = Anvil { child, pid_file };
    let provider = ogcr_client::registry::connect_provider(&url, None).await?;
    for _ in 0..200 {
        if provider.get_chain_id().await.is_ok() {
            eprintln!(
                "chain     {url} (anvil, chain 31337, {} {})",
                if resumed {
                    "resumed from"
                } else {
                    "state kept in"
                },
                state.display()
            );
            return Ok((anvil, url));
        }
        if let Ok(Some(status)) = anvil.child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            bail!("anvil exited ({status}): {}", log.trim());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anvil.stop().await;
    bail!(
        "anvil did not answer on {url} within 10 s; see {}",
        log_path.display()
    )
}

/// Deploys with the dev roles, or reuses the live deployment in the manifest directory (the
/// deployer's own check); other chains must already have a live deployment.
async fn deployment(url: &str, manifest_dir: &Path) -> Result<Manifest> {
    let provider = ogcr_client::registry::connect_provider(url, None).await?;
    let chain_id = provider.get_chain_id().await?;
    if chain_id != 31337 {
        return match Manifest::read(&Manifest::path(manifest_dir, chain_id))? {
            Some(m) if ogcr_client::deploy::is_live(&provider, &m).await? => {
                eprintln!(
                    "contracts reused from {}",
                    Manifest::path(manifest_dir, chain_id).display()
                );
                Ok(m)
            }
            _ => bail!(
                "chain {chain_id} at {url} has no live ogcr deployment in {}; deploy one with \
                 `ogcr deploy --rpc-url {url} --private-key …` first",
                manifest_dir.display()
            ),
        };
    }
    let signer: alloy::signers::local::PrivateKeySigner = DEV_ACCOUNTS[0]
        .1
        .parse()
        .map_err(|e| anyhow!("dev key: {e}"))?;
    let opts = DeployOptions {
        grants: DemoAccounts::anvil()?.grants(),
        network: Some("anvil".into()),
        expected_chain_id: Some(31337),
        ..DeployOptions::default()
    };
    let result = ogcr_client::deploy(
        url,
        signer,
        manifest_dir,
        &opts,
        &TxPolicy::default(),
        &mut |msg| eprintln!("  {msg}"),
    )
    .await?;
    if result.deployed {
        eprintln!(
            "contracts deployed, manifest {}",
            result.manifest_path.display()
        );
    } else {
        eprintln!("contracts reused from {}", result.manifest_path.display());
    }
    Ok(result.manifest)
}

async fn run(args: UpArgs) -> Result<Outcome> {
    if args.fresh {
        forget(&args).await?;
    }
    let (anvil, url) = match &args.rpc_url {
        Some(url) => (None, url.clone()),
        None => {
            let (a, u) = start_anvil(args.anvil_port, &args.data_dir).await?;
            (Some(a), u)
        }
    };
    let result = serve_all(&args, &url, anvil.is_some()).await;
    if let Some(a) = anvil {
        a.stop().await;
    }
    result
}

async fn forget(args: &UpArgs) -> Result<()> {
    let state = args.data_dir.join("anvil-state.json");
    if state.exists() {
        std::fs::remove_file(&state).with_context(|| format!("removing {}", state.display()))?;
    }
    let store = Store::connect(&args.db.database_url)
        .await
        .with_context(|| format!("opening the database {}", args.db.database_url))?;
    store.reset().await?;
    store.close().await;
    eprintln!("fresh start: chain state and database cleared");
    Ok(())
}

async fn serve_all(args: &UpArgs, url: &str, local: bool) -> Result<Outcome> {
    let manifest = deployment(url, &args.manifest_dir).await?;
    let mut api_args = args.api.clone();
    if args.demo {
        let export = seed_demo(args, url, &manifest).await?;
        api_args.export_config.get_or_insert(export);
    }
    let store = Store::connect(&args.db.database_url)
        .await
        .with_context(|| format!("opening the database {}", args.db.database_url))?;
    let provider = ogcr_client::registry::connect_provider(url, None).await?;
    let indexer = match start_indexer(&provider, &manifest, &store).await {
        // The local chain was reset and the contracts deployed anew: index them from scratch.
        Err(ogcr_indexer::Error::Store(ogcr_store::Error::OtherDeployment { .. })) if local => {
            eprintln!(
                "the database followed an earlier deployment (the local chain was reset): indexing again"
            );
            store.reset().await?;
            start_indexer(&provider, &manifest, &store).await
        }
        other => other,
    }
    .with_context(|| format!("starting the indexer against {url}"))?;
    let resolver = Resolver::new(DocumentSources {
        dirs: vec![args.documents_dir.clone()],
        ..DocumentSources::default()
    });
    let orgs = match &args.organizations {
        Some(path) => Some(ogcr_write::Organizations::load(path, |v| {
            std::env::var(v).ok()
        })?),
        None if local => Some(dev_organizations()?),
        None => None,
    };
    let writes = match orgs {
        Some(o) => Some(
            crate::serve::writes(
                url,
                manifest.clone(),
                o,
                args.documents_dir.clone(),
                &store,
                0,
                // On the local chain ogcr up started, webhooks to loopback receivers are the
                // point; on any other chain the SSRF checks hold.
                local,
                ogcr_write::oauth::OAuthConfig::default(),
            )
            .await?,
        ),
        None => None,
    };
    let (listener, app, api_url) = api_args
        .bind(store.clone(), writes.as_ref(), Some(url))
        .await?;
    write_profile(args, url, &api_url)?;
    banner(
        &manifest,
        url,
        &api_url,
        &store,
        local,
        !api_args.no_explorer,
    );
    if args.demo && writes.is_some() {
        demo_keys(&store, &args.data_dir, &api_url).await?;
        crate::clients::demo_clients(&store, &args.data_dir, &api_url, &DEMO_KEYS).await?;
    } else if writes.is_some() {
        eprintln!(
            "write API on: organizations {}; create a key with `ogcr keys create --org developer --scopes projects:write,mrv:write`",
            writes
                .as_ref()
                .map(|w| w
                    .engine
                    .orgs()
                    .iter()
                    .map(|(id, _)| id)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        );
    } else {
        eprintln!("read only: give --organizations FILE to serve the write API on this chain");
    }

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let workers = match &writes {
        Some(w) => w.engine.start(stop_rx.clone()).await?,
        None => Vec::new(),
    };
    let api = tokio::spawn(ogcr_api::serve(listener, app, stopped(stop_rx.clone())));
    let docs_store = store.clone();
    let docs_stop = stopped(stop_rx.clone());
    let docs = tokio::spawn(async move {
        resolver
            .run(&docs_store, Duration::from_millis(500), docs_stop)
            .await
    });
    let (mut caught_up, mut rolled_back) = (false, 0);
    let shutdown = async {
        let why = crate::signals::stop_requested().await;
        eprintln!(
            "\n{why}: stopping; the indexer's checkpoint is committed and the chain state saved"
        );
    };
    let indexed = indexer
        .run(false, shutdown, &mut |p| {
            if p.rolled_back > rolled_back {
                eprintln!(
                    "the chain lost {} block(s) the database had indexed (anvil saves its state \
                     once a second, so a crash loses the last blocks): the database was rolled \
                     back to block {}; write-API tasks in the lost blocks are sent again",
                    p.rolled_back - rolled_back,
                    p.checkpoint
                );
                rolled_back = p.rolled_back;
            }
            if p.checkpoint >= p.target && !caught_up {
                caught_up = true;
                eprintln!("indexed up to block {} ({} events)", p.checkpoint, p.events);
                if !api_args.no_explorer {
                    eprintln!("open the explorer in a browser: {api_url}/");
                }
            }
        })
        .await;
    // The indexer returns on Ctrl-C or on an error; then the rest stops.
    let _ = stop_tx.send(true);
    let _ = docs.await;
    let _ = api.await;
    for w in workers {
        let _ = w.await;
    }
    store.close().await;
    indexed.map(|_| Outcome::Success).map_err(Into::into)
}

/// Sends the demo scenario (or what is missing of it), writes its summary and its export
/// configuration into the data directory, and returns the configuration's path.
async fn seed_demo(args: &UpArgs, url: &str, manifest: &Manifest) -> Result<PathBuf> {
    if manifest.chain_id != 31337 {
        bail!(
            "--demo runs on a local development chain (31337) with anvil's dev accounts; chain \
             {} at {url} is not one (drop --rpc-url to start a local chain)",
            manifest.chain_id
        );
    }
    let accounts = DemoAccounts::anvil()?;
    eprintln!("demo: sending the scenario's registry transactions");
    let summary = ogcr_client::demo::run(
        url,
        manifest,
        &accounts,
        &args.documents_dir,
        &TxPolicy::default(),
        &mut |msg| eprintln!("  {msg}"),
    )
    .await
    .context(
        "seeding the demo (it needs a deployment where only the demo has sent registry \
         transactions: start over with `ogcr up --demo --fresh`)",
    )?;
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let summary_path = args.data_dir.join("demo-summary.json");
    std::fs::write(&summary_path, serde_json::to_string_pretty(&summary)?)
        .with_context(|| format!("writing {}", summary_path.display()))?;
    let export_path = args.data_dir.join("demo-export.toml");
    std::fs::write(&export_path, demo_export_config(&accounts))
        .with_context(|| format!("writing {}", export_path.display()))?;
    let retired: u64 = summary.retirements.iter().map(|r| r.amount_t).sum();
    eprintln!(
        "demo: {} projects, {} monitoring reports, {} CRU blocks, {} transfers, {} retirements \
         ({retired} t), {} cancellations in {} transactions; summary {}",
        summary.projects.len(),
        summary.reports.len(),
        summary.tokens.len(),
        summary.transfers.len(),
        summary.retirements.len(),
        summary.cancellations.len(),
        summary.transactions,
        summary_path.display()
    );
    Ok(export_path)
}

/// The write API's organizations on a local chain: one per dev account, signing with it.
/// (Org id, display name, the account.)
fn dev_organizations() -> Result<ogcr_write::Organizations> {
    let a = DemoAccounts::anvil()?;
    let mut orgs = ogcr_write::Organizations::default();
    for (id, name, signer) in [
        ("administrator", "Registry administration", &a.admin),
        ("developer", "Terraviva Carbon Partners", &a.developer_a),
        ("developer-b", "Basalt & Char Removals", &a.developer_b),
        ("validator", "Earthood Services", &a.validator),
        ("verifier", "SCS Global Services", &a.verifier_a),
        ("verifier-b", "Bureau Veritas India", &a.verifier_b),
        ("registry_operator", "Registry operations", &a.operator),
        ("relayer", "Attestation relay", &a.relayer),
        ("holder", "Acme Airlines", &a.airline),
        ("fund", "Article 6 fund", &a.fund),
    ] {
        orgs.insert(id, name.to_owned(), signer.clone());
    }
    Ok(orgs)
}

/// The demo's API keys: one organization per role, with the scopes that role uses.
pub(crate) const DEMO_KEYS: [(&str, &[ogcr_write::Scope]); 6] = {
    use ogcr_write::Scope::*;
    [
        (
            "developer",
            &[ProjectsWrite, MrvWrite, CreditsTransfer, CreditsRetire],
        ),
        ("validator", &[ProjectsApprove]),
        ("verifier", &[MrvVerify]),
        (
            "registry_operator",
            &[CreditsIssue, CreditsCancel, CreditsTransfer, ProjectsWrite],
        ),
        ("holder", &[CreditsTransfer, CreditsRetire]),
        ("administrator", &[AuditRead]),
    ]
};

/// Label of the keys `ogcr up --demo` makes (revoked and made anew at every start, since a
/// key's secret is never stored).
const DEMO_KEY_LABEL: &str = "ogcr up --demo";

/// Makes the demo's API keys, writes them to `<data-dir>/demo-api-keys.json` and prints them.
async fn demo_keys(store: &Store, data_dir: &Path, api: &str) -> Result<()> {
    let now = chrono::Utc::now().timestamp();
    for k in store.api_keys(None).await? {
        if k.label == DEMO_KEY_LABEL && k.revoked_at.is_none() {
            store.revoke_api_key(&k.key_id, now).await?;
        }
    }
    let mut out = serde_json::Map::new();
    for (org, scopes) in DEMO_KEYS {
        let key = crate::keys::create_key(store, org, scopes, DEMO_KEY_LABEL, None).await?;
        out.insert(org.to_owned(), serde_json::Value::String(key.plaintext));
    }
    let path = data_dir.join("demo-api-keys.json");
    std::fs::write(&path, serde_json::to_string_pretty(&out)?)
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    eprintln!(
        "write API keys (demo organizations; new at every start) in {}:",
        path.display()
    );
    for (org, key) in &out {
        eprintln!("  {org:<18} {}", key.as_str().unwrap_or_default());
    }
    eprintln!(
        "  e.g. curl -s -X POST {api}/projects/OGCR-IN-0012/approve -H \"Authorization: Bearer $(jq -r .validator {})\" \\\n       -H 'Content-Type: application/json' -H 'Prefer: wait=10' \\\n       -d '{{\"validation_report_hash\":\"sha256:{}\",\"crediting_start\":\"2025-01-01\",\"crediting_end\":\"2034-12-31\"}}'",
        path.display(),
        "ab".repeat(32)
    );
    Ok(())
}

/// What a registry would enter by hand for the demo's projects (OGCR has no on-chain source
/// for SDG co-benefits or independent ratings): illustrative values, from the picklists.
const DEMO_REGISTRY_INPUT: &str = r#"
[co_benefits]
"OGCR-BR-0107" = ["SDG 15 - Life on land", "SDG 6 - Clean water and sanitation", "SDG 8 - Decent work and economic growth"]
"OGCR-KE-0023" = ["SDG 2 - Zero hunger", "SDG 7 - Affordable and clean energy"]
"OGCR-ID-0031" = ["SDG 14 - Life below water", "SDG 1 - No poverty"]
"OGCR-IS-0004" = ["SDG 9 - Industry innovation and infrastructure"]

[[ratings."OGCR-BR-0107"]]
type = "CCQI"
name = "Carbon Credit Quality Initiative"
value = "4.1"

[[ratings."OGCR-IS-0004"]]
type = "CCQI"
name = "Carbon Credit Quality Initiative"
value = "4.6"
"#;

/// The export configuration of the demo: its validator and verifiers named as accredited bodies
/// of the CAD Trust picklists (the demo's organisations are fictional; these picklist values
/// stand in for them so that the exported records validate), its developers by name.
fn demo_export_config(accounts: &DemoAccounts) -> String {
    let addr = |s: &alloy::signers::local::PrivateKeySigner| s.address().to_string().to_lowercase();
    format!(
        "# Written by `ogcr up --demo`: how the demo's accounts appear in CAD Trust records.\n\
         # Use it with `ogcr export cadt --config {{this file}}` or `ogcr serve --export-config`.\n\
         [bodies]\n\
         \"{}\" = \"Earthood Services Private Limited\"\n\
         \"{}\" = \"SCS Global Services\"\n\
         \"{}\" = \"Bureau Veritas India Private Limited\"\n\
         \n[stakeholders]\n\
         \"{}\" = \"Terraviva Carbon Partners\"\n\
         \"{}\" = \"Basalt & Char Removals Ltd\"\n\
         {DEMO_REGISTRY_INPUT}",
        addr(&accounts.validator),
        addr(&accounts.verifier_a),
        addr(&accounts.verifier_b),
        addr(&accounts.developer_a),
        addr(&accounts.developer_b),
    )
}

async fn start_indexer(
    provider: &alloy::providers::DynProvider,
    manifest: &Manifest,
    store: &Store,
) -> std::result::Result<Indexer<RpcSource>, ogcr_indexer::Error> {
    let mut cfg = IndexerConfig::new(manifest.clone());
    cfg.poll_interval = Duration::from_millis(250);
    Indexer::new(
        RpcSource::new(provider.clone(), Duration::from_secs(20)),
        store.clone(),
        cfg,
    )
    .await
}

/// Writes `<data-dir>/profile.toml`: what this stack is, for every command run beside it.
fn write_profile(args: &UpArgs, rpc: &str, api: &str) -> Result<()> {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let url = &args.db.database_url;
    let database_url = match url
        .strip_prefix("sqlite://")
        .or_else(|| (!url.contains("://")).then_some(url.as_str()))
    {
        Some(path) => {
            let (file, query) = path
                .split_once('?')
                .map_or((path, None), |(f, q)| (f, Some(q)));
            let file = abs(Path::new(file)).display().to_string();
            match query {
                Some(q) => format!("sqlite://{file}?{q}"),
                None => format!("sqlite://{file}"),
            }
        }
        None => {
            let (url, had) = crate::profile::without_password(url);
            if had {
                eprintln!(
                    "profile: the database password is not written to the profile; give it as PGPASSWORD to commands run with it"
                );
            }
            url
        }
    };
    let path = args.data_dir.join("profile.toml");
    crate::profile::Profile {
        network: None,
        rpc_url: Some(rpc.to_owned()),
        networks: None,
        manifest_dir: Some(abs(&args.manifest_dir)),
        docs_dir: Some(abs(&args.documents_dir)),
        database_url: Some(database_url),
        api_url: Some(api.to_owned()),
        attestations: Some(abs(&args.data_dir.join("attestations.json"))),
    }
    .write(&path)?;
    eprintln!(
        "profile   {}   (ogcr commands run here use this stack)",
        path.display()
    );
    Ok(())
}

fn banner(m: &Manifest, rpc: &str, api: &str, store: &Store, local: bool, explorer: bool) {
    if explorer {
        eprintln!(
            "explorer  {api}/   (open it in a browser: projects on a map, credits, retirement \
             certificates)"
        );
    }
    eprintln!("API       {api}   (docs {api}/docs, OpenAPI {api}/openapi.json)");
    eprintln!("database  {}", store.url());
    eprintln!(
        "contracts (chain {}, from block {})",
        m.chain_id, m.deployment_block
    );
    for (name, addr) in m.addresses() {
        eprintln!("  {name:<18} {addr}");
    }
    if local {
        eprintln!("dev accounts (anvil's well-known keys; never use them on a real network)");
        for (i, (addr, key, role)) in DEV_ACCOUNTS.iter().enumerate() {
            eprintln!("  #{i} {addr}  {role:<24} key {key}");
        }
    }
    eprintln!("try");
    eprintln!("  curl -s {api}/projects");
    eprintln!("  curl -s '{api}/events?event=MRVVerified,CRURetired&limit=5'");
    eprintln!("  curl -s '{api}/cadt/v2/unit?page=1&limit=10'");
    // A dev key only for the local chain, where it is anvil's well-known one.
    let key = if local {
        DEV_ACCOUNTS[1].1
    } else {
        "$DEVELOPER_KEY"
    };
    eprintln!(
        "  ogcr project register crates/ogcr-core/examples-data/pdd-br-reforestation.geojson \\\n      --rpc-url {rpc} --private-key {key}"
    );
    eprintln!("  ogcr index status");
    eprintln!("Ctrl-C (or SIGTERM) stops everything; `ogcr up` again resumes where it stopped.");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_accounts_are_the_demo_accounts_with_their_roles() {
        let demo = DemoAccounts::anvil().unwrap().describe();
        assert_eq!(demo.len(), DEV_ACCOUNTS.len());
        for ((addr, key, part), d) in DEV_ACCOUNTS.iter().zip(&demo) {
            assert_eq!(
                addr.parse::<alloy::primitives::Address>().unwrap(),
                d.address
            );
            let signer: alloy::signers::local::PrivateKeySigner = key.parse().unwrap();
            assert_eq!(signer.address(), d.address, "{addr}: key");
            let role = d.role.replace('_', " ");
            assert!(part.starts_with(&role), "{addr}: {part:?} is not a {role}");
        }
    }

    #[test]
    fn the_demo_export_configuration_names_picklist_bodies() {
        let text = demo_export_config(&DemoAccounts::anvil().unwrap());
        let cfg = ogcr_export::ExportConfig::from_toml(&text, "demo").unwrap();
        assert_eq!(cfg.bodies.len(), 3);
        for body in cfg.bodies.values() {
            assert!(
                ogcr_export::spec().allows("validation_body", body),
                "{body}"
            );
            assert!(
                ogcr_export::spec().allows("verification_body", body),
                "{body}"
            );
        }
        assert_eq!(cfg.stakeholders.len(), 2);
        for sdgs in cfg.co_benefits.values() {
            for sdg in sdgs {
                assert!(ogcr_export::spec().allows("co_benefit_id", sdg), "{sdg}");
            }
        }
        for r in cfg.ratings.values().flatten() {
            assert!(ogcr_export::spec().allows("rating_type", &r.rating_type));
        }
        assert_eq!(cfg.ratings.len(), 2);
    }
}
