package org.mproc.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.io.Serializable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Handing mproc objects to a child process inside a serialized target: while the target is
 * written, every mproc object it reaches is replaced by a reference to a handed descriptor; in
 * the child, each reference becomes a fresh handle on the same shared memory. Objects travel as
 * handles, never as copies.
 */
public final class Handoff {
  private Handoff() {}

  /** An mproc object that can be handed to a child process. */
  public interface Source {
    /**
     * The descriptor of the object's segment, owned by the object.
     *
     * @return the descriptor
     */
    int handoffFd();

    /**
     * The segment's kind code.
     *
     * @return the {@code mproc_kind_t}
     */
    int handoffKind();

    /**
     * The element type's struct code, or 0.
     *
     * @return the code
     */
    char handoffCode();

    /**
     * The object's name, or {@code null} when anonymous.
     *
     * @return the name
     */
    String handoffName();

    /**
     * What else the child needs to rebuild the object (a queue's codec), or {@code null}.
     *
     * @return a serializable value
     */
    default Serializable handoffExtra() {
      return null;
    }
  }

  /** What stands in the serialized stream for a handed object. */
  static final class Ref implements Serializable {
    private static final long serialVersionUID = 1L;
    final int index;
    final String className;
    final Serializable extra;

    Ref(int index, String className, Serializable extra) {
      this.index = index;
      this.className = className;
      this.extra = extra;
    }
  }

  /**
   * Serializes {@code root}, replacing mproc objects by references and appending them to
   * {@code handed} in the order their descriptors must reach the child.
   *
   * @param root the object graph to send
   * @param handed receives the handed objects (may already hold some)
   * @return the bytes
   * @throws NotSerializableException naming the class that cannot be serialized
   */
  public static byte[] serialize(Object root, List<Source> handed) throws NotSerializableException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Out out = new Out(bytes, handed)) {
      out.writeObject(root);
    } catch (NotSerializableException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize " + root, e);
    }
    return bytes.toByteArray();
  }

  /**
   * Deserializes what {@link #serialize} wrote, turning references into handles adopted from the
   * handed descriptors.
   *
   * @param data the bytes
   * @param fds the handed descriptors, by index; each adopted one is set to -1 (consumed)
   * @param names the handed objects' names, by index
   * @return the object graph
   * @throws IOException if the bytes are malformed
   * @throws ClassNotFoundException if a class is missing in this JVM
   */
  public static Object deserialize(byte[] data, int[] fds, String[] names)
      throws IOException, ClassNotFoundException {
    try (In in = new In(new ByteArrayInputStream(data), fds, names)) {
      return in.readObject();
    }
  }

  private static final class Out extends ObjectOutputStream {
    private final List<Source> handed;
    private final Map<Source, Integer> indices = new IdentityHashMap<>();

    Out(OutputStream out, List<Source> handed) throws IOException {
      super(out);
      this.handed = handed;
      for (int i = 0; i < handed.size(); i++) {
        indices.put(handed.get(i), i);
      }
      enableReplaceObject(true);
    }

    @Override
    protected Object replaceObject(Object obj) {
      if (obj instanceof Source) {
        Source s = (Source) obj;
        Integer index = indices.get(s);
        if (index == null) {
          index = handed.size();
          handed.add(s);
          indices.put(s, index);
        }
        Serializable extra = s.handoffExtra();
        if (extra != null && !(extra instanceof Serializable)) {
          throw new IllegalArgumentException(obj + " needs a Serializable codec to be handed over");
        }
        return new Ref(index, obj.getClass().getName(), extra);
      }
      return obj;
    }
  }

  private static final class In extends ObjectInputStream {
    private final int[] fds;
    private final String[] names;
    private final Map<Integer, Object> adopted = new HashMap<>();

    In(InputStream in, int[] fds, String[] names) throws IOException {
      super(in);
      this.fds = fds;
      this.names = names;
      enableResolveObject(true);
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc)
        throws IOException, ClassNotFoundException {
      try {
        return Class.forName(desc.getName(), false, Thread.currentThread().getContextClassLoader());
      } catch (ClassNotFoundException e) {
        return super.resolveClass(desc);
      }
    }

    @Override
    protected Object resolveObject(Object obj) throws IOException {
      if (!(obj instanceof Ref)) {
        return obj;
      }
      Ref ref = (Ref) obj;
      if (ref.index < 0 || ref.index >= fds.length) {
        throw new IOException("handed object " + ref.index + " is missing: " + fds.length + " handed");
      }
      Object o = adopted.get(ref.index);
      if (o == null) {
        o = adopt(ref.className, fds[ref.index], names[ref.index], ref.extra);
        fds[ref.index] = -1;
        adopted.put(ref.index, o);
      }
      return o;
    }
  }

  /**
   * Adopts one handed object outside a serialized stream, as a reference to it in the stream
   * would be.
   *
   * @param index the object's index among the handed descriptors
   * @param className the class of the mproc object (it has a static {@code adopt} method)
   * @param fds the handed descriptors, by index; the adopted one is set to -1 (consumed)
   * @param names the handed objects' names, by index
   * @return a new handle on the same object
   * @throws IOException if the index names no handed descriptor or the object cannot be adopted
   */
  public static Object adopt(int index, String className, int[] fds, String[] names)
      throws IOException {
    if (index < 0 || index >= fds.length || fds[index] < 0) {
      throw new IOException("handed object " + index + " is missing: " + fds.length + " handed");
    }
    Object o = adopt(className, fds[index], names[index], null);
    fds[index] = -1;
    return o;
  }

  /** Every adopting class has a static {@code adopt(Class, int fd, String name, Serializable)}. */
  private static Object adopt(String className, int fd, String name, Serializable extra)
      throws IOException {
    try {
      Class<?> cls = Class.forName(className);
      Method m = findAdopt(cls);
      m.setAccessible(true);
      return m.invoke(null, cls, fd, name, extra);
    } catch (InvocationTargetException e) {
      throw new IOException("cannot adopt handed " + className + " " + name, e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IOException("cannot adopt handed " + className, e);
    }
  }

  private static Method findAdopt(Class<?> cls) throws NoSuchMethodException {
    for (Class<?> c = cls; c != null; c = c.getSuperclass()) {
      try {
        return c.getDeclaredMethod(
            "adopt", Class.class, int.class, String.class, Serializable.class);
      } catch (NoSuchMethodException e) {
        // look further up
      }
    }
    throw new NoSuchMethodException(cls.getName() + ".adopt(Class, int, String, Serializable)");
  }

  /**
   * The names for a manifest: each object's name, or a label {@code argN} for anonymous ones.
   *
   * @param handed the handed objects
   * @return the names
   */
  public static String[] labels(List<Source> handed) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < handed.size(); i++) {
      String n = handed.get(i).handoffName();
      out.add(n != null ? n : "arg" + i);
    }
    return out.toArray(new String[0]);
  }
}
