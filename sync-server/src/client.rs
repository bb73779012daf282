//! Who the client is on the network: the connection's address, or, when the connection comes
//! from one of the configured `trusted_proxies`, the address that proxy says it forwarded for.
//!
//! `X-Forwarded-For` is believed only from a trusted peer, and read from the right: each
//! trusted hop appends the address it received from, so the rightmost entry that is not itself
//! a trusted proxy is the client. Anything to its left was written by the client and is
//! ignored. An entry that is not an address ends the walk at the hop that appended it. The
//! rate limits and the audit log of refused sign-ins use this address, so a proxy in front
//! does not put every user in one bucket, and a client cannot pick its own bucket.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The header proxies name the client in.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address, given the connection's peer, the request headers and the trusted
/// proxies; `None` without a peer (a test request).
pub fn address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    // Several headers are one comma-separated list, in order.
    let hops: Vec<&str> = headers.get_all(FORWARDED_FOR).filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = canonical(ip);
        if !is_trusted(&client) {
            break;
        }
    }
    Some(client)
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(HeaderName::from_static(FORWARDED_FOR), HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().expect("net"), "127.0.0.1/32".parse().expect("net")];
        let cases: &[(&str, &[&str], &str)] = &[
            // Not a proxy: its header is the client's own claim.
            ("203.0.113.9", &["198.51.100.1"], "203.0.113.9"),
            // One proxy: the address it appended.
            ("127.0.0.1", &["198.51.100.1"], "198.51.100.1"),
            // The client wrote an entry first: the proxy's appended one wins.
            ("127.0.0.1", &["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
            // Two trusted hops, in one header or two.
            ("127.0.0.1", &["198.51.100.1, 10.0.0.5"], "198.51.100.1"),
            ("127.0.0.1", &["198.51.100.1", "10.0.0.5"], "198.51.100.1"),
            // A trusted proxy that sent no header: the proxy itself.
            ("10.0.0.7", &[], "10.0.0.7"),
            // Garbage ends the walk at the hop that appended it.
            ("127.0.0.1", &["198.51.100.1, not-an-ip, 10.0.0.5"], "10.0.0.5"),
            // IPv4-mapped IPv6 peers and entries.
            ("::ffff:127.0.0.1", &["::ffff:198.51.100.1"], "198.51.100.1"),
            ("127.0.0.1", &["2001:db8::1"], "2001:db8::1"),
        ];
        for (peer, values, want) in cases {
            assert_eq!(address(Some(ip(peer)), &headers(values), &trusted), Some(ip(want)), "{peer} {values:?}");
        }
        // No proxies configured: the header is never read.
        assert_eq!(address(Some(ip("127.0.0.1")), &headers(&["198.51.100.1"]), &[]), Some(ip("127.0.0.1")));
        assert_eq!(address(None, &headers(&["198.51.100.1"]), &trusted), None);
    }
}
