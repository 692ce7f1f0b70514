package org.mproc.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import org.mproc.internal.Memory;
import org.mproc.internal.Native;

/**
 * The uncontended put and get of {@code native/src/queue.c}, run in Java on the mapped segment
 * so that the common case makes no native call. Layout and protocol: docs/layout.md, "Queue
 * body". Everything else (a busy lock, which may have a dead owner to take over; a full or
 * empty queue to wait on; a closed or poisoned queue; a record that fails validation; a buffer
 * too short) is left to the C functions, which see exactly what they would have seen had this
 * class not run: the words are only ever changed here as the C code changes them, in the same
 * order.
 *
 * <p>Crash argument, store by store (a SIGKILL may land between any two):
 *
 * <ul>
 *   <li>the lock is taken by a CAS 0 → owner word, as {@code mproc__lock_acquire}'s fast path;
 *       a process killed holding it is found dead by the next acquirer, which takes the lock
 *       over and undoes a half-made commit;
 *   <li>a record (padding header, header, payload), or a batch of them, is written beyond
 *       {@code tail}, where no consumer reads: unpublished until the commit;
 *   <li>the commit is C's {@code commit()}: intent count (the count before), intent position,
 *       count, position, each a release store; the position is the commit point, and a
 *       takeover that finds the intent ahead of the position sets the count back to the
 *       intent's, however many records the commit covered;
 *   <li>the lock is released by a CAS owner word → 0 (or, when a waiter set the contended bit,
 *       a CAS of that word → 0 and a wake-up, as {@code mproc__lock_release}), a full barrier,
 *       and only then is the waiter count of the other side read to decide on a wake-up.
 * </ul>
 *
 * <p>A Java exception inside the locked region (the mapping closed under it, a stack overflow)
 * is repaired at once as a takeover would: a half-made commit is undone and the lock released,
 * so this process never keeps a lock it will not release. If the repair cannot touch the
 * memory any more (closed), the lock stays with this handle's slot, which {@code close} frees:
 * other processes then take it over as from a dead owner. {@code close} first waits (boundedly,
 * {@link #awaitUnlocked}) for calls in progress to let go. On JNA a thread that has not seen
 * the close yet may still finish its call on the old mapping (it stays mapped while referenced);
 * only a thread stalled inside a call for longer than that wait plus a liveness slice could then
 * write after another process took its lock over, which closing an object in use invites.
 *
 * <p>The lock word belongs to the handle, not to a thread, so threads of this process exclude
 * each other with the same CAS; the C functions answer {@code MPROC_EDEADLK} to a thread whose
 * sibling holds the lock, which {@link SharedQueue} treats as busy.
 *
 * <p>A one-to-one queue (docs/layout.md, "One-to-one queues") runs C's {@code put_one} and
 * {@code get_one} instead: no lock, the records and all headers but the first written with plain
 * stores beyond {@code tail}, the slot after them zeroed, the intent, {@code puts}, then the
 * first header with one release store (the commit point) and {@code tail}; a get polls the
 * header at {@code head} and commits with intent, {@code gets}, {@code head}. The caller holds
 * the role of its side for this handle ({@code mproc_queue_claim}) and for its thread
 * ({@link SharedQueue} checks both), so nothing else writes those words meanwhile. A Java
 * exception half-way is repaired at once as the next claim of the role would repair a dead
 * process's call ({@link #abandonPutOne}, {@link #abandonGetOne}): the role may pass to another
 * thread of this process, which does not claim through C.
 *
 * <p>The role guard. Where the kernel has the process barrier ({@code mproc_process_barrier}),
 * a one-to-one queue's calls run on {@link Memory#unguarded()}: the mapping without the FFM
 * liveness check of every access (see AddressMemory). With the common case written apart so
 * that the JIT inlines it ({@link #putOne}, {@link #getOne}), one thread's 64-byte put plus
 * poll through SharedQueue went from 36.9-37.1 to 28.7-29.3 ns (QueueOpsBench.oneToOne, FFM;
 * Agrona's write plus read 24.3-24.7; docs/benchmarks.md). What keeps the mapping mapped under
 * them instead is an asymmetric Dekker protocol: each call stores 1 in its role's busy word
 * (written by the role's one thread only, an opaque store: ordered for the compiler, no fence),
 * then reads the retired flag, and stores 0 (release) when done; {@link #retire} sets
 * the flag, runs the process barrier, which executes a full fence on every thread of
 * the process, and then waits for both busy words to read 0. A call whose busy store came
 * before a thread's barrier is seen and waited for; one whose store came after it reads
 * the flag as set and throws {@link org.mproc.ObjectClosedException} before touching the
 * mapping. The fast side thus pays two plain stores and a load per call, where a fence would
 * wait for the store buffer, and with it for the ring line the peer is polling. The same guard
 * ends, on JNA, the race in which a call that had not seen the close yet went on writing after
 * {@code close} gave the role back. Without the barrier (a kernel before 4.14, or a sandbox
 * that filters membarrier), calls run on the checked mapping as before, and that JNA race
 * remains.
 */
final class QueueRing extends QueueRingFields.PadAfterConsumer {
  /** {@link #tryGet}: nothing queued, and the queue is open. */
  static final int EMPTY = -1;

  /** {@link #tryPut}, {@link #tryGet}: the C function must decide. */
  static final int NATIVE = -2;

  /** {@link #tryPut}: the message was put. */
  static final int DONE = 0;

  /** Wakes sleepers on a word of the segment (a native call, so the caller guards it). */
  @FunctionalInterface
  interface Waker {
    /**
     * Wakes processes sleeping on the 4-byte word at a segment offset.
     *
     * @param offset the word's offset from the start of the segment
     * @param count how many sleepers to wake at most, at least 1
     */
    void wake(long offset, int count);
  }

  /* Header (docs/layout.md). */
  private static final long HDR_STATE = 16;
  private static final long HDR_DATA_OFFSET = 120;
  private static final int STATE_READY = 1;
  private static final int STATE_POISONED = 3;

  /* Queue body, offsets from data_offset. */
  private static final long PUT_LOCK = 0;
  private static final long TAIL = 16;
  private static final long PUTS = 24;
  private static final long PUT_INTENT_TAIL = 32;
  private static final long PUT_INTENT_PUTS = 40;
  private static final long GET_LOCK = 128;
  private static final long HEAD = 144;
  private static final long GETS = 152;
  private static final long GET_INTENT_HEAD = 160;
  private static final long GET_INTENT_GETS = 168;
  private static final long NOT_EMPTY_SEQ = 256;
  private static final long NOT_EMPTY_WAITERS = 260;
  private static final long NOT_FULL_SEQ = 384;
  private static final long NOT_FULL_WAITERS = 388;
  private static final long CAPACITY = 512;
  private static final long FLAGS = 524;
  private static final long RING = 1024;

  private static final int FLAG_ONE_TO_ONE = 2;
  private static final int REC_HDR = 8;
  private static final int REC_MSG = 1;
  private static final int REC_PAD = 2;
  private static final int CONTENDED = 0x8000_0000;

  private final Memory mem;
  /* One-to-one calls' memory: mem.unguarded() when guarded, else mem itself. */
  private final Memory fast;
  /* The role guard (class comment): whether one-to-one calls use it, and the process barrier.
     Its words are elements of `guard`, each 16 elements (128 bytes, a pair of cache lines, as
     in QueueRingFields) from the next and from the array's ends, so that each has its lines to
     itself: the producer's busy word (0 or 1, written by the producer's thread only), the
     retired flag (written once, read by every call) and the consumer's busy word. Were they
     fields, a producer and a consumer thread of one process would pass one line back and forth
     on every call. */
  private final boolean guarded;
  private final IntSupplier barrier;
  private final long[] guard = new long[65];
  private static final int PRODUCER = 16;
  private static final int RETIRED = 32;
  private static final int CONSUMER = 48;
  private static final VarHandle GUARD = MethodHandles.arrayElementVarHandle(long[].class);
  /* How long retire() waits for a call to leave before it gives up (see there). */
  private static final long RETIRE_WAIT_NS = 10_000_000_000L;

  private final Waker waker;
  private final int ownerWord;
  private final long maxMessage;
  private final long maxCount;
  /* One-to-one (docs/layout.md, "One-to-one queues"): no locks; lap-stamped headers. */
  private final boolean one;
  private final int lapShift;
  private final long cap;
  private final long mask;
  /* Absolute segment offsets of the body's words. */
  private final long putLock;
  private final long tail;
  private final long puts;
  private final long putIntentTail;
  private final long putIntentPuts;
  private final long getLock;
  private final long head;
  private final long gets;
  private final long getIntentHead;
  private final long getIntentGets;
  private final long notEmptySeq;
  private final long notEmptyWaiters;
  private final long notFullSeq;
  private final long notFullWaiters;
  private final long ring;

  /* The fields that change per message are in the superclasses (QueueRingFields, which says
     what they hold), each side's on cache lines of its own: headCache, getsCache, tailMine,
     putsMine and first for the producer, tailCache, nextHead, headMine and getsMine for the
     consumer. */
  private static final long UNKNOWN = QueueRingFields.UNKNOWN;

  private QueueRing(Memory mem, Waker waker, IntSupplier barrier, int ownerWord,
      long maxMessage, long maxCount, long body, long cap, boolean one) {
    this.mem = mem;
    this.one = one;
    this.barrier = barrier;
    // The first barrier registers the process with the kernel; 0 says it works here.
    this.guarded = one && barrier.getAsInt() == 0;
    this.fast = guarded ? mem.unguarded() : mem;
    this.lapShift = Long.numberOfTrailingZeros(cap);
    this.waker = waker;
    this.ownerWord = ownerWord;
    this.maxMessage = maxMessage;
    this.maxCount = maxCount;
    this.cap = cap;
    this.mask = cap - 1;
    this.putLock = body + PUT_LOCK;
    this.tail = body + TAIL;
    this.puts = body + PUTS;
    this.putIntentTail = body + PUT_INTENT_TAIL;
    this.putIntentPuts = body + PUT_INTENT_PUTS;
    this.getLock = body + GET_LOCK;
    this.head = body + HEAD;
    this.gets = body + GETS;
    this.getIntentHead = body + GET_INTENT_HEAD;
    this.getIntentGets = body + GET_INTENT_GETS;
    this.notEmptySeq = body + NOT_EMPTY_SEQ;
    this.notEmptyWaiters = body + NOT_EMPTY_WAITERS;
    this.notFullSeq = body + NOT_FULL_SEQ;
    this.notFullWaiters = body + NOT_FULL_WAITERS;
    this.ring = body + RING;
  }

  /**
   * Builds the fast path over a queue's mapping, or returns null when the mapping does not
   * agree with what the C handle validated (then every call goes native).
   *
   * @param mem the whole segment
   * @param waker wakes a sleeper through the native handle
   * @param barrier {@code mproc_process_barrier}: 0, or an error code where there is none
   * @param ownerWord the handle's lock word ({@code mproc_lock_owner_word})
   * @param capacity the ring's bytes, as the C handle has it
   * @param maxMessage the largest payload, as the C handle has it
   * @param maxCount the message-count bound, 0 for none
   * @return the fast path, or null
   */
  static QueueRing over(Memory mem, Waker waker, IntSupplier barrier, int ownerWord,
      long capacity, int maxMessage, long maxCount) {
    long body = mem.getLong(HDR_DATA_OFFSET);
    if (ownerWord == 0 || body < 0 || (body & 7) != 0 || Long.bitCount(capacity) != 1
        || body > mem.size() - RING - capacity || mem.getLong(body + CAPACITY) != capacity) {
      return null;
    }
    int flags = mem.getInt(body + FLAGS);
    return new QueueRing(mem, waker, barrier, ownerWord, Integer.toUnsignedLong(maxMessage),
        maxCount, body, capacity, (flags & FLAG_ONE_TO_ONE) != 0);
  }

  private static long recordSize(long len) {
    return (len + REC_HDR + 7) & ~7L;
  }

  /** Unsigned a <= b, as the C code compares its uint64_t positions. */
  private static boolean le(long a, long b) {
    return Long.compareUnsigned(a, b) <= 0;
  }

  /* --------------------------------------------------------------------------- put */

  /**
   * Puts a message if that needs no waiting, no wake-up of a lock waiter and no takeover. The
   * same as {@link #tryPutBatch} of one message, written out on its own: with the record code
   * in one method (the batch path's {@link #writeRecord} is too large for the JIT to inline)
   * a spinning round trip measured ~15% shorter.
   *
   * @param b the bytes
   * @param off the first
   * @param len how many, at most the queue's maximum (checked by the caller)
   * @return {@link #DONE} or {@link #NATIVE}
   */
  int tryPut(byte[] b, int off, int len) {
    return one ? tryPutOne(b, off, len) : tryPutLocked(b, off, len);
  }

  /* tryPut of a one-to-one queue: small enough, with putOne, for the JIT to inline into the
     caller (two calls per put had cost ~2-3 ns of ~15). */
  private int tryPutOne(byte[] b, int off, int len) {
    enter(PRODUCER);
    try {
      int r = putOne(b, off, len);
      if (r != DONE) {
        tailMine = UNKNOWN;
      }
      return r;
    } catch (RuntimeException | Error e) {
      tailMine = UNKNOWN;
      abandonPutOne(fast);
      throw e;
    } finally {
      exit(PRODUCER);
    }
  }

  private int tryPutLocked(byte[] b, int off, int len) {
    Memory m = mem;
    if (m.getInt(HDR_STATE) != STATE_READY || !m.compareAndSetInt(putLock, 0, ownerWord)) {
      return NATIVE; // closed or poisoned (C says which), or the lock is busy
    }
    boolean committed = false;
    long end;
    try {
      long t = m.getLong(tail); // only producers write it, under this lock
      long rec = recordSize(len);
      long idx = t & mask;
      long pad = idx + rec > cap ? cap - idx : 0;
      boolean room = (t & 7) == 0 && le(t + pad + rec - headCache, cap);
      if (!room && (t & 7) == 0) {
        headCache = m.getLong(head);
        room = le(t + pad + rec - headCache, cap);
      }
      if (room && maxCount != 0) {
        room = Long.compareUnsigned(m.getLong(puts) - committedGets(m), maxCount) < 0;
      }
      if (!room || m.getInt(HDR_STATE) != STATE_READY) {
        // Full (C waits), a misaligned tail (C poisons the queue), or closed meanwhile.
        committed = true; // nothing begun: plain release
        unlock(m, putLock);
        return NATIVE;
      }
      if (pad != 0) { // plain stores: the commit's first store, a release, publishes them
        m.setLongPlain(ring + idx, header(pad - REC_HDR, REC_PAD));
      }
      long r = ring + ((t + pad) & mask);
      m.setLongPlain(r, header(len, REC_MSG));
      if (len > 0) {
        m.putBytesPlain(b, off, r + REC_HDR, len);
      }
      long n0 = m.getLong(puts);
      end = t + pad + rec;
      commit(m, putIntentTail, putIntentPuts, tail, puts, end, n0, n0 + 1);
      committed = true;
      unlock(m, putLock); // a CAS: a full barrier before the waiter count is read
    } finally {
      if (!committed) {
        abandon(m, putLock, putIntentTail, putIntentPuts, tail, puts);
      }
    }
    notifyConsumers(m, 1, end);
    return DONE;
  }

  /**
   * Puts consecutive messages under one hold of the put lock with one commit for all of them
   * (docs/layout.md, "Queue body": a batch is published all at once, or not at all if this
   * process dies first): as many as fit now.
   *
   * @param b the bytes of all the messages, back to back
   * @param off where message {@code from} starts
   * @param lengths the messages' lengths, each at most the queue's maximum (checked by the
   *     caller)
   * @param from the first message to put
   * @param to one past the last
   * @return how many were put (from {@code from} on, possibly 0: C must decide on the next), or
   *     {@link #NATIVE} when the lock was busy or the queue not open
   */
  int tryPutBatch(byte[] b, int off, int[] lengths, int from, int to) {
    if (one) {
      enter(PRODUCER);
      try {
        int r = putBatchOne(b, off, lengths, from, to);
        if (r <= 0) {
          tailMine = UNKNOWN;
        }
        return r;
      } catch (RuntimeException | Error e) {
        tailMine = UNKNOWN;
        abandonPutOne(fast);
        throw e;
      } finally {
        exit(PRODUCER);
      }
    }
    Memory m = mem;
    if (m.getInt(HDR_STATE) != STATE_READY || !m.compareAndSetInt(putLock, 0, ownerWord)) {
      return NATIVE;
    }
    int k = 0;
    boolean released = false;
    long t;
    try {
      t = m.getLong(tail);
      long end;
      while (from + k < to && (end = writeRecord(m, t, k, b, off, lengths[from + k])) >= 0) {
        off += lengths[from + k];
        t = end;
        k++;
      }
      if (k > 0) {
        long n = m.getLong(puts);
        commit(m, putIntentTail, putIntentPuts, tail, puts, t, n, n + k);
      }
      released = true;
      unlock(m, putLock);
    } finally {
      if (!released) {
        abandon(m, putLock, putIntentTail, putIntentPuts, tail, puts);
      }
    }
    if (k > 0) {
      notifyConsumers(m, k, t);
    }
    return k;
  }

  /**
   * Under the put lock: writes a record (and the padding before it) at ring position {@code t},
   * unpublished, if it fits now and the queue is open.
   *
   * @param t where the record goes: {@code tail}, or past the batch's earlier records
   * @param earlier records of this batch written and not yet committed
   * @return the position after the record, or -1, having written nothing, when the queue is
   *     full, closed, or its tail is misaligned (which C then reports as corruption)
   */
  private long writeRecord(Memory m, long t, int earlier, byte[] b, int off, int len) {
    long rec = recordSize(len);
    long idx = t & mask;
    long pad = idx + rec > cap ? cap - idx : 0;
    boolean room = (t & 7) == 0 && le(t + pad + rec - headCache, cap);
    if (!room && (t & 7) == 0) {
      headCache = m.getLong(head);
      room = le(t + pad + rec - headCache, cap);
    }
    if (room && maxCount != 0) {
      room = Long.compareUnsigned(m.getLong(puts) + earlier - committedGets(m), maxCount) < 0;
    }
    // The state is read under the lock, as C does, once per hold: a batch is one put.
    if (!room || (earlier == 0 && m.getInt(HDR_STATE) != STATE_READY)) {
      return -1;
    }
    // Plain stores: the commit's first store, a release, publishes them all.
    if (pad != 0) {
      m.setLongPlain(ring + idx, header(pad - REC_HDR, REC_PAD));
    }
    long r = ring + ((t + pad) & mask);
    m.setLongPlain(r, header(len, REC_MSG));
    if (len > 0) {
      m.putBytesPlain(b, off, r + REC_HDR, len);
    }
    return t + pad + rec;
  }

  /** A record header as one little-endian long: u32 length, then u32 type. */
  private static long header(long len, int type) {
    return ((long) type << 32) | (len & 0xFFFF_FFFFL);
  }

  /* --------------------------------------------------------------------------- get */

  /**
   * The queue's count of messages ever taken, as last stored (a blocking get's test for a
   * stream; not exact while a get is in flight or was left by a dead consumer).
   *
   * @return the {@code gets} word
   */
  long takenCount() {
    return mem.getLong(gets);
  }

  /**
   * Whether a message may be queued: tail read ahead of head. Reads no lock; a spinning
   * consumer's test.
   *
   * @return true when a get may find something (or the queue changed state)
   */
  boolean maybeNonEmpty() {
    Memory m = mem;
    if (one) {
      return m.getLong(ring + (m.getLong(head) & mask)) != 0
          || m.getInt(HDR_STATE) != STATE_READY;
    }
    return m.getLong(tail) != m.getLong(head) || m.getInt(HDR_STATE) != STATE_READY;
  }

  /**
   * Takes (or peeks at) the oldest message into {@code buf} if that needs no waiting and no
   * takeover. Written out on its own rather than as a batch of one, as {@link #tryPut}.
   *
   * @param buf the destination
   * @param remove false to leave it queued
   * @return the message's length, {@link #EMPTY}, or {@link #NATIVE} (busy lock, closed or
   *     poisoned queue, malformed record, buffer too short)
   */
  int tryGet(byte[] buf, boolean remove) {
    return one ? tryGetOne(buf, remove) : tryGetLocked(buf, remove);
  }

  /* tryGet of a one-to-one queue: small enough to inline, as tryPutOne. */
  private int tryGetOne(byte[] buf, boolean remove) {
    enter(CONSUMER);
    try {
      int r = getOne(buf, remove);
      if (r < 0) {
        headMine = UNKNOWN;
      }
      return r;
    } catch (RuntimeException | Error e) {
      headMine = UNKNOWN;
      abandonGetOne(fast);
      throw e;
    } finally {
      exit(CONSUMER);
    }
  }

  private int tryGetLocked(byte[] buf, boolean remove) {
    Memory m = mem;
    if (m.getInt(HDR_STATE) == STATE_POISONED) {
      return NATIVE;
    }
    // The lock first, as C does: a consumer polling an empty queue then holds it when the
    // message arrives, and goes from seeing it to copying it with no atomic instruction in
    // between (measured: ~30 ns of a ~300 ns round trip, against checking tail unlocked first).
    if (!m.compareAndSetInt(getLock, 0, ownerWord)) {
      // Busy: another consumer copies, or a dead owner awaits takeover. An empty queue is an
      // answer all the same (head first, then tail: equal means empty at that moment), so a
      // poll never waits for another consumer's lock to say so.
      long h0 = m.getLong(head);
      return m.getLong(tail) == h0 && m.getInt(HDR_STATE) == STATE_READY ? EMPTY : NATIVE;
    }
    boolean committed = false;
    try {
      long h = m.getLong(head); // only consumers write it, under this lock
      if (Long.compareUnsigned(tailCache, h) <= 0) {
        tailCache = m.getLong(tail);
      }
      long t = tailCache;
      if (t == h) {
        committed = true;
        unlock(m, getLock);
        return m.getInt(HDR_STATE) == STATE_READY ? EMPTY : NATIVE;
      }
      // Everything between head and tail was written by a producer that completed its put;
      // still, the bytes are another process's, so check them as C does, and let C poison the
      // queue if they are wrong.
      long got = -1;
      if (le(t - h, cap) && (h & 7) == 0) {
        long idx = h & mask;
        long hd = m.getLongPlain(ring + idx); // below an acquired tail: plain
        long l = hd & 0xFFFF_FFFFL;
        int type = (int) (hd >>> 32);
        boolean ok = true;
        if (type == REC_PAD) {
          ok = l + REC_HDR == cap - idx && le(h + cap - idx, t);
          h += cap - idx;
          idx = 0;
          hd = m.getLongPlain(ring);
          l = hd & 0xFFFF_FFFFL;
          type = (int) (hd >>> 32);
        }
        long rec = recordSize(l);
        if (ok && type == REC_MSG && l <= maxMessage && le(h + rec, t) && idx + rec <= cap
            && l <= buf.length) {
          if (l > 0) {
            m.getBytesPlain(ring + idx + REC_HDR, buf, 0, (int) l);
          }
          if (remove) {
            long n0 = m.getLong(gets);
            commit(m, getIntentHead, getIntentGets, head, gets, h + rec, n0, n0 + 1);
          }
          got = l;
        }
      }
      committed = true;
      unlock(m, getLock);
      if (got < 0) {
        return NATIVE; // malformed (C poisons the queue) or too long for buf (C says how long)
      }
      if (remove) {
        notify(m, notFullSeq, notFullWaiters, 1);
      }
      return (int) got;
    } finally {
      if (!committed) {
        abandon(m, getLock, getIntentHead, getIntentGets, head, gets);
      }
    }
  }

  /**
   * Takes consecutive messages under one hold of the get lock with one commit for all of them
   * (a consumer that dies before it leaves the whole batch queued), packing them back to back
   * into {@code buf} from {@code off}: as many as are queued, fit in what is left of
   * {@code buf}, and have a slot in {@code lengths}.
   *
   * @param buf the destination
   * @param off where the first message goes
   * @param lengths receives each message's length, from index {@code from}
   * @param from the first slot of {@code lengths} to fill
   * @param to one past the last slot to fill
   * @return how many were taken (at least 1), {@link #EMPTY}, or {@link #NATIVE} when C must
   *     decide on the first (busy lock, closed or poisoned queue, malformed record, buffer too
   *     short); a message that cannot be taken after the first ends the batch and stays queued
   */
  int tryGetBatch(byte[] buf, int off, int[] lengths, int from, int to) {
    if (one) {
      enter(CONSUMER);
      try {
        int r = getBatchOne(buf, off, lengths, from, to);
        if (r <= 0) {
          headMine = UNKNOWN;
        }
        return r;
      } catch (RuntimeException | Error e) {
        headMine = UNKNOWN;
        abandonGetOne(fast);
        throw e;
      } finally {
        exit(CONSUMER);
      }
    }
    Memory m = mem;
    if (m.getInt(HDR_STATE) == STATE_POISONED) {
      return NATIVE;
    }
    if (!m.compareAndSetInt(getLock, 0, ownerWord)) {
      return busyAnswer(m);
    }
    int k = 0;
    long first;
    boolean released = false;
    try {
      long h = m.getLong(head); // only consumers write it, under this lock
      first = readRecord(m, h, buf, off, buf.length - off);
      long l = first;
      while (l >= 0) {
        lengths[from + k++] = (int) l;
        off += (int) l;
        h = nextHead;
        l = from + k < to ? readRecord(m, h, buf, off, buf.length - off) : -1;
      }
      if (k > 0) {
        long n = m.getLong(gets);
        commit(m, getIntentHead, getIntentGets, head, gets, h, n, n + k);
      }
      released = true;
      unlock(m, getLock);
    } finally {
      if (!released) {
        abandon(m, getLock, getIntentHead, getIntentGets, head, gets);
      }
    }
    int r = finishGet(m, first, k);
    return r >= 0 ? k : r;
  }

  /* The get lock is busy: another consumer copies, or a dead owner awaits takeover. An empty
     queue is an answer all the same (head first, then tail: equal means empty at that moment),
     so a poll never waits for another consumer's lock to say so. */
  private int busyAnswer(Memory m) {
    long h0 = m.getLong(head);
    return m.getLong(tail) == h0 && m.getInt(HDR_STATE) == STATE_READY ? EMPTY : NATIVE;
  }

  /**
   * After the get lock is released: the answer for a get whose first record gave {@code got},
   * and the wake-up of producers waiting for the room {@code taken} messages freed.
   */
  private int finishGet(Memory m, long got, int taken) {
    if (got == EMPTY) {
      return m.getInt(HDR_STATE) == STATE_READY ? EMPTY : NATIVE;
    }
    if (got < 0) {
      return NATIVE; // malformed (C poisons the queue) or too long for buf (C says how long)
    }
    if (taken > 0) {
      notify(m, notFullSeq, notFullWaiters, taken);
    }
    return (int) got;
  }

  /**
   * Under the get lock: copies the record at ring position {@code h} into {@code buf} and sets
   * {@link #nextHead} to the position after it. Nothing is committed.
   *
   * @param h {@code head}, or past the batch's earlier records
   * @return its length, {@link #EMPTY} when nothing is queued at {@code h}, or {@link #NATIVE}
   *     when it is malformed or longer than {@code room}
   */
  private long readRecord(Memory m, long h, byte[] buf, int off, int room) {
    if (Long.compareUnsigned(tailCache, h) <= 0) {
      tailCache = m.getLong(tail);
    }
    long t = tailCache;
    if (t == h) {
      return EMPTY;
    }
    // Everything between head and tail was written by a producer that completed its put;
    // still, the bytes are another process's, so check them as C does, and let C poison the
    // queue if they are wrong.
    if (!le(t - h, cap) || (h & 7) != 0) {
      return NATIVE;
    }
    long idx = h & mask;
    // Plain loads: tail was read with acquire ordering (now or earlier in program order), and
    // everything before it was published by the release store of tail.
    long hd = m.getLongPlain(ring + idx);
    long l = hd & 0xFFFF_FFFFL;
    int type = (int) (hd >>> 32);
    boolean ok = true;
    if (type == REC_PAD) {
      ok = l + REC_HDR == cap - idx && le(h + cap - idx, t);
      h += cap - idx;
      idx = 0;
      hd = m.getLongPlain(ring);
      l = hd & 0xFFFF_FFFFL;
      type = (int) (hd >>> 32);
    }
    long rec = recordSize(l);
    if (!ok || type != REC_MSG || l > maxMessage || !le(h + rec, t) || idx + rec > cap
        || l > room) {
      return NATIVE;
    }
    if (l > 0) {
      m.getBytesPlain(ring + idx + REC_HDR, buf, off, (int) l);
    }
    nextHead = h + rec;
    return l;
  }

  /**
   * Waits, at most {@code timeoutNs}, until neither lock is held through this handle: a put or a
   * get in progress on another thread of this process then finishes before the handle closes,
   * instead of leaving its lock to a takeover.
   *
   * @param timeoutNs the most to wait
   */
  void awaitUnlocked(long timeoutNs) {
    if (one) {
      return; // the roles stay held by this handle until it closes; nothing to wait for
    }
    long deadline = System.nanoTime() + timeoutNs;
    while (((mem.getInt(putLock) & ~CONTENDED) == ownerWord
            || (mem.getInt(getLock) & ~CONTENDED) == ownerWord)
        && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  /* --------------------------------------------------------------------------- one-to-one */

  /*
   * The role guard's entry (class comment): the busy store, then the retired check. The order
   * of the two for the compiler is a HotSpot property, not a Java memory model guarantee:
   * opaque accesses to two different variables may be reordered by the model, but HotSpot's
   * interpreter and C1 run them as volatile accesses, and C2 brackets each with a CPU-order
   * barrier that nothing crosses; x86 keeps a store before a later load except for its store
   * buffer, which the process barrier drains. Throws when closed, before touching the mapping;
   * whatever it throws, the busy word is 0 again.
   */
  private void enter(int busy) {
    if (guarded) {
      GUARD.setOpaque(guard, busy, 1L);
      boolean closed = true;
      try {
        closed = (long) GUARD.getOpaque(guard, RETIRED) != 0;
      } finally {
        if (closed) {
          GUARD.setRelease(guard, busy, 0L);
        }
      }
      if (closed) {
        throw Native.closed();
      }
    }
  }

  /* The role guard's exit: every access of the call happens before it. */
  private void exit(int busy) {
    if (guarded) {
      GUARD.setRelease(guard, busy, 0L);
    }
  }

  /**
   * Ends the one-to-one calls' use of the mapping before it is closed: returns true once no
   * call runs on it, and every later call throws {@link org.mproc.ObjectClosedException}
   * without touching it. Calls never block (waits happen in C), so this waits for a copy's time
   * at most; after {@link #RETIRE_WAIT_NS} it returns false instead, and the caller must then
   * leave the mapping mapped (a thread that died inside a call, of an error thrown where the
   * busy word could not be reset, would otherwise hold close for ever).
   *
   * @return true when the mapping may go
   */
  boolean retire() {
    if (!guarded) {
      return true;
    }
    GUARD.setVolatile(guard, RETIRED, 1L);
    if (barrier.getAsInt() != 0) {
      // Registered at construction, so this cannot fail; were it to, a store buffer drains
      // within microseconds: wait far longer than that instead.
      LockSupport.parkNanos(1_000_000);
    }
    long deadline = System.nanoTime() + RETIRE_WAIT_NS;
    while ((long) GUARD.getVolatile(guard, PRODUCER) != 0
        || (long) GUARD.getVolatile(guard, CONSUMER) != 0) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.onSpinWait();
      Thread.yield();
    }
    return true;
  }

  /**
   * Whether this ring's one-to-one calls run under the role guard, on the unguarded mapping.
   *
   * @return true where the process barrier works and the queue is one-to-one
   */
  boolean guarded() {
    return guarded;
  }

  /**
   * Whether the queue is one-to-one: then the caller must hold the role of each call's side,
   * for this handle ({@code mproc_queue_claim}) and for this thread (one thread at a time).
   *
   * @return true for a one-to-one queue
   */
  boolean oneToOne() {
    return one;
  }

  /**
   * One-to-one queues: a thread claims a role (through C, or from a thread of this process
   * that ended): that side's next call reads tail and puts, or head and gets, from the
   * segment, since another handle may have moved them while this one did not hold the role.
   *
   * @param producer the producer's side, else the consumer's
   */
  void forgetPositions(boolean producer) {
    if (producer) {
      tailMine = UNKNOWN;
    } else {
      headMine = UNKNOWN;
    }
  }

  /** A one-to-one header: u32 length, then u32 type | lap << 2 (the lap of position pos). */
  private long oneHeader(long pos, long len, int type) {
    long lap = (pos >>> lapShift) & 0x3FFF_FFFFL;
    return ((type | (lap << 2)) << 32) | (len & 0xFFFF_FFFFL);
  }

  /** The type of a one-to-one header read at pos, or 0 when its lap stamp is not pos's. */
  private int oneType(long pos, long hw) {
    long w = hw >>> 32;
    return (w >>> 2) == ((pos >>> lapShift) & 0x3FFF_FFFFL) ? (int) (w & 3) : 0;
  }

  /**
   * Under the producer role: writes a record (and its padding) at {@code t} if it fits now with
   * the zero slot after it, all but the first header of the put (returned in {@link #first}).
   *
   * @param t where it goes
   * @param start where the put began (the position of the header that publishes)
   * @param earlier records of this put already written
   * @return the position after it, or -1 when there is no room (nothing written)
   */
  private long writeOne(Memory m, long t, long start, long n0, int earlier, byte[] b, int off,
      int len) {
    long rec = recordSize(len);
    long idx = t & mask;
    long pad = idx + rec > cap ? cap - idx : 0;
    long need = pad + rec + REC_HDR;
    boolean room = le(t + need - headCache, cap);
    if (!room) {
      headCache = m.getLong(head);
      room = le(t + need - headCache, cap);
    }
    if (room && maxCount != 0 && Long.compareUnsigned(n0 + earlier - getsCache, maxCount) >= 0) {
      getsCache = committedGets(m);
      room = Long.compareUnsigned(n0 + earlier - getsCache, maxCount) < 0;
    }
    if (!room) {
      return -1;
    }
    if (pad != 0) {
      long hw = oneHeader(t, pad - REC_HDR, REC_PAD);
      if (t == start) {
        first = hw;
      } else {
        m.setLongPlain(ring + idx, hw);
      }
    }
    long at = (t + pad) & mask;
    if (len > 0) {
      m.putBytesPlain(b, off, ring + at + REC_HDR, len);
    }
    long hw = oneHeader(t + pad, len, REC_MSG);
    if (t + pad == start) {
      first = hw;
    } else {
      m.setLongPlain(ring + at, hw);
    }
    return t + pad + rec;
  }

  /**
   * Publishes what writeOne wrote from {@code start} to {@code end}: zero slot, intent, puts,
   * the first header (the commit point), tail; then wakes a sleeping consumer. C's put_one.
   */
  private void publishOne(Memory m, long start, long end, long n0, int k) {
    m.setLongPlain(ring + (end & mask), 0);
    m.setLongPlain(putIntentPuts, n0);
    m.setLongRelease(putIntentTail, end);
    m.setLongRelease(puts, n0 + k);
    m.setLongRelease(ring + (start & mask), first);
    m.setLongRelease(tail, end);
    notifyOne(m, notEmptySeq);
  }

  /**
   * The single put of a one-to-one queue, its common case only (no wrap, room by the cached
   * head, no count bound), written out so that the JIT inlines it; {@link #putOneFully} takes
   * every other case. Same stores in the same order as C's put_one.
   */
  private int putOne(byte[] b, int off, int len) {
    Memory m = fast;
    long t = tailMine; // only this handle writes tail and puts
    long rec = recordSize(len);
    long idx = t & mask;
    long end = t + rec;
    // The common case only: positions known, no wrap, room by the cached head, no count bound.
    if (t == UNKNOWN || idx + rec > cap || !le(end + REC_HDR - headCache, cap) || maxCount != 0
        || m.getInt(HDR_STATE) != STATE_READY) {
      return putOneFully(b, off, len);
    }
    long n0 = putsMine;
    long at = ring + idx;
    if (len > 0) {
      m.putBytesPlain(b, off, at + REC_HDR, len);
    }
    m.setLongPlain(ring + (end & mask), 0);
    m.setLongPlain(putIntentPuts, n0);
    m.setLongRelease(putIntentTail, end);
    m.setLongRelease(puts, n0 + 1);
    m.setLongRelease(at, oneHeader(t, len, REC_MSG)); // the commit point
    m.setLongRelease(tail, end);
    tailMine = end;
    putsMine = n0 + 1;
    notifyOne(m, notEmptySeq);
    return DONE;
  }

  /**
   * The single put of a one-to-one queue in every case (positions to read, a wrap, a full ring,
   * a count bound): writeOne and publishOne written out in one method, as
   * {@link #tryPutLocked} is for the locked queue (writeOne is too large for the JIT to inline,
   * and each call boundary repeats the segment's checks).
   */
  private int putOneFully(byte[] b, int off, int len) {
    Memory m = fast;
    long t = tailMine;
    long n0 = putsMine;
    if (t == UNKNOWN) {
      t = m.getLongPlain(tail);
      n0 = m.getLongPlain(puts);
    }
    if (m.getInt(HDR_STATE) != STATE_READY || (t & 7) != 0) {
      return NATIVE;
    }
    long rec = recordSize(len);
    long idx = t & mask;
    long pad = idx + rec > cap ? cap - idx : 0;
    long end = t + pad + rec;
    if (!le(end + REC_HDR - headCache, cap)) {
      headCache = m.getLong(head);
      if (!le(end + REC_HDR - headCache, cap)) {
        return NATIVE; // full: C waits
      }
    }
    if (maxCount != 0 && Long.compareUnsigned(n0 - getsCache, maxCount) >= 0) {
      getsCache = committedGets(m);
      if (Long.compareUnsigned(n0 - getsCache, maxCount) >= 0) {
        return NATIVE;
      }
    }
    long at = (t + pad) & mask;
    if (len > 0) {
      m.putBytesPlain(b, off, ring + at + REC_HDR, len);
    }
    long hw = oneHeader(t + pad, len, REC_MSG);
    if (pad != 0) { // the message at 0 first; the padding at t publishes it
      m.setLongPlain(ring + at, hw);
      hw = oneHeader(t, pad - REC_HDR, REC_PAD);
    }
    m.setLongPlain(ring + (end & mask), 0);
    m.setLongPlain(putIntentPuts, n0);
    m.setLongRelease(putIntentTail, end);
    m.setLongRelease(puts, n0 + 1);
    m.setLongRelease(ring + idx, hw); // the commit point
    m.setLongRelease(tail, end);
    tailMine = end;
    putsMine = n0 + 1;
    notifyOne(m, notEmptySeq);
    return DONE;
  }

  private int putBatchOne(byte[] b, int off, int[] lengths, int from, int to) {
    Memory m = fast;
    long start = tailMine;
    long n0 = putsMine;
    if (start == UNKNOWN) {
      start = m.getLongPlain(tail);
      n0 = m.getLongPlain(puts);
    }
    if (m.getInt(HDR_STATE) != STATE_READY || (start & 7) != 0) {
      return NATIVE;
    }
    long t = start;
    long end;
    int k = 0;
    while (from + k < to
        && (end = writeOne(m, t, start, n0, k, b, off, lengths[from + k])) >= 0) {
      off += lengths[from + k];
      t = end;
      k++;
    }
    if (k > 0) {
      publishOne(m, start, t, n0, k);
      tailMine = t;
      putsMine = n0 + k;
    }
    return k;
  }

  /**
   * Under the consumer role: the record at {@code h} into {@code buf} at {@code off}, setting
   * {@link #nextHead}; nothing is committed.
   *
   * @return its length, {@link #EMPTY} (a zero header), or {@link #NATIVE} (malformed, which
   *     C then reports as corruption, or longer than {@code room})
   */
  private long readOne(Memory m, long h, byte[] buf, int off, int room) {
    long idx = h & mask;
    long hw = m.getLong(ring + idx); // acquire: the producer's commit point
    if (hw == 0) {
      return EMPTY;
    }
    long at = h;
    int type = oneType(h, hw);
    if (type == REC_PAD) {
      if ((hw & 0xFFFF_FFFFL) + REC_HDR != cap - idx) {
        return NATIVE;
      }
      at = h + cap - idx;
      idx = 0;
      hw = m.getLongPlain(ring); // written before the padding's release store
      type = oneType(at, hw);
    }
    long l = hw & 0xFFFF_FFFFL;
    long rec = recordSize(l);
    if (type != REC_MSG || l > maxMessage || idx + rec > cap || l > room) {
      return NATIVE;
    }
    if (l > 0) {
      m.getBytesPlain(ring + idx + REC_HDR, buf, off, (int) l);
    }
    nextHead = at + rec;
    return l;
  }

  /* C's get_one commit from gets g: intent, gets, head (the commit point); then wakes a
     waiting producer. */
  private void commitGetOne(Memory m, long g, long h, int k) {
    m.setLongPlain(getIntentGets, g);
    m.setLongRelease(getIntentHead, h);
    m.setLongRelease(gets, g + k);
    m.setLongRelease(head, h);
    headMine = h;
    getsMine = g + k;
    notifyOne(m, notFullSeq);
  }

  /**
   * The single get of a one-to-one queue, its common case only (a message record that fits
   * {@code buf}, taken) and an empty queue, written out so that the JIT inlines it;
   * {@link #getOneFully} takes every other case.
   */
  private int getOne(byte[] buf, boolean remove) {
    Memory m = fast;
    long h = headMine; // only this handle writes head and gets
    long g = getsMine;
    if (h == UNKNOWN) { // after every result but a message (an empty poll, say)
      h = m.getLongPlain(head);
      g = m.getLongPlain(gets);
      if ((h & 7) != 0) {
        return NATIVE; // a scribbled head: C poisons the queue
      }
    }
    long idx = h & mask;
    long hw = m.getLong(ring + idx); // acquire: the producer's commit point
    if (hw == 0) {
      return m.getInt(HDR_STATE) == STATE_READY ? EMPTY : NATIVE;
    }
    long l = hw & 0xFFFF_FFFFL;
    long rec = recordSize(l);
    // The common case only: a message record (no padding) of a sound length that fits buf.
    if (!remove || oneType(h, hw) != REC_MSG || l > maxMessage
        || idx + rec > cap || l > buf.length || m.getInt(HDR_STATE) == STATE_POISONED) {
      return getOneFully(buf, remove, h, g, hw);
    }
    if (l > 0) {
      m.getBytesPlain(ring + idx + REC_HDR, buf, 0, (int) l);
    }
    commitGetOne(m, g, h + rec, 1);
    return (int) l;
  }

  /**
   * The rest of {@link #getOne}, for every case but the common one: padding, a peek, a poisoned
   * queue, a bad record, a buffer too short. readOne and commitGetOne written out (as
   * putOneFully).
   *
   * @param h head, aligned
   * @param g gets
   * @param hw the nonzero header getOne read at {@code h}
   */
  private int getOneFully(byte[] buf, boolean remove, long h, long g, long hw) {
    Memory m = fast;
    long idx = h & mask;
    if (m.getInt(HDR_STATE) == STATE_POISONED) {
      return NATIVE;
    }
    long at = h;
    int type = oneType(h, hw);
    if (type == REC_PAD) {
      if ((hw & 0xFFFF_FFFFL) + REC_HDR != cap - idx) {
        return NATIVE;
      }
      at = h + cap - idx;
      idx = 0;
      hw = m.getLongPlain(ring); // written before the padding's release store
      type = oneType(at, hw);
    }
    long l = hw & 0xFFFF_FFFFL;
    long rec = recordSize(l);
    if (type != REC_MSG || l > maxMessage || idx + rec > cap || l > buf.length) {
      return NATIVE; // malformed (C poisons the queue) or too long for buf (C says how long)
    }
    if (l > 0) {
      m.getBytesPlain(ring + idx + REC_HDR, buf, 0, (int) l);
    }
    if (remove) {
      commitGetOne(m, g, at + rec, 1);
    }
    return (int) l;
  }

  private int getBatchOne(byte[] buf, int off, int[] lengths, int from, int to) {
    Memory m = fast;
    if (m.getInt(HDR_STATE) == STATE_POISONED) {
      return NATIVE;
    }
    long h = headMine;
    long g = getsMine;
    if (h == UNKNOWN) {
      h = m.getLongPlain(head);
      g = m.getLongPlain(gets);
    }
    if ((h & 7) != 0) {
      return NATIVE;
    }
    long firstLen = readOne(m, h, buf, off, buf.length - off);
    int k = 0;
    long l = firstLen;
    while (l >= 0) {
      lengths[from + k++] = (int) l;
      off += (int) l;
      h = nextHead;
      l = from + k < to ? readOne(m, h, buf, off, buf.length - off) : -1;
    }
    if (k > 0) {
      commitGetOne(m, g, h, k);
      return k;
    }
    if (firstLen == EMPTY) {
      return m.getInt(HDR_STATE) == STATE_READY ? EMPTY : NATIVE;
    }
    return NATIVE;
  }

  /**
   * C's notify_one: wakes the other side's sleeper only if it armed its sequence word (odd),
   * disarming it with a CAS to the next, even value, so that one sleep costs one wake-up call
   * however many commits come before the sleeper runs (docs/layout.md, "One-to-one queues").
   * The commit was a release store, not a full barrier; the word is read after it in program
   * order (a sleeper outlasts a commit still in the store buffer). A failed CAS means the word
   * moved: the sleeper was woken by a state change.
   */
  private void notifyOne(Memory m, long seq) {
    int s = m.getInt(seq);
    if ((s & 1) != 0 && m.compareAndSetInt(seq, s, s + 1)) {
      waker.wake(seq, Integer.MAX_VALUE);
    }
  }

  /**
   * After an exception inside a one-to-one put: C's repair_put, which the next claim of the
   * role would run (a put whose first header is published, or already consumed, is finished;
   * any other is undone). The role stays with this handle and may pass to another thread, which
   * does not claim through C, so the repair cannot wait for a claim. Best effort, as abandon.
   */
  private void abandonPutOne(Memory m) {
    try {
      long t = m.getLong(tail);
      long it = m.getLong(putIntentTail);
      if (!pending(it, t)) {
        return;
      }
      if ((t & 7) == 0 && (m.getLong(ring + (t & mask)) != 0
          || Long.compareUnsigned(m.getLong(head), t) > 0)) {
        m.setLongRelease(tail, it);
      } else {
        m.setLongRelease(puts, m.getLong(putIntentPuts));
        m.setLongRelease(putIntentTail, t);
      }
    } catch (RuntimeException | Error e) {
      // the original exception is the one to report
    }
  }

  /** After an exception inside a one-to-one get: C's repair_get (the get did not happen). */
  private void abandonGetOne(Memory m) {
    try {
      long h = m.getLong(head);
      if (pending(m.getLong(getIntentHead), h)) {
        m.setLongRelease(gets, m.getLong(getIntentGets));
        m.setLongRelease(getIntentHead, h);
      }
    } catch (RuntimeException | Error e) {
      // the original exception is the one to report
    }
  }

  /* --------------------------------------------------------------------------- protocol */

  /**
   * C's commit(): intent count (the count before), intent position, count, position (the commit
   * point); one commit may cover several records.
   */
  private static void commit(Memory m, long intentPos, long intentCount, long pos, long count,
      long newPos, long oldCount, long newCount) {
    m.setLongRelease(intentCount, oldCount);
    m.setLongRelease(intentPos, newPos);
    m.setLongRelease(count, newCount);
    m.setLongRelease(pos, newPos);
  }

  /** C's pending(): an intent ahead of its position by at most the ring. */
  private boolean pending(long intentPos, long pos) {
    return Long.compareUnsigned(intentPos, pos) > 0 && le(intentPos - pos, cap);
  }

  /** C's committed_gets(): gets, or the intent's count while a commit is pending. */
  private long committedGets(Memory m) {
    for (;;) {
      long c = m.getLong(gets);
      long p = m.getLong(head);
      long ip = m.getLong(getIntentHead);
      long ic = m.getLong(getIntentGets);
      if (pending(ip, p)) {
        return ic;
      }
      if (m.getLong(gets) == c) { // else a repair undid a dead consumer's count meanwhile
        return c;
      }
    }
  }

  /**
   * C's release: CAS owner word → 0; if a waiter marked the word contended, CAS that word → 0
   * and wake one sleeper. OWNER_DIED is never set here: this class only ever takes a free lock,
   * and a free lock's flag is clear (every release clears it before freeing the word).
   */
  private void unlock(Memory m, long lock) {
    if (m.compareAndSetInt(lock, ownerWord, 0)) {
      return;
    }
    int v;
    do {
      v = m.getInt(lock);
      if ((v & ~CONTENDED) != ownerWord) {
        return; // not ours any more (cannot happen while this handle is open)
      }
    } while (!m.compareAndSetInt(lock, v, 0));
    if ((v & CONTENDED) != 0) {
      waker.wake(lock, 1);
    }
  }

  /**
   * C's notify(): wakes sleepers of a condition if anyone sleeps (one per message made
   * available); one load if nobody does.
   */
  private void notify(Memory m, long seq, long waiters, int count) {
    int w = m.getInt(waiters);
    if (w != 0) {
      m.getAndAddInt(seq, 1);
      waker.wake(seq, Math.min(count, Math.max(w, 1)));
    }
  }

  /**
   * C's notify_consumers: {@link #notify} for the consumers after a put that committed up
   * to {@code end}, skipping the wake-ups that can only be redundant. A wake at a waiter count
   * of 1 remembers {@code head} if it was below {@code end} (a message untaken); while the
   * count stays 1 and {@code head} stays there, nothing was taken, the queue never emptied, no
   * consumer went to sleep since, and the one woken is still on its way. See queue.c.
   */
  private void notifyConsumers(Memory m, int count, long end) {
    int w = m.getInt(notEmptyWaiters);
    if (w == 0) {
      return;
    }
    long h = m.getLong(head);
    if (w == 1 && wokeAtHead == (h | 1)) {
      return;
    }
    wokeAtHead = w == 1 && end - h > 0 ? h | 1 : 0;
    m.getAndAddInt(notEmptySeq, 1);
    waker.wake(notEmptySeq, Math.min(count, Math.max(w, 1)));
  }

  /**
   * After an exception inside the locked region: what a takeover would do (undo a half-made
   * commit), then release. Best effort: a closed mapping leaves the lock to the takeover.
   */
  private void abandon(Memory m, long lock, long intentPos, long intentCount, long pos,
      long count) {
    try {
      long want = m.getLong(intentPos);
      long now = m.getLong(pos);
      if (pending(want, now)) {
        m.setLongRelease(count, m.getLong(intentCount));
        m.setLongRelease(intentPos, now);
      }
      unlock(m, lock);
    } catch (RuntimeException | Error e) {
      // the original exception is the one to report
    }
  }
}
