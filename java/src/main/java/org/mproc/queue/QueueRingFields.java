package org.mproc.queue;

/**
 * {@link QueueRing}'s fields that change per message, each side's on cache lines of its own.
 *
 * <p>A producer thread and a consumer thread of one process often share one {@link SharedQueue}
 * and so one {@code QueueRing}. Its producer writes its remembered tail and count on every put
 * and its consumer its remembered head and count on every get; as neighbouring fields of one
 * object they would share a cache line, which the two threads' CPUs would then pass back and
 * forth on every message though neither reads what the other writes. So the fields live in
 * this chain of superclasses: HotSpot lays out a superclass's fields before its subclass's, and
 * 64 bytes of padding before, between and after the two groups keep each group on lines that
 * hold nothing the other side writes. ({@code @Contended} would say the same, but outside the
 * JDK it needs {@code -XX:-RestrictContended}.) The final fields of {@code QueueRing} itself,
 * read by both sides and written by neither, come after the last padding.
 */
final class QueueRingFields {
  /** A position or count to read from the segment: positions are multiples of 8. */
  static final long UNKNOWN = -1;

  private QueueRingFields() {}

  /** 64 bytes between the object header (and whatever precedes) and the producer's fields. */
  abstract static class PadBeforeProducer {
    long p00;
    long p01;
    long p02;
    long p03;
    long p04;
    long p05;
    long p06;
    long p07;
  }

  /** Written by the thread that puts (under the put lock on a locked queue). */
  abstract static class ProducerFields extends PadBeforeProducer {
    /* A lower bound of head (it only grows), as the C handle's head_cache. */
    long headCache;
    /* One-to-one: a lower bound of the committed gets (for the count bound). */
    long getsCache;
    /* One-to-one: tail and puts as this handle last stored them, or UNKNOWN (QueueRing). */
    long tailMine = UNKNOWN;
    long putsMine;
    /* writeOne's header of the record at the put's start, stored last: the commit point. */
    long first;
  }

  /** 64 bytes between the two sides' fields. */
  abstract static class PadBetween extends ProducerFields {
    long p10;
    long p11;
    long p12;
    long p13;
    long p14;
    long p15;
    long p16;
    long p17;
  }

  /** Written by the thread that takes (under the get lock on a locked queue). */
  abstract static class ConsumerFields extends PadBetween {
    /* A lower bound of tail (it only grows), as the C handle's tail_cache. */
    long tailCache;
    /* readRecord's second result: the position after the record it read. */
    long nextHead;
    /* One-to-one: head and gets as this handle last stored them, or UNKNOWN (QueueRing). */
    long headMine = UNKNOWN;
    long getsMine;
  }

  /** 64 bytes between the consumer's fields and QueueRing's own (read-only) ones. */
  abstract static class PadAfterConsumer extends ConsumerFields {
    long p20;
    long p21;
    long p22;
    long p23;
    long p24;
    long p25;
    long p26;
    long p27;
  }
}
