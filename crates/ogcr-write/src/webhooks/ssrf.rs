//! Which targets a webhook may have. A webhook makes the registry send requests to a URL a
//! caller chose, so without checks it could reach what only the registry's host can reach
//! (its loopback services, the cloud metadata address, the private network). Refused unless
//! the operator allows private targets: every address that is not public unicast —
//! unspecified, loopback, private (RFC 1918), shared/CGNAT (RFC 6598), link-local,
//! unique-local, site-local, multicast, broadcast, reserved, benchmarking, documentation,
//! IETF protocol assignments, discard-only, NAT64/6to4/Teredo forms — and plain `http`.
//!
//! URLs are checked when registered (the host's DNS answer included) and again at each
//! delivery, where [`CheckedResolver`] is the HTTP client's resolver: the addresses it
//! connects to are the ones checked, so a name re-pointed to a private address after
//! registration (DNS rebinding) is refused too. Redirects are never followed, and no proxy
//! from the environment is used.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

/// Longest webhook URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// Longest wait for the DNS answer when a webhook is registered.
const DNS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Why `ip` is not a public unicast address, if it is not.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_broadcast() => "broadcast",
        (0, _, _) => "unspecified (\"this network\")",
        (127, _, _) => "loopback",
        (10, _, _) => "private",
        (172, 16..=31, _) => "private",
        (192, 168, _) => "private",
        (100, 64..=127, _) => "shared address space (CGNAT)",
        (169, 254, _) => "link-local",
        (192, 0, 0) => "IETF protocol assignments",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved",
        _ => return None,
    })
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refusal_v4(v4);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    Some(match s {
        [0, 0, 0, 0, 0, 0, _, _] => "IPv4-compatible (deprecated)",
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => {
            return refusal_v4(embedded(hi, lo));
        }
        [0x64, 0xff9b, 1, ..] => "local-use NAT64",
        [0x100, 0, 0, 0, ..] => "discard-only",
        [0x2001, 0, ..] => "Teredo",
        [0x2001, 0xdb8, ..] => "documentation",
        [0x2002, hi, lo, ..] => return refusal_v4(embedded(hi, lo)),
        [x, ..] if x & 0xfff0 == 0x3ff0 => "documentation",
        [x, ..] if x & 0xfe00 == 0xfc00 => "unique-local",
        [x, ..] if x & 0xffc0 == 0xfe80 => "link-local",
        [x, ..] if x & 0xffc0 == 0xfec0 => "site-local (deprecated)",
        [x, ..] if x & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    })
}

/// The address of an IP-literal URL host (`[…]` for IPv6), `None` for a DNS name.
fn ip_host(host: &str) -> Option<IpAddr> {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
        .parse()
        .ok()
}

/// Checks what can be checked without DNS: length, scheme (`https`, or `http` too when
/// private targets are allowed), no credentials, a host, and an IP-literal host's address.
/// Errors name the URL.
pub fn check_url(url: &str, allow_private: bool) -> Result<Url, String> {
    let shown = ogcr_core::validation::bounded(url, 200);
    let bad = |why: String| format!("webhook URL {shown:?} {why}");
    if url.len() > MAX_URL_LEN {
        return Err(bad(format!("is longer than {MAX_URL_LEN} characters")));
    }
    let parsed = Url::parse(url).map_err(|e| bad(format!("is not a URL: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => {
            return Err(bad(
                "uses http: webhooks need https (plain http only when the operator allows \
                 private webhook targets)"
                    .into(),
            ));
        }
        other => return Err(bad(format!("has scheme {other:?}: webhooks need https"))),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "carries credentials (user:password@): put them in the secret, not the URL".into(),
        ));
    }
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else {
        return Err(bad("has no host".into()));
    };
    if !allow_private
        && let Some(ip) = ip_host(host)
        && let Some(why) = refusal(ip)
    {
        return Err(bad(format!("targets {ip}, a {why} address")));
    }
    Ok(parsed)
}

/// The addresses of `host` (a DNS name), every one of which must be public unless private
/// targets are allowed: the error names the host, the address and why.
pub async fn resolve_checked(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("host {host:?} does not resolve: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("host {host:?} has no address"));
    }
    if !allow_private
        && let Some((ip, why)) = addrs
            .iter()
            .find_map(|a| refusal(a.ip()).map(|why| (a.ip(), why)))
    {
        return Err(format!("host {host:?} resolves to {ip}, a {why} address"));
    }
    Ok(addrs)
}

/// Checks a URL as [`check_url`] does, then resolves its host and checks every address:
/// what registering a webhook requires. Errors name the URL.
pub async fn check_target(url: &str, allow_private: bool) -> Result<Url, String> {
    let parsed = check_url(url, allow_private)?;
    if let Some(host) = parsed.host_str().filter(|h| ip_host(h).is_none()) {
        let port = parsed.port_or_known_default().unwrap_or(443);
        tokio::time::timeout(DNS_TIMEOUT, resolve_checked(host, port, allow_private))
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "host {host:?} did not resolve within {} s",
                    DNS_TIMEOUT.as_secs()
                ))
            })
            .map_err(|why| {
                format!(
                    "webhook URL {:?}: {why}",
                    ogcr_core::validation::bounded(url, 200)
                )
            })?;
    }
    Ok(parsed)
}

/// The delivery client's DNS resolver: the system resolver, refusing names with a
/// non-public address unless private targets are allowed.
#[derive(Debug, Clone, Copy)]
pub struct CheckedResolver {
    /// Allow private targets.
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let addrs = resolve_checked(name.as_str(), 0, allow).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str) -> bool {
        refusal(s.parse().unwrap()).is_some()
    }

    #[test]
    fn every_non_public_range_is_refused() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "2002:7f00:1::",
            "2002:a00:1::",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "192.0.1.1",
            "198.20.0.1",
            "2606:4700::1111",
            "2a00:1450::1",
            "::ffff:1.1.1.1",
            "64:ff9b::101:101",
            "2002:101:101::",
        ] {
            assert!(!refused(ip), "{ip} is public");
        }
    }

    #[test]
    fn urls_are_refused_naming_the_url() {
        let e = check_url("http://hooks.example.com/in", false).unwrap_err();
        assert!(
            e.contains("http://hooks.example.com/in") && e.contains("https"),
            "{e}"
        );
        let e = check_url("https://10.0.0.1/in", false).unwrap_err();
        assert!(e.contains("10.0.0.1") && e.contains("private"), "{e}");
        let e = check_url("https://[::1]:8443/in", false).unwrap_err();
        assert!(e.contains("loopback"), "{e}");
        // Other spellings of an address are normalised by the URL parser first.
        let e = check_url("https://0x7f.1/in", false).unwrap_err();
        assert!(e.contains("127.0.0.1") && e.contains("loopback"), "{e}");
        let e = check_url("https://user:pw@hooks.example.com/", false).unwrap_err();
        assert!(e.contains("credentials"), "{e}");
        assert!(check_url("ftp://hooks.example.com/", false).is_err());
        assert!(check_url("not a url", false).is_err());
        assert!(check_url(&format!("https://a.example/{}", "x".repeat(3000)), false).is_err());
        // Allowed as they are when the operator allows private targets.
        assert!(check_url("http://127.0.0.1:9000/in", true).is_ok());
        assert!(check_url("https://hooks.example.com/in", false).is_ok());
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused() {
        // `localhost` resolves from the hosts file: no DNS query leaves the machine.
        let e = check_target("https://localhost:9/in", false)
            .await
            .unwrap_err();
        assert!(
            e.contains("https://localhost:9/in") && e.contains("loopback"),
            "{e}"
        );
        assert!(check_target("http://localhost:9/in", true).await.is_ok());
    }
}
