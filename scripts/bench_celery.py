#!/usr/bin/env python3
"""The queue bench's backlog and pickup measurement through Celery 5 with a Redis broker, so the
README's comparison with a peer is measured in the same run, on the same Redis server.

Run by `scripts/bench queue --celery` inside a throwaway venv (`celery[redis]` from PyPI). Celery
is set up as a reliable queue, like Yizhan's engine: a task is acknowledged after it has run
(`task_acks_late`), results are not stored, and the worker is Celery's default (prefork, one
process per core). Prints key=value lines:

  celery_enqueue_jobs_per_sec   publishing the backlog of no-op tasks (`apply_async`, one producer)
  celery_drain_jobs_per_sec     from the first task leaving the broker's list until every task has
                                run and been acknowledged (the list and the `unacked` hash empty)
  celery_cpu_us_per_job         CPU of the worker's processes (main + pool) per task while draining
  celery_redis_cpu_us_per_job   CPU of the Redis server per task while draining
  celery_pickup_p50_ms/_p99_ms  one task published onto an idle queue → its run starts (the task
                                records `time.time()`; same clock as the publisher)
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import time

import redis
from celery import Celery

QUEUE = "yizhan-bench"
STARTED = "yizhan-bench:pickup-started"

app = Celery("bench_celery", broker=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1"))
app.conf.update(
    task_acks_late=True,
    task_ignore_result=True,
    task_default_queue=QUEUE,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)

_redis = None


def _client():
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(app.conf.broker_url)
    return _redis


@app.task(name="noop")
def noop():
    return None


@app.task(name="probe")
def probe():
    _client().rpush(STARTED, int(time.time() * 1_000_000))


def redis_cpu_seconds(r):
    info = r.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def process_cpu_seconds(pid):
    """User + system CPU seconds of `pid` and its children (the prefork pool)."""
    total = 0.0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(") ", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            pass
    return total


def start_worker():
    cmd = [sys.executable, "-m", "celery", "-A", "bench_celery", "worker", "--loglevel=WARNING",
           "-Q", QUEUE, "--without-gossip", "--without-mingle", "--without-heartbeat"]
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop_worker(worker):
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def drained(r):
    return r.llen(QUEUE) == 0 and r.hlen("unacked") == 0


def bench_drain(r, jobs):
    started = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for _ in range(jobs):
            noop.apply_async(producer=producer)
    enqueue_rate = jobs / (time.perf_counter() - started)
    queued = r.llen(QUEUE)
    if queued != jobs:
        raise SystemExit(f"published {jobs} tasks but the broker's list holds {queued}")

    worker = start_worker()
    try:
        deadline = time.monotonic() + 60
        while r.llen(QUEUE) == jobs:
            if worker.poll() is not None:
                raise SystemExit(f"the Celery worker exited: {worker.stderr.read()}")
            if time.monotonic() > deadline:
                raise SystemExit("the Celery worker took no task within 60 s")
            time.sleep(0.001)
        began, cpu_before, redis_before = time.perf_counter(), process_cpu_seconds(worker.pid), redis_cpu_seconds(r)
        deadline = time.monotonic() + 900
        while not drained(r):
            if time.monotonic() > deadline:
                raise SystemExit("the drain did not finish in 15 minutes")
            time.sleep(0.002)
        took = time.perf_counter() - began
        cpu = process_cpu_seconds(worker.pid) - cpu_before
        redis_cpu = redis_cpu_seconds(r) - redis_before
    except BaseException:
        stop_worker(worker)
        raise
    return worker, enqueue_rate, jobs / took, cpu * 1e6 / jobs, redis_cpu * 1e6 / jobs


def bench_pickup(r, samples):
    r.delete(STARTED)
    # Warm up: the first task after a drain may wait for the pool to settle.
    probe.apply_async()
    wait_for(r, 1)
    out = []
    with app.producer_or_acquire() as producer:
        for i in range(samples):
            time.sleep(random.random() * 0.030)
            pushed_us = int(time.time() * 1_000_000)
            probe.apply_async(producer=producer)
            wait_for(r, i + 2)
            started_us = int(r.lindex(STARTED, -1))
            out.append((started_us - pushed_us) / 1000.0)
    return sorted(out)


def wait_for(r, n):
    deadline = time.monotonic() + 5
    while r.llen(STARTED) < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"probe {n} was not picked up within 5 s")
        time.sleep(0.0005)


def percentile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--pickup-samples", type=int, default=200)
    args = parser.parse_args()

    r = redis.Redis.from_url(app.conf.broker_url)
    r.flushdb()
    worker, enqueue_rate, drain_rate, cpu_per_job, redis_per_job = bench_drain(r, args.jobs)
    try:
        pickups = bench_pickup(r, args.pickup_samples)
    finally:
        stop_worker(worker)
    r.flushdb()
    concurrency = os.cpu_count()
    print(f"celery_version={__import__('celery').__version__} celery_pool=prefork celery_concurrency={concurrency} celery_jobs={args.jobs}")
    print(f"celery_enqueue_jobs_per_sec={enqueue_rate:.0f}")
    print(f"celery_drain_jobs_per_sec={drain_rate:.0f}")
    print(f"celery_cpu_us_per_job={cpu_per_job:.1f}")
    print(f"celery_redis_cpu_us_per_job={redis_per_job:.1f}")
    print(f"celery_pickup_p50_ms={percentile(pickups, 0.50):.1f}")
    print(f"celery_pickup_p99_ms={percentile(pickups, 0.99):.1f}")


if __name__ == "__main__":
    main()
