package org.mproc.queue;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * QueueRing's per-message fields sit where {@link QueueRingFields} says: a producer thread's
 * and a consumer thread's fields at least 128 bytes (a pair of cache lines) apart, both as far
 * from the fields every call reads, and QueueRing's own fields all final. Offsets as HotSpot
 * lays the object out, read with {@code sun.misc.Unsafe.objectFieldOffset} (terminally
 * deprecated: the JDK warns, and a JDK that refuses it skips this test).
 */
class QueueRingLayoutTest {
  private static final List<String> PRODUCER =
      List.of("headCache", "getsCache", "tailMine", "putsMine", "first", "wokeAtHead");
  private static final List<String> CONSUMER = List.of(
      "tailCache", "nextHead", "headMine", "getsMine", "spinSkip", "spinBackoff", "takenAtEmpty");
  private static final int APART = 128;

  @Test
  void theTwoSidesFieldsAreACacheLineApartAndFromTheSharedOnes() throws Exception {
    Object unsafe;
    java.lang.reflect.Method offsetOf;
    try {
      Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
      f.setAccessible(true);
      unsafe = f.get(null);
      offsetOf = unsafe.getClass().getMethod("objectFieldOffset", Field.class);
      offsetOf.invoke(unsafe, QueueRingFields.ProducerFields.class.getDeclaredField("first"));
    } catch (ReflectiveOperationException | RuntimeException e) {
      assumeTrue(false, "no sun.misc.Unsafe.objectFieldOffset here: " + e);
      return;
    }
    List<Long> producer = new ArrayList<>();
    List<Long> consumer = new ArrayList<>();
    List<Long> shared = new ArrayList<>();
    for (Class<?> c = QueueRing.class; c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        boolean pad = c.getSimpleName().startsWith("Pad") && field.getName().matches("p[0-9]{3}");
        if (Modifier.isStatic(field.getModifiers()) || pad) {
          continue;
        }
        long at = (Long) offsetOf.invoke(unsafe, field);
        if (PRODUCER.contains(field.getName())) {
          producer.add(at);
        } else if (CONSUMER.contains(field.getName())) {
          consumer.add(at);
        } else {
          assertTrue(c == QueueRing.class, "a field of the chain not listed here: " + field);
          assertTrue(Modifier.isFinal(field.getModifiers()),
              "QueueRing's own fields are read by both sides and must not change: " + field);
          shared.add(at);
        }
      }
    }
    assertTrue(producer.size() == PRODUCER.size() && consumer.size() == CONSUMER.size(),
        "producer " + producer + ", consumer " + consumer);
    apart(producer, consumer, "producer and consumer");
    apart(producer, shared, "producer and the shared fields");
    apart(consumer, shared, "consumer and the shared fields");
  }

  private static void apart(List<Long> a, List<Long> b, String what) {
    for (long x : a) {
      for (long y : b) {
        assertTrue(Math.abs(x - y) >= APART, what + " fields at offsets " + x + " and " + y
            + " are less than " + APART + " bytes apart: " + a + " / " + b);
      }
    }
  }
}
