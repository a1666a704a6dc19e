//! The harness of the end-to-end tests: runs the `ogcr` binary as a user does (`ogcr up` in
//! a directory of its own, on free ports), reads its API over plain HTTP/1.1 and stops it with
//! Ctrl-C (SIGINT).
//!
//! The binary is `target/<profile>/ogcr`, built by `cargo build -p ogcr-cli` (the workspace
//! test run builds it), or the one `OGCR_BIN` names.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::Value;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the repository")
        .to_path_buf()
}

/// The `ogcr` binary: `OGCR_BIN`, else the one beside this test executable's `deps/`.
pub fn ogcr_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("OGCR_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("the test executable has a path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps");
    let bin = profile_dir.join(format!("ogcr{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} does not exist: build it first (cargo build -p ogcr-cli) or set OGCR_BIN",
        bin.display()
    );
    bin
}

/// The npm-installed anvil (`npm ci` puts it in node_modules/.bin).
pub fn anvil_bin() -> PathBuf {
    let anvil = root().join("node_modules/.bin/anvil");
    assert!(
        anvil.exists(),
        "{} does not exist: run `npm ci` in the repository root",
        anvil.display()
    );
    anvil
}

/// A new directory laid out as a user's clone is for `ogcr up`: `deploy/networks.toml` (the
/// network presets) and nothing else; deleted when dropped.
pub fn workdir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("ogcr-e2e.")
        .tempdir()
        .expect("creating a temporary directory");
    std::fs::create_dir_all(dir.path().join("deploy")).expect("creating deploy/");
    std::fs::copy(
        root().join("deploy/networks.toml"),
        dir.path().join("deploy/networks.toml"),
    )
    .expect("copying deploy/networks.toml");
    dir
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding an ephemeral port")
        .port()
}

/// An `ogcr up` process in its own directory.
#[derive(Debug)]
pub struct Stack {
    child: Child,
    log: Arc<Mutex<String>>,
    /// The API's port.
    pub api_port: u16,
    /// The local chain's port.
    pub anvil_port: u16,
}

impl Stack {
    /// Starts `ogcr up <args>` in `dir` on the given ports (the chain's state, manifests and
    /// documents go under `dir`, as for a user running it in a fresh clone).
    pub fn start(dir: &Path, anvil_port: u16, api_port: u16, args: &[&str]) -> Stack {
        Self::start_with_env(dir, anvil_port, api_port, args, &[])
    }

    /// [`Stack::start`] with more environment variables.
    pub fn start_with_env(
        dir: &Path,
        anvil_port: u16,
        api_port: u16,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Stack {
        let mut child = Command::new(ogcr_bin())
            .current_dir(dir)
            .env("OGCR_ANVIL", anvil_bin())
            .env_remove("OGCR_RPC_URL")
            .env_remove("OGCR_DATABASE_URL")
            .env_remove("OGCR_EXPORT_CONFIG")
            .args(["up", "--anvil-port", &anvil_port.to_string()])
            .args(["--port", &api_port.to_string()])
            // The tests are one client sending many requests quickly; the per-client limit
            // has its own tests (crates/ogcr-api), and a faster machine must not trip it here.
            .args(["--rate-limit", "0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ogcr up starts");
        // Drain stderr as it comes so a chatty run never blocks on a full pipe.
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        Stack {
            child,
            log,
            api_port,
            anvil_port,
        }
    }

    /// What the process printed so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// `GET path`: the status and the JSON body (`Null` when the body is not JSON), or `None`
    /// when nothing answers.
    pub fn try_get(&self, path: &str) -> Option<(u16, Value)> {
        get(self.api_port, path)
    }

    /// `GET path`, which must answer 200.
    pub fn ok(&self, path: &str) -> Value {
        match self.try_get(path) {
            Some((200, v)) => v,
            other => panic!("GET {path}: {other:?}\n--- ogcr up ---\n{}", self.log()),
        }
    }

    /// Polls `path` until `ok` holds (at most `secs` seconds).
    pub fn wait_for(
        &mut self,
        path: &str,
        what: &str,
        secs: u64,
        ok: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some((200, v)) = self.try_get(path)
                && ok(&v)
            {
                return v;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "ogcr up exited ({status}) while waiting for {what}\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {secs} s waiting for {what}\n--- ogcr up ---\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// kill -9, as a crash would; returns everything it printed.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(200));
        self.log()
    }

    /// A request to the API (see [`request`]).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Response {
        request(self.api_port, method, path, headers, body).unwrap_or_else(|| {
            panic!(
                "{method} {path}: no answer\n--- ogcr up ---\n{}",
                self.log()
            )
        })
    }

    /// SIGTERM (what systemd, Docker and Kubernetes send); then whether it exited 0, and
    /// everything it printed.
    pub fn terminate(self) -> (bool, String) {
        self.signal("-TERM")
    }

    /// Ctrl-C; then whether it exited 0, and everything it printed.
    pub fn interrupt(self) -> (bool, String) {
        self.signal("-INT")
    }

    fn signal(mut self, signal: &str) -> (bool, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "could not signal ogcr up ({pid})");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("waiting for ogcr up") {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "ogcr up did not stop within 30 s of kill {signal}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        // Let the reader thread take the last lines.
        std::thread::sleep(Duration::from_millis(200));
        (status.success(), self.log())
    }
}

impl Drop for Stack {
    /// A test that fails midway still stops the stack the way a user would (Ctrl-C, so that
    /// `ogcr up` stops its anvil), and kills it only if that does not work.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-INT", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while let Ok(None) = self.child.try_wait() {
                if Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` on `127.0.0.1:port` over HTTP/1.1: status and JSON body.
pub fn get(port: u16, path: &str) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// Runs `ogcr <args>` in `dir` to completion: (success, stdout, stderr).
pub fn ogcr(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(ogcr_bin())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("ogcr runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Null` when not JSON).
    pub body: Value,
}

impl Response {
    /// The first header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(nl) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = std::str::from_utf8(&body[..nl])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || body.len() < nl + 2 + size {
            return out;
        }
        out.extend_from_slice(&body[nl + 2..nl + 2 + size]);
        body = &body[(nl + 4 + size).min(body.len())..];
    }
}

/// `method path` on `127.0.0.1:port` over HTTP/1.1 with `headers` and a JSON `body`.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Option<Response> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(120))).ok()?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let raw = &buf[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let bytes = if chunked { dechunk(raw) } else { raw.to_vec() };
    Some(Response {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    })
}

/// A JSON-RPC call to the node on `127.0.0.1:port`; the `result`.
pub fn rpc(port: u16, method: &str, params: Value) -> Value {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let r = request(port, "POST", "/", &[], Some(&body.to_string()))
        .unwrap_or_else(|| panic!("{method}: the node does not answer on {port}"));
    assert!(r.body.get("error").is_none(), "{method}: {}", r.body);
    r.body["result"].clone()
}

/// The transaction count of `address` in the latest block.
pub fn nonce(port: u16, address: &str) -> u64 {
    let hex = rpc(
        port,
        "eth_getTransactionCount",
        serde_json::json!([address, "latest"]),
    );
    u64::from_str_radix(hex.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16)
        .expect("a hex count")
}
