package org.mproc.internal;

/**
 * Picks, by measuring, which of two ways makes the large copies between a Java array and
 * shared memory (a queue's large messages): the JVM's own copy, or the C library's
 * ({@code memcpy} through a critical downcall on FFM, JNA's {@code Pointer.read/write}, which
 * call {@code memmove}, on JNA). Neither wins on every machine (docs/benchmarks.md, "Queue:
 * another host"):
 *
 * <ul>
 *   <li>on an AMD EPYC host whose two vCPUs were far apart, 64 KiB messages between two
 *       processes moved at 6-8 GB/s with the JVM's copy and at mostly 18-28 GB/s with the
 *       library's, whose {@code rep movsb} need not first fetch a line the other core holds;
 *   <li>on an Intel Xeon (Cascade Lake) host, the JVM's copy (AVX-512) was the faster: 10.9-16.7
 *       against 9.5-10.8 GB/s between two processes, 25 against 19.5 GB/s in one thread.
 * </ul>
 *
 * <p>So the copies of one direction run in epochs: the first {@code 2 * TRIALS} copies of an
 * epoch take the two ways in the order JVM, library, library, JVM, ... and are timed (so that
 * each way gets as many even as odd copies, and a workload whose copies alternate in size or
 * in cache state favours neither), and the way that moved more bytes per nanosecond
 * in them makes the rest of the epoch's copies. The decision also sets the epoch's length:
 * {@link #FIRST_EPOCH} copies when it changed the way (so that a decision made while the JIT was
 * still compiling is soon measured again), twice the last epoch's when it kept it, up to
 * {@link #MAX_EPOCH}. That costs two clock reads on each trial (tens of nanoseconds against the
 * microseconds of a copy of 4 KiB or more) and, once the way is settled, four copies the slower
 * way in 8192; and it follows a virtual machine whose host moves its vCPUs within minutes.
 *
 * <p>Threads share a chooser without locking: a race only blurs one epoch's measurement, and
 * the next epoch measures again. Either way copies the same bytes; only the speed is at stake.
 */
final class CopyChooser {
  /** {@link #next}: the JVM's copy. */
  static final int JVM = 0;

  /** {@link #next}: the C library's copy. */
  static final int LIBRARY = 1;

  /** {@link #next}, or-ed with the way: time the copy and report it to {@link #done}. */
  static final int TIMED = 2;

  /**
   * Copies in an epoch whose decision changed the way (the first epoch's decision changes it
   * when it picks the JVM's copy; one that keeps the library's makes the first epoch twice as
   * long). The decision, made after the trials, sets the length of its own epoch.
   */
  static final int FIRST_EPOCH = 64;

  /** Copies per epoch at most: an epoch that confirms the way is twice the last, up to this. */
  static final int MAX_EPOCH = 8192;

  /** Timed copies of each way per epoch, the first {@code 2 * TRIALS} of it. */
  static final int TRIALS = 4;

  /** Copies from a Java array into shared memory. */
  static final CopyChooser IN = new CopyChooser();

  /** Copies from shared memory into a Java array. */
  static final CopyChooser OUT = new CopyChooser();

  /* force(): the way every copy takes, or -1 to measure. */
  private static volatile int forced = -1;

  private int count;
  private int epoch = FIRST_EPOCH;
  private final long[] nanos = new long[2];
  private final long[] bytes = new long[2];
  /* Before the first decision: the library's, which the trials start measuring at once. */
  private int choice = LIBRARY;

  /**
   * The way of the next copy.
   *
   * @return {@link #JVM} or {@link #LIBRARY}, with {@link #TIMED} set when the caller must time
   *     the copy and report it to {@link #done}
   */
  int next() {
    int f = forced;
    if (f >= 0) {
      return f;
    }
    int k = count;
    count = k + 1 >= epoch ? 0 : k + 1;
    if (k < 2 * TRIALS) {
      if (k == 0) {
        nanos[JVM] = 0;
        nanos[LIBRARY] = 0;
        bytes[JVM] = 0;
        bytes[LIBRARY] = 0;
      }
      return TIMED | ((k ^ (k >> 1)) & 1); // JVM, LIBRARY, LIBRARY, JVM, ...
    }
    if (k == 2 * TRIALS) {
      decide();
    }
    return choice;
  }

  /**
   * Reports a timed copy.
   *
   * @param way what {@link #next} returned for it
   * @param elapsedNs how long it took
   * @param count how many bytes it copied
   */
  void done(int way, long elapsedNs, long count) {
    int w = way & LIBRARY;
    nanos[w] += Math.max(elapsedNs, 1);
    bytes[w] += count;
  }

  /**
   * The way that makes the copies between the trials, as last decided.
   *
   * @return {@link #JVM} or {@link #LIBRARY}
   */
  int choice() {
    return choice;
  }

  /**
   * The current epoch's length.
   *
   * @return copies, from {@link #FIRST_EPOCH} to {@link #MAX_EPOCH}
   */
  int epoch() {
    return epoch;
  }

  /**
   * Makes every copy of both directions take one way, untimed, or measure again: lets tests
   * check each way's copies and bounds.
   *
   * @param way {@link #JVM}, {@link #LIBRARY}, or -1 to measure as usual
   * @throws IllegalArgumentException for any other value
   */
  static void force(int way) {
    if (way < -1 || way > LIBRARY) {
      throw new IllegalArgumentException("way " + way + ": expected JVM (0), LIBRARY (1) or -1");
    }
    forced = way;
  }

  /* The faster way in bytes per nanosecond, no change unless both ways were measured; and this
     epoch's length: twice the last one's when the way stays, the first's when it changes. */
  private void decide() {
    long nj = nanos[JVM];
    long nl = nanos[LIBRARY];
    long bj = bytes[JVM];
    long bl = bytes[LIBRARY];
    if (nj > 0 && nl > 0 && bj > 0 && bl > 0) {
      int was = choice;
      choice = (double) bl / nl >= (double) bj / nj ? LIBRARY : JVM;
      epoch = choice == was ? Math.min(2 * epoch, MAX_EPOCH) : FIRST_EPOCH;
    }
  }
}
