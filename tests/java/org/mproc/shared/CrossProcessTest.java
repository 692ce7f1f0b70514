package org.mproc.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mproc.Mproc;
import org.mproc.ObjectInfo;
import org.mproc.testing.Peers;

/**
 * Values and Arrays shared with other real processes: a second JVM and a C program open the
 * same named objects, change them, contend for their lock, and die holding it.
 */
class CrossProcessTest {

  @Test
  void aSecondJvmSeesAndChangesTheValueAndArray() throws Exception {
    negatedBy(false);
  }

  @Test
  void aCProgramSeesAndChangesTheValueAndArray() throws Exception {
    negatedBy(true);
  }

  private static void negatedBy(boolean c) throws Exception {
    String num = Peers.uniqueName("num");
    String arr = Peers.uniqueName("arr");
    try (SharedDouble n = SharedDouble.create(num, 0.0);
        SharedIntArray a = SharedIntArray.of(arr, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) {
      try {
        Process p = c ? Peers.c("negate", num, arr) : Peers.java("negate", num, arr);
        assertEquals(0, Peers.await(p, 60));
        assertEquals(3.1415927, n.get());
        assertEquals("[0, -1, -2, -3, -4, -5, -6, -7, -8, -9]", a.toString());
      } finally {
        n.unlink();
        a.unlink();
      }
    }
  }

  @Test
  void lockedIncrementsFromFourProcessesAddUpExactly() throws Exception {
    String name = Peers.uniqueName("count");
    int perProcess = 20_000;
    try (SharedLong v = SharedLong.create(name, 0)) {
      try {
        List<Process> peers = new ArrayList<>();
        peers.add(Peers.java("add-locked", name, String.valueOf(perProcess)));
        peers.add(Peers.java("add-locked", name, String.valueOf(perProcess)));
        peers.add(Peers.c("add-locked", name, String.valueOf(perProcess)));
        for (int i = 0; i < perProcess; i++) {
          try (LockHold h = v.lock()) {
            v.set(v.get() + 1);
          }
        }
        for (Process p : peers) {
          assertEquals(0, Peers.await(p, 120));
        }
        assertEquals(4L * perProcess, v.get());
      } finally {
        v.unlink();
      }
    }
  }

  @Test
  void atomicIncrementsFromJavaAndCAddUpExactly() throws Exception {
    String name = Peers.uniqueName("atomic");
    int perProcess = 200_000;
    try (SharedLong v = SharedLong.create(name, 0)) {
      try {
        Process java = Peers.java("add-atomic", name, String.valueOf(perProcess));
        Process c = Peers.c("add-atomic", name, String.valueOf(perProcess));
        for (int i = 0; i < perProcess; i++) {
          v.getAndIncrement();
        }
        assertEquals(0, Peers.await(java, 120));
        assertEquals(0, Peers.await(c, 60));
        assertEquals(3L * perProcess, v.get());
        Process get = Peers.c("get", name);
        assertEquals(0, Peers.await(get, 30));
        assertEquals(String.valueOf(3L * perProcess), Peers.output(get).trim());
      } finally {
        v.unlink();
      }
    }
  }

  @Test
  void aJvmKilledHoldingTheLockDoesNotBlockTheNextLocker() throws Exception {
    killedHolder(false);
  }

  @Test
  void aCProgramKilledHoldingTheLockDoesNotBlockTheNextLocker() throws Exception {
    killedHolder(true);
  }

  private static void killedHolder(boolean c) throws Exception {
    String name = Peers.uniqueName("held");
    try (SharedLong v = SharedLong.create(name, 0)) {
      try {
        Process holder = c ? Peers.c("hold", name) : Peers.java("hold", name);
        assertEquals("held", Peers.readLine(holder));
        assertEquals(null, v.tryLock(Duration.ofMillis(50)), "a live holder keeps the lock");
        ObjectInfo info = Mproc.info(name);
        assertEquals(2, info.liveParticipants());
        holder.destroyForcibly(); // SIGKILL
        holder.waitFor();
        long t0 = System.nanoTime();
        LockHold hold = v.tryLock(Duration.ofSeconds(10));
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertNotNull(hold, "the lock of a dead holder must be taken over");
        try (hold) {
          assertTrue(hold.ownerDied(), "the takeover is reported");
          assertTrue(waitedMs < 2000, "took over after " + waitedMs + " ms");
        }
        try (LockHold again = v.lock()) {
          assertFalse(again.ownerDied(), "a clean release clears the report");
        }
        assertEquals(1, Mproc.info(name).liveParticipants());
      } finally {
        v.unlink();
      }
    }
  }
}
