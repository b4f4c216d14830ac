//! The clearance bench's own HTTP/1.1 client: one keep-alive connection per worker, each request
//! written with one `write` and each answer read into one reused buffer, in the worker's own task.
//!
//! Why not reqwest: the bench shares the hub's two cores, and a whole-system profile put the
//! client at 37% of them. A pooled client spends per request on its pool, its URL and header
//! maps and a second task that drives the connection (a wake-up each way); what this client
//! spends is the system calls a request needs and a header parse (`httparse`, the parser hyper
//! uses). It speaks only what the bench needs: `Content-Length` bodies on a connection that
//! stays open, and it fails loudly on anything else rather than guess.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why an exchange failed. The connection is dropped after any of them and the next exchange
/// opens a new one: nothing is retried, so a lost request counts as an error.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("the hub closed the connection before answering")]
    Closed,
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("the answer's head is larger than {MAX_HEAD_BYTES} bytes")]
    HeadTooLarge,
}

/// Request heads above this are not the hub's; a runaway read stops here.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// A request's fixed part: the request line and every header but `Content-Length`, formatted once.
#[derive(Clone)]
pub struct RequestHead(Vec<u8>);

impl RequestHead {
    /// `POST`/`GET` `path` on `host` with an optional bearer token; a body is JSON.
    pub fn new(method: &str, path: &str, host: &str, bearer: Option<&str>) -> RequestHead {
        RequestHead::with_type(method, path, host, bearer, "application/json")
    }

    /// The same, with the body's media type given.
    pub fn with_type(
        method: &str,
        path: &str,
        host: &str,
        bearer: Option<&str>,
        content_type: &str,
    ) -> RequestHead {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
        if let Some(token) = bearer {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        if method != "GET" {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        RequestHead(head.into_bytes())
    }
}

/// One keep-alive connection to the hub, opened when first needed and again after a failure.
pub struct Connection {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    /// The request being written; kept to reuse its allocation.
    out: Vec<u8>,
    /// The answer being read; `answer_body` indexes into it.
    input: Vec<u8>,
}

/// A status and where the body lies in the connection's buffer.
pub struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
}

impl Connection {
    pub fn new(addr: SocketAddr) -> Connection {
        Connection {
            addr,
            stream: None,
            out: Vec::with_capacity(1024),
            input: Vec::with_capacity(8 * 1024),
        }
    }

    /// Sends `head` with `body` (a `Content-Length` is added when the body is not empty or the
    /// method is not GET) and reads the whole answer. On any error the connection is closed.
    pub async fn exchange(
        &mut self,
        head: &RequestHead,
        body: &[u8],
    ) -> Result<Answer<'_>, ExchangeError> {
        match self.try_exchange(head, body).await {
            Ok((status, start, end)) => Ok(Answer {
                status,
                body: &self.input[start..end],
            }),
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }

    async fn try_exchange(
        &mut self,
        head: &RequestHead,
        body: &[u8],
    ) -> Result<(u16, usize, usize), ExchangeError> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err(ExchangeError::Closed);
        };
        self.out.clear();
        self.out.extend_from_slice(&head.0);
        if !head.0.starts_with(b"GET ") {
            self.out
                .extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
        self.out.extend_from_slice(b"\r\n");
        self.out.extend_from_slice(body);
        stream.write_all(&self.out).await?;

        self.input.clear();
        let (status, head_len, body_len, close) = loop {
            if self.input.len() > MAX_HEAD_BYTES {
                return Err(ExchangeError::HeadTooLarge);
            }
            read_more(stream, &mut self.input).await?;
            if let Some(parsed) = parse_head(&self.input)? {
                break parsed;
            }
        };
        let end = head_len + body_len;
        while self.input.len() < end {
            read_more(stream, &mut self.input).await?;
        }
        if self.input.len() > end {
            return Err(ExchangeError::Malformed(
                "bytes after the answer's body (the bench does not pipeline)".into(),
            ));
        }
        if close {
            self.stream = None;
        }
        Ok((status, head_len, end))
    }
}

async fn read_more(stream: &mut TcpStream, input: &mut Vec<u8>) -> Result<(), ExchangeError> {
    input.reserve(4096);
    if stream.read_buf(input).await? == 0 {
        return Err(ExchangeError::Closed);
    }
    Ok(())
}

/// The status, the head's length, the body's length and whether the hub will close the
/// connection; `None` while the head is incomplete.
fn parse_head(input: &[u8]) -> Result<Option<(u16, usize, usize, bool)>, ExchangeError> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(input) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(ExchangeError::Malformed(e.to_string())),
    };
    let status = response.code.unwrap_or(0);
    let mut body_len = None;
    let mut close = false;
    for h in response.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let text = std::str::from_utf8(h.value)
                .map_err(|_| ExchangeError::Malformed("Content-Length is not text".into()))?;
            body_len = Some(text.trim().parse::<usize>().map_err(|_| {
                ExchangeError::Malformed(format!("Content-Length {text:?} is not a number"))
            })?);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(ExchangeError::Malformed(
                "a chunked answer (the bench reads Content-Length bodies only)".into(),
            ));
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = h.value.eq_ignore_ascii_case(b"close");
        }
    }
    // 204 and 304 carry no body; every other answer of the hub states its length.
    let body_len = match (status, body_len) {
        (204 | 304, _) => 0,
        (_, Some(n)) => n,
        (_, None) => {
            return Err(ExchangeError::Malformed(format!(
                "status {status} without Content-Length"
            )))
        }
    };
    Ok(Some((status, head_len, body_len, close)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A one-connection server that answers each request with the next of `answers` (raw
    /// bytes, each possibly in several writes) and returns the requests it read.
    async fn serve(
        answers: Vec<Vec<&'static [u8]>>,
    ) -> (SocketAddr, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            for parts in answers {
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap();
                seen.push(buf[..n].to_vec());
                for p in parts {
                    s.write_all(p).await.unwrap();
                    s.flush().await.unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
            seen
        });
        (addr, task)
    }

    #[tokio::test]
    async fn a_request_is_one_write_and_split_answers_are_reassembled_on_one_connection() {
        let (addr, server) = serve(vec![
            vec![
                b"HTTP/1.1 201 Created\r\nContent-Len",
                b"gth: 5\r\n\r\nhe",
                b"llo",
            ],
            vec![b"HTTP/1.1 422 Unprocessable Entity\r\ncontent-length: 2\r\n\r\n{}"],
        ])
        .await;
        let mut c = Connection::new(addr);
        let head = RequestHead::new("POST", "/v1/orders", "hub", Some("k1"));
        let a = c.exchange(&head, b"{\"a\":1}").await.unwrap();
        assert_eq!((a.status, a.body), (201, &b"hello"[..]));
        let a = c.exchange(&head, b"{}").await.unwrap();
        assert_eq!((a.status, a.body), (422, &b"{}"[..]));
        let seen = server.await.unwrap();
        assert_eq!(
            String::from_utf8(seen[0].clone()).unwrap(),
            "POST /v1/orders HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer k1\r\n\
             Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
        );
        assert_eq!(seen.len(), 2, "both requests on the one connection");
    }

    #[tokio::test]
    async fn chunked_missing_length_and_early_close_are_errors_and_the_next_exchange_reconnects() {
        let (addr, server) = serve(vec![vec![
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ]])
        .await;
        let mut c = Connection::new(addr);
        let get = RequestHead::new("GET", "/healthz", "hub", None);
        assert!(matches!(
            c.exchange(&get, b"").await,
            Err(ExchangeError::Malformed(m)) if m.contains("chunked")
        ));
        server.await.unwrap();
        // The server is gone: the next exchange opens a new connection and fails to connect.
        assert!(matches!(
            c.exchange(&get, b"").await,
            Err(ExchangeError::Io(_))
        ));

        let (addr, server) = serve(vec![vec![b"HTTP/1.1 200 OK\r\n\r\n"]]).await;
        let mut c = Connection::new(addr);
        assert!(matches!(
            c.exchange(&get, b"").await,
            Err(ExchangeError::Malformed(m)) if m.contains("without Content-Length")
        ));
        server.await.unwrap();

        let (addr, server) = serve(vec![vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
        ]])
        .await;
        let mut c = Connection::new(addr);
        let answer = c.exchange(&get, b"").await;
        server.await.unwrap();
        assert!(
            matches!(answer, Err(ExchangeError::Closed)),
            "body cut short"
        );
    }
}
