package org.mproc.queue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The default codec: a compact tagged encoding of {@code null}, booleans, the boxed numbers and
 * {@code Character}, strings, {@code byte[]}, lists, sets, maps and records (recursively), with
 * Java serialization only for other {@link Serializable} values. Decoding a record or a
 * serialized value is checked by an {@link ObjectInputFilter}: by default the JVM-wide filter
 * ({@code jdk.serialFilter}) if one is set, otherwise limits on depth (100) and array sizes.
 * Lists decode as {@link ArrayList}, sets as {@link LinkedHashSet}, maps as {@link
 * LinkedHashMap}, so iteration order survives.
 *
 * <p>Tags (one byte), then the value: 0 null, 1 true, 2 false, 3 Integer (4 bytes), 4 Long (8),
 * 5 Double (8), 6 Float (4), 7 Short (2), 8 Byte (1), 9 Character (2), 10 String (length, UTF-8),
 * 11 byte[] (length, bytes), 12 List (count, items), 13 Set (count, items), 14 Map (count, key,
 * value, ...), 15 record (class name, count, components), 16 Java serialization (length, bytes).
 * Numbers are big-endian; lengths and counts are unsigned LEB128.
 */
public final class ObjectCodec implements Codec<Object>, Serializable {
  private static final long serialVersionUID = 1L;
  private static final int MAX_DEPTH = 100;

  private final transient ObjectInputFilter filter;

  /** A codec with the default filter. */
  public ObjectCodec() {
    this(null);
  }

  /**
   * A codec whose decoding of records and serialized values is checked by {@code filter}.
   *
   * @param filter the filter, or {@code null} for the default
   */
  public ObjectCodec(ObjectInputFilter filter) {
    this.filter = filter;
  }

  private ObjectInputFilter filter() {
    if (filter != null) {
      return filter;
    }
    ObjectInputFilter jvm = ObjectInputFilter.Config.getSerialFilter();
    return jvm != null
        ? jvm
        : ObjectInputFilter.Config.createFilter("maxdepth=" + MAX_DEPTH + ";maxarray=67108864");
  }

  @Override
  public byte[] encode(Object value) {
    Out out = new Out();
    write(out, value, 0);
    return out.toByteArray();
  }

  /* This thread's encoding buffer for encodeReused: 64 bytes to start, kept while it stays small. */
  private static final ThreadLocal<Out> REUSED = ThreadLocal.withInitial(Out::new);
  private static final int REUSED_MAX = 64 * 1024;

  /**
   * Encodes into this thread's reusable buffer, for a caller that copies the bytes ({@code
   * out.buf[0, out.count)}) before it calls {@link #release}: {@link SharedQueue}'s puts, which
   * so allocate nothing of their own for a message (no buffer, no trimmed copy). An encoding
   * re-entered from the value's own code (a record accessor, a {@code writeObject} that puts
   * to a queue) gets a fresh buffer.
   */
  Out encodeReused(Object value) {
    Out out = REUSED.get();
    if (out.busy) {
      out = new Out();
    }
    out.busy = true;
    out.count = 0;
    boolean encoded = false;
    try {
      write(out, value, 0);
      encoded = true;
    } finally {
      if (!encoded) { // whatever was thrown, a checked one sneaked out of user code included
        release(out);
      }
    }
    return out;
  }

  /** Gives back a buffer from {@link #encodeReused}; a large one is dropped, not kept. */
  static void release(Out out) {
    out.busy = false;
    if (out.buf.length > REUSED_MAX) {
      out.buf = new byte[64];
    }
  }

  @Override
  public Object decode(byte[] buf, int off, int len) {
    In in = new In(buf, off, len);
    Object v = read(in, 0);
    if (in.pos != in.end) {
      throw new IllegalArgumentException(
          "malformed message: " + (in.end - in.pos) + " bytes after the value");
    }
    return v;
  }

  /*
   * The encoder's buffer. Not a ByteArrayOutputStream: its methods are synchronized, a monitor
   * per byte written, ~90 of the ~150 ns of a put of [42, null, "hello"] (one thread).
   */
  static final class Out {
    private static final int MAX = Integer.MAX_VALUE - 8; // the largest array a JVM makes
    byte[] buf = new byte[64];
    int count;
    boolean busy; // lent out by encodeReused

    private void room(int n) {
      if (n > buf.length - count) {
        long need = (long) count + n;
        if (need > MAX) {
          throw new IllegalArgumentException("cannot encode: the message exceeds " + MAX
              + " bytes");
        }
        buf = Arrays.copyOf(buf, (int) Math.min(MAX, Math.max(need, 2L * buf.length)));
      }
    }

    void write(int b) {
      room(1);
      buf[count++] = (byte) b;
    }

    /* A string of n chars, all below 0x80, as its UTF-8 bytes: one byte each. */
    void writeAscii(String s, int n) {
      room(n);
      for (int i = 0; i < n; i++) {
        buf[count + i] = (byte) s.charAt(i);
      }
      count += n;
    }

    void writeBytes(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, buf, count, b.length);
      count += b.length;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, count);
    }

    void u(long v) { // unsigned LEB128
      while ((v & ~0x7FL) != 0) {
        write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      write((int) v);
    }

    void be(long v, int bytes) {
      for (int i = bytes - 1; i >= 0; i--) {
        write((int) (v >>> (8 * i)));
      }
    }
  }

  private void write(Out out, Object v, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("cannot encode: nested deeper than " + MAX_DEPTH);
    }
    if (v == null) {
      out.write(0);
    } else if (v instanceof Boolean) {
      out.write((Boolean) v ? 1 : 2);
    } else if (v instanceof Integer) {
      out.write(3);
      out.be((Integer) v, 4);
    } else if (v instanceof Long) {
      out.write(4);
      out.be((Long) v, 8);
    } else if (v instanceof Double) {
      out.write(5);
      out.be(Double.doubleToRawLongBits((Double) v), 8);
    } else if (v instanceof Float) {
      out.write(6);
      out.be(Float.floatToRawIntBits((Float) v), 4);
    } else if (v instanceof Short) {
      out.write(7);
      out.be((Short) v, 2);
    } else if (v instanceof Byte) {
      out.write(8);
      out.write((Byte) v);
    } else if (v instanceof Character) {
      out.write(9);
      out.be((Character) v, 2);
    } else if (v instanceof String) {
      String str = (String) v;
      out.write(10);
      int n = str.length();
      if (n <= ASCII_DIRECT && isAscii(str, n)) { // short ASCII: no intermediate array
        out.u(n);
        out.writeAscii(str, n);
      } else {
        byte[] s = str.getBytes(StandardCharsets.UTF_8);
        out.u(s.length);
        out.writeBytes(s);
      }
    } else if (v instanceof byte[]) {
      byte[] b = (byte[]) v;
      out.write(11);
      out.u(b.length);
      out.writeBytes(b);
    } else if (v instanceof List) {
      List<?> l = (List<?>) v;
      out.write(12);
      out.u(l.size());
      for (Object e : l) {
        write(out, e, depth + 1);
      }
    } else if (v instanceof Set) {
      Set<?> s = (Set<?>) v;
      out.write(13);
      out.u(s.size());
      for (Object e : s) {
        write(out, e, depth + 1);
      }
    } else if (v instanceof Map) {
      Map<?, ?> m = (Map<?, ?>) v;
      out.write(14);
      out.u(m.size());
      for (Map.Entry<?, ?> e : m.entrySet()) {
        write(out, e.getKey(), depth + 1);
        write(out, e.getValue(), depth + 1);
      }
    } else if (v instanceof Record) {
      writeRecord(out, (Record) v, depth);
    } else if (v instanceof Serializable) {
      byte[] s = serialize(v);
      out.write(16);
      out.u(s.length);
      out.writeBytes(s);
    } else {
      throw new IllegalArgumentException(
          "cannot encode a " + v.getClass().getName()
              + ": it is not Serializable nor a type mproc encodes (see ObjectCodec)");
    }
  }

  /* Strings up to this many chars are checked for ASCII and then copied char by char; longer
     ones go through String.getBytes, whose copy is vectorized. */
  private static final int ASCII_DIRECT = 128;

  private static boolean isAscii(String s, int n) {
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private void writeRecord(Out out, Record r, int depth) {
    RecordComponent[] rc = r.getClass().getRecordComponents();
    byte[] name = r.getClass().getName().getBytes(StandardCharsets.UTF_8);
    out.write(15);
    out.u(name.length);
    out.writeBytes(name);
    out.u(rc.length);
    for (RecordComponent c : rc) {
      Object value;
      try {
        c.getAccessor().setAccessible(true);
        value = c.getAccessor().invoke(r);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalArgumentException(
            "cannot encode record " + r.getClass().getName() + ": " + c.getName() + ": " + e, e);
      }
      write(out, value, depth + 1);
    }
  }

  private static byte[] serialize(Object v) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ObjectOutputStream o = new ObjectOutputStream(b)) {
      o.writeObject(v);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException(
          "cannot encode a " + v.getClass().getName() + ": it holds a " + e.getMessage()
              + ", which is not Serializable",
          e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode a " + v.getClass().getName() + ": " + e, e);
    }
    return b.toByteArray();
  }

  private static final class In {
    final byte[] buf;
    int pos;
    final int end;

    In(byte[] buf, int off, int len) {
      this.buf = buf;
      this.pos = off;
      this.end = off + len;
    }

    int b() {
      if (pos >= end) {
        throw new IllegalArgumentException("malformed message: truncated at byte " + pos);
      }
      return buf[pos++] & 0xFF;
    }

    long be(int bytes) {
      long v = 0;
      for (int i = 0; i < bytes; i++) {
        v = (v << 8) | b();
      }
      return v;
    }

    int count() {
      long v = 0;
      for (int shift = 0; ; shift += 7) {
        int x = b();
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          break;
        }
        if (shift > 28) {
          throw new IllegalArgumentException("malformed message: bad length at byte " + pos);
        }
      }
      if (v > end - pos && v > Integer.MAX_VALUE / 2) { // never allocate beyond the message
        throw new IllegalArgumentException("malformed message: length " + v + " too large");
      }
      return (int) v;
    }

    byte[] bytes(int n) {
      byte[] out = Arrays.copyOfRange(buf, announced(n), pos + n);
      pos += n;
      return out;
    }

    /* UTF-8 decoded from the message in place (no intermediate copy). */
    String string(int n) {
      String out = new String(buf, announced(n), n, StandardCharsets.UTF_8);
      pos += n;
      return out;
    }

    /* pos, once n more bytes are known to be there. */
    private int announced(int n) {
      if (n > end - pos) {
        throw new IllegalArgumentException(
            "malformed message: " + n + " bytes announced, " + (end - pos) + " left");
      }
      return pos;
    }
  }

  private Object read(In in, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("malformed message: nested deeper than " + MAX_DEPTH);
    }
    int tag = in.b();
    switch (tag) {
      case 0:
        return null;
      case 1:
        return Boolean.TRUE;
      case 2:
        return Boolean.FALSE;
      case 3:
        return (int) in.be(4);
      case 4:
        return in.be(8);
      case 5:
        return Double.longBitsToDouble(in.be(8));
      case 6:
        return Float.intBitsToFloat((int) in.be(4));
      case 7:
        return (short) in.be(2);
      case 8:
        return (byte) in.b();
      case 9:
        return (char) in.be(2);
      case 10:
        return in.string(in.count());
      case 11:
        return in.bytes(in.count());
      case 12:
      case 13:
        {
          int n = in.count();
          List<Object> items = new ArrayList<>(Math.min(n, 1024));
          for (int i = 0; i < n; i++) {
            items.add(read(in, depth + 1));
          }
          return tag == 12 ? items : new LinkedHashSet<>(items);
        }
      case 14:
        {
          int n = in.count();
          Map<Object, Object> m = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            Object k = read(in, depth + 1);
            m.put(k, read(in, depth + 1));
          }
          return m;
        }
      case 15:
        return readRecord(in, depth);
      case 16:
        return deserialize(in.bytes(in.count()));
      default:
        throw new IllegalArgumentException(
            "malformed message: unknown tag " + tag + " at byte " + (in.pos - 1));
    }
  }

  private Object readRecord(In in, int depth) {
    String name = new String(in.bytes(in.count()), StandardCharsets.UTF_8);
    Class<?> cls;
    try {
      cls = Class.forName(name, false, loader());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("cannot decode record " + name + ": class not found", e);
    }
    if (!cls.isRecord()) {
      throw new IllegalArgumentException("cannot decode " + name + ": not a record");
    }
    checkFilter(cls);
    RecordComponent[] rc = cls.getRecordComponents();
    int n = in.count();
    if (n != rc.length) {
      throw new IllegalArgumentException(
          "cannot decode record " + name + ": " + n + " components sent, " + rc.length + " here");
    }
    Object[] args = new Object[n];
    Class<?>[] types = new Class<?>[n];
    for (int i = 0; i < n; i++) {
      args[i] = read(in, depth + 1);
      types[i] = rc[i].getType();
    }
    try {
      Constructor<?> c = cls.getDeclaredConstructor(types);
      c.setAccessible(true);
      return c.newInstance(args);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalArgumentException("cannot decode record " + name + ": " + e, e);
    }
  }

  private void checkFilter(Class<?> cls) {
    ObjectInputFilter f = filter();
    ObjectInputFilter.Status s =
        f.checkInput(
            new ObjectInputFilter.FilterInfo() {
              @Override
              public Class<?> serialClass() {
                return cls;
              }

              @Override
              public long arrayLength() {
                return -1;
              }

              @Override
              public long depth() {
                return 1;
              }

              @Override
              public long references() {
                return 0;
              }

              @Override
              public long streamBytes() {
                return 0;
              }
            });
    if (s == ObjectInputFilter.Status.REJECTED) {
      throw new IllegalArgumentException("the filter rejects class " + cls.getName());
    }
  }

  private Object deserialize(byte[] data) {
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(data)) {
          @Override
          protected Class<?> resolveClass(java.io.ObjectStreamClass desc)
              throws IOException, ClassNotFoundException {
            try {
              return Class.forName(desc.getName(), false, loader());
            } catch (ClassNotFoundException e) {
              return super.resolveClass(desc);
            }
          }
        }) {
      // Whatever the filter, no array may announce more elements than the value has bytes:
      // without this a few bytes could make us allocate hundreds of megabytes.
      long bytes = data.length;
      ObjectInputFilter bound = info -> info.arrayLength() > bytes || info.depth() > MAX_DEPTH
          ? ObjectInputFilter.Status.REJECTED
          : ObjectInputFilter.Status.UNDECIDED;
      in.setObjectInputFilter(ObjectInputFilter.merge(filter(), bound));
      return in.readObject();
    } catch (InvalidClassException e) {
      throw new IllegalArgumentException("the filter rejects a class in the message: " + e, e);
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalArgumentException("cannot decode a serialized value: " + e, e);
    } catch (RuntimeException e) {
      // ObjectInputStream reports some malformed streams with runtime exceptions (a null
      // class descriptor, a bad cast in a readResolve): malformed input all the same.
      throw new IllegalArgumentException("cannot decode a serialized value: malformed: " + e, e);
    }
  }

  private static ClassLoader loader() {
    ClassLoader l = Thread.currentThread().getContextClassLoader();
    return l != null ? l : ObjectCodec.class.getClassLoader();
  }
}
