package org.mproc.queue;

/**
 * {@link QueueRing}'s fields that change per message, each side's on cache lines of its own.
 *
 * <p>A producer thread and a consumer thread of one process often share one {@link
 * SharedQueue}, and so one {@code QueueRing}. Its producer writes its remembered tail and count
 * on every put and its consumer its remembered head and count on every get; as neighbouring
 * fields of one object they would share a cache line, which the two threads' CPUs would then
 * pass back and forth on every message though neither reads what the other writes. So the
 * fields live in this chain of superclasses: HotSpot lays out a superclass's fields before its
 * subclass's, and 128 bytes of padding before, between and after the two groups keep each group
 * off the lines (and, on CPUs that fetch lines in pairs, off the 128-byte pairs) that hold what
 * the other side writes. ({@code @Contended} does the same, but outside the JDK it needs
 * {@code -XX:-RestrictContended}.) The final fields of {@code QueueRing} itself, read by both
 * sides and written by neither, come after the last padding. {@code QueueRingLayoutTest}
 * checks the offsets.
 *
 * <p>The fields are package-private so that {@code QueueRing} (the producer's and consumer's
 * protocol state) and {@code SharedQueue} (the consumer's spin state) can use them; nothing
 * else in the package may.
 */
final class QueueRingFields {
  /** A position or count to read from the segment: positions are multiples of 8. */
  static final long UNKNOWN = -1;

  private QueueRingFields() {}

  /** 128 bytes between the object header (and whatever precedes) and the producer's fields. */
  abstract static class PadBeforeProducer {
    long p000;
    long p001;
    long p002;
    long p003;
    long p004;
    long p005;
    long p006;
    long p007;
    long p008;
    long p009;
    long p010;
    long p011;
    long p012;
    long p013;
    long p014;
    long p015;
  }

  /**
   * Written by the thread that puts (under the put lock on a locked queue).
   *
   * <p>One-to-one queues: {@code tailMine} and {@code putsMine} (and the consumer's {@code
   * headMine} and {@code getsMine}) are tail and puts (head and gets) as this handle last
   * stored them, or {@code UNKNOWN}: read them from the segment. Only the role's holder writes
   * them, so while it stays on the Java path they are what the segment holds. Any result but
   * success (full, empty, closed, NATIVE) and any exception forget them, and SharedQueue calls
   * C only after such a result, so C never moves them behind a remembered value; a claim of the
   * role forgets them too (SharedQueue.claim: another handle may have held it meanwhile). Each
   * read of the segment costs a bounds, alignment and liveness check (FFM) or a buffer check:
   * two fewer per put and per get took one thread's 64-byte put plus poll from 41-45 to 35-39 ns
   * (QueueOpsBench.oneToOne, FFM; Agrona's write plus read 25-26 ns).
   */
  abstract static class ProducerFields extends PadBeforeProducer {
    /* A lower bound of head (it only grows), as the C handle's head_cache. */
    long headCache;
    /* One-to-one: a lower bound of the committed gets (for the count bound). */
    long getsCache;
    long tailMine = UNKNOWN;
    long putsMine;
    /* writeOne's header of the record at the put's start, stored last: the commit point. */
    long first;
    /* The locked queue's head | 1 when this handle last woke the queue's only sleeping
       consumer with a message untaken, else 0 (QueueRing.notifyConsumers, C's
       notify_consumers). */
    long wokeAtHead;
  }

  /** 128 bytes between the two sides' fields. */
  abstract static class PadBetween extends ProducerFields {
    long p100;
    long p101;
    long p102;
    long p103;
    long p104;
    long p105;
    long p106;
    long p107;
    long p108;
    long p109;
    long p110;
    long p111;
    long p112;
    long p113;
    long p114;
    long p115;
  }

  /** Written by the thread that takes (under the get lock on a locked queue). */
  abstract static class ConsumerFields extends PadBetween {
    /* A lower bound of tail (it only grows), as the C handle's tail_cache. */
    long tailCache;
    /* readRecord's second result: the position after the record it read. */
    long nextHead;
    long headMine = UNKNOWN;
    long getsMine;
    /* SharedQueue's blocking gets: adaptive spinning (as mproc__spin_allowed), the spins to
       skip and the next skip after a failed spin; and the queue's count of messages taken when
       a blocking get last found it empty (the spin's test for a stream). Written when a get
       finds the queue empty, which a consumer that keeps up does about once a message. Racy
       between consumer threads, which only blurs the adaptation. Longs, as every field of the
       chain: a smaller one would leave a gap that HotSpot may fill with a field of a subclass
       (QueueRing's), or move into the gap after the object header itself. */
    long spinSkip;
    long spinBackoff;
    long takenAtEmpty;
  }

  /** 128 bytes between the consumer's fields and QueueRing's own (read-only) ones. */
  abstract static class PadAfterConsumer extends ConsumerFields {
    long p200;
    long p201;
    long p202;
    long p203;
    long p204;
    long p205;
    long p206;
    long p207;
    long p208;
    long p209;
    long p210;
    long p211;
    long p212;
    long p213;
    long p214;
    long p215;
  }
}
