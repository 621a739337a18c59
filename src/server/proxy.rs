//! The PROXY protocol (v1 text and v2 binary, as HAProxy and nginx `stream` send it): behind
//! a load balancer every connection comes from the balancer, and the header it sends first
//! names the real client, so that per-address limits and the log see the client.
//!
//! Only with `--proxy-protocol`, and only from `--trusted-proxy` addresses: anyone else could
//! claim to be anyone. [`ppp`] parses and validates the header; reading it is framed here so
//! that not one byte of the SSH stream after it is consumed.

use std::net::{IpAddr, SocketAddr};

use ppp::HeaderResult;
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpStream;

use crate::cli::AddressRange;

/// How a v1 header starts, and its longest form (from the specification).
const V1_PREFIX: &[u8] = b"PROXY ";
const V1_MAX: usize = 107;
/// The v2 fixed part (signature, version/command, family, length) and the largest address
/// block plus TLVs accepted after it; balancers send far less.
const V2_FIXED: usize = 16;
const V2_MAX_PAYLOAD: usize = 4096;

/// Whether `ip` may send PROXY headers.
pub fn trusted(ip: IpAddr, proxies: &[AddressRange]) -> bool {
    let ip = ip.to_canonical();
    proxies.iter().any(|range| range.contains(ip))
}

/// Reads the PROXY header at the start of `stream` and returns the client it names, or
/// `None` when the proxy speaks for itself (v2 LOCAL, v1 UNKNOWN: health checks).
pub async fn read_header(stream: &mut TcpStream) -> Result<Option<SocketAddr>, String> {
    let mut header = vec![0; V1_PREFIX.len()];
    stream
        .read_exact(&mut header)
        .await
        .map_err(|e| format!("no PROXY header: {e}"))?;
    if header == V1_PREFIX {
        // Text up to CR LF: one byte at a time, so nothing after it is read.
        while !header.ends_with(b"\r\n") {
            if header.len() == V1_MAX {
                return Err("PROXY v1 header too long".into());
            }
            let byte = stream
                .read_u8()
                .await
                .map_err(|e| format!("PROXY header cut short: {e}"))?;
            header.push(byte);
        }
    } else if ppp::v2::PROTOCOL_PREFIX.starts_with(&header) {
        header.resize(V2_FIXED, 0);
        stream
            .read_exact(&mut header[V1_PREFIX.len()..])
            .await
            .map_err(|e| format!("PROXY header cut short: {e}"))?;
        let payload = usize::from(u16::from_be_bytes([header[14], header[15]]));
        if payload > V2_MAX_PAYLOAD {
            return Err(format!("PROXY v2 header too long ({payload} bytes)"));
        }
        header.resize(V2_FIXED + payload, 0);
        stream
            .read_exact(&mut header[V2_FIXED..])
            .await
            .map_err(|e| format!("PROXY header cut short: {e}"))?;
    } else {
        return Err("no PROXY header (is the balancer set to send one?)".into());
    }
    client_of(&header)
}

/// The client a complete header names.
fn client_of(header: &[u8]) -> Result<Option<SocketAddr>, String> {
    let invalid = |e: &dyn std::fmt::Display| format!("invalid PROXY header: {e}");
    match HeaderResult::parse(header) {
        HeaderResult::V1(Ok(header)) => Ok(match header.addresses {
            ppp::v1::Addresses::Unknown => None,
            ppp::v1::Addresses::Tcp4(a) => Some((a.source_address, a.source_port).into()),
            ppp::v1::Addresses::Tcp6(a) => Some((a.source_address, a.source_port).into()),
        }),
        HeaderResult::V2(Ok(header)) => Ok(match (header.command, header.addresses) {
            (ppp::v2::Command::Local, _) => None,
            (_, ppp::v2::Addresses::IPv4(a)) => Some((a.source_address, a.source_port).into()),
            (_, ppp::v2::Addresses::IPv6(a)) => Some((a.source_address, a.source_port).into()),
            // A UNIX socket or an unspecified family: the proxy's own address is all there is.
            (_, ppp::v2::Addresses::Unix(_) | ppp::v2::Addresses::Unspecified) => None,
        }),
        HeaderResult::V1(Err(e)) => Err(invalid(&e)),
        HeaderResult::V2(Err(e)) => Err(invalid(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_and_v2_name_the_client() {
        assert_eq!(
            client_of(b"PROXY TCP4 203.0.113.7 10.0.0.1 40000 2222\r\n"),
            Ok(Some("203.0.113.7:40000".parse().unwrap()))
        );
        assert_eq!(client_of(b"PROXY UNKNOWN\r\n"), Ok(None));
        let v2 = ppp::v2::Builder::with_addresses(
            ppp::v2::Version::Two | ppp::v2::Command::Proxy,
            ppp::v2::Protocol::Stream,
            (
                "[2001:db8::7]:40000".parse::<SocketAddr>().unwrap(),
                "[2001:db8::1]:2222".parse::<SocketAddr>().unwrap(),
            ),
        )
        .build()
        .unwrap();
        assert_eq!(
            client_of(&v2),
            Ok(Some("[2001:db8::7]:40000".parse().unwrap()))
        );
        assert!(client_of(b"PROXY TCP4 nonsense\r\n").is_err());
    }

    #[test]
    fn only_listed_proxies_are_trusted() {
        let proxies: Vec<AddressRange> = ["10.0.0.0/8", "::1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert!(trusted("10.1.2.3".parse().unwrap(), &proxies));
        assert!(trusted("::ffff:10.1.2.3".parse().unwrap(), &proxies));
        assert!(trusted("::1".parse().unwrap(), &proxies));
        assert!(!trusted("11.0.0.1".parse().unwrap(), &proxies));
        assert!(!trusted("127.0.0.1".parse().unwrap(), &proxies));
    }
}
