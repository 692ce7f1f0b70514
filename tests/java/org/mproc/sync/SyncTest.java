package org.mproc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.mproc.IncompatibleObjectException;
import org.mproc.ObjectClosedException;
import org.mproc.testing.Peers;

/** The primitives within one process: semantics, timeouts, misuse, interruption and close. */
class SyncTest {

  private static Thread start(Runnable r) {
    Thread t = new Thread(r);
    t.start();
    return t;
  }

  @Test
  void lockMisuseIsRejectedWithTheValue() throws Exception {
    try (SharedLock lock = SharedLock.create()) {
      IllegalMonitorStateException unheld =
          assertThrows(IllegalMonitorStateException.class, lock::unlock);
      assertTrue(unheld.getMessage().contains("released too many times"), unheld.getMessage());
      lock.lock();
      assertTrue(lock.isLocked() && lock.isHeldByCurrentThread());
      assertFalse(lock.ownerDied());
      IllegalStateException twice = assertThrows(IllegalStateException.class, lock::lock);
      assertTrue(twice.getMessage().contains("not reentrant"), twice.getMessage());
      AtomicReference<Throwable> other = new AtomicReference<>();
      start(() -> {
            try {
              lock.unlock();
            } catch (Throwable t) {
              other.set(t);
            }
          })
          .join();
      assertTrue(other.get() instanceof IllegalMonitorStateException, String.valueOf(other.get()));
      assertTrue(lock.isLocked());
      lock.unlock();
      assertFalse(lock.isLocked());
      assertThrows(IllegalArgumentException.class, () -> lock.tryLock(Duration.ofMillis(-1)));
    }
  }

  @Test
  void lockTimesOutWhileAnotherThreadHoldsIt() throws Exception {
    try (SharedLock lock = SharedLock.create()) {
      lock.lock();
      AtomicReference<Boolean> got = new AtomicReference<>();
      start(() -> {
            try {
              long t0 = System.nanoTime();
              boolean ok = lock.tryLock(50, TimeUnit.MILLISECONDS);
              got.set(!ok && System.nanoTime() - t0 >= 49_000_000 && !lock.tryLock());
            } catch (InterruptedException e) {
              got.set(false);
            }
          })
          .join();
      assertTrue(got.get());
      lock.unlock();
    }
  }

  @Test
  void aWaitingThreadIsInterrupted() throws Exception {
    try (SharedLock lock = SharedLock.create()) {
      lock.lock();
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      Thread t =
          start(() -> {
            try {
              lock.lockInterruptibly();
            } catch (Throwable e) {
              thrown.set(e);
            }
          });
      Thread.sleep(150);
      t.interrupt();
      t.join(5000);
      assertFalse(t.isAlive());
      assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
      lock.unlock();
    }
  }

  @Test
  void rlockCountsRecursionAndOnlyTheOwnerReleases() throws Exception {
    try (SharedRLock lock = SharedRLock.create()) {
      assertThrows(IllegalMonitorStateException.class, lock::unlock);
      for (int i = 1; i <= 3; i++) {
        lock.lock();
        assertEquals(i, lock.getHoldCount());
      }
      AtomicReference<Throwable> other = new AtomicReference<>();
      start(() -> {
            try {
              if (lock.tryLock(30, TimeUnit.MILLISECONDS)) {
                other.set(new AssertionError("acquired an RLock held by another thread"));
                return;
              }
              lock.unlock();
            } catch (Throwable t) {
              other.set(t);
            }
          })
          .join();
      assertTrue(other.get() instanceof IllegalMonitorStateException, String.valueOf(other.get()));
      assertTrue(other.get().getMessage().contains("only by its owner"), other.get().getMessage());
      for (int i = 2; i >= 0; i--) {
        lock.unlock();
        assertEquals(i, lock.getHoldCount());
      }
      assertFalse(lock.isLocked());
    }
  }

  @Test
  void semaphoreCountsBoundsAndTimesOut() throws Exception {
    IllegalArgumentException neg =
        assertThrows(IllegalArgumentException.class, () -> SharedSemaphore.create(null, -2));
    assertTrue(neg.getMessage().contains("permits=-2"), neg.getMessage());
    try (SharedSemaphore s = SharedSemaphore.createBounded(null, 2)) {
      assertTrue(s.isBounded());
      IllegalStateException over = assertThrows(IllegalStateException.class, s::release);
      assertTrue(over.getMessage().contains("value=2, bound=2"), over.getMessage());
      assertTrue(s.tryAcquire());
      s.acquire();
      assertEquals(0, s.availablePermits());
      assertFalse(s.tryAcquire());
      long t0 = System.nanoTime();
      assertFalse(s.tryAcquire(Duration.ofMillis(50)));
      assertTrue(System.nanoTime() - t0 >= 49_000_000);
      s.release();
      s.release();
      assertEquals(2, s.availablePermits());
    }
    try (SharedSemaphore s = SharedSemaphore.create(null, 0)) {
      assertFalse(s.isBounded());
      Thread t =
          start(() -> {
            try {
              Thread.sleep(50);
            } catch (InterruptedException e) {
              return;
            }
            s.release();
            s.release();
          });
      assertTrue(s.tryAcquire(Duration.ofSeconds(30)));
      t.join();
      assertEquals(1, s.availablePermits()); // unbounded: above the initial value is fine
    }
  }

  @Test
  void conditionNeedsItsLockRestoresRlockDepthAndTimesOut() throws Exception {
    try (SharedRLock lock = SharedRLock.create();
        SharedCondition cond = lock.newCondition()) {
      IllegalMonitorStateException noLock =
          assertThrows(IllegalMonitorStateException.class, cond::await);
      assertTrue(noLock.getMessage().contains("does not hold"), noLock.getMessage());
      assertThrows(IllegalMonitorStateException.class, cond::signal);
      lock.lock();
      lock.lock();
      long t0 = System.nanoTime();
      assertFalse(cond.await(Duration.ofMillis(50)));
      assertTrue(System.nanoTime() - t0 >= 49_000_000);
      assertEquals(2, lock.getHoldCount());
      assertThrows(IllegalArgumentException.class, () -> cond.signal(0));
      // A thread of this process can take the lock while we wait, and signal us.
      Thread t =
          start(() -> {
            for (; ; ) {
              lock.lock();
              try {
                if (cond.waiters() > 0) {
                  cond.signalAll();
                  return;
                }
              } finally {
                lock.unlock();
              }
            }
          });
      assertTrue(cond.await(Duration.ofSeconds(30)), "signalled by the other thread");
      assertEquals(2, lock.getHoldCount());
      t.join();
      lock.unlock();
      lock.unlock();
    }
  }

  @Test
  void eventSetClearAndWait() throws Exception {
    try (SharedEvent ev = SharedEvent.create()) {
      assertFalse(ev.isSet());
      assertFalse(ev.await(Duration.ZERO));
      long t0 = System.nanoTime();
      assertFalse(ev.await(Duration.ofMillis(50)));
      assertTrue(System.nanoTime() - t0 >= 49_000_000);
      Thread t = start(ev::set);
      assertTrue(ev.await(Duration.ofSeconds(30)));
      t.join();
      assertTrue(ev.isSet());
      ev.clear();
      assertFalse(ev.isSet());
    }
  }

  @Test
  void barrierTripsBreaksOnTimeoutAbortsAndResets() throws Exception {
    IllegalArgumentException bad =
        assertThrows(IllegalArgumentException.class, () -> SharedBarrier.create(null, 0));
    assertTrue(bad.getMessage().contains("parties=0"), bad.getMessage());
    try (SharedBarrier b = SharedBarrier.create(null, 2)) {
      assertEquals(2, b.parties());
      AtomicReference<Integer> other = new AtomicReference<>();
      Thread t =
          start(() -> {
            try {
              other.set(b.await());
            } catch (Exception e) {
              other.set(-1);
            }
          });
      int mine = b.await();
      t.join();
      assertEquals(1, mine + other.get(), "indices 0 and 1");
      assertThrows(TimeoutException.class, () -> b.await(Duration.ofMillis(50)));
      assertTrue(b.isBroken());
      assertThrows(BrokenBarrierException.class, b::await);
      b.reset();
      assertFalse(b.isBroken());
      b.abort();
      assertThrows(BrokenBarrierException.class, () -> b.await(Duration.ofSeconds(1)));
      b.reset();
      assertEquals(0, b.waiting());
    }
  }

  @Test
  void namedObjectsOpenByKindOnly() throws Exception {
    String name = Peers.uniqueName("sync");
    try (SharedEvent ev = SharedEvent.create(name)) {
      try {
        assertThrows(IncompatibleObjectException.class, () -> SharedLock.open(name));
        try (SharedEvent again = SharedEvent.open(name)) {
          again.set();
          assertTrue(ev.isSet());
          assertEquals(name, again.name().orElseThrow());
        }
      } finally {
        ev.unlink();
      }
    }
  }

  @Test
  void interruptedConditionAndBarrierWaitersGiveUpCleanly() throws Exception {
    try (SharedLock lock = SharedLock.create();
        SharedCondition cond = lock.newCondition();
        SharedBarrier barrier = SharedBarrier.create(null, 2)) {
      AtomicReference<Throwable> condThrown = new AtomicReference<>();
      AtomicReference<Boolean> heldAfter = new AtomicReference<>();
      Thread c =
          start(() -> {
            lock.lock();
            try {
              cond.await();
            } catch (Throwable e) {
              condThrown.set(e);
            } finally {
              heldAfter.set(lock.isHeldByCurrentThread());
              lock.unlock();
            }
          });
      AtomicReference<Throwable> barrierThrown = new AtomicReference<>();
      Thread b =
          start(() -> {
            try {
              barrier.await();
            } catch (Throwable e) {
              barrierThrown.set(e);
            }
          });
      long deadline = System.nanoTime() + 30_000_000_000L;
      while ((cond.waiters() < 1 || barrier.waiting() < 1) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      c.interrupt();
      b.interrupt();
      c.join(10_000);
      b.join(10_000);
      assertTrue(condThrown.get() instanceof InterruptedException, String.valueOf(condThrown.get()));
      assertTrue(heldAfter.get(), "the lock is held again when await throws");
      assertFalse(lock.isLocked());
      assertTrue(
          barrierThrown.get() instanceof InterruptedException, String.valueOf(barrierThrown.get()));
      assertTrue(barrier.isBroken(), "an interrupted party breaks the barrier");
    }
  }

  @Test
  void closingWakesWaitersWithObjectClosed() throws Exception {
    SharedEvent ev = SharedEvent.create();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread t =
        start(() -> {
          try {
            ev.await();
          } catch (Throwable e) {
            thrown.set(e);
          }
        });
    Thread.sleep(100);
    ev.close();
    t.join(5000);
    assertFalse(t.isAlive());
    assertTrue(thrown.get() instanceof ObjectClosedException, String.valueOf(thrown.get()));
    assertThrows(ObjectClosedException.class, ev::set);
  }

  @Test
  void aThreadWaitingForAnotherThreadOfThisProcessGetsTheLockOnRelease() throws Exception {
    try (SharedLock lock = SharedLock.create()) {
      lock.lock();
      java.util.concurrent.CountDownLatch got = new java.util.concurrent.CountDownLatch(2);
      Thread a = start(() -> {
        lock.lock(); // untimed: parks until this thread's release wakes it
        got.countDown();
        lock.unlock();
      });
      Thread b = start(() -> {
        try {
          if (lock.tryLock(60, TimeUnit.SECONDS)) { // queued behind the first waiter
            got.countDown();
            lock.unlock();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      while (a.getState() != Thread.State.TIMED_WAITING && a.getState() != Thread.State.WAITING) {
        Thread.sleep(1);
      }
      assertEquals(2, got.getCount(), "nobody got a held lock");
      lock.unlock();
      assertTrue(got.await(60, TimeUnit.SECONDS), "both waiters got the lock in turn");
      a.join();
      b.join();
      assertFalse(lock.isLocked());
    }
  }

  @Test
  void closingWhileAnotherThreadHoldsAbandonsTheHoldForOtherHandles() throws Exception {
    String name = org.mproc.testing.Peers.uniqueName("abandon");
    try (SharedLock other = SharedLock.create(name)) {
      try {
        SharedLock mine = SharedLock.open(name);
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread holder = start(() -> {
          try {
            mine.lock();
            held.countDown();
            closed.await();
            mine.unlock(); // after close: the hold was abandoned, nothing to release
          } catch (Throwable e) {
            thrown.set(e);
          }
        });
        held.await();
        mine.close();
        closed.countDown();
        holder.join();
        assertEquals(null, thrown.get());
        assertTrue(other.tryLock(Duration.ofSeconds(30)), "the abandoned lock is taken over");
        assertTrue(other.ownerDied(), "and the takeover is reported");
        other.unlock();
        assertFalse(other.isLocked());
      } finally {
        other.unlink();
      }
    }
  }
}
