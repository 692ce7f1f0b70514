package org.mproc.bench;

import java.util.concurrent.TimeUnit;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH, diagnostic: the bare native lock round trip from Java, without the public API's wrapper.
 *
 * <p>Calls the internal {@link NativeApi} directly ({@code lockTry} = mproc_lock_acquire with
 * MPROC_NO_WAIT, then {@code lockRelease}) on an anonymous int64 Value, uncontended. Compared with
 * {@link ValueBench#longLockIncrement} (the same through {@code SharedLong.lock()}) and C's
 * {@code c.api.lock_unlock}, it splits the Java lock's cost into downcalls (FFM or JNA) and the
 * wrapper's bookkeeping (thread lock, in-flight counter, LockHold). Not a public API measurement.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NativeLockBench {
  private NativeApi api;
  private long array;
  private long segment;

  /** Creates an anonymous Value through the native API. */
  @Setup
  public void setUp() {
    api = Native.api();
    long[] out = new long[1];
    int rc = api.arrayCreate(null, true, 'q', 1, null, out);
    if (rc != 0) {
      throw new IllegalStateException("arrayCreate: " + rc);
    }
    array = out[0];
    segment = api.arraySegment(array);
  }

  /** Closes it. */
  @TearDown
  public void tearDown() {
    api.arrayClose(array);
  }

  /** mproc_lock_acquire(seg, 0) then mproc_lock_release(seg), two downcalls. */
  @Benchmark
  public int nativeLockRelease() {
    return api.lockTry(segment) + api.lockRelease(segment);
  }
}
