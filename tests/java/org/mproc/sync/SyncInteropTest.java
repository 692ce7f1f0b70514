package org.mproc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mproc.process.Subprocess;
import org.mproc.shared.SharedLong;
import org.mproc.testing.Peers;

/**
 * Named primitives shared by Java and C processes (the C peer, tests/interop/mproc_peer.c):
 * the same objects, the same protocol, and the same recovery when a C holder is killed.
 */
class SyncInteropTest {

  @Test
  void javaAndCProcessesIncrementExactlyUnderOneNamedLock() throws Exception {
    String lockName = Peers.uniqueName("jclock");
    String counterName = Peers.uniqueName("jccount");
    int perProcess = 5_000;
    try (SharedLock lock = SharedLock.create(lockName);
        SharedLong counter = SharedLong.create(counterName, 0)) {
      try {
        List<Process> cPeers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          cPeers.add(Peers.c("sync-add", lockName, counterName, String.valueOf(perProcess)));
        }
        Subprocess java =
            Subprocess.start(
                () -> {
                  try (SharedLock mine = SharedLock.open(lockName);
                      SharedLong value = SharedLong.open(counterName)) {
                    for (int k = 0; k < perProcess; k++) {
                      mine.lock();
                      try {
                        value.set(value.get() + 1);
                      } finally {
                        mine.unlock();
                      }
                    }
                  }
                });
        for (int k = 0; k < perProcess; k++) {
          lock.lock();
          try {
            counter.set(counter.get() + 1);
          } finally {
            lock.unlock();
          }
        }
        for (Process p : cPeers) {
          assertEquals(0, Peers.await(p, 120));
        }
        assertTrue(java.join(Duration.ofSeconds(120)));
        assertEquals(0, java.exitCode());
        assertEquals(4L * perProcess, counter.get());
      } finally {
        lock.unlink();
        counter.unlink();
      }
    }
  }

  private static String cDepth(String name) throws Exception {
    Process p = Peers.c("sync-count", name);
    String line = Peers.readLine(p);
    assertEquals(0, Peers.await(p, 60));
    return line;
  }

  @Test
  void cReadsTheRLockDepthJavaKeepsThroughReentryAndConditionWaits() throws Exception {
    String name = Peers.uniqueName("jcdepth");
    try (SharedRLock lock = SharedRLock.create(name);
        SharedCondition cond = lock.newCondition()) {
      try {
        assertEquals("0", cDepth(name));
        lock.lock();
        lock.lock();
        lock.lock();
        assertEquals("3", cDepth(name));
        lock.unlock();
        assertEquals("2", cDepth(name));
        assertFalse(cond.await(Duration.ofMillis(20)));
        assertEquals(2, lock.getHoldCount());
        assertEquals("2", cDepth(name), "the depth is restored after a wait");
        lock.unlock();
        lock.unlock();
        assertEquals("0", cDepth(name));
        assertFalse(lock.isLocked());
      } finally {
        lock.unlink();
      }
    }
  }

  @Test
  void aCHolderKilledHoldingAnRLockIsTakenOverByJava() throws Exception {
    String name = Peers.uniqueName("jcrlock");
    try (SharedRLock lock = SharedRLock.create(name)) {
      try {
        Process holder = Peers.c("sync-hold", name);
        assertEquals("held", Peers.readLine(holder));
        assertFalse(lock.tryLock(Duration.ofMillis(50)), "a live C holder keeps it");
        holder.destroyForcibly();
        holder.waitFor();
        assertTrue(lock.tryLock(Duration.ofSeconds(10)));
        assertTrue(lock.ownerDied());
        assertEquals(1, lock.getHoldCount());
        lock.unlock();
      } finally {
        lock.unlink();
      }
    }
  }

  @Test
  void aCPartyAndJavaTripABarrierAndCSetsAnEvent() throws Exception {
    String barrierName = Peers.uniqueName("jcbar");
    String eventName = Peers.uniqueName("jcev");
    try (SharedBarrier barrier = SharedBarrier.create(barrierName, 2);
        SharedEvent event = SharedEvent.create(eventName)) {
      try {
        Process party = Peers.c("barrier-wait", barrierName);
        int index = barrier.await(Duration.ofSeconds(60));
        assertEquals(0, Peers.await(party, 60));
        assertEquals("index " + (1 - index), Peers.output(party).trim());
        assertFalse(event.isSet());
        assertEquals(0, Peers.await(Peers.c("event-set", eventName), 60));
        assertTrue(event.await(Duration.ofSeconds(10)));
      } finally {
        barrier.unlink();
        event.unlink();
      }
    }
  }
}
