//! A small HTTP server on 127.0.0.1 that serves fixed documents: the sample sources of
//! `banyue demo`, and the fixture sites of the integration tests. It never binds any
//! other address.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use tokio::sync::oneshot;

/// One document the server answers with.
#[derive(Debug, Clone)]
pub struct Resource {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (a slow source).
    pub delay: Duration,
}

impl Resource {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Resource {
        Resource {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Resource {
        Resource {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn redirect(to: &str) -> Resource {
        Resource {
            status: 302,
            headers: vec![("location".into(), to.into())],
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }
}

struct Site {
    routes: HashMap<String, Resource>,
    hits: HashMap<String, AtomicUsize>,
}

/// A running server; dropping it stops the server.
pub struct SiteHandle {
    pub addr: SocketAddr,
    site: Arc<Site>,
    _stop: oneshot::Sender<()>,
}

impl SiteHandle {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// How many requests `path` has had.
    pub fn hits(&self, path: &str) -> usize {
        self.site.hits.get(path).map(|h| h.load(Ordering::Relaxed)).unwrap_or(0)
    }
}

async fn answer(State(site): State<Arc<Site>>, req: Request<Body>) -> Response<Body> {
    let key = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let found = site
        .routes
        .get(&key)
        .or_else(|| site.routes.get(req.uri().path()))
        .or_else(|| site.routes.get(ANY_PATH));
    if let Some(h) = site.hits.get(&key).or_else(|| site.hits.get(req.uri().path())) {
        h.fetch_add(1, Ordering::Relaxed);
    }
    let Some(res) = found else {
        let mut r = Response::new(Body::from("not found"));
        *r.status_mut() = StatusCode::NOT_FOUND;
        return r;
    };
    if !res.delay.is_zero() {
        tokio::time::sleep(res.delay).await;
    }
    // Like any decent web server: an ETag, and 304 when the client already has it.
    let etag = format!(
        "\"{:016x}\"",
        crate::dedup::stable_hash(&String::from_utf8_lossy(&res.body))
    );
    if res.status == 200 {
        let has = req.headers().get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str());
        if has {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            return r;
        }
    }
    let mut r = Response::new(Body::from(res.body.clone()));
    *r.status_mut() = StatusCode::from_u16(res.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if res.status == 200
        && let Ok(v) = HeaderValue::try_from(etag.as_str())
    {
        r.headers_mut().insert("etag", v);
    }
    for (k, v) in &res.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::try_from(v.as_str())) {
            r.headers_mut().insert(k, v);
        }
    }
    r
}

/// The route key that answers every path no other route has (a portal's detail pages).
pub const ANY_PATH: &str = "*";

/// Serve `routes` (path, or path with query, → resource; [`ANY_PATH`] for the rest) on
/// 127.0.0.1 at a free port.
pub async fn serve(routes: HashMap<String, Resource>) -> anyhow::Result<SiteHandle> {
    serve_with(|_| routes).await
}

/// Like [`serve`], for documents that must name the server's own origin
/// (`http://127.0.0.1:PORT`), which `build` receives.
pub async fn serve_with(build: impl FnOnce(&str) -> HashMap<String, Resource>) -> anyhow::Result<SiteHandle> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let routes = build(&format!("http://{addr}"));
    let hits = routes.keys().map(|k| (k.clone(), AtomicUsize::new(0))).collect();
    let site = Arc::new(Site { routes, hits });
    let (stop, stopped) = oneshot::channel::<()>();
    let app = Router::new().fallback(answer).with_state(site.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(SiteHandle {
        addr,
        site,
        _stop: stop,
    })
}
