package org.mproc.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ObjectInputFilter;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default codec: every supported type round-trips; bad input fails clearly. */
class ObjectCodecTest {
  record Score(String name, int score, List<Object> tags) {}

  private final ObjectCodec codec = new ObjectCodec();

  private Object roundTrip(Object v) {
    byte[] b = codec.encode(v);
    return codec.decode(b, 0, b.length);
  }

  @Test
  void everyCompactTypeRoundTrips() {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put("x", 1);
    m.put(2L, Arrays.asList(1.5, null));
    Object[] values = {
      null, true, false, 42, -7L, 3.1415927, 2.5f, (short) -3, (byte) 9, 'é', "héllo", "",
      Arrays.asList(42, null, "hello"), new LinkedHashSet<>(List.of(1, 2)), m,
      new Score("Computers", 1, Arrays.asList("a", null))
    };
    for (Object v : values) {
      assertEquals(v, roundTrip(v), String.valueOf(v));
    }
    assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) roundTrip(new byte[] {1, 2, 3}));
    assertEquals(new BigInteger("123456789012345678901234567890"),
        roundTrip(new BigInteger("123456789012345678901234567890"))); // via serialization
    assertEquals(3, codec.encode(List.of()).length + 1); // tag + count: compact
  }

  @Test
  void theEncodingIsExactGrowsPastItsFirstBufferAndDecodesInPlace() {
    byte[] seed = {12, 3, 3, 0, 0, 0, 42, 0, 10, 5, 'h', 'e', 'l', 'l', 'o'};
    assertArrayEquals(seed, codec.encode(Arrays.asList(42, null, "hello")));
    // Past the encoder's first 64 bytes: by many small writes, and by one large one.
    List<Object> many = new java.util.ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      many.add(i % 3 == 0 ? "s" + i : i);
    }
    assertEquals(many, roundTrip(many));
    byte[] big = new byte[100_000];
    Arrays.fill(big, (byte) 7);
    String text = "é".repeat(40_000);
    assertEquals(List.of(text, 1), roundTrip(List.of(text, 1)));
    assertArrayEquals(big, (byte[]) roundTrip(big));
    // A message in the middle of a larger buffer (as a batch delivers it).
    byte[] framed = new byte[seed.length + 10];
    System.arraycopy(seed, 0, framed, 5, seed.length);
    assertEquals(Arrays.asList(42, null, "hello"), codec.decode(framed, 5, seed.length));
  }

  @Test
  void stringsEncodeAsUtf8OnBothSidesOfTheShortAsciiPath() {
    String[] strings = {
      "a".repeat(127) + "\u007f", // the largest short string, all ASCII
      "a".repeat(129), // one past: through getBytes
      "a".repeat(127) + "\u0080", // short, non-ASCII last
      "\u00e9t\u00e9", "\u20ac", "\ud83d\ude00", "\u0000", "x"
    };
    for (String str : strings) {
      byte[] utf8 = str.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] b = codec.encode(str);
      assertEquals(10, b[0], str);
      assertArrayEquals(utf8, Arrays.copyOfRange(b, b.length - utf8.length, b.length), str);
      assertEquals(str, roundTrip(str));
    }
  }

  /** A record whose accessor encodes another value, as one that puts to a queue would. */
  record Reentrant(String name) {
    @Override
    public String name() {
      ObjectCodec inner = new ObjectCodec();
      ObjectCodec.Out o = inner.encodeReused(List.of("inner", 7));
      try {
        assertEquals(List.of("inner", 7), inner.decode(o.buf, 0, o.count));
      } finally {
        ObjectCodec.release(o);
      }
      return name;
    }
  }

  @Test
  void theReusedBufferHoldsExactlyTheEncodingAndIsNotSharedWithAReentrantEncoding() {
    ObjectCodec.Out o = codec.encodeReused(Arrays.asList(42, null, "hello"));
    byte[] first = Arrays.copyOf(o.buf, o.count);
    ObjectCodec.release(o);
    assertArrayEquals(codec.encode(Arrays.asList(42, null, "hello")), first);
    // The thread's buffer again: a shorter value leaves nothing of the longer one.
    ObjectCodec.Out again = codec.encodeReused(7);
    assertTrue(again == o, "the thread's buffer is reused");
    assertArrayEquals(codec.encode(7), Arrays.copyOf(again.buf, again.count));
    ObjectCodec.release(again);
    // Re-entered from the value's own code: the inner encoding gets a buffer of its own.
    ObjectCodec.Out outer = codec.encodeReused(new Reentrant("r"));
    try {
      assertEquals(new Reentrant("r"), codec.decode(outer.buf, 0, outer.count));
    } finally {
      ObjectCodec.release(outer);
    }
    // A failed encoding gives the buffer back, whatever it threw; a large one is not kept.
    assertThrows(IllegalArgumentException.class, () -> codec.encodeReused(new Object()));
    List<Object> sneaky = new java.util.AbstractList<>() {
      @Override
      public Object get(int i) {
        throw ObjectCodecTest.<RuntimeException>sneak(new java.io.IOException("from get"));
      }

      @Override
      public int size() {
        return 1;
      }
    };
    Exception thrown = assertThrows(Exception.class, () -> codec.encodeReused(sneaky));
    assertTrue(thrown instanceof java.io.IOException, String.valueOf(thrown));
    ObjectCodec.Out after = codec.encodeReused(1);
    assertTrue(after == o, "the thread's buffer is given back after a checked exception");
    ObjectCodec.release(after);
    ObjectCodec.Out big = codec.encodeReused(new byte[100_000]);
    assertTrue(big == o && big.count > 100_000);
    ObjectCodec.release(big);
    ObjectCodec.Out small = codec.encodeReused(1);
    assertTrue(small == o && small.buf.length <= 64 * 1024, "a large buffer is dropped");
    ObjectCodec.release(small);
  }

  /* Throws a checked exception where the compiler does not see one, as some user code does. */
  @SuppressWarnings("unchecked")
  private static <T extends Throwable> T sneak(Throwable t) throws T {
    throw (T) t;
  }

  @Test
  void aValueThatCannotBeEncodedNamesItsClass() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> codec.encode(new Thread()));
    assertTrue(e.getMessage().contains("java.lang.Thread"), e.getMessage());
    IllegalArgumentException nested =
        assertThrows(IllegalArgumentException.class, () -> codec.encode(List.of(new Object())));
    assertTrue(nested.getMessage().contains("java.lang.Object"), nested.getMessage());
  }

  @Test
  void malformedBytesFailWithoutHugeAllocations() {
    byte[][] bad = {
      {}, {99}, {10, 5, 'a'}, {11, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07},
      {12, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, {3, 1, 2}, {0, 0}
    };
    for (byte[] b : bad) {
      assertThrows(IllegalArgumentException.class, () -> codec.decode(b, 0, b.length),
          Arrays.toString(b));
    }
  }

  @Test
  void aFilterRejectsRecordsAndSerializedClasses() {
    ObjectCodec strict =
        new ObjectCodec(ObjectInputFilter.Config.createFilter("java.lang.*;!*"));
    byte[] rec = codec.encode(new Score("a", 1, List.of()));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> strict.decode(rec, 0, rec.length));
    assertTrue(e.getMessage().contains(Score.class.getName()), e.getMessage());
    byte[] big = codec.encode(BigInteger.TEN);
    assertThrows(IllegalArgumentException.class, () -> strict.decode(big, 0, big.length));
    byte[] s = codec.encode("fine");
    assertEquals("fine", strict.decode(s, 0, s.length));
  }

  @Test
  void aSerializedArrayCannotAnnounceMoreElementsThanItHasBytes() throws Exception {
    // A long[4] whose length field says 64M: 512 MB from a 60-byte message, were it believed.
    java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(raw)) {
      o.writeObject(new long[4]);
    }
    byte[] ser = raw.toByteArray();
    int at = ser.length - 4 * 8 - 4; // the length precedes the elements
    assertEquals(4, java.nio.ByteBuffer.wrap(ser, at, 4).getInt());
    java.nio.ByteBuffer.wrap(ser, at, 4).putInt(64 << 20);
    byte[] msg = new byte[2 + ser.length];
    msg[0] = 16; // a Java-serialized value
    msg[1] = (byte) ser.length; // its length as a varint (< 128)
    System.arraycopy(ser, 0, msg, 2, ser.length);
    ObjectCodec codec = new ObjectCodec();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> codec.decode(msg, 0, msg.length));
    assertTrue(e.getMessage().contains("filter"), e.getMessage());
    // The same bytes with the true length decode.
    java.nio.ByteBuffer.wrap(msg, 2 + at, 4).putInt(4);
    assertArrayEquals(new long[4], (long[]) codec.decode(msg, 0, msg.length));
  }
}
