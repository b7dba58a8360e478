//! `casebook serve`'s HTTP guard: who may ask (only loopback names and the bound
//! address in `Host`), where it redirects (only relative), and how much it takes
//! (a bounded request head, a bounded number of connections and waiting clients).

use super::{free_port, get, get_raw, request, response, serve, until, version, Server};
use crate::support::Archive;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

/// The limits of `src/serve/http.rs`, as a user meets them.
const MAX_CONNECTIONS: usize = 128;
const MAX_WAITING: usize = 64;

/// `casebook serve` on a copy of the analysis fixture, once it answers.
fn preview() -> (Archive, u16, Server) {
    let a = Archive::fixture("analysis");
    let port = free_port();
    let server = serve(&a, port, Stdio::null());
    until("the server", || get(port, "/"));
    (a, port, server)
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    stream
}

/// A web page can point its own name at 127.0.0.1 (DNS rebinding) and read the
/// preview as same-origin; the browser then sends that name as `Host`. Only
/// loopback names (with or without a port) are answered; redirects never leave
/// the server (`//incidents` answered `Location: //incidents/`, another host).
#[test]
fn serve_refuses_rebound_host_names_and_redirects_only_relatively() {
    let (_a, port, _server) = preview();

    let foreign = [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        "localhost.evil.example".to_owned(),
        format!("127.0.0.1.nip.example:{port}"),
    ];
    for host in &foreign {
        for path in ["/", "/casebook.json", "/__casebook/wait?v=999999"] {
            let raw = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
            let (status, _, body) = request(port, &raw).expect(path);
            assert_eq!(status, 403, "Host: {host} gets {path}");
            assert!(!body.contains("\"incidents\""), "{path} leaks to {host}");
        }
    }
    let (status, _, _) = request(port, "GET /casebook.json HTTP/1.0\r\n\r\n").expect("no Host");
    assert_eq!(status, 403, "a request without a Host is refused too");

    for host in [
        "localhost".to_owned(),
        format!("LocalHost:{port}"),
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{port}"),
        "[::1]".to_owned(),
        format!("[::1]:{port}"),
    ] {
        let raw = format!("GET /casebook.json HTTP/1.0\r\nHost: {host}\r\n\r\n");
        let (status, _, body) = request(port, &raw).expect("loopback");
        assert_eq!(status, 200, "Host: {host}");
        assert!(body.contains("\"incidents\""));
    }

    for (path, location) in [
        ("/incidents", "./incidents/"),
        ("//incidents", "./incidents/"),
        ("///incidents", "./incidents/"),
        ("/systems/payments-db", "./payments-db/"),
    ] {
        let (status, head, _) = get_raw(port, path).expect(path);
        assert_eq!(status, 301, "{path} is a folder");
        assert!(
            head.contains(&format!("\r\nlocation: {location}\r\n"))
                || head.ends_with(&format!("\r\nlocation: {location}")),
            "{path} redirects to {location}: {head}"
        );
    }
}

/// A 64 MB header kept 130 MB: a request head beyond the limit is refused with
/// 431 and the server goes on serving.
#[test]
fn serve_refuses_an_oversized_request_head() {
    let (_a, port, _server) = preview();

    let mut stream = connect(port);
    let mut sender = stream.try_clone().expect("clone");
    let writer = std::thread::spawn(move || {
        let padding = vec![b'a'; 1 << 20];
        let _ = sender
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Padding: ");
        for _ in 0..8 {
            if sender.write_all(&padding).is_err() {
                return;
            }
        }
        let _ = sender.write_all(b"\r\n\r\n");
    });
    let (status, _, _) = response(&mut stream).expect("an answer");
    assert_eq!(status, 431, "an 8 MB request head is refused");
    drop(stream);
    writer.join().expect("writer");
    assert_eq!(get(port, "/").map(|(s, _)| s), Some(200), "still serving");
}

/// Whether a response has arrived on `stream` (without waiting for one).
fn answered(stream: &mut TcpStream) -> Option<u16> {
    stream.set_nonblocking(true).expect("nonblocking");
    let mut first = [0u8; 1];
    let ready = matches!(stream.peek(&mut first), Ok(n) if n > 0);
    stream.set_nonblocking(false).expect("blocking");
    if !ready {
        return None;
    }
    response(stream).map(|(status, _, _)| status)
}

/// 1,000 waiting clients made 2,007 threads. Waiting clients (the live-reload
/// long-poll) beyond the limit get 503 at once, without a thread each; pages are
/// still served meanwhile.
#[test]
fn serve_bounds_waiting_clients_without_a_thread_each() {
    let (_a, port, server) = preview();
    let v = version(port);

    let extra = 8;
    let mut waiting: Vec<(TcpStream, Option<u16>)> = (0..MAX_WAITING + extra)
        .map(|_| {
            let mut stream = connect(port);
            write!(
                stream,
                "GET /__casebook/wait?v={v} HTTP/1.0\r\nHost: localhost\r\n\r\n"
            )
            .expect("send");
            (stream, None)
        })
        .collect();
    until("the clients beyond the limit to be refused", || {
        for (stream, status) in &mut waiting {
            if status.is_none() {
                *status = answered(stream);
            }
        }
        let refused = waiting.iter().filter(|(_, s)| *s == Some(503)).count();
        (refused >= extra).then_some(())
    });
    let answered_now: Vec<Option<u16>> = waiting.iter().map(|(_, s)| *s).collect();
    assert_eq!(
        answered_now.iter().filter(|s| s.is_some()).count(),
        extra,
        "only the clients beyond the limit are answered before a change: {answered_now:?}"
    );
    assert_eq!(
        get(port, "/").map(|(s, _)| s),
        Some(200),
        "pages are served meanwhile"
    );

    #[cfg(target_os = "linux")]
    {
        let threads = std::fs::read_dir(format!("/proc/{}/task", server.0.id()))
            .expect("/proc")
            .count();
        assert!(
            threads < MAX_WAITING / 2,
            "{threads} threads for {} waiting clients",
            MAX_WAITING + extra
        );
    }
    drop(server);
}

/// Connections beyond the limit get 503 at once (an idle connection no longer
/// holds a thread of its own either).
#[test]
fn serve_bounds_open_connections() {
    let (_a, port, _server) = preview();

    let idle: Vec<TcpStream> = (0..MAX_CONNECTIONS).map(|_| connect(port)).collect();
    let mut one_more = connect(port);
    write!(one_more, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("send");
    let mut text = Vec::new();
    let _ = one_more.read_to_end(&mut text);
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.starts_with("HTTP/1.1 503 "),
        "connection {} is refused: {text:.80}",
        MAX_CONNECTIONS + 1
    );
    drop(idle);
    until("the server to take connections again", || {
        get(port, "/").filter(|(s, _)| *s == 200)
    });
}
