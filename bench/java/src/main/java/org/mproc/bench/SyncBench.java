package org.mproc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.mproc.Mproc;
import org.mproc.internal.JavaCommand;
import org.mproc.shared.SharedLong;
import org.mproc.shared.SharedLongArray;
import org.mproc.sync.SharedEvent;
import org.mproc.sync.SharedLock;

/**
 * The synchronization primitives of issue 6 from Java, the counterpart of bench/c/bench_sync.c
 * and {@code bench_mp.py sync}. Child JVMs are started with {@link JavaCommand#of} (same
 * backend) and open the objects by name; JVM start-up and JIT warm-up are never timed.
 *
 * <ul>
 *   <li>{@code sync.lock_uncontended}: ns per {@code lock(); unlock()} of a {@link SharedLock}
 *       nobody else wants, in this JVM (5,000,000 pairs after a 5,000,000-pair warm-up).
 *   <li>{@code sync.lock_2proc}: ops/s of two child JVMs each doing N x {@code lock();
 *       counter.set(counter.get() + 1); unlock()} on a named SharedLock and a named
 *       {@link SharedLong}; 2N / (last end - first start) from the workers' own clocks, each
 *       warmed up together on the same lock first (300,000 iterations, so that the contended
 *       path is compiled; the parent then resets the counter); the counter is checked to be exactly 2N.
 *   <li>{@code sync.event_rtt}: ns per round trip with one child JVM over two named
 *       {@link SharedEvent}s (this JVM: {@code ping.set(); pong.await(); pong.clear()}; the
 *       child: {@code ping.await(); ping.clear(); pong.set()}), 50,000 timed round trips after
 *       20,000 untimed ones.
 * </ul>
 *
 * <p>Usage: {@code SyncBench sync [N] [REPS]}. Result lines: {@code RESULT java-<label>.sync.<what>
 * <value> <unit>}, medians over REPS (default 5).
 */
public final class SyncBench {
  private static final int UNCONTENDED_N = 5_000_000;
  private static final int RTT_WARM = 20_000;
  private static final int WARM_N = 300_000;
  private static final int RTT_N = 50_000;

  /* Control array slots. */
  private static final int READY = 0;
  private static final int GO = 1;
  private static final int FAILED = 2;
  private static final int START = 3; // + worker
  private static final int END = 5; // + worker
  private static final int WARM = 7; // workers arrived for the contended warm-up
  private static final int CTL_LENGTH = 8;

  private SyncBench() {}

  /**
   * Entry point: {@code sync [N] [REPS]}, or a child's role.
   *
   * @param args the mode and its arguments
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    switch (args.length > 0 ? args[0] : "") {
      case "sync":
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        uncontended(reps);
        contended(n, reps);
        eventRoundTrips(reps);
        break;
      case "lock-worker":
        lockWorker(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]));
        break;
      case "pong":
        pong(args[1], args[2], Integer.parseInt(args[3]));
        break;
      default:
        System.err.println("usage: SyncBench sync [N] [REPS]");
        System.exit(2);
    }
  }

  private static void result(String name, double value, String unit) {
    String label = System.getProperty("mproc.bench.label", Mproc.backend());
    System.out.printf("RESULT java-%s.sync.%s %.6g %s%n", label, name, value, unit);
    System.out.flush();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static Process start(String... args) throws Exception {
    return new ProcessBuilder(JavaCommand.of(SyncBench.class, args)).inheritIO().start();
  }

  private static void awaitExit(Process p) throws Exception {
    int code = p.waitFor();
    if (code != 0) {
      throw new IllegalStateException("a child JVM failed: exit code " + code);
    }
  }

  private static String name(String tag) {
    return "/mproc-bench-" + ProcessHandle.current().pid() + "-" + tag;
  }

  /* ---------------------------------------------------------------- uncontended */

  private static long lockLoop(SharedLock lock, int n) {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      lock.lock();
      lock.unlock();
    }
    return System.nanoTime() - t0;
  }

  private static void uncontended(int reps) {
    double[] ns = new double[reps];
    try (SharedLock lock = SharedLock.create()) {
      lockLoop(lock, UNCONTENDED_N);
      for (int r = 0; r < reps; r++) {
        ns[r] = (double) lockLoop(lock, UNCONTENDED_N) / UNCONTENDED_N;
      }
    }
    result("lock_uncontended", median(ns), "ns/op");
  }

  /* ---------------------------------------------------------------- 2 processes */

  private static void contended(int n, int reps) throws Exception {
    String lockName = name("jslock");
    String counterName = name("jscount");
    String ctlName = name("jsctl");
    double[] ops = new double[reps];
    try (SharedLock lock = SharedLock.create(lockName);
        SharedLong counter = SharedLong.create(counterName, 0);
        SharedLongArray ctl = SharedLongArray.create(ctlName, CTL_LENGTH)) {
      try {
        for (int r = 0; r < reps; r++) {
          counter.set(0);
          for (int i = 0; i < CTL_LENGTH; i++) {
            ctl.set(i, 0);
          }
          List<Process> workers = new ArrayList<>();
          for (int w = 0; w < 2; w++) {
            workers.add(
                start("lock-worker", lockName, counterName, ctlName, String.valueOf(w),
                    String.valueOf(n)));
          }
          while (ctl.get(READY) < 2) {
            if (ctl.get(FAILED) != 0 || workers.stream().anyMatch(p -> !p.isAlive())) {
              throw new IllegalStateException("a worker JVM failed before it was ready");
            }
            LockSupport.parkNanos(20_000);
          }
          counter.set(0); // the workers warmed up on it
          ctl.set(GO, 1);
          for (Process p : workers) {
            awaitExit(p);
          }
          if (ctl.get(FAILED) != 0 || counter.get() != 2L * n) {
            throw new IllegalStateException(
                "lost updates or a failed worker: counter " + counter.get() + ", expected "
                    + 2L * n);
          }
          long t0 = Math.min(ctl.get(START), ctl.get(START + 1));
          long t1 = Math.max(ctl.get(END), ctl.get(END + 1));
          ops[r] = 2.0 * n / ((t1 - t0) / 1e9);
        }
      } finally {
        lock.unlink();
        counter.unlink();
        ctl.unlink();
      }
    }
    result("lock_2proc", median(ops), "ops/s");
  }

  private static void lockWorker(String lockName, String counterName, String ctlName, int w, int n) {
    try (SharedLock lock = SharedLock.open(lockName);
        SharedLong counter = SharedLong.open(counterName);
        SharedLongArray ctl = SharedLongArray.open(ctlName)) {
      try {
        // JIT warm-up on the shared lock, both workers at once, so that the contended path is
        // compiled before timing too (the parent resets the counter before GO).
        ctl.getAndAdd(WARM, 1);
        while (ctl.get(WARM) < 2) {
          Thread.onSpinWait();
        }
        for (int i = 0; i < WARM_N; i++) {
          lock.lock();
          try {
            counter.set(counter.get() + 1);
          } finally {
            lock.unlock();
          }
        }
        ctl.getAndAdd(READY, 1);
        while (ctl.get(GO) == 0) {
          Thread.onSpinWait();
        }
        ctl.set(START + w, System.nanoTime());
        for (int i = 0; i < n; i++) {
          lock.lock();
          try {
            counter.set(counter.get() + 1);
          } finally {
            lock.unlock();
          }
        }
        ctl.set(END + w, System.nanoTime());
      } catch (RuntimeException | Error e) {
        ctl.set(FAILED, 1);
        throw e;
      }
    }
  }

  /* ---------------------------------------------------------------- event round trips */

  private static void eventRoundTrips(int reps) throws Exception {
    String pingName = name("jsping");
    String pongName = name("jspong");
    double[] ns = new double[reps];
    try (SharedEvent ping = SharedEvent.create(pingName);
        SharedEvent pong = SharedEvent.create(pongName)) {
      try {
        Process child = start("pong", pingName, pongName, String.valueOf(reps));
        for (int r = 0; r < reps; r++) {
          rounds(ping, pong, RTT_WARM);
          long t0 = System.nanoTime();
          rounds(ping, pong, RTT_N);
          ns[r] = (double) (System.nanoTime() - t0) / RTT_N;
        }
        awaitExit(child);
      } finally {
        ping.unlink();
        pong.unlink();
      }
    }
    result("event_rtt", median(ns), "ns");
  }

  private static void rounds(SharedEvent ping, SharedEvent pong, int n)
      throws InterruptedException {
    for (int i = 0; i < n; i++) {
      ping.set();
      pong.await();
      pong.clear();
    }
  }

  private static void pong(String pingName, String pongName, int reps) throws Exception {
    try (SharedEvent ping = SharedEvent.open(pingName);
        SharedEvent pong = SharedEvent.open(pongName)) {
      for (long i = 0; i < (long) reps * (RTT_WARM + RTT_N); i++) {
        ping.await();
        ping.clear();
        pong.set();
      }
    }
  }
}
