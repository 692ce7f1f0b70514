package org.mproc.process;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.mproc.ErrorCode;
import org.mproc.internal.Handoff;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/**
 * The entry point of a child JVM started by {@link Subprocess}: reads the manifest and the
 * target from the manifest file (fd 4), adopts the handed objects, tells the parent it has
 * joined (a status byte in that file), and runs the target; an uncaught exception is reported
 * over the bootstrap channel (fd 3). Not for direct use.
 */
public final class ChildMain {
  private static final int BOOTSTRAP_FD = 3;
  /** Bytes before the manifest in the manifest file ({@code MPROC_MANIFEST_FILE_PREFIX}). */
  private static final int MANIFEST_PREFIX = 8;
  /** The manifest file, as the child sees it. */
  private static final String MANIFEST_PATH = "/proc/self/fd/" + Subprocess.MANIFEST_FD;
  /** Marks a payload that starts with a target recipe ("MPR1", little-endian). */
  private static final int RECIPE_MAGIC = 0x3152504d;
  private static final long LIFELINE_SLICE_NS = TimeUnit.SECONDS.toNanos(1);

  private ChildMain() {}

  /** The serialized part of a Java child's manifest. */
  static final class Spec implements Serializable {
    private static final long serialVersionUID = 1L;
    final String name;
    final Task target;

    Spec(String name, Task target) {
      this.name = name;
      this.target = target;
    }
  }

  /**
   * Frames a target for the manifest's payload: the serialized {@link Spec}, preceded by the
   * target's {@link LambdaRecipe} when it has one.
   *
   * @param recipe the recipe, or null
   * @param serialized the serialized {@link Spec}
   * @return the payload
   */
  static byte[] payload(byte[] recipe, byte[] serialized) {
    if (recipe == null) {
      return serialized;
    }
    ByteBuffer b = ByteBuffer.allocate(8 + recipe.length + serialized.length);
    b.order(ByteOrder.LITTLE_ENDIAN).putInt(RECIPE_MAGIC).putInt(recipe.length);
    return b.put(recipe).put(serialized).array();
  }

  /** What the child runs: a recipe's bound method, or a deserialized target. */
  private static final class Joined {
    final String name;
    final MethodHandle method;
    final Task target;

    Joined(String name, MethodHandle method, Task target) {
      this.name = name;
      this.method = method;
      this.target = target;
    }
  }

  /**
   * Runs the child.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    Joined spec;
    try {
      spec = join();
    } catch (Throwable t) {
      System.err.println("mproc child: cannot read the target from the parent:");
      t.printStackTrace();
      System.exit(1);
      return;
    }
    Thread.currentThread().setName(spec.name);
    try {
      if (spec.method != null) {
        spec.method.invokeExact();
      } else {
        spec.target.run();
      }
    } catch (Throwable t) {
      PrintStream err = System.err;
      err.println("Subprocess " + spec.name + " (pid " + ProcessHandle.current().pid() + "):");
      t.printStackTrace(err);
      try {
        Native.api().channelSend(BOOTSTRAP_FD, new Subprocess.Report(t).encode(), new int[0]);
      } catch (IOException | RuntimeException | LinkageError e) {
        err.println("mproc child: cannot report the failure to the parent: " + e);
      }
      System.out.flush();
      System.exit(1);
    }
    System.out.flush();
  }

  /*
   * Reads the manifest file (fd 4) in plain Java: the native library is loaded only if the
   * target holds mproc objects (to adopt them) or the child is a daemon (to watch its parent).
   */
  private static Joined join() throws IOException, ClassNotFoundException {
    try (RandomAccessFile file = new RandomAccessFile(MANIFEST_PATH, "rw")) {
      byte[] raw = new byte[(int) file.length()];
      file.readFully(raw);
      ByteBuffer m = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
      int base = MANIFEST_PREFIX;
      if (raw.length < base + 24
          || !new String(raw, base, 8, StandardCharsets.US_ASCII).equals("MPROCMAN")
          || m.getShort(base + 8) != 1) {
        throw new IOException("fd " + Subprocess.MANIFEST_FD + " holds no mproc manifest");
      }
      boolean daemon = (m.getInt(base + 12) & 1) != 0;
      int count = m.getInt(base + 16);
      int payloadLength = m.getInt(base + 20);
      int entries = base + 24;
      if (count < 0 || count > 64
          || (long) entries + 48L * count + payloadLength != raw.length) {
        throw new IOException("malformed manifest: " + count + " entries, " + raw.length + " bytes");
      }
      int[] fds = new int[count];
      String[] names = new String[count];
      for (int i = 0; i < count; i++) {
        int e = entries + 48 * i;
        fds[i] = m.getInt(e + 4);
        int len = 0;
        while (len < 31 && raw[e + 16 + len] != 0) {
          len++;
        }
        names[i] = new String(raw, e + 16, len, StandardCharsets.UTF_8);
      }
      int payload = entries + 48 * count;
      if (daemon) {
        Thread lifeline = new Thread(ChildMain::watchParent, "mproc-lifeline");
        lifeline.setDaemon(true);
        lifeline.start();
      }
      Joined spec = fromRecipe(raw, payload, m, fds, names);
      if (spec == null) {
        Spec s = (Spec) Handoff.deserialize(
            Arrays.copyOfRange(raw, serializedStart(raw, payload, m), raw.length), fds, names);
        spec = new Joined(s.name, null, s.target);
      }
      for (int fd : fds) {
        if (fd >= 0) { // not adopted: an inherited share of the parent's file description
          Native.api().fdClose(fd);
        }
      }
      file.seek(0);
      file.write(Subprocess.JOINED);
      return spec;
    }
  }

  private static boolean hasRecipe(byte[] raw, int payload, ByteBuffer m) {
    return raw.length - payload >= 8 && m.getInt(payload) == RECIPE_MAGIC;
  }

  private static int serializedStart(byte[] raw, int payload, ByteBuffer m) {
    return hasRecipe(raw, payload, m) ? payload + 8 + m.getInt(payload + 4) : payload;
  }

  /**
   * The target from its recipe, or null when there is none or it cannot be resolved here (then
   * the serialized form is used, and fails with the real reason if it fails too).
   */
  private static Joined fromRecipe(
      byte[] raw, int payload, ByteBuffer m, int[] fds, String[] names) throws IOException {
    if (!hasRecipe(raw, payload, m) || System.getProperty("jdk.serialFilter") != null) {
      return null; // a JVM-wide serialization filter is configured: let it see the target
    }
    int length = m.getInt(payload + 4);
    if (length < 0 || length > raw.length - payload - 8) {
      throw new IOException("malformed manifest: a target recipe of " + length + " bytes");
    }
    String[] name = new String[1];
    LambdaRecipe recipe;
    try {
      recipe = LambdaRecipe.resolve(
          Arrays.copyOfRange(raw, payload + 8, payload + 8 + length), name);
    } catch (IOException | ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
    return new Joined(name[0], recipe.bind(fds, names), null);
  }

  /** A daemon child ends as soon as its parent is gone, however the parent died. */
  private static void watchParent() {
    NativeApi api = Native.api();
    for (;;) {
      int rc = api.lifelineWait(BOOTSTRAP_FD, LIFELINE_SLICE_NS);
      if (rc == 0) {
        Runtime.getRuntime().halt(128 + 15);
      }
      if (rc != ErrorCode.ETIMEDOUT.code()) {
        return;
      }
    }
  }
}
