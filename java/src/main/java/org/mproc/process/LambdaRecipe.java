package org.mproc.process;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.List;
import org.mproc.internal.Handoff;

/**
 * The cheap way to send a lambda target to a child JVM: instead of a Java serialization stream
 * (whose {@code ObjectInputStream}, {@code SerializedLambda} and lambda bootstrap cost a fresh
 * JVM 20-30 ms), the parent sends the lambda's recipe — its static implementation method and the
 * values it captured — and the child calls that method through a method handle.
 *
 * <p>Only lambdas and static method references qualify whose captured values are {@code null},
 * strings, boxed primitives or mproc objects without extra state (those travel as handles, as
 * in the serialized form). Anything else, and any recipe the child cannot resolve, goes through
 * the serialized target that is always sent along. No Java deserialization happens on this path:
 * the child reads class and method names, strings and numbers, and adopts handed descriptors.
 */
final class LambdaRecipe {
  private static final String TASK = Task.class.getName().replace('.', '/');
  private static final int MAX_UTF = 65535;

  /** The resolved target: an implementation method with its captured values bound. */
  private final MethodHandle method;

  /** Handed objects the captured values refer to, adopted only by {@link #bind}. */
  private final int[] refIndex;
  private final String[] refClass;
  private final Object[] values;

  private LambdaRecipe(MethodHandle method, Object[] values, int[] refIndex, String[] refClass) {
    this.method = method;
    this.values = values;
    this.refIndex = refIndex;
    this.refClass = refClass;
  }

  /**
   * The recipe of {@code target}, or {@code null} when it is not a lambda of the supported kind.
   *
   * @param name the child's name (travels with the recipe)
   * @param target the target
   * @param handed the handed objects, as {@link Handoff#serialize} left them (every mproc object
   *     the target captures is among them)
   * @return the encoded recipe, or null
   */
  static byte[] encode(String name, Task target, List<Handoff.Source> handed) {
    SerializedLambda l = serializedForm(target);
    if (l == null
        || l.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic
        || !l.getFunctionalInterfaceClass().equals(TASK)
        || !l.getFunctionalInterfaceMethodName().equals("run")
        || !l.getInstantiatedMethodType().equals("()V")
        || name.length() > MAX_UTF / 3) {
      return null;
    }
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeUTF(name);
      out.writeUTF(l.getCapturingClass().replace('/', '.'));
      out.writeUTF(l.getImplClass().replace('/', '.'));
      out.writeUTF(l.getImplMethodName());
      out.writeUTF(l.getImplMethodSignature());
      out.writeShort(l.getCapturedArgCount());
      for (int i = 0; i < l.getCapturedArgCount(); i++) {
        if (!writeValue(out, l.getCapturedArg(i), handed)) {
          return null;
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      return null; // a string too long for writeUTF: the serialized form carries it
    }
  }

  private static boolean writeValue(DataOutputStream out, Object v, List<Handoff.Source> handed)
      throws IOException {
    if (v == null) {
      out.writeByte('n');
    } else if (v instanceof String) {
      String s = (String) v;
      if (s.length() > MAX_UTF / 3) {
        return false;
      }
      out.writeByte('s');
      out.writeUTF(s);
    } else if (v instanceof Integer) {
      out.writeByte('i');
      out.writeInt((Integer) v);
    } else if (v instanceof Long) {
      out.writeByte('j');
      out.writeLong((Long) v);
    } else if (v instanceof Double) {
      out.writeByte('d');
      out.writeLong(Double.doubleToRawLongBits((Double) v));
    } else if (v instanceof Float) {
      out.writeByte('f');
      out.writeInt(Float.floatToRawIntBits((Float) v));
    } else if (v instanceof Boolean) {
      out.writeByte('z');
      out.writeBoolean((Boolean) v);
    } else if (v instanceof Byte) {
      out.writeByte('b');
      out.writeByte((Byte) v);
    } else if (v instanceof Short) {
      out.writeByte('h');
      out.writeShort((Short) v);
    } else if (v instanceof Character) {
      out.writeByte('c');
      out.writeChar((Character) v);
    } else if (v instanceof Handoff.Source && ((Handoff.Source) v).handoffExtra() == null) {
      int index = indexOf(handed, v);
      if (index < 0) {
        return false;
      }
      out.writeByte('r');
      out.writeInt(index);
      out.writeUTF(v.getClass().getName());
    } else {
      return false;
    }
    return true;
  }

  private static int indexOf(List<Handoff.Source> handed, Object o) {
    for (int i = 0; i < handed.size(); i++) {
      if (handed.get(i) == o) {
        return i;
      }
    }
    return -1;
  }

  /** A lambda's serialized form, as its {@code writeReplace} gives it to serialization. */
  private static SerializedLambda serializedForm(Task target) {
    Class<?> c = target.getClass();
    if (!c.isSynthetic()) {
      return null;
    }
    try {
      Method m = c.getDeclaredMethod("writeReplace");
      m.setAccessible(true);
      Object r = m.invoke(target);
      return r instanceof SerializedLambda ? (SerializedLambda) r : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // not a lambda, or in a module that does not open it: serialize it instead
    }
  }

  /**
   * Resolves a recipe in the child: loads (and initializes) the capturing class and finds the
   * implementation method, as deserializing the lambda would. Handed objects are not adopted yet.
   *
   * @param data the recipe as {@link #encode} wrote it
   * @param name receives the child's name
   * @return the resolved recipe
   * @throws IOException if the recipe is malformed
   * @throws ReflectiveOperationException if a class or the method cannot be found or accessed
   */
  static LambdaRecipe resolve(byte[] data, String[] name)
      throws IOException, ReflectiveOperationException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
    name[0] = in.readUTF();
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    Class<?> capturing = Class.forName(in.readUTF(), true, loader);
    Class<?> impl = Class.forName(in.readUTF(), false, capturing.getClassLoader());
    String method = in.readUTF();
    MethodType type = MethodType.fromMethodDescriptorString(in.readUTF(), impl.getClassLoader());
    int count = in.readUnsignedShort();
    if (count != type.parameterCount()) {
      throw new IOException("malformed target recipe: " + count + " captured values for " + type);
    }
    Object[] values = new Object[count];
    int[] refIndex = new int[count];
    String[] refClass = new String[count];
    for (int i = 0; i < count; i++) {
      refIndex[i] = -1;
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 'n': values[i] = null; break;
        case 's': values[i] = in.readUTF(); break;
        case 'i': values[i] = in.readInt(); break;
        case 'j': values[i] = in.readLong(); break;
        case 'd': values[i] = Double.longBitsToDouble(in.readLong()); break;
        case 'f': values[i] = Float.intBitsToFloat(in.readInt()); break;
        case 'z': values[i] = in.readBoolean(); break;
        case 'b': values[i] = in.readByte(); break;
        case 'h': values[i] = in.readShort(); break;
        case 'c': values[i] = in.readChar(); break;
        case 'r':
          refIndex[i] = in.readInt();
          refClass[i] = in.readUTF();
          break;
        default:
          throw new IOException("malformed target recipe: value tag " + tag);
      }
    }
    for (int i = 0; i < count; i++) {
      Class<?> p = type.parameterType(i);
      boolean fits;
      if (refIndex[i] >= 0) {
        fits = p.isAssignableFrom(Class.forName(refClass[i], false, loader));
      } else if (p.isPrimitive()) {
        fits = values[i] != null && MethodType.methodType(p).wrap().returnType() == values[i].getClass();
      } else {
        fits = values[i] == null || p.isInstance(values[i]);
      }
      if (!fits) {
        throw new IOException("malformed target recipe: value " + i + " does not fit " + type);
      }
    }
    if (in.read() != -1) {
      throw new IOException("malformed target recipe: trailing bytes");
    }
    MethodHandle h =
        MethodHandles.privateLookupIn(capturing, MethodHandles.lookup())
            .findStatic(impl, method, type);
    return new LambdaRecipe(h, values, refIndex, refClass);
  }

  /**
   * Adopts the handed objects the captured values refer to and binds every value to the
   * implementation method.
   *
   * @param fds the handed descriptors, by index; each adopted one is set to -1
   * @param names the handed objects' names, by index
   * @return a handle of type {@code ()void} that runs the target
   * @throws IOException if a handed object cannot be adopted
   */
  MethodHandle bind(int[] fds, String[] names) throws IOException {
    Object[] bound = values.clone();
    Object[] adopted = new Object[fds.length];
    for (int i = 0; i < bound.length; i++) {
      int r = refIndex[i];
      if (r >= 0) {
        if (adopted[r] == null) {
          adopted[r] = Handoff.adopt(r, refClass[i], fds, names);
        }
        bound[i] = adopted[r];
      }
    }
    MethodHandle h = bound.length == 0 ? method : MethodHandles.insertArguments(method, 0, bound);
    return h.type().returnType() == void.class ? h : h.asType(MethodType.methodType(void.class));
  }
}
