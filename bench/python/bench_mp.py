#!/usr/bin/env python3
"""Python 3.11 standard-library baselines for the mproc benchmarks (multiprocessing only).

What is measured, with the same shapes as bench/c and bench/java:
  value  single-process ns/op of Value('q') reads and writes (synchronized: each .value takes
         the Value's RLock, which is what Python's Value does), of RawValue('q') reads and writes,
         and of `with v.get_lock(): v.value += 1` with nobody contending.
  lock   2 processes (fork) each do N x `with v.get_lock(): v.value += 1` on one Value('q');
         throughput 2N / (last end - first start), from each worker's time.monotonic_ns() after a
         start barrier; the final value is checked to be exactly 2N.
  array  Array('d', 1_000_000): a forked child, once told to go, fills it with `a[i] = float(i)`
         (each item assignment takes the array's lock), timing itself (child_fill); the parent
         times go to the child's done flag (go_to_done), then reads everything back with a[:]
         (read) and checks the sum; then the child fills again with one slice assignment
         `a[:] = values` (child_fill_slice).
  process  start + join of a child that does nothing: multiprocessing.get_context('spawn')
         .Process(target=noop) (spawn_start_join; a fresh interpreter that imports this module)
         and the 'fork' context for reference (fork_start_join); and a bare interpreter run,
         subprocess.run([sys.executable, '-c', 'pass']) (interpreter_nop). Variants alternate
         within each repetition; --spawn-reps (default 15) after --spawn-warmup (default 3).
  queue  (bench/run's queue suite) one producer process (fork) -> this process: 64-byte bytes
         through multiprocessing.Queue put/get (tput64, msgs/s; the consumer's end minus the
         producer's start, both time.monotonic_ns()), the same through SimpleQueue
         (simple_tput64), [42, None, 'hello'] through Queue (objects, msgs/s), and a Queue round
         trip of an 8-byte message, one queue each way (pingpong, ns).
  sync   (issue 6) mp.Lock: ns per acquire+release with nobody contending (lock_uncontended);
         2 processes each doing N x `with lock: raw.value += 1` on a RawValue('q') (lock_2proc,
         ops/s, as the lock suite); and ns per round trip over two mp.Events between 2
         processes (A: ping.set(); pong.wait(); pong.clear()  B: ping.wait(); ping.clear();
         pong.set()), 20,000 round trips (event_rtt).
Every result is the median of REPS repetitions, printed as `RESULT py.<suite>.<what> <value> <unit>`.
  conn   (issue 5) ns per round trip of an 8-byte message over a duplex Pipe, the child echoing
         with send_bytes/recv_bytes (conn.rtt).
Usage: bench_mp.py [value|lock|array|process|queue|sync|conn|all] [--reps N] [--lock-n N]
                   [--spawn-reps N] [--spawn-warmup N]
"""
import argparse
import multiprocessing as mp
import statistics
import subprocess
import sys
import time

N_ARRAY = 1_000_000


def result(name, value, unit):
    print(f"RESULT py.{name} {value:.6g} {unit}", flush=True)


def per_op_ns(fn, iters, reps):
    fn(iters // 10)  # warm-up
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn(iters)
        samples.append((time.perf_counter_ns() - t0) / iters)
    return statistics.median(samples)


def bench_value(reps):
    v = mp.Value("q", 0)
    raw = mp.RawValue("q", 0)
    lock = v.get_lock()

    def get(n):
        for _ in range(n):
            v.value

    def set_(n):
        for i in range(n):
            v.value = i

    def raw_get(n):
        for _ in range(n):
            raw.value

    def raw_set(n):
        for i in range(n):
            raw.value = i

    def lock_increment(n):
        for _ in range(n):
            with lock:
                v.value += 1

    iters = 300_000
    result("value.get", per_op_ns(get, iters, reps), "ns/op")
    result("value.set", per_op_ns(set_, iters, reps), "ns/op")
    result("value.raw_get", per_op_ns(raw_get, iters, reps), "ns/op")
    result("value.raw_set", per_op_ns(raw_set, iters, reps), "ns/op")
    result("value.lock_increment", per_op_ns(lock_increment, iters, reps), "ns/op")


def lock_worker(v, ctl, w, n, ready, go):
    with ready.get_lock():
        ready.value += 1
    go.wait()
    ctl[w] = time.monotonic_ns()
    lock = v.get_lock()
    for _ in range(n):
        with lock:
            v.value += 1
    ctl[2 + w] = time.monotonic_ns()


def bench_lock(reps, n):
    samples = []
    for _ in range(reps):
        v = mp.Value("q", 0)
        ctl = mp.RawArray("q", 4)
        ready = mp.Value("i", 0)
        go = mp.Event()
        procs = [mp.Process(target=lock_worker, args=(v, ctl, w, n, ready, go)) for w in range(2)]
        for p in procs:
            p.start()
        while ready.value < 2:
            time.sleep(0.0005)
        go.set()
        for p in procs:
            p.join()
            if p.exitcode != 0:
                raise SystemExit("a worker failed")
        if v.value != 2 * n:
            raise SystemExit(f"lost updates: {v.value} != {2 * n}")
        samples.append(2 * n / ((max(ctl[2], ctl[3]) - min(ctl[0], ctl[1])) / 1e9))
    result("lock.increment_2proc", statistics.median(samples), "ops/s")


def array_child(a, times, ready, go, filled, read_back):
    n = len(a)
    values = [float(i) for i in range(n)]
    ready.set()
    go.wait()
    t0 = time.perf_counter_ns()
    for i in range(n):
        a[i] = float(i)
    times[0] = time.perf_counter_ns() - t0
    filled.set()
    read_back.wait()
    t0 = time.perf_counter_ns()
    a[:] = values
    times[1] = time.perf_counter_ns() - t0


def bench_array(reps):
    go_done, fill, fill_slice, read = [], [], [], []
    expected = N_ARRAY * (N_ARRAY - 1) / 2
    for _ in range(reps):
        a = mp.Array("d", N_ARRAY)
        times = mp.RawArray("q", 2)
        ready, go, filled, read_back = (mp.Event() for _ in range(4))
        p = mp.Process(target=array_child, args=(a, times, ready, go, filled, read_back))
        p.start()
        ready.wait()
        t0 = time.perf_counter_ns()
        go.set()
        filled.wait()
        go_done.append((time.perf_counter_ns() - t0) / 1e6)
        t0 = time.perf_counter_ns()
        data = a[:]
        read.append((time.perf_counter_ns() - t0) / 1e6)
        if sum(data) != expected:
            raise SystemExit("wrong array contents")
        read_back.set()
        p.join()
        if p.exitcode != 0:
            raise SystemExit("the child failed")
        fill.append(times[0] / 1e6)
        fill_slice.append(times[1] / 1e6)
    result("array.go_to_done", statistics.median(go_done), "ms")
    result("array.child_fill", statistics.median(fill), "ms")
    result("array.child_fill_slice", statistics.median(fill_slice), "ms")
    result("array.read", statistics.median(read), "ms")


def noop():
    pass


def start_join_ms(ctx):
    t0 = time.perf_counter_ns()
    p = ctx.Process(target=noop)
    p.start()
    p.join()
    t1 = time.perf_counter_ns()
    if p.exitcode != 0:
        raise SystemExit(f"the {ctx.get_start_method()} child failed: {p.exitcode}")
    return (t1 - t0) / 1e6


def run_ms(cmd):
    t0 = time.perf_counter_ns()
    subprocess.run(cmd, check=True)
    return (time.perf_counter_ns() - t0) / 1e6


def bench_process(reps, warmup):
    spawn, fork = mp.get_context("spawn"), mp.get_context("fork")
    samples = {"spawn_start_join": [], "fork_start_join": [], "interpreter_nop": []}
    for r in range(-warmup, reps):
        t = {
            "spawn_start_join": start_join_ms(spawn),
            "fork_start_join": start_join_ms(fork),
            "interpreter_nop": run_ms([sys.executable, "-c", "pass"]),
        }
        if r >= 0:
            for k, v in t.items():
                samples[k].append(v)
    for k, v in samples.items():
        result(f"process.{k}", statistics.median(v), "ms")


# --- queue suite ------------------------------------------------------------------------------
def queue_producer(q, n, msg, start):
    start.value = time.monotonic_ns()
    for _ in range(n):
        q.put(msg)


def queue_tput(make, n, msg, reps):
    samples = []
    for r in range(reps + 1):  # the first is a warm-up
        q = make()
        start = mp.RawValue("q", 0)
        p = mp.Process(target=queue_producer, args=(q, n, msg, start))
        p.start()
        for _ in range(n):
            q.get()
        t1 = time.monotonic_ns()
        p.join()
        if p.exitcode != 0:
            raise SystemExit("the producer failed")
        if r > 0:
            samples.append(n / ((t1 - start.value) / 1e9))
    return statistics.median(samples)


def queue_echo(q1, q2, n):
    for _ in range(n):
        q2.put(q1.get())


def bench_queue(reps):
    reps = min(reps, 5)
    result("queue.tput64", queue_tput(mp.Queue, 100_000, b"x" * 64, reps), "msgs/s")
    result("queue.simple_tput64", queue_tput(mp.SimpleQueue, 100_000, b"x" * 64, reps), "msgs/s")
    result("queue.objects", queue_tput(mp.Queue, 50_000, [42, None, "hello"], reps), "msgs/s")
    samples = []
    n = 5_000
    for r in range(reps + 1):
        q1, q2 = mp.Queue(), mp.Queue()
        p = mp.Process(target=queue_echo, args=(q1, q2, n))
        p.start()
        q1.put(b"12345678")  # the child is up once the first echo is back (not timed)
        q2.get()
        t0 = time.perf_counter_ns()
        for _ in range(n - 1):
            q1.put(b"12345678")
            q2.get()
        t1 = time.perf_counter_ns()
        p.join()
        if r > 0:
            samples.append((t1 - t0) / (n - 1))
    result("queue.pingpong", statistics.median(samples), "ns")
# --- end of queue suite ----------------------------------------------------------------------
# --- sync suite (issue 6): multiprocessing.Lock and Event -------------------------------------

def sync_lock_worker(lock, v, ctl, w, n, ready, go):
    with ready.get_lock():
        ready.value += 1
    go.wait()
    ctl[w] = time.monotonic_ns()
    for _ in range(n):
        with lock:
            v.value += 1
    ctl[2 + w] = time.monotonic_ns()


def sync_pong(ping, pong, n):
    for _ in range(n):
        ping.wait()
        ping.clear()
        pong.set()


def bench_sync(reps, n):
    lock = mp.Lock()

    def pairs(k):
        for _ in range(k):
            lock.acquire()
            lock.release()

    result("sync.lock_uncontended", per_op_ns(pairs, 1_000_000, reps), "ns/op")

    samples = []
    for _ in range(reps):
        lock = mp.Lock()
        v = mp.RawValue("q", 0)
        ctl = mp.RawArray("q", 4)
        ready = mp.Value("i", 0)
        go = mp.Event()
        procs = [mp.Process(target=sync_lock_worker, args=(lock, v, ctl, w, n, ready, go))
                 for w in range(2)]
        for p in procs:
            p.start()
        while ready.value < 2:
            time.sleep(0.0005)
        go.set()
        for p in procs:
            p.join()
            if p.exitcode != 0:
                raise SystemExit("a worker failed")
        if v.value != 2 * n:
            raise SystemExit(f"lost updates: {v.value} != {2 * n}")
        samples.append(2 * n / ((max(ctl[2], ctl[3]) - min(ctl[0], ctl[1])) / 1e9))
    result("sync.lock_2proc", statistics.median(samples), "ops/s")

    rounds = 20_000
    samples = []
    for _ in range(reps):
        ping, pong = mp.Event(), mp.Event()
        p = mp.Process(target=sync_pong, args=(ping, pong, rounds))
        p.start()
        t0 = time.perf_counter_ns()
        for _ in range(rounds):
            ping.set()
            pong.wait()
            pong.clear()
        samples.append((time.perf_counter_ns() - t0) / rounds)
        p.join()
    result("sync.event_rtt", statistics.median(samples), "ns")

# --- end of the sync suite ----------------------------------------------------------------------


# --- conn suite (issue 5): Pipe round trip with send_bytes/recv_bytes ---------------------------
def _conn_echo(conn, other):
    other.close()  # forked: without this, the parent's close never reaches us as EOF
    conn.send_bytes(b"r")
    try:
        while True:
            conn.send_bytes(conn.recv_bytes())
    except EOFError:
        pass


def bench_conn(reps):
    """conn.rtt: ns per round trip of an 8-byte message over a duplex Pipe (the child echoes)."""
    rounds = 20_000
    samples = []
    for _ in range(reps):
        mine, theirs = mp.Pipe()
        p = mp.Process(target=_conn_echo, args=(theirs, mine))
        p.start()
        theirs.close()
        mine.recv_bytes()
        msg = b"12345678"
        t0 = time.perf_counter_ns()
        for _ in range(rounds):
            mine.send_bytes(msg)
            mine.recv_bytes()
        samples.append((time.perf_counter_ns() - t0) / rounds)
        mine.close()
        p.join()
    result("conn.rtt", statistics.median(samples), "ns")
# --- end of the conn suite --------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suite", nargs="?", default="all",
                    choices=["value", "lock", "array", "process", "queue", "sync", "conn", "all"])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--lock-n", type=int, default=200_000)
    ap.add_argument("--spawn-reps", type=int, default=15)
    ap.add_argument("--spawn-warmup", type=int, default=3)
    args = ap.parse_args()
    mp.set_start_method("fork")
    if args.suite in ("value", "all"):
        bench_value(args.reps)
    if args.suite in ("lock", "all"):
        bench_lock(args.reps, args.lock_n)
    if args.suite in ("array", "all"):
        bench_array(min(args.reps, 3))
    if args.suite in ("process", "all"):
        bench_process(args.spawn_reps, args.spawn_warmup)
    if args.suite in ("queue", "all"):
        bench_queue(args.reps)
    if args.suite in ("sync", "all"):
        bench_sync(args.reps, args.lock_n)
    if args.suite in ("conn", "all"):
        bench_conn(args.reps)


if __name__ == "__main__":
    main()
