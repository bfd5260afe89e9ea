// Tokio peer of bench/sync_peers/simul_sync.cpp: the same three workloads,
// sizes and timing (Instant, read inside the workload), on a current_thread
// runtime.
//   lock            tokio::sync::Mutex<()>: N x lock().await + drop on a free
//                   mutex; ns per acquire
//   event_pingpong  two tasks, two tokio::sync::Notify: set = notify_one()
//                   (stores a permit if nobody waits), wait + clear =
//                   notified().await (consumes it); N round trips; ns per
//                   round trip
//   queue_spsc      tokio::sync::mpsc::channel::<i32>(128): one spawned
//                   producer send().await N times, the main task recv().await;
//                   ns per item
// Usage: tokio_sync lock|event_pingpong|queue_spsc [N]
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, Mutex, Notify};

async fn lock_main(n: u64) -> f64 {
    let lock = Mutex::new(());
    let t0 = Instant::now();
    for _ in 0..n {
        let held = lock.lock().await;
        black_box(&held);
        drop(held);
    }
    t0.elapsed().as_nanos() as f64
}

async fn ping_pong_main(n: u64) -> f64 {
    let ping = Arc::new(Notify::new());
    let pong = Arc::new(Notify::new());
    let (ping2, pong2) = (ping.clone(), pong.clone());
    let other = tokio::spawn(async move {
        for _ in 0..n {
            ping2.notified().await;
            pong2.notify_one();
        }
    });
    tokio::task::yield_now().await; // let it reach its first wait
    let t0 = Instant::now();
    for _ in 0..n {
        ping.notify_one();
        pong.notified().await;
    }
    let ns = t0.elapsed().as_nanos() as f64;
    other.await.unwrap();
    ns
}

async fn queue_main(n: u64) -> f64 {
    let (tx, mut rx) = mpsc::channel::<i32>(128);
    let t0 = Instant::now();
    let producer = tokio::spawn(async move {
        for i in 0..n {
            tx.send(i as i32).await.unwrap();
        }
    });
    let mut sum: i64 = 0;
    for _ in 0..n {
        sum += rx.recv().await.unwrap() as i64;
    }
    let ns = t0.elapsed().as_nanos() as f64;
    black_box(sum);
    producer.await.unwrap();
    let n = n as i64;
    assert_eq!(sum, n * (n - 1) / 2, "queue_spsc: wrong sum");
    ns
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let w = args.get(1).map(String::as_str).unwrap_or("");
    let (default_n, per) = match w {
        "lock" => (1_000_000u64, "acquire"),
        "event_pingpong" => (200_000, "round_trip"),
        "queue_spsc" => (1_000_000, "item"),
        _ => {
            eprintln!("usage: {} lock|event_pingpong|queue_spsc [N]", args[0]);
            std::process::exit(2);
        }
    };
    let n: u64 = args.get(2).map_or(default_n, |s| s.parse().expect("N must be a number"));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let ns = rt.block_on(async move {
        match w {
            "lock" => lock_main(n).await,
            "event_pingpong" => ping_pong_main(n).await,
            _ => queue_main(n).await,
        }
    });
    println!(
        "RESULT workload={} peer=tokio value={:.2} unit=ns/op per={} n={} total_ms={:.1}",
        w, ns / n as f64, per, n, ns / 1e6
    );
}
