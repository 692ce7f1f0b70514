package org.mproc.queue;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * QueueRing's per-message fields sit where {@link QueueRingFields} says: a producer thread's
 * and a consumer thread's fields at least a cache line (64 bytes) apart, and both at least a
 * line away from the fields every call reads. Offsets as HotSpot lays the object out, read
 * with {@code sun.misc.Unsafe.objectFieldOffset}.
 */
class QueueRingLayoutTest {
  private static final List<String> PRODUCER =
      List.of("headCache", "getsCache", "tailMine", "putsMine", "first");
  private static final List<String> CONSUMER =
      List.of("tailCache", "nextHead", "headMine", "getsMine");

  @Test
  void theTwoSidesFieldsAreACacheLineApartAndFromTheSharedOnes() throws Exception {
    Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
    f.setAccessible(true);
    Object unsafe = f.get(null);
    java.lang.reflect.Method offsetOf =
        unsafe.getClass().getMethod("objectFieldOffset", Field.class);
    List<Long> producer = new ArrayList<>();
    List<Long> consumer = new ArrayList<>();
    List<Long> shared = new ArrayList<>();
    for (Class<?> c = QueueRing.class; c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers()) || field.getName().matches("p[0-9]{2}")) {
          continue;
        }
        long at = (Long) offsetOf.invoke(unsafe, field);
        if (PRODUCER.contains(field.getName())) {
          producer.add(at);
        } else if (CONSUMER.contains(field.getName())) {
          consumer.add(at);
        } else {
          assertTrue(c == QueueRing.class, "a field of the chain not listed here: " + field);
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
        assertTrue(Math.abs(x - y) >= 64, what + " fields at offsets " + x + " and " + y
            + " may share a cache line: " + a + " / " + b);
      }
    }
  }
}
