package org.mproc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/**
 * Process-wide facts and the management of named objects (what the {@code mproc} command-line
 * tool does: {@code ls}, {@code info}, {@code rm}, {@code gc}).
 */
public final class Mproc {
  private static final Path SHM_DIR = Path.of("/dev/shm");

  private Mproc() {}

  /**
   * The native backend this JVM uses.
   *
   * @return {@code "ffm"} (Panama, JDK 22+) or {@code "jna"}
   * @throws UnsatisfiedLinkError if libmproc cannot be loaded
   */
  public static String backend() {
    return Native.api().name();
  }

  /**
   * Reads a named object's header without attaching to it.
   *
   * @param name the name, e.g. {@code "/jobs"}
   * @return what the header says and who is alive
   * @throws NoSuchObjectException if no object has that name
   * @throws IncompatibleObjectException if it is not an mproc object or is damaged
   */
  public static ObjectInfo info(String name) {
    byte[] raw = new byte[NativeApi.OBJECT_INFO_BYTES];
    Native.check(Native.api().stat(name, raw), "info", name);
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    int nameLen = 0;
    while (nameLen < 32 && raw[nameLen] != 0) {
      nameLen++;
    }
    int kind = Short.toUnsignedInt(b.getShort(32));
    long createdNs = b.getLong(88);
    return new ObjectInfo(
        new String(raw, 0, nameLen, StandardCharsets.US_ASCII),
        ObjectKind.of(kind),
        kind,
        Short.toUnsignedInt(b.getShort(34)) + "." + Short.toUnsignedInt(b.getShort(36)),
        (char) (raw[38] & 0xFF),
        b.getInt(40),
        b.getLong(48),
        b.getLong(56),
        b.getInt(64),
        b.getInt(68) != 0,
        b.getInt(72),
        b.getInt(76),
        b.getInt(80) != 0,
        Instant.ofEpochSecond(0, createdNs));
  }

  /**
   * Lists the named mproc objects this user can see, sorted by name. Files of other programs
   * in the shared-memory folder are skipped.
   *
   * @return one entry per object
   */
  public static List<ObjectInfo> list() {
    List<ObjectInfo> out = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(SHM_DIR)) {
      for (Path p : dir) {
        String name = "/" + p.getFileName();
        if (Native.api().nameCheck(name) != 0) {
          continue;
        }
        try {
          out.add(info(name));
        } catch (MprocException e) {
          // not an mproc object, removed meanwhile, or not ours to read
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot list " + SHM_DIR, e);
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  /**
   * Removes a name from the system. Processes that have the object open keep using it.
   *
   * @param name the name
   * @throws NoSuchObjectException if no object has that name
   * @throws InvalidNameException if the name is not valid
   */
  public static void unlink(String name) {
    Native.check(Native.api().unlink(name), "unlink", name);
  }

  /**
   * Removes every stale named object: those whose creator and participants are all dead.
   *
   * @return how many were removed
   */
  public static int gc() {
    int[] removed = new int[1];
    Native.check(Native.api().gc(removed), "gc", null);
    return removed[0];
  }
}
