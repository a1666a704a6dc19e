//! `ogcr up`: chain, contracts, indexer and API in one process; Ctrl-C and a restart resume
//! the same chain and database without loss or duplicates.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::lifecycle::{KEYS, root};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on the API: (status, JSON body).
fn get(port: u16, path: &str) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let (head, body) = buf.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// Polls `path` until `ok` holds.
fn wait_for(port: u16, path: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some((200, v)) = get(port, path)
            && ok(&v)
        {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

struct Up(Child);

impl Up {
    fn start(dir: &std::path::Path, anvil_port: u16, api_port: u16) -> Up {
        let child = Command::new(env!("CARGO_BIN_EXE_ogcr"))
            .current_dir(dir)
            .env("OGCR_ANVIL", root().join("node_modules/.bin/anvil"))
            .env_remove("OGCR_RPC_URL")
            .env_remove("OGCR_DATABASE_URL")
            .args(["up", "--anvil-port", &anvil_port.to_string()])
            .args(["--port", &api_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ogcr up starts");
        Up(child)
    }

    /// Ctrl-C, then the exit status and stderr.
    fn interrupt(mut self) -> (bool, String) {
        let pid = self.0.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.0.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "ogcr up did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(100));
        }
        let status = self.0.wait().unwrap();
        let mut err = String::new();
        self.0
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status.success(), err)
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn up_serves_the_registry_and_resumes_after_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
    std::fs::copy(
        root().join("deploy/networks.toml"),
        dir.path().join("deploy/networks.toml"),
    )
    .unwrap();
    let (anvil_port, api_port) = (free_port(), free_port());
    let up = Up::start(dir.path(), anvil_port, api_port);
    let health = wait_for(api_port, "/health", "the API", |v| v["status"] == "ok");
    assert_eq!(health["chain_id"], 31337);
    assert!(dir.path().join("deploy/31337.json").exists());

    // The CLI drives the chain `ogcr up` started; the API shows it.
    let out = Command::new(env!("CARGO_BIN_EXE_ogcr"))
        .current_dir(dir.path())
        .env("OGCR_RPC_URL", format!("http://127.0.0.1:{anvil_port}"))
        .args(["project", "register"])
        .arg(root().join("crates/ogcr-core/examples-data/pdd-br-reforestation.geojson"))
        .args(["--private-key", KEYS[1]])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = wait_for(api_port, "/projects", "the project in the API", |v| {
        v["pagination"]["total"] == 1 && v["data"][0]["properties"]["project_type"].is_string()
    });
    assert_eq!(p["data"][0]["properties"]["status"], "draft");
    let events = get(api_port, "/events?limit=100").unwrap().1["pagination"]["total"].clone();

    let (ok, err) = up.interrupt();
    assert!(ok, "ogcr up exits 0 on Ctrl-C: {err}");
    assert!(err.contains("contracts deployed"), "{err}");
    assert!(dir.path().join(".ogcr/anvil-state.json").exists());

    // Again: the same chain, the same deployment, the same rows.
    let up = Up::start(dir.path(), anvil_port, api_port);
    wait_for(api_port, "/health", "the API after a restart", |v| {
        v["status"] == "ok"
    });
    let again = wait_for(api_port, "/projects", "the project after a restart", |v| {
        v["pagination"]["total"] == 1
    });
    assert_eq!(again["data"][0]["id"], "OGCR-BR-0001");
    assert_eq!(
        get(api_port, "/events?limit=100").unwrap().1["pagination"]["total"],
        events,
        "no event lost or duplicated across the restart"
    );
    let (ok, err) = up.interrupt();
    assert!(ok, "{err}");
    assert!(err.contains("resumed from"), "{err}");
    assert!(err.contains("contracts reused"), "{err}");
}
