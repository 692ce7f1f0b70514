package org.mproc.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.mproc.shared.LockHold;
import org.mproc.shared.SharedDouble;
import org.mproc.shared.SharedLong;

/**
 * JMH: the single-thread cost (average ns/op) of one operation on a named shared Value, the Java
 * counterpart of bench/c/bench_value.c.
 *
 * <p>A {@link SharedLong} and a {@link SharedDouble} named {@code /mproc-bench-<pid>-jl} and
 * {@code -jd} are created per fork and unlinked at tear-down. {@code get} and {@code set} are a
 * volatile read and write of mapped memory, {@code addAndGet} an atomic add, and
 * {@code lockIncrement} a lock / plain increment / unlock as in C's {@code c.api.lock_unlock}.
 * The native backend (FFM or JNA) is whatever {@code -Dmproc.backend} selects in the forked JVM;
 * {@link RunJmh} passes it through.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ValueBench {
  private SharedLong sharedLong;
  private SharedDouble sharedDouble;
  private long next;
  private double nextDouble;

  /** Creates the named values. */
  @Setup
  public void setUp() {
    long pid = ProcessHandle.current().pid();
    sharedLong = SharedLong.create("/mproc-bench-" + pid + "-jl", 0L);
    sharedDouble = SharedDouble.create("/mproc-bench-" + pid + "-jd", 0.0);
  }

  /** Unlinks and closes the values. */
  @TearDown
  public void tearDown() {
    try {
      sharedLong.unlink();
      sharedDouble.unlink();
    } finally {
      sharedLong.close();
      sharedDouble.close();
    }
  }

  /** A volatile read of a SharedLong (returned to the blackhole). */
  @Benchmark
  public long longGet() {
    return sharedLong.get();
  }

  /** A volatile write of a SharedLong. */
  @Benchmark
  public void longSet() {
    sharedLong.set(next++);
  }

  /** An atomic add-and-get (lock xadd). */
  @Benchmark
  public long longAddAndGet() {
    return sharedLong.addAndGet(1);
  }

  /** lock(); set(get() + 1); unlock() with no other process contending. */
  @Benchmark
  public void longLockIncrement() {
    try (LockHold h = sharedLong.lock()) {
      sharedLong.set(sharedLong.get() + 1);
    }
  }

  /** A volatile read of a SharedDouble. */
  @Benchmark
  public double doubleGet() {
    return sharedDouble.get();
  }

  /** A volatile write of a SharedDouble. */
  @Benchmark
  public void doubleSet() {
    sharedDouble.set(nextDouble);
    nextDouble += 1.0;
  }
}
