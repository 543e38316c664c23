# syntax=docker/dockerfile:1
# banyue: build in the Rust image, run in a small Debian image as a non-root user.
#
#   docker build -t banyue .
#   docker run --rm -v banyue-data:/var/lib/banyue -v "$PWD/config:/etc/banyue:ro" banyue
#
# One image, three roles (the entrypoint is `banyue`, the argument picks the role):
#   (no argument) = `run`   fetch once, publish, draft, exit: schedule it (cron, CronJob)
#   `daemon`                every source on its own schedule; stops cleanly on SIGTERM
#   `serve`                 the review desk on $BANYUE_LISTEN (0.0.0.0:8080 here)
# Config is read from /etc/banyue/banyue.toml; the database, feeds and drafts go under
# /var/lib/banyue. compose.yaml and deploy/kubernetes/ run the desk and the collector on
# one volume.
#
# CI (scripts/check-docker-build.sh) copies exactly what the build stage's COPY lines name
# into an empty directory and runs the stage's cargo command there: a file the build needs
# but the Dockerfile does not copy fails CI. Keep every build-stage COPY on one line, with
# sources relative to the context and a destination under /src.

FROM rust:1.95-slim-bookworm AS build
# make: the allocator (jemalloc) is built from C with its own configure and Makefile.
# Debian stable's make, whichever its point release (not pinned).
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# Cargo.toml declares [[bench]] targets: cargo reads them before it builds anything.
COPY benches ./benches
# Files the sources embed with include_str! (templates, taxonomy, cities, demo samples).
COPY config ./config
COPY templates ./templates
COPY samples ./samples
COPY src ./src
# BuildKit cache mounts keep the crates.io downloads and the compiled dependencies across
# builds, so a source change recompiles banyue alone. The target directory is a cache
# mount, so the binary is copied out of it within the same RUN.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin banyue \
    && install -D -m 0755 target/release/banyue /out/banyue

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
COPY --from=build /out/banyue /usr/local/bin/banyue
COPY config/banyue.toml /etc/banyue/banyue.toml
# The source catalogue the example config includes.
COPY config/sources /etc/banyue/sources
ENV BANYUE_CONFIG=/etc/banyue/banyue.toml \
    BANYUE_DATA_DIR=/var/lib/banyue/data \
    BANYUE_FEEDS_DIR=/var/lib/banyue/feeds \
    BANYUE_DRAFTS_DIR=/var/lib/banyue/drafts \
    BANYUE_LISTEN=0.0.0.0:8080 \
    BANYUE_LOG=warn \
    BANYUE_LOG_JSON=1
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
WORKDIR /var/lib/banyue
VOLUME ["/var/lib/banyue"]
EXPOSE 8080
# No image-wide health check: one image runs a job that exits, a daemon with no port and
# a desk. The desk's check (GET /healthz) is in compose.yaml and in the Kubernetes probes;
# `banyue check` only re-reads the config and says nothing about a running process.
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/banyue"]
CMD ["run"]
