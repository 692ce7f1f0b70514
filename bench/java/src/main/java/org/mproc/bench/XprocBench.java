package org.mproc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.mproc.Mproc;
import org.mproc.internal.JavaCommand;
import org.mproc.shared.LockHold;
import org.mproc.shared.SharedDoubleArray;
import org.mproc.shared.SharedLong;
import org.mproc.shared.SharedLongArray;

/**
 * Cross-process Java measurements that do not fit JMH, the counterparts of bench/c/bench_lock.c
 * and bench/c/bench_array.c. Child JVMs are started with {@link JavaCommand#of} (same launcher,
 * class path, native access and {@code -Dmproc.*} properties, hence the same backend) and open
 * the objects by name. JVM start-up is never timed: every child first signals readiness through
 * a named control array and waits for the parent's "go".
 *
 * <p>{@code lock [N] [REPS]}: two child JVMs each do N (default 1,000,000) iterations of
 * {@code try (LockHold h = counter.lock()) { counter.set(counter.get() + 1); }} on a named
 * {@link SharedLong}; before signalling ready both warm the JIT with 300,000 iterations of the
 * same loop on the same value at the same time, so that the contended path is compiled too (the
 * parent then resets the counter). Throughput is 2N / (last end - first start), the workers' own
 * {@code System.nanoTime()} (CLOCK_MONOTONIC, comparable across processes); the counter is
 * checked to be exactly 2N. Prints the median over REPS (default 5) in ops/s.
 *
 * <p>{@code array [REPS]}: per repetition a fresh named 1,000,000-element
 * {@link SharedDoubleArray}; one child JVM opens it, signals ready, and on "go" fills it with
 * {@code a.setRelease(i, i)} in a fresh JVM (no JIT warm-up, first touch of the mapping), timing itself
 * ({@code child_fill}); the parent times go to the child's "done" flag ({@code go_to_done},
 * polled every 20 us). The parent then reads the array back with {@code toArray()} and with a
 * {@code get(i)} loop, checking the sum. Then the child repeats the fill 5 more times, keeping the
 * best set-loop time ({@code child_fill_warm}) and the best bulk {@code copyFrom(double[])}
 * ({@code child_copyfrom_warm}). Medians over REPS (default 5) in ms.
 *
 * <p>Result lines: {@code RESULT java-<label>.<lock|array>.<what> <value> <unit>}, label from
 * {@code -Dmproc.bench.label}, else the backend in use. Every named object is
 * {@code /mproc-bench-<parent pid>-*} and unlinked in a finally block.
 */
public final class XprocBench {
  private static final int N = 1_000_000;

  /* Control array slots. */
  private static final int READY = 0;
  private static final int GO = 1;
  private static final int FAILED = 2;
  private static final int START = 3; // + worker
  private static final int END = 5; // + worker
  private static final int STATE = 7; // array: 1 ready, 2 go, 3 filled, 4 read back, 5 finished
  private static final int FILL_NS = 8;
  private static final int WARM_NS = 9;
  private static final int COPY_NS = 10;
  private static final int WARM = 11; // lock workers arrived for the contended warm-up
  private static final int CTL_LENGTH = 12;

  private XprocBench() {}

  /**
   * Entry point: {@code lock [N] [REPS]}, {@code array [REPS]}, or a child's role.
   *
   * @param args the mode and its arguments
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    switch (args.length > 0 ? args[0] : "") {
      case "lock":
        lockParent(intArg(args, 1, 1_000_000), intArg(args, 2, 5));
        break;
      case "array":
        arrayParent(intArg(args, 1, 5));
        break;
      case "lock-worker":
        lockWorker(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        break;
      case "array-child":
        arrayChild(args[1], args[2]);
        break;
      default:
        System.err.println("usage: XprocBench lock [N] [REPS] | array [REPS]");
        System.exit(2);
    }
  }

  private static int intArg(String[] args, int i, int def) {
    return args.length > i ? Integer.parseInt(args[i]) : def;
  }

  private static String label() {
    return System.getProperty("mproc.bench.label", Mproc.backend());
  }

  private static void result(String name, double value, String unit) {
    System.out.printf("RESULT java-%s.%s %.6g %s%n", label(), name, value, unit);
    System.out.flush();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static Process start(String... args) throws Exception {
    return new ProcessBuilder(JavaCommand.of(XprocBench.class, args)).inheritIO().start();
  }

  private static void awaitExit(Process p) throws Exception {
    int code = p.waitFor();
    if (code != 0) {
      throw new IllegalStateException("a child JVM failed: exit code " + code);
    }
  }

  /** Waits, without hogging a core, until ctl[slot] == value or the child died. */
  private static void await(SharedLongArray ctl, int slot, long value, List<Process> children) {
    while (ctl.get(slot) < value) {
      if (ctl.get(FAILED) != 0 || children.stream().anyMatch(p -> !p.isAlive())) {
        if (ctl.get(slot) >= value) {
          return;
        }
        throw new IllegalStateException("a child JVM failed or exited early");
      }
      LockSupport.parkNanos(20_000);
    }
  }

  /* ---------------------------------------------------------------- locked increment */

  private static void lockParent(int n, int reps) throws Exception {
    long pid = ProcessHandle.current().pid();
    String counterName = "/mproc-bench-" + pid + "-jlock";
    String ctlName = "/mproc-bench-" + pid + "-jlctl";
    double[] ops = new double[reps];
    try (SharedLong counter = SharedLong.create(counterName, 0);
        SharedLongArray ctl = SharedLongArray.create(ctlName, CTL_LENGTH)) {
      try {
        for (int r = 0; r < reps; r++) {
          counter.set(0);
          for (int i = 0; i < CTL_LENGTH; i++) {
            ctl.set(i, 0);
          }
          List<Process> workers = new ArrayList<>();
          for (int w = 0; w < 2; w++) {
            workers.add(start("lock-worker", counterName, ctlName, String.valueOf(w), String.valueOf(n)));
          }
          await(ctl, READY, 2, workers);
          counter.set(0); // the workers warmed up on it
          ctl.set(GO, 1);
          for (Process p : workers) {
            awaitExit(p);
          }
          if (ctl.get(FAILED) != 0) {
            throw new IllegalStateException("a worker failed");
          }
          if (counter.get() != 2L * n) {
            throw new IllegalStateException("lost updates: counter " + counter.get() + ", expected " + 2L * n);
          }
          long t0 = Math.min(ctl.get(START), ctl.get(START + 1));
          long t1 = Math.max(ctl.get(END), ctl.get(END + 1));
          ops[r] = 2.0 * n / ((t1 - t0) / 1e9);
        }
      } finally {
        counter.unlink();
        ctl.unlink();
      }
    }
    result("lock.increment_2proc", median(ops), "ops/s");
  }

  private static void lockWorker(String counterName, String ctlName, int w, int n) {
    try (SharedLong counter = SharedLong.open(counterName);
        SharedLongArray ctl = SharedLongArray.open(ctlName)) {
      try {
        // JIT warm-up on the shared value, both workers at once, so that the contended path is
        // compiled before timing too (the parent resets the counter before GO).
        ctl.getAndAdd(WARM, 1);
        while (ctl.get(WARM) < 2) {
          Thread.onSpinWait();
        }
        for (int i = 0; i < 300_000; i++) {
          try (LockHold h = counter.lock()) {
            counter.set(counter.get() + 1);
          }
        }
        ctl.getAndAdd(READY, 1);
        while (ctl.get(GO) == 0) {
          Thread.onSpinWait();
        }
        ctl.set(START + w, System.nanoTime());
        for (int i = 0; i < n; i++) {
          try (LockHold h = counter.lock()) {
            counter.set(counter.get() + 1);
          }
        }
        ctl.set(END + w, System.nanoTime());
      } catch (RuntimeException | Error e) {
        ctl.set(FAILED, 1);
        throw e;
      }
    }
  }

  /* ---------------------------------------------------------------- 1M-double array */

  private static void arrayParent(int reps) throws Exception {
    long pid = ProcessHandle.current().pid();
    String arrName = "/mproc-bench-" + pid + "-jarr";
    String ctlName = "/mproc-bench-" + pid + "-jactl";
    double[] goDone = new double[reps];
    double[] fill = new double[reps];
    double[] warm = new double[reps];
    double[] copy = new double[reps];
    double[] readToArray = new double[reps];
    double[] readGet = new double[reps];
    double expected = (double) N * (N - 1) / 2;
    for (int r = 0; r < reps; r++) {
      try (SharedDoubleArray arr = SharedDoubleArray.create(arrName, N);
          SharedLongArray ctl = SharedLongArray.create(ctlName, CTL_LENGTH)) {
        try {
          Process child = start("array-child", arrName, ctlName);
          List<Process> children = List.of(child);
          await(ctl, STATE, 1, children);
          long t0 = System.nanoTime();
          ctl.set(STATE, 2);
          await(ctl, STATE, 3, children);
          goDone[r] = (System.nanoTime() - t0) / 1e6;
          fill[r] = ctl.get(FILL_NS) / 1e6;

          t0 = System.nanoTime();
          double[] all = arr.toArray();
          readToArray[r] = (System.nanoTime() - t0) / 1e6;
          double sum = 0;
          for (double d : all) {
            sum += d;
          }
          check(sum, expected);

          t0 = System.nanoTime();
          sum = 0;
          for (int i = 0; i < N; i++) {
            sum += arr.get(i);
          }
          readGet[r] = (System.nanoTime() - t0) / 1e6;
          check(sum, expected);

          ctl.set(STATE, 4);
          awaitExit(child);
          warm[r] = ctl.get(WARM_NS) / 1e6;
          copy[r] = ctl.get(COPY_NS) / 1e6;
        } finally {
          arr.unlink();
          ctl.unlink();
        }
      }
    }
    result("array.go_to_done", median(goDone), "ms");
    result("array.child_fill", median(fill), "ms");
    result("array.child_fill_warm", median(warm), "ms");
    result("array.child_copyfrom_warm", median(copy), "ms");
    result("array.read_toarray", median(readToArray), "ms");
    result("array.read_get_loop", median(readGet), "ms");
  }

  private static void check(double sum, double expected) {
    if (sum != expected) {
      throw new IllegalStateException("wrong contents: sum " + sum + ", expected " + expected);
    }
  }

  /** Element by element with release stores (C's plain stores are the same instructions). */
  private static void fill(SharedDoubleArray a) {
    int n = a.length();
    for (int i = 0; i < n; i++) {
      a.setRelease(i, i);
    }
  }

  private static void arrayChild(String arrName, String ctlName) {
    try (SharedDoubleArray a = SharedDoubleArray.open(arrName);
        SharedLongArray ctl = SharedLongArray.open(ctlName)) {
      ctl.set(STATE, 1);
      while (ctl.get(STATE) < 2) {
        Thread.onSpinWait();
      }
      long t0 = System.nanoTime();
      fill(a);
      ctl.set(FILL_NS, System.nanoTime() - t0);
      ctl.set(STATE, 3);
      while (ctl.get(STATE) < 4) { // the parent reads back meanwhile: stay off the CPU
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      double[] src = new double[a.length()];
      for (int i = 0; i < src.length; i++) {
        src[i] = i;
      }
      long bestFill = Long.MAX_VALUE;
      long bestCopy = Long.MAX_VALUE;
      for (int round = 0; round < 5; round++) {
        t0 = System.nanoTime();
        fill(a);
        long t1 = System.nanoTime();
        a.copyFrom(src, 0, 0, src.length);
        long t2 = System.nanoTime();
        bestFill = Math.min(bestFill, t1 - t0);
        bestCopy = Math.min(bestCopy, t2 - t1);
      }
      ctl.set(WARM_NS, bestFill);
      ctl.set(COPY_NS, bestCopy);
      ctl.set(STATE, 5);
    }
  }
}
