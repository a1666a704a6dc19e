//! `ogcr up` stopped the ways a service is stopped (issue 18): SIGTERM stops it as cleanly as
//! Ctrl-C, its anvil with it; kill -9 takes its anvil down too (parent-death signal), and the
//! next `ogcr up` of the same directory starts and resumes the same chain.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use ogcr_e2e::{Stack, free_port, workdir};

fn port_closes(port: u16, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn sigterm_and_kill_9_leave_nothing_running_and_up_resumes() {
    let dir = workdir();
    let (anvil_port, api_port) = (free_port(), free_port());
    let mut stack = Stack::start(dir.path(), anvil_port, api_port, &["--demo"]);
    stack.wait_for("/projects?limit=1&offset=0", "the demo indexed", 300, |v| {
        v["pagination"]["total"] == 6
    });
    let (clean, log) = stack.terminate();
    assert!(clean, "SIGTERM: ogcr up did not exit 0\n{log}");
    assert!(log.contains("SIGTERM: stopping"), "{log}");
    assert!(
        port_closes(anvil_port, Duration::from_secs(5)),
        "SIGTERM left anvil running"
    );
    assert!(
        !dir.path().join(".ogcr/anvil.pid").exists(),
        "the pid file outlived a clean stop"
    );

    // kill -9: no chance to stop anvil, which still goes down with it.
    let mut stack = Stack::start(dir.path(), anvil_port, api_port, &[]);
    stack.wait_for("/health", "the API after SIGTERM", 120, |v| {
        v["status"] == "ok"
    });
    let pid = std::fs::read_to_string(dir.path().join(".ogcr/anvil.pid")).expect("a pid file");
    let log = stack.kill();
    assert!(
        port_closes(anvil_port, Duration::from_secs(10)),
        "kill -9 of ogcr up left anvil (pid {pid}) running\n{log}"
    );
    let mut stack = Stack::start(dir.path(), anvil_port, api_port, &[]);
    let projects = stack.wait_for(
        "/projects?limit=1&offset=0",
        "the chain resumed",
        120,
        |v| v["pagination"]["total"] == 6,
    );
    assert_eq!(projects["pagination"]["total"], 6);
    let _ = stack.interrupt();
}

/// A leftover anvil of the same data directory (here: one started by hand the way `ogcr up`
/// starts it, then its parent gone) is recognised by its pid file and reclaimed.
#[test]
fn a_leftover_anvil_of_the_same_directory_is_reclaimed() {
    let dir = workdir();
    let (anvil_port, api_port) = (free_port(), free_port());
    std::fs::create_dir_all(dir.path().join(".ogcr")).unwrap();
    let state = dir.path().join(".ogcr/anvil-state.json");
    struct Reap(std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let orphan = Command::new(ogcr_e2e::anvil_bin())
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &anvil_port.to_string(),
            "--chain-id",
            "31337",
            "--state",
        ])
        .arg(&state)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed when the test ends, whatever happens (a failed assertion must not leave it).
    let mut orphan = Reap(orphan);
    std::fs::write(
        dir.path().join(".ogcr/anvil.pid"),
        format!("{} {anvil_port}\n", orphan.0.id()),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", anvil_port)).is_err() {
        assert!(Instant::now() < deadline, "anvil did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut stack = Stack::start(dir.path(), anvil_port, api_port, &[]);
    stack.wait_for("/health", "the API", 120, |v| v["status"] == "ok");
    assert!(
        stack.log().contains("still runs: stopping it"),
        "{}",
        stack.log()
    );
    // The leftover was stopped, and the chain served now is the new anvil's.
    let deadline = Instant::now() + Duration::from_secs(5);
    while orphan.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the leftover anvil still runs");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = std::fs::read_to_string(dir.path().join(".ogcr/anvil.pid")).unwrap();
    assert_ne!(
        pid.split_whitespace().next().unwrap(),
        orphan.0.id().to_string()
    );
    let _ = stack.interrupt();
}
