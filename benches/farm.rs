//! A farm of generated feeds on 127.0.0.1 with per-request latency, refreshed by the
//! `banyue run` binary cold (every feed new) and warm (every feed answers 304).
//!
//!     cargo bench --bench farm                  # 2000 feeds, 100 ms latency
//!     FARM_FEEDS=500 FARM_LATENCY_MS=50 cargo bench --bench farm
//!
//! Prints wall time, CPU time and peak RSS of each run (the child reports its own
//! /proc figures through BANYUE_RUSAGE).

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use banyue::demo::server::{self, Resource};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn feed(origin: &str, n: u64) -> String {
    let mut items = String::new();
    for i in 0..10 {
        items.push_str(&format!(
            "<item><title>第{n}号源：某软件企业发布第{i}代工业操作系统，性能提升{i}0%</title><link>{origin}/a/{n}/{i}.html</link>\
             <guid isPermaLink=\"false\">farm-{n}-{i}</guid><pubDate>Mon, 23 Nov 2026 0{h}:00:00 +0800</pubDate>\
             <description>第{n}号源第{i}条：某软件企业今日发布新一代工业操作系统，支持实时调度与国产芯片适配，已在{n}家工厂试点。</description></item>",
            h = i % 10
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>农场源{n}</title><link>{origin}/</link><description>farm</description>{items}</channel></rss>"
    )
}

/// (CPU seconds, peak RSS) from the child's `rusage: user_s=… sys_s=… peak_rss=… kB` line.
fn parse_rusage(stderr: &str) -> (f64, String) {
    let line = stderr.lines().find(|l| l.starts_with("rusage:")).unwrap_or_default();
    let field = |k: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .unwrap_or("?")
            .to_string()
    };
    let cpu = field("user_s=").parse::<f64>().unwrap_or(0.0) + field("sys_s=").parse::<f64>().unwrap_or(0.0);
    let rss_kb = line
        .split("peak_rss=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok());
    (
        cpu,
        rss_kb
            .map(|k| format!("{:.0} MB", k / 1024.0))
            .unwrap_or_else(|| "?".into()),
    )
}

fn main() {
    let feeds = env_or("FARM_FEEDS", 2000);
    let latency = Duration::from_millis(env_or("FARM_LATENCY_MS", 100));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let site = rt
        .block_on(server::serve_with(|origin| {
            (0..feeds)
                .map(|n| {
                    let r = Resource {
                        delay: latency,
                        ..Resource::ok("application/rss+xml", feed(origin, n))
                    };
                    (format!("/feed/{n}.xml"), r)
                })
                .collect::<HashMap<_, _>>()
        }))
        .expect("farm server");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = String::from(
        "[settings]\nconcurrency = 256\nper_host_concurrency = 256\nper_host_delay_ms = 0\ntimeout_secs = 30\nfeed_items = 50\n\n",
    );
    for n in 0..feeds {
        cfg.push_str(&format!(
            "[[source]]\nid = \"f{n}\"\nname = \"农场源{n}\"\nurl = \"{}\"\nkind = \"feed\"\n\n",
            site.url(&format!("/feed/{n}.xml"))
        ));
    }
    let cfg_path = dir.path().join("banyue.toml");
    std::fs::write(&cfg_path, cfg).expect("write config");
    println!(
        "farm: {feeds} feeds × 10 items on 127.0.0.1, {} ms latency per request",
        latency.as_millis()
    );
    println!("| run | wall | CPU (user+sys) | peak RSS | outcome |");
    println!("|---|---|---|---|---|");
    for label in ["cold", "warm (304)"] {
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_banyue"))
            .args(["run", "--config"])
            .arg(&cfg_path)
            .env("BANYUE_RUSAGE", "1")
            .output()
            .expect("run banyue");
        let wall = t.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let summary = stdout.lines().find(|l| l.contains("sources,")).unwrap_or("?");
        let not_modified = stdout.matches("not modified").count();
        let (cpu, rss) = parse_rusage(&stderr);
        println!(
            "| {label} | {:.2} s | {cpu:.2} s | {rss} | {summary}; {not_modified} × 304 |",
            wall.as_secs_f64()
        );
        assert!(out.status.success(), "{stderr}");
    }
}
