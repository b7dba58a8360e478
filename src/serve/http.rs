//! serve's HTTP transport and guard: who may ask, how much a request may be, and how
//! many are served at once. It knows nothing of the site: [`start`] hands every
//! admitted request to a handler as an [`Ask`] and sends back its [`Answer`].
//!
//! - **Who**: a web page can point a name it controls at 127.0.0.1 (DNS rebinding)
//!   and then read the preview as its own origin; the browser sends that name as
//!   `Host`. Only loopback names (`localhost`, `127.0.0.1` and the rest of
//!   127.0.0.0/8, `[::1]`), the address the connection arrived at and the name
//!   `--bind` gave are answered, with any port (an SSH tunnel changes the port, not
//!   the name); anything else, or no `Host` at all, gets 403.
//! - **How much**: hyper reads at most [`Limits::head_bytes`] of a request head
//!   (beyond it: 431) and closes a connection that does not finish its head within
//!   [`Limits::head_timeout`], which also ends idle keep-alive connections.
//! - **How many**: tiny_http, used before, could bound none of this (a thread per
//!   connection, an unbounded head, no timeouts), and no HTTP crate bounds the
//!   number of connections: a counter taken at accept does. Beyond
//!   [`Limits::connections`] a connection gets a canned 503 and is closed. Every
//!   connection is a task on one thread, so a waiting long-poll costs a socket, not
//!   a thread; the handler caps those separately (see `respond`).

use hyper::body::Bytes;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// The bounds on what the server takes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Connections open at once, long-polls included.
    pub connections: usize,
    /// The longest request head (request line and headers), in bytes.
    pub head_bytes: usize,
    /// How long a client may take to send a request head (or stay idle between
    /// requests on a kept-alive connection).
    pub head_timeout: Duration,
    /// The longest a connection lives; a stuck reader cannot hold one forever.
    pub lifetime: Duration,
}

impl Limits {
    pub(super) const DEFAULT: Limits = Limits {
        connections: 128,
        // Browsers send every cookie set for `localhost` by any local dev server.
        head_bytes: 64 * 1024,
        head_timeout: Duration::from_secs(20),
        lifetime: Duration::from_secs(300),
    };
}

/// A request the guard let through.
#[derive(Debug, Clone)]
pub(super) struct Ask {
    /// As sent, still percent-encoded, starting with `/`.
    pub path: String,
    pub query: String,
}

/// What the handler answers.
#[derive(Debug)]
pub(super) struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub(super) fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            headers: vec![("Content-Type", content_type.to_owned())],
            body: body.into(),
        }
    }

    pub(super) fn with(mut self, name: &'static str, value: impl Into<String>) -> Answer {
        self.headers.push((name, value.into()));
        self
    }

    fn text(status: u16, text: &str) -> Answer {
        Answer::new(status, "text/plain; charset=utf-8", text)
    }
}

/// The names a request's `Host` may carry.
#[derive(Debug, Clone)]
pub(super) struct HostGuard {
    /// What `--bind` named (a host name or an address), lowercased, without brackets.
    bind: String,
}

impl HostGuard {
    pub(super) fn new(bind: &str) -> HostGuard {
        HostGuard {
            bind: bind.trim_matches(['[', ']']).to_ascii_lowercase(),
        }
    }

    /// Whether `host` (the `Host` header) names this server for a connection that
    /// arrived at `local`.
    pub(super) fn allows(&self, host: Option<&str>, local: Option<IpAddr>) -> bool {
        let Some(name) = host.and_then(host_name) else {
            return false;
        };
        let name = name.to_ascii_lowercase();
        if name == "localhost" || name == self.bind {
            return true;
        }
        match name.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || Some(ip) == local,
            Err(_) => false,
        }
    }
}

/// The name of a `Host` value without its port and the brackets of an IPv6 address;
/// `None` for a malformed one.
fn host_name(host: &str) -> Option<&str> {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        return (after.is_empty() || is_port(after.strip_prefix(':')?)).then_some(name);
    }
    match host.split_once(':') {
        Some((name, port)) if is_port(port) => Some(name),
        Some(_) => None,
        None => Some(host),
    }
    .filter(|name| !name.is_empty())
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `bind` (an IP address or a host name) only accepts connections from
/// this machine.
pub(super) fn is_loopback(bind: &str) -> bool {
    match bind.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bind.eq_ignore_ascii_case("localhost"),
    }
}

/// `bind` and `port` as an address to listen on (an IPv6 address in brackets).
pub(super) fn listen_address(bind: &str, port: u16) -> String {
    if bind.contains(':') && !bind.starts_with('[') {
        format!("[{bind}]:{port}")
    } else {
        format!("{bind}:{port}")
    }
}

/// Where a request for the folder `path` (no trailing slash) is sent: its own last
/// segment with a slash, relative to it (`/a/b` → `./b/`). Never another host, as
/// `//b/` would be, and right under any sub-path a proxy adds.
pub(super) fn folder_redirect(path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or_default();
    format!("./{last}/")
}

/// Serves `listener` on a thread of its own until the process ends, handing each
/// admitted request to `handler`.
pub(super) fn start<H, F>(
    listener: std::net::TcpListener,
    limits: Limits,
    guard: HostGuard,
    handler: H,
) -> std::io::Result<()>
where
    H: Fn(Ask) -> F + Clone + Send + Sync + 'static,
    F: std::future::Future<Output = Answer> + Send + 'static,
{
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("casebook-http".into())
        .spawn(move || runtime.block_on(accept(listener, limits, guard, handler)))?;
    Ok(())
}

const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n";

async fn accept<H, F>(listener: std::net::TcpListener, limits: Limits, guard: HostGuard, handler: H)
where
    H: Fn(Ask) -> F + Clone + Send + Sync + 'static,
    F: std::future::Future<Output = Answer> + Send + 'static,
{
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let open = Arc::new(tokio::sync::Semaphore::new(limits.connections));
    let guard = Arc::new(guard);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, most likely: let some connections end.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            refuse(&stream);
            continue;
        };
        let local = stream.local_addr().ok().map(|a| a.ip());
        let (guard, handler) = (Arc::clone(&guard), handler.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let answer = admit(&request, &guard, local).map(&handler);
                async move {
                    let answer = match answer {
                        Ok(pending) => pending.await,
                        Err(refusal) => refusal,
                    };
                    Ok::<_, Infallible>(to_response(answer))
                }
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.head_timeout)
                .max_header_size(limits.head_bytes)
                // hyper's smallest buffer is 8 KiB.
                .max_buf_size(limits.head_bytes.max(8192));
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let _ = tokio::time::timeout(limits.lifetime, connection).await;
            drop(permit);
        });
    }
}

/// Answers a connection over the limit without reading it: one short write into an
/// empty socket buffer never blocks.
fn refuse(stream: &tokio::net::TcpStream) {
    // What the client already sent is read first, so closing does not reset the
    // connection before the answer arrives.
    let mut sent = [0u8; 4096];
    let _ = stream.try_read(&mut sent);
    let _ = stream.try_write(REFUSED);
}

/// The guard: method and `Host`; the request's path and query when admitted.
fn admit<B>(
    request: &hyper::Request<B>,
    guard: &HostGuard,
    local: Option<IpAddr>,
) -> Result<Ask, Answer> {
    let host = request
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok());
    if !guard.allows(host, local) {
        return Err(Answer::text(
            403,
            "casebook serve answers only requests for localhost, 127.0.0.1 or [::1] (or the name given to --bind).\n",
        ));
    }
    if !matches!(*request.method(), hyper::Method::GET | hyper::Method::HEAD) {
        return Err(Answer::text(405, "Only GET and HEAD.\n").with("Allow", "GET, HEAD"));
    }
    Ok(Ask {
        path: request.uri().path().to_owned(),
        query: request.uri().query().unwrap_or_default().to_owned(),
    })
}

fn to_response(answer: Answer) -> hyper::Response<http_body_util::Full<Bytes>> {
    let mut response = hyper::Response::new(http_body_util::Full::new(Bytes::from(answer.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(answer.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        // Ours are always valid; one that is not is dropped rather than fail the answer.
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_count_as_loopback() {
        for bind in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"] {
            assert!(is_loopback(bind), "{bind}");
        }
        for bind in ["0.0.0.0", "::", "192.168.1.10", "example.com"] {
            assert!(!is_loopback(bind), "{bind}");
        }
    }

    #[test]
    fn host_names_this_server_or_nothing() {
        let lan: IpAddr = "192.168.1.10".parse().expect("ip");
        let guard = HostGuard::new("0.0.0.0");
        for host in [
            "localhost",
            "LOCALHOST:1111",
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.9.9.9",
            "[::1]",
            "[::1]:1111",
            "192.168.1.10:1111",
        ] {
            assert!(guard.allows(Some(host), Some(lan)), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:1111",
            "localhost.evil.example",
            "localhost:evil",
            "127.0.0.1:1111:1",
            "[::1]x",
            "::1",
            "192.168.1.11",
        ] {
            assert!(!guard.allows(Some(host), Some(lan)), "{host}");
        }
        assert!(!guard.allows(None, Some(lan)), "no Host at all");

        let named = HostGuard::new("Preview.Local");
        assert!(named.allows(Some("preview.local:1111"), None));
        assert!(!named.allows(Some("other.local"), None));
        let v6 = HostGuard::new("fd00::7");
        assert!(v6.allows(Some("[fd00::7]:1111"), None));
    }

    #[test]
    fn folder_redirects_stay_relative() {
        assert_eq!(folder_redirect("/incidents"), "./incidents/");
        assert_eq!(folder_redirect("//incidents"), "./incidents/");
        assert_eq!(folder_redirect("/systems/payments-db"), "./payments-db/");
        assert_eq!(folder_redirect("/tags/a%20b"), "./a%20b/");
    }

    #[test]
    fn ipv6_binds_get_brackets() {
        assert_eq!(listen_address("127.0.0.1", 1111), "127.0.0.1:1111");
        assert_eq!(listen_address("::1", 1111), "[::1]:1111");
        assert_eq!(listen_address("[::1]", 1111), "[::1]:1111");
    }
}
