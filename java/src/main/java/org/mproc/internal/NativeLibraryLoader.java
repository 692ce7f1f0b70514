package org.mproc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;

/**
 * Finds libmproc for the backends, in this order (as zstd-jni and netty do):
 *
 * <ol>
 *   <li>the file named by the system property {@code mproc.library.path};
 *   <li>the copy inside the jar under {@code org/mproc/native/<platform>/}, extracted once into
 *       {@code mproc.native.dir} (default {@code $XDG_CACHE_HOME/mproc}, else
 *       {@code ~/.cache/mproc}, else the temporary directory) in a folder named after its
 *       CRC-32 and length, by an atomic rename so that concurrent JVMs never load a half-written file.
 * </ol>
 *
 * <p>The platform folder uses JNA's names: {@code linux-x86-64}, {@code linux-aarch64}, ...
 */
public final class NativeLibraryLoader {
  /** System property naming an explicit libmproc file. */
  public static final String LIBRARY_PATH_PROPERTY = "mproc.library.path";

  /** System property naming the folder the jar's library is extracted into. */
  public static final String NATIVE_DIR_PROPERTY = "mproc.native.dir";

  private static final String LIBRARY_FILE = "libmproc.so";

  private static Path path;

  private NativeLibraryLoader() {}

  /**
   * The platform folder name of this JVM, in JNA's spelling.
   *
   * @return e.g. {@code linux-x86-64}
   */
  public static String platform() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    if (os.startsWith("mac")) {
      os = "darwin";
    } else if (os.startsWith("linux")) {
      os = "linux";
    } else if (os.startsWith("freebsd")) {
      os = "freebsd";
    }
    switch (arch) {
      case "amd64":
      case "x86_64":
        arch = "x86-64";
        break;
      case "arm64":
        arch = "aarch64";
        break;
      default:
        break;
    }
    return os + "-" + arch;
  }

  /**
   * The path of the library file to load, extracting it from the jar on first use.
   *
   * @return an absolute path
   * @throws UnsatisfiedLinkError if no library exists for this platform
   */
  public static synchronized Path libraryPath() {
    if (path == null) {
      path = locate();
    }
    return path;
  }

  private static Path locate() {
    String explicit = System.getProperty(LIBRARY_PATH_PROPERTY);
    if (explicit != null && !explicit.isEmpty()) {
      Path p = Path.of(explicit).toAbsolutePath();
      if (!Files.isRegularFile(p)) {
        throw new UnsatisfiedLinkError(
            "-D" + LIBRARY_PATH_PROPERTY + " names no file: " + explicit);
      }
      return p;
    }
    String resource = "/org/mproc/native/" + platform() + "/" + LIBRARY_FILE;
    URL url = NativeLibraryLoader.class.getResource(resource);
    if (url == null) {
      throw new UnsatisfiedLinkError(
          "mproc has no native library for platform " + platform() + " (looked for " + resource
              + "); build one with CMake and pass -D" + LIBRARY_PATH_PROPERTY + "=<file>");
    }
    // Inside a jar the entry's CRC and size name the version without inflating the file; the
    // bytes are read only when this version was never extracted.
    String key = null;
    try {
      URLConnection c = url.openConnection();
      if (c instanceof JarURLConnection) {
        JarEntry e = ((JarURLConnection) c).getJarEntry();
        if (e.getCrc() != -1 && e.getSize() != -1) {
          key = folderName(e.getCrc(), e.getSize());
        }
      }
    } catch (IOException e) {
      key = null; // fall back to reading the bytes
    }
    if (key != null) {
      for (Path dir : candidateDirs()) {
        Path existing = dir.resolve(key).resolve(LIBRARY_FILE);
        if (Files.isRegularFile(existing)) {
          return existing;
        }
      }
    }
    byte[] bytes;
    try (InputStream in = url.openStream()) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
    String digest = digest(bytes);
    IOException first = null;
    for (Path dir : candidateDirs()) {
      try {
        return extract(bytes, dir.resolve(digest));
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    throw new UncheckedIOException("cannot extract libmproc to any cache folder", first);
  }

  private static Path[] candidateDirs() {
    String explicit = System.getProperty(NATIVE_DIR_PROPERTY);
    if (explicit != null && !explicit.isEmpty()) {
      return new Path[] {Path.of(explicit)};
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache =
        xdg != null && !xdg.isEmpty()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return new Path[] {
      cache.resolve("mproc"),
      Path.of(System.getProperty("java.io.tmpdir"), "mproc-" + System.getProperty("user.name"))
    };
  }

  private static Path extract(byte[] bytes, Path dir) throws IOException {
    Path target = dir.resolve(LIBRARY_FILE);
    if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
      return target;
    }
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, LIBRARY_FILE, ".tmp");
    try {
      Files.write(tmp, bytes);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target;
  }

  /** A folder name that changes with the library's contents (CRC-32 and length). */
  private static String digest(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return folderName(crc.getValue(), bytes.length);
  }

  /*
   * Not String.format: it loads the Formatter and locale data, about 12 ms of every child
   * JVM's start-up.
   */
  private static String folderName(long crc, long size) {
    String hex = Long.toHexString(crc);
    return "00000000".substring(hex.length()) + hex + "-" + size;
  }
}
