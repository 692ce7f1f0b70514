package org.mproc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.mproc.process.Subprocess;
import org.mproc.shared.SharedLong;

/**
 * The primitives across real processes (child JVMs started by {@link Subprocess}, objects handed
 * to them anonymously): exclusion, notification, and SIGKILL of a holder, waiter or party.
 */
class SyncCrossProcessTest {
  private static final Duration LONG = Duration.ofSeconds(60);

  private static void joinOk(Subprocess p) throws InterruptedException {
    assertTrue(p.join(Duration.ofSeconds(120)), p + " did not finish");
    assertEquals(0, p.exitCode(), () -> p + " failed: " + p.failure());
  }

  private static void joinKilled(Subprocess p) throws InterruptedException {
    p.kill();
    assertTrue(p.join(Duration.ofSeconds(60)));
    assertEquals(-9, p.exitCode());
  }

  static void sleepForever() {
    try {
      Thread.sleep(600_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void await(SharedEvent ev) {
    try {
      if (!ev.await(LONG)) {
        throw new AssertionError("not set within " + LONG);
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void fourProcessesIncrementExactlyUnderTheLock() throws Exception {
    int perProcess = 5_000;
    try (SharedLock lock = SharedLock.create();
        SharedLong counter = SharedLong.create(0)) {
      List<Subprocess> children = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        children.add(
            Subprocess.start(
                () -> {
                  for (int k = 0; k < perProcess; k++) {
                    lock.lock();
                    try {
                      counter.set(counter.get() + 1); // not atomic: only the lock protects it
                    } finally {
                      lock.unlock();
                    }
                  }
                }));
      }
      for (int k = 0; k < perProcess; k++) {
        lock.lock();
        try {
          counter.set(counter.get() + 1);
        } finally {
          lock.unlock();
        }
      }
      for (Subprocess p : children) {
        joinOk(p);
      }
      assertEquals(4L * perProcess, counter.get());
    }
  }

  /** Three threads each doing {@code perThread} locked increments; throws what a thread threw. */
  static void threadsIncrement(
      AbstractSharedLock lock, SharedLong counter, SharedLong valueCounter, int perThread)
      throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    java.util.concurrent.atomic.AtomicReference<Throwable> failed =
        new java.util.concurrent.atomic.AtomicReference<>();
    for (int t = 0; t < 3; t++) {
      Thread th =
          new Thread(
              () -> {
                try {
                  for (int k = 0; k < perThread; k++) {
                    lock.lock();
                    try {
                      if (lock instanceof SharedRLock) {
                        lock.lock(); // nested: the depth must not leak to another thread
                        lock.unlock();
                      }
                      counter.set(counter.get() + 1);
                    } finally {
                      lock.unlock();
                    }
                    try (org.mproc.shared.LockHold h = valueCounter.lock()) {
                      valueCounter.set(valueCounter.get() + 1);
                    }
                  }
                } catch (Throwable e) {
                  failed.compareAndSet(null, e);
                }
              });
      th.start();
      threads.add(th);
    }
    for (Thread th : threads) {
      th.join();
    }
    if (failed.get() != null) {
      throw new AssertionError("a thread failed", failed.get());
    }
  }

  @Test
  void threadsOfSeveralProcessesIncrementExactlyUnderLockRLockAndValueLock() throws Exception {
    int perThread = 3_000;
    for (boolean reentrant : new boolean[] {false, true}) {
      try (AbstractSharedLock lock = reentrant ? SharedRLock.create() : SharedLock.create();
          SharedLong counter = SharedLong.create(0);
          SharedLong valueCounter = SharedLong.create(0)) {
        List<Subprocess> children = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          children.add(
              Subprocess.start(() -> threadsIncrement(lock, counter, valueCounter, perThread)));
        }
        threadsIncrement(lock, counter, valueCounter, perThread);
        for (Subprocess p : children) {
          joinOk(p);
        }
        assertEquals(9L * perThread, counter.get(), "under " + lock);
        assertEquals(9L * perThread, valueCounter.get(), "under the Value's lock");
        assertFalse(lock.isLocked());
      }
    }
  }

  @Test
  void anotherProcessMayReleaseALockButNotAnRLock() throws Exception {
    try (SharedLock lock = SharedLock.create();
        SharedRLock rlock = SharedRLock.create()) {
      lock.lock();
      rlock.lock();
      Subprocess p =
          Subprocess.start(
              () -> {
                lock.unlock(); // Python: any process may release a Lock
                try {
                  rlock.unlock();
                  throw new AssertionError("released another process's RLock");
                } catch (IllegalMonitorStateException expected) {
                  // an RLock is released only by its owner
                }
                try {
                  if (rlock.tryLock(Duration.ofMillis(50))) {
                    throw new AssertionError("acquired an RLock held by another process");
                  }
                } catch (InterruptedException e) {
                  throw new AssertionError(e);
                }
              });
      joinOk(p);
      assertFalse(lock.isLocked(), "released by the child");
      assertThrows(IllegalMonitorStateException.class, lock::unlock); // nothing left to release
      assertTrue(lock.tryLock());
      lock.unlock();
      rlock.unlock();
    }
  }

  @Test
  void killedLockAndRLockHoldersAreTakenOverAndReported() throws Exception {
    try (SharedLock lock = SharedLock.create();
        SharedRLock rlock = SharedRLock.create();
        SharedEvent held = SharedEvent.create()) {
      Subprocess p =
          Subprocess.start(
              () -> {
                lock.lock();
                rlock.lock();
                rlock.lock();
                held.set();
                sleepForever();
              });
      await(held);
      assertFalse(lock.tryLock(Duration.ofMillis(50)), "a live holder keeps the lock");
      assertFalse(rlock.tryLock(Duration.ofMillis(50)), "a live holder keeps the rlock");
      joinKilled(p);
      for (AbstractSharedLock l : List.of(lock, rlock)) {
        long t0 = System.nanoTime();
        assertTrue(l.tryLock(Duration.ofSeconds(10)), "a dead holder's lock is taken over");
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        assertTrue(l.ownerDied(), "the takeover is reported");
        l.unlock();
        l.lock();
        assertFalse(l.ownerDied(), "a clean release clears the report");
        l.unlock();
      }
    }
  }

  @Test
  void semaphoreLosesAKilledHoldersPermitAndAKilledWaiterBlocksNobody() throws Exception {
    try (SharedSemaphore sem = SharedSemaphore.create(null, 1);
        SharedEvent held = SharedEvent.create()) {
      Subprocess holder =
          Subprocess.start(
              () -> {
                try {
                  sem.acquire();
                } catch (InterruptedException e) {
                  throw new AssertionError(e);
                }
                held.set();
                sleepForever();
              });
      await(held);
      joinKilled(holder);
      assertEquals(0, sem.availablePermits(), "as in Python, the dead holder's permit is lost");
      assertFalse(sem.tryAcquire(Duration.ofMillis(50)));
      held.clear();
      Subprocess waiter =
          Subprocess.start(
              () -> {
                held.set();
                try {
                  sem.acquire();
                } catch (InterruptedException e) {
                  throw new AssertionError(e);
                }
              });
      await(held);
      Thread.sleep(200); // let it fall asleep in acquire
      joinKilled(waiter);
      sem.release();
      assertTrue(sem.tryAcquire(Duration.ofSeconds(10)));
    }
  }

  @Test
  void conditionNotifyAndNotifyAllReachOtherProcessesDespiteAKilledWaiter() throws Exception {
    try (SharedRLock lock = SharedRLock.create();
        SharedCondition cond = lock.newCondition();
        SharedLong state = SharedLong.create(0);
        SharedLong woken = SharedLong.create(0)) {
      List<Subprocess> waiters = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        waiters.add(
            Subprocess.start(
                () -> {
                  lock.lock();
                  try {
                    long deadline = System.nanoTime() + LONG.toNanos();
                    while (state.get() == 0) {
                      if (System.nanoTime() > deadline || !cond.await(LONG)) {
                        throw new AssertionError("not notified");
                      }
                    }
                    woken.getAndAdd(1);
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  } finally {
                    lock.unlock();
                  }
                }));
      }
      waitForWaiters(lock, cond, 3);
      joinKilled(waiters.remove(0)); // killed while waiting on the condition
      // notify(1) wakes at least one waiter, whose predicate is still false: it waits again.
      lock.lock();
      try {
        cond.signal();
      } finally {
        lock.unlock();
      }
      lock.lock();
      try {
        state.set(1);
        cond.signalAll();
      } finally {
        lock.unlock();
      }
      for (Subprocess p : waiters) {
        joinOk(p);
      }
      assertEquals(2, woken.get());
    }
  }

  private static void waitForWaiters(AbstractSharedLock lock, SharedCondition cond, int n)
      throws InterruptedException {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (cond.waiters() < n) {
      assertTrue(System.nanoTime() < deadline, "waiters: " + cond.waiters());
      Thread.sleep(5);
    }
  }

  @Test
  void eventWakesOtherProcessesDespiteAKilledWaiter() throws Exception {
    try (SharedEvent go = SharedEvent.create();
        SharedEvent started = SharedEvent.create()) {
      Subprocess doomed =
          Subprocess.start(
              () -> {
                started.set();
                await(go);
              });
      Subprocess survivor = Subprocess.start(() -> await(go));
      await(started);
      Thread.sleep(100);
      joinKilled(doomed);
      assertFalse(go.await(Duration.ofMillis(50)));
      go.set();
      joinOk(survivor);
    }
  }

  @Test
  void aBarrierPartyKilledWhileWaitingBreaksItForTheSurvivors() throws Exception {
    try (SharedBarrier barrier = SharedBarrier.create(null, 3)) {
      Subprocess doomed =
          Subprocess.start(
              () -> {
                try {
                  barrier.await();
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
              });
      Subprocess survivor =
          Subprocess.start(
              () -> {
                try {
                  barrier.await(LONG);
                  throw new AssertionError("the barrier tripped with a party missing");
                } catch (BrokenBarrierException expected) {
                  // released by the break, not by the timeout
                } catch (InterruptedException | TimeoutException e) {
                  throw new AssertionError(e);
                }
              });
      long deadline = System.nanoTime() + LONG.toNanos();
      while (barrier.waiting() < 2) {
        assertTrue(System.nanoTime() < deadline);
        Thread.sleep(5);
      }
      joinKilled(doomed);
      joinOk(survivor);
      assertTrue(barrier.isBroken());
      assertThrows(BrokenBarrierException.class, barrier::await);
      barrier.reset();
      assertFalse(barrier.isBroken());
    }
  }

  @Test
  void aBarrierTripsAcrossProcessesWithDistinctIndices() throws Exception {
    try (SharedBarrier barrier = SharedBarrier.create(null, 3);
        SharedLong indices = SharedLong.create(0)) {
      List<Subprocess> children = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        children.add(
            Subprocess.start(
                () -> {
                  try {
                    for (int c = 0; c < 20; c++) {
                      int index = barrier.await(LONG);
                      indices.getAndAdd(1L << (index * 8));
                    }
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                }));
      }
      for (int c = 0; c < 20; c++) {
        int index = barrier.await(LONG);
        indices.getAndAdd(1L << (index * 8));
      }
      for (Subprocess p : children) {
        joinOk(p);
      }
      assertEquals(20L | 20L << 8 | 20L << 16, indices.get(), "each index once per cycle");
    }
  }
}
