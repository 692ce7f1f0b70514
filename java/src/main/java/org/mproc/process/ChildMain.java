package org.mproc.process;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.mproc.ErrorCode;
import org.mproc.internal.Handoff;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/**
 * The entry point of a child JVM started by {@link Subprocess}: reads the manifest and the
 * target from the bootstrap channel (fd 3), adopts the handed objects, tells the parent it has
 * joined, and runs the target. Not for direct use.
 */
public final class ChildMain {
  private static final int BOOTSTRAP_FD = 3;
  private static final long MANIFEST_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
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
   * Runs the child.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    NativeApi api = Native.api();
    Spec spec;
    try {
      spec = join(api);
    } catch (Throwable t) {
      System.err.println("mproc child: cannot read the target from the parent:");
      t.printStackTrace();
      System.exit(1);
      return;
    }
    Thread.currentThread().setName(spec.name);
    try {
      spec.target.run();
    } catch (Throwable t) {
      PrintStream err = System.err;
      err.println("Subprocess " + spec.name + " (pid " + ProcessHandle.current().pid() + "):");
      t.printStackTrace(err);
      try {
        api.channelSend(BOOTSTRAP_FD, new Subprocess.Report(t).encode(), new int[0]);
      } catch (IOException | RuntimeException e) {
        err.println("mproc child: cannot report the failure to the parent: " + e);
      }
      System.out.flush();
      System.exit(1);
    }
    System.out.flush();
  }

  private static Spec join(NativeApi api) throws IOException, ClassNotFoundException {
    byte[][] raw = new byte[1][];
    Native.check(api.childReadManifest(MANIFEST_TIMEOUT_NS, raw), "read the manifest", "fd 3");
    // The manifest's format is in mproc.h; the library has validated its sizes.
    ByteBuffer m = ByteBuffer.wrap(raw[0]).order(ByteOrder.LITTLE_ENDIAN);
    boolean daemon = (m.getInt(12) & 1) != 0;
    int count = m.getInt(16);
    int payloadLength = m.getInt(20);
    int[] fds = new int[count];
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      int e = 24 + 48 * i;
      fds[i] = m.getInt(e + 4);
      int len = 0;
      while (len < 31 && raw[0][e + 16 + len] != 0) {
        len++;
      }
      names[i] = new String(raw[0], e + 16, len, StandardCharsets.UTF_8);
    }
    byte[] payload =
        java.util.Arrays.copyOfRange(raw[0], 24 + 48 * count, 24 + 48 * count + payloadLength);
    if (daemon) {
      Thread lifeline = new Thread(() -> watchParent(api), "mproc-lifeline");
      lifeline.setDaemon(true);
      lifeline.start();
    }
    Spec spec = (Spec) Handoff.deserialize(payload, fds, names);
    for (int fd : fds) {
      if (fd >= 0) { // not adopted: an inherited share of the parent's file description
        api.fdClose(fd);
      }
    }
    Native.check(api.channelSend(BOOTSTRAP_FD, new byte[] {Subprocess.JOINED}, new int[0]),
        "join", "the parent");
    return spec;
  }

  /** A daemon child ends as soon as its parent is gone, however the parent died. */
  private static void watchParent(NativeApi api) {
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
