//! TLS for the HTTP clients: the platform's certificate verifier, as reqwest would build
//! it, but built once for every client of the process and only when a handshake first
//! needs it. Building it reads and parses the system's whole certificate store (5 ms a
//! time on the 2-core machine); the fetcher's three clients each built their own, 15 ms of
//! a warm run's 40 ms start, and a run over plain HTTP needs none.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, Error, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// The client TLS config the process's clients share (`ClientBuilder::tls_backend_preconfigured`):
/// TLS 1.2 and 1.3, HTTP/1.1 by ALPN, the platform's roots.
pub fn client_config() -> anyhow::Result<rustls::ClientConfig> {
    static SHARED: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            // Any of several crates may have installed it already; either way one is there.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let provider = CryptoProvider::get_default()
                .cloned()
                .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
            let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("cannot set up TLS: {e}"))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(LazyVerifier::new(provider)))
                .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(config)
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// The platform's verifier, built on the first certificate it is asked to check.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    built: OnceLock<Result<Verifier, Error>>,
}

impl LazyVerifier {
    fn new(provider: Arc<CryptoProvider>) -> LazyVerifier {
        LazyVerifier {
            provider,
            built: OnceLock::new(),
        }
    }

    fn verifier(&self) -> Result<&Verifier, Error> {
        self.built
            .get_or_init(|| Verifier::new(self.provider.clone()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        self.verifier()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    /// Asked for every hello, before any certificate: the provider's schemes, which are
    /// what the built verifier would answer (rustls's WebPKI verifier), without building it.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject;

    const CERT: &[u8] = include_bytes!("../../tests/fixtures/tls/self-signed.pem");
    const KEY: &[u8] = include_bytes!("../../tests/fixtures/tls/self-signed.key");

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    #[test]
    fn the_store_is_read_only_when_a_certificate_is_checked_and_a_stranger_is_refused() {
        let v = LazyVerifier::new(provider());
        assert!(!v.supported_verify_schemes().is_empty());
        assert!(v.built.get().is_none(), "a hello needs no certificate store");
        let cert = CertificateDer::from_pem_slice(CERT).expect("fixture certificate");
        let name = ServerName::try_from("localhost").expect("name");
        let got = v.verify_server_cert(&cert, &[], &name, &[], UnixTime::now());
        assert!(v.built.get().is_some());
        match got {
            Err(Error::InvalidCertificate(_)) => {}
            other => panic!("a self-signed certificate must be refused, got {other:?}"),
        }
    }

    /// A real handshake over loopback with a server whose certificate no root signed: the
    /// fetcher's clients verify it and refuse.
    #[tokio::test]
    async fn the_fetcher_refuses_a_server_no_root_vouches_for() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let cert = CertificateDer::from_pem_slice(CERT).expect("fixture certificate");
        let key = PrivateKeyDer::from_pem_slice(KEY).expect("fixture key");
        let server = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server config");
        let server = Arc::new(server);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let handshake = std::thread::spawn(move || {
            let (mut tcp, _) = listener.accept().expect("accept");
            let mut conn = rustls::ServerConnection::new(server).expect("server connection");
            // The client's refusal ends the handshake with an alert: an error here.
            let mut ended = None;
            while conn.is_handshaking() {
                if let Err(e) = conn.complete_io(&mut tcp) {
                    ended = Some(e.to_string());
                    break;
                }
            }
            ended
        });
        let settings = crate::config::Config::parse("[settings]\n", std::path::Path::new("tls.toml"))
            .expect("settings")
            .settings;
        let fetcher = crate::fetch::Fetcher::new(&settings).expect("fetcher");
        let url = url::Url::parse(&format!("https://127.0.0.1:{port}/feed.xml")).expect("url");
        let err = fetcher
            .get(&url, true)
            .await
            .expect_err("an unknown issuer must be refused");
        let text = format!("{err:#} {err:?}");
        assert!(
            text.contains("UnknownIssuer") || text.contains("certificate"),
            "the error says why: {text}"
        );
        let server_saw = handshake.join().expect("server thread");
        assert!(server_saw.is_some(), "the handshake did not complete");
    }
}
