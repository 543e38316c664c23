//! Keeping scraped links away from the operator's own network.
//!
//! A link found in a page, or a redirect, must not make banyue request a loopback,
//! private or link-local address (SSRF). The check runs on resolved addresses inside
//! the HTTP client's resolver, so a name that resolves differently on the second lookup
//! (DNS rebinding) cannot slip past it.

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::FetchError;

const REFUSAL: &str = "non-public address";

/// How a source may reach a non-public address: said with every refusal, which a source's
/// fetch is the most of. [`MANUAL_HINT`] says it for an editor's URL.
pub const SOURCE_HINT: &str = "set allow_private = true on the source to allow it";
/// How an editor's add-by-URL may reach a non-public address.
pub const MANUAL_HINT: &str = "an editor's URL may reach one only with manual_allow_private = true under [settings]";

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19)) // benchmarking
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        }
    }
}

/// Refuse URLs whose host is a literal non-public address (or `localhost`).
pub fn check_literal(url: &Url) -> Result<(), FetchError> {
    let bad = match url.host() {
        Some(Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => true,
    };
    if bad {
        Err(FetchError::Refused(format!(
            "{} is a {REFUSAL} ({SOURCE_HINT})",
            url.host_str().unwrap_or("?")
        )))
    } else {
        Ok(())
    }
}

/// A resolver that drops non-public addresses and fails when none is left.
pub struct PublicOnlyResolver;

#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Refused {}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs.iter().copied().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() && !addrs.is_empty() {
                let msg = format!("{host} resolves to a {REFUSAL} ({SOURCE_HINT})");
                return Err(Box::new(Refused(msg)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Which redirects a client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Any http(s) target: for sources allowed to reach private addresses.
    Open,
    /// No literal private targets (names are checked by the resolver).
    Guarded,
    /// For a configured URL on a literal private address: its own host, else as Guarded.
    Pinned,
}

/// Redirects: at most `max`, http(s) only, private targets as `mode` says.
pub fn redirect_policy(mode: Redirects, max: usize) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        // `previous` holds the first URL and every one redirected to so far.
        if attempt.previous().len() > max {
            return attempt.error(Refused(format!("more than {max} redirects")));
        }
        let url = attempt.url().clone();
        if !matches!(url.scheme(), "http" | "https") {
            return attempt.error(Refused(format!("redirect to a `{}` URL", url.scheme())));
        }
        let same_host = attempt.previous().first().is_some_and(|first| {
            first.host_str() == url.host_str() && first.port_or_known_default() == url.port_or_known_default()
        });
        let check = match mode {
            Redirects::Open => false,
            Redirects::Guarded => true,
            Redirects::Pinned => !same_host,
        };
        if check && let Err(FetchError::Refused(why)) = check_literal(&url) {
            return attempt.error(Refused(format!("redirect to {url}: {why}")));
        }
        attempt.follow()
    })
}

/// The guard's own message, if the error chain carries one.
pub fn refusal_in(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<Refused>() {
            return Some(r.0.clone());
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() -> Result<(), Box<dyn std::error::Error>> {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(bad.parse()?), "{bad}");
        }
        for good in ["1.1.1.1", "223.5.5.5", "2400:3200::1"] {
            assert!(is_public(good.parse()?), "{good}");
        }
        Ok(())
    }

    #[test]
    fn literal_hosts() -> Result<(), Box<dyn std::error::Error>> {
        assert!(check_literal(&Url::parse("http://127.0.0.1:8080/x")?).is_err());
        assert!(check_literal(&Url::parse("http://localhost/x")?).is_err());
        assert!(check_literal(&Url::parse("http://[::1]/x")?).is_err());
        assert!(check_literal(&Url::parse("http://www.gov.cn/x")?).is_ok());
        Ok(())
    }
}
