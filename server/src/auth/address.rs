//! The client's address: the TCP peer, unless the peer is a reverse proxy we trust
//! (`IOC_TRUSTED_PROXIES`), which alone may say who its client is through `X-Forwarded-For` or, when
//! `IOC_PROXY_HEADER=forwarded`, `Forwarded` (RFC 7239) — only the one the proxies write. Behind a proxy every peer is the proxy, so without this one person could lock
//! `admin` out for everyone and the video audit would record only the proxy.
//!
//! The headers are read from the right: each proxy appends the address it saw, so the rightmost
//! entry that is not one of our proxies is the first address nobody we trust could have forged.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

pub use crate::config::ProxyHeader;
use crate::AppState;

/// The client's address as found by [`client_address_layer`], in every request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress {
    /// None when the request did not come over TCP (the tests' in-process router).
    pub ip: Option<IpAddr>,
}

/// The client of a request from `peer` carrying `headers`, reading only `header` (the one the
/// proxies write: a proxy passes the other one through as the client sent it).
pub fn client_ip(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &[IpNet],
    header: ProxyHeader,
) -> IpAddr {
    if !is_trusted(peer, trusted) {
        return peer;
    }
    // right to left: each proxy appended what it saw, so the first entry that is not one of our
    // proxies is the client. Entries further left were written by the client: never read, so a
    // malformed one there cannot void the chain.
    let mut client = peer;
    for entry in entries(headers, header).iter().rev() {
        let Some(ip) = node_address(entry) else {
            // our proxy wrote this? No: the client (or something we do not trust) did
            break;
        };
        client = ip;
        if !is_trusted(ip, trusted) {
            break;
        }
    }
    client
}

/// The address entries of every instance of `header`, in order.
fn entries(headers: &HeaderMap, header: ProxyHeader) -> Vec<String> {
    let name = match header {
        ProxyHeader::XForwardedFor => "x-forwarded-for",
        ProxyHeader::Forwarded => "forwarded",
    };
    let mut out = Vec::new();
    for value in headers.get_all(name) {
        // an unreadable header counts as one malformed entry in its place
        let text = value.to_str().unwrap_or("\u{0}");
        for element in text.split(',') {
            match header {
                ProxyHeader::XForwardedFor => out.push(element.trim().to_string()),
                ProxyHeader::Forwarded => {
                    let f = element.split(';').find_map(|pair| {
                        let (k, v) = pair.trim().split_once('=')?;
                        k.trim()
                            .eq_ignore_ascii_case("for")
                            .then(|| v.trim().trim_matches('"').to_string())
                    });
                    out.push(f.unwrap_or_default());
                }
            }
        }
    }
    out
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    let ip = canonical(ip);
    trusted.iter().any(|net| net.contains(&ip))
}

/// `::ffff:10.0.0.1` is 10.0.0.1.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// An address as a proxy writes it: `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]`, `[2001:db8::1]:80`
/// or a bare IPv6 address.
fn node_address(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(canonical(sa.ip()));
    }
    let inner = s.strip_prefix('[')?.split(']').next()?;
    inner.parse::<IpAddr>().ok().map(canonical)
}

/// The key the sign-in limits count an address under: an IPv4 address itself, an IPv6 address by
/// its /64 (anyone holds a whole /64 and could otherwise take a fresh address per guess).
pub fn limit_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => address.to_string(),
    }
}

/// Middleware: puts the [`ClientAddress`] into the request's extensions.
pub async fn client_address_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| canonical(c.0.ip()));
    let trusted = &state.config.trusted_proxies;
    let address = ClientAddress {
        ip: peer.map(|p| client_ip(p, req.headers(), trusted, state.config.proxy_header)),
    };
    req.extensions_mut().insert(address);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    const XFF: ProxyHeader = ProxyHeader::XForwardedFor;
    const FWD: ProxyHeader = ProxyHeader::Forwarded;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("cidr")).collect()
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=5.6.7.8")]);
        assert_eq!(client_ip(ip("9.9.9.9"), &h, &[], XFF), ip("9.9.9.9"));
        assert_eq!(
            client_ip(ip("9.9.9.9"), &h, &nets(&["127.0.0.1/32"]), XFF),
            ip("9.9.9.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_entry_is_the_client() {
        let trusted = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        let proxy = ip("127.0.0.1");
        // the client tried to forge 6.6.6.6 in front; nginx appended what it saw
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.1.2.3")]);
        assert_eq!(client_ip(proxy, &h, &trusted, XFF), ip("203.0.113.7"));
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https",
        )]);
        assert_eq!(client_ip(proxy, &h, &trusted, FWD), ip("2001:db8::7"));
        // no header: the proxy itself
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted, XFF), proxy);
        // a header the proxies do not write is the client's own, and is not read
        let h = headers(&[
            ("forwarded", "for=5.6.7.8"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(client_ip(proxy, &h, &trusted, XFF), ip("203.0.113.9"));
        let h = headers(&[("forwarded", "for=5.6.7.8")]);
        assert_eq!(client_ip(proxy, &h, &trusted, XFF), proxy);
        // garbage the client put in front does not void what the proxy appended
        let h = headers(&[("x-forwarded-for", "not-an-address, 203.0.113.8")]);
        assert_eq!(client_ip(proxy, &h, &trusted, XFF), ip("203.0.113.8"));
        // IPv4-mapped peers count as their IPv4 address
        assert_eq!(
            client_ip(
                ip("::ffff:127.0.0.1"),
                &headers(&[("x-forwarded-for", "198.51.100.1:5000")]),
                &trusted,
                XFF
            ),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(limit_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(limit_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(limit_key("203.0.113.5"), "203.0.113.5");
        assert_eq!(limit_key("local"), "local");
    }
}
