# banyue: build in the Rust image, run in a small Debian image as a non-root user.
#
#   docker build -t banyue .
#   docker run --rm -v banyue-data:/var/lib/banyue -v "$PWD/config:/etc/banyue:ro" banyue
#
# The default command is one `banyue run`: schedule the container (cron, a Kubernetes
# CronJob, a systemd timer) every few hours. Config is read from /etc/banyue/banyue.toml;
# the database, feeds and drafts go under /var/lib/banyue.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY config ./config
COPY templates ./templates
COPY samples ./samples
RUN cargo build --release --locked --bin banyue

FROM debian:bookworm-slim
# ca-certificates for HTTPS sources; Debian stable's security updates are wanted, so the
# version is not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/banyue --shell /usr/sbin/nologin banyue \
    && mkdir -p /etc/banyue /var/lib/banyue/data /var/lib/banyue/feeds /var/lib/banyue/drafts \
    && chown -R banyue:banyue /var/lib/banyue
COPY --from=build /src/target/release/banyue /usr/local/bin/banyue
COPY config/banyue.toml /etc/banyue/banyue.toml
ENV BANYUE_CONFIG=/etc/banyue/banyue.toml \
    BANYUE_DATA_DIR=/var/lib/banyue/data \
    BANYUE_FEEDS_DIR=/var/lib/banyue/feeds \
    BANYUE_DRAFTS_DIR=/var/lib/banyue/drafts \
    BANYUE_LOG=warn
USER 10001:10001
WORKDIR /var/lib/banyue
VOLUME ["/etc/banyue", "/var/lib/banyue"]
# A container that cannot read its config is unhealthy; `check` fetches nothing.
HEALTHCHECK --interval=5m --timeout=10s CMD ["banyue", "check"]
CMD ["banyue", "run"]
