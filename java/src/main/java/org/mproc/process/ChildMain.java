package org.mproc.process;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    Spec spec;
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
      spec.target.run();
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
  private static Spec join() throws IOException, ClassNotFoundException {
    Path file = Path.of("/proc/self/fd/" + Subprocess.MANIFEST_FD);
    byte[] raw = Files.readAllBytes(file);
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
    if (count < 0 || count > 64 || (long) entries + 48L * count + payloadLength != raw.length) {
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
    byte[] payload = Arrays.copyOfRange(raw, entries + 48 * count, raw.length);
    if (daemon) {
      Thread lifeline = new Thread(ChildMain::watchParent, "mproc-lifeline");
      lifeline.setDaemon(true);
      lifeline.start();
    }
    Spec spec = (Spec) Handoff.deserialize(payload, fds, names);
    for (int fd : fds) {
      if (fd >= 0) { // not adopted: an inherited share of the parent's file description
        Native.api().fdClose(fd);
      }
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {Subprocess.JOINED}), 0);
    }
    return spec;
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
