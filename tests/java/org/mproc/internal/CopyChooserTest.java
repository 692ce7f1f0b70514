package org.mproc.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.mproc.queue.SharedQueue;

/** The measured choice between the JVM's and the C library's large copies (CopyChooser). */
class CopyChooserTest {
  private static final int TRIALS = CopyChooser.TRIALS;

  /** Runs the trials of one epoch, the library's copies taking libNs and the JVM's jvmNs. */
  private static void trials(CopyChooser c, long libNs, long jvmNs, long bytes) {
    for (int i = 0; i < 2 * TRIALS; i++) {
      int way = c.next();
      assertEquals(CopyChooser.TIMED | ((i ^ (i >> 1)) & 1), way,
          "trial " + i + ": JVM, library, library, JVM, ...");
      c.done(way, (way & CopyChooser.LIBRARY) != 0 ? libNs : jvmNs, bytes);
    }
  }

  @Test
  void theFasterWayMakesTheRestOfTheEpoch() {
    CopyChooser c = new CopyChooser();
    assertEquals(CopyChooser.LIBRARY, c.choice(), "the library's until measured");
    // The decision is made by the first call after the trials, which takes the chosen way.
    trials(c, 3_000, 1_000, 65536);
    assertEquals(CopyChooser.JVM, c.next());
    assertEquals(CopyChooser.FIRST_EPOCH, c.epoch(), "a changed way is measured again soon");
    for (int i = 2 * TRIALS + 1; i < CopyChooser.FIRST_EPOCH; i++) {
      assertEquals(CopyChooser.JVM, c.next(), "copy " + i + " of the epoch, untimed");
    }
    // Each epoch that keeps the way doubles, up to the longest.
    int want = CopyChooser.FIRST_EPOCH;
    while (want < CopyChooser.MAX_EPOCH) {
      trials(c, 3_000, 1_000, 65536);
      assertEquals(CopyChooser.JVM, c.next());
      want *= 2;
      assertEquals(want, c.epoch());
      for (int i = 2 * TRIALS + 1; i < want; i++) {
        assertEquals(CopyChooser.JVM, c.next(), "copy " + i + " of an epoch of " + want);
      }
    }
    trials(c, 3_000, 1_000, 65536);
    assertEquals(CopyChooser.JVM, c.next());
    assertEquals(CopyChooser.MAX_EPOCH, c.epoch(), "no longer than the longest");
    for (int i = 2 * TRIALS + 1; i < CopyChooser.MAX_EPOCH; i++) {
      c.next();
    }
    // The next epoch measures again, and the library's copy is now the faster: a short epoch.
    trials(c, 1_000, 3_000, 65536);
    assertEquals(CopyChooser.LIBRARY, c.next());
    assertEquals(CopyChooser.LIBRARY, c.choice());
    assertEquals(CopyChooser.FIRST_EPOCH, c.epoch());
  }

  @Test
  void speedIsBytesPerNanosecondNotTimePerCopy() {
    CopyChooser c = new CopyChooser();
    // The JVM's copies take longer, but of four times the bytes: the JVM is faster per byte.
    for (int i = 0; i < 2 * TRIALS; i++) {
      int way = c.next();
      boolean lib = (way & CopyChooser.LIBRARY) != 0;
      c.done(way, lib ? 1_000 : 2_000, lib ? 4096 : 16384);
    }
    assertEquals(CopyChooser.JVM, c.next());
  }

  @Test
  void anUnmeasuredWayChangesNothing() {
    CopyChooser c = new CopyChooser();
    for (int i = 0; i < 2 * TRIALS; i++) {
      int way = c.next();
      if ((way & CopyChooser.LIBRARY) == 0) {
        c.done(way, 10, 65536); // only the JVM's copies report
      }
    }
    assertEquals(CopyChooser.LIBRARY, c.next(), "no decision on half a measurement");
  }

  /**
   * A workload whose large copies alternate (here in size; two queues used in turn would
   * alternate in cache state) must not time each way on its own half of them. The library's
   * copy is the faster for both sizes, so it must make most of the untimed copies.
   */
  @Test
  void copiesThatAlternateDoNotBiasTheTrials() {
    CopyChooser c = new CopyChooser();
    int library = 0;
    for (int copy = 0; copy < 200_000; copy++) {
      int bytes = (copy & 1) == 0 ? 1 << 20 : 4096;
      int way = c.next();
      boolean lib = (way & CopyChooser.LIBRARY) != 0;
      if ((way & CopyChooser.TIMED) != 0) {
        c.done(way, 500 + bytes / (lib ? 12 : 10), bytes);
      } else if (lib) {
        library++;
      }
    }
    assertTrue(library > 100_000, "the library's copy, the faster for every copy, made "
        + library + " of the untimed copies; last choice " + c.choice());
  }

  /** Threads share a chooser without locks: races may blur a measurement, never the state. */
  @Test
  void racingThreadsKeepTheStateInRange() throws Exception {
    CopyChooser c = new CopyChooser();
    AtomicReference<String> bad = new AtomicReference<>();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      Random r = new Random(t);
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 1_000_000; i++) {
          int way = c.next();
          int epoch = c.epoch();
          if (way < 0 || way > (CopyChooser.TIMED | CopyChooser.LIBRARY)) {
            bad.compareAndSet(null, "way " + way);
          }
          if (epoch < CopyChooser.FIRST_EPOCH || epoch > CopyChooser.MAX_EPOCH) {
            bad.compareAndSet(null, "epoch " + epoch);
          }
          if ((way & CopyChooser.TIMED) != 0) {
            c.done(way, 1 + r.nextInt(5000), 4096 + r.nextInt(1 << 20));
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertNull(bad.get());
  }

  @Test
  void forcingRejectsAnUnknownWay() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CopyChooser.force(2));
    assertEquals("way 2: expected JVM (0), LIBRARY (1) or -1", e.getMessage());
  }

  /**
   * Each way, on the mapping and on its unguarded view, copies the same bytes in and out
   * (forced, so that the test knows which way ran), and each checks the bounds of the mapping
   * and of the array, writing nothing when it throws.
   */
  @Test
  void bothWaysCopyTheSameBytesAndCheckEveryBound() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(1 << 16).create()) {
      Field f = SharedQueue.class.getDeclaredField("mem");
      f.setAccessible(true);
      Memory real = (Memory) f.get(q);
      if (real == null) {
        return; // no Java path on this backend
      }
      long size = real.size();
      long at = size - 3 * 8192 + 8; // the ring's end, of a locked queue that is empty
      byte[] in = new byte[8192];
      new Random(11).nextBytes(in);
      byte[] zeros = new byte[8192];
      try {
        for (Memory m : new Memory[] {real, real.unguarded()}) {
          for (int put : new int[] {CopyChooser.JVM, CopyChooser.LIBRARY}) {
            for (int get : new int[] {CopyChooser.JVM, CopyChooser.LIBRARY}) {
              String what = m.getClass().getSimpleName() + " put " + put + " get " + get;
              CopyChooser.force(put);
              m.putBytesPlain(in, 0, at, in.length);
              CopyChooser.force(get);
              byte[] out = new byte[in.length + 16];
              m.getBytesPlain(at, out, 8, in.length);
              assertArrayEquals(in, Arrays.copyOfRange(out, 8, 8 + in.length), what);
              real.putBytesPlain(zeros, 0, at, zeros.length); // 8 KiB: the way just forced
            }
          }
          for (int way : new int[] {CopyChooser.JVM, CopyChooser.LIBRARY}) {
            String what = m.getClass().getSimpleName() + " way " + way;
            CopyChooser.force(way);
            byte[] out = new byte[8192];
            assertThrows(IndexOutOfBoundsException.class,
                () -> m.putBytesPlain(in, 0, size - 8191, 8192), what);
            assertThrows(IndexOutOfBoundsException.class,
                () -> m.getBytesPlain(size - 8191, out, 0, 8192), what);
            assertThrows(IndexOutOfBoundsException.class,
                () -> m.putBytesPlain(in, 1, at, 8192), what);
            assertThrows(IndexOutOfBoundsException.class,
                () -> m.getBytesPlain(at, out, 1, 8192), what);
            assertThrows(IndexOutOfBoundsException.class,
                () -> m.putBytesPlain(in, 0, -8, 8192), what);
            m.getBytesPlain(size - 8192, out, 0, 8192); // just inside
          }
          CopyChooser.force(-1);
          byte[] check = new byte[3 * 8192];
          real.getBytesPlain(size - check.length, check, 0, check.length);
          assertArrayEquals(new byte[check.length], check, "nothing written when it threw");
        }
      } finally {
        CopyChooser.force(-1);
      }
      q.putBytes(new byte[] {5});
      assertEquals(5, q.getBytes()[0]); // the queue is unharmed
    }
  }
}
