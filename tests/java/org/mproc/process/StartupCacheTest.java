package org.mproc.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.mproc.internal.JavaCommand;
import org.mproc.shared.SharedLong;
import org.mproc.shared.SharedDouble;

/**
 * The fast ways into a child JVM: target recipes (lambdas sent as their implementation method
 * and captured values) and the class-sharing archive made for children.
 */
class StartupCacheTest {

  @Test
  void aRecipeCarriesEveryKindOfCapturedValue() throws Exception {
    int i = -7;
    long j = 1L << 40;
    double d = 2.5;
    float f = 0.25f;
    boolean z = true;
    char c = 'x';
    byte b = -3;
    short h = 300;
    String s = "caf\u00e9";
    String none = null;
    try (SharedLong out = SharedLong.create(0); SharedDouble real = SharedDouble.create(0)) {
      Task t = () -> {
        out.set(i + j + b + h + c + (z ? 1000 : 0) + s.length() + (none == null ? 1 : 0));
        real.set(d + f);
      };
      assertNotNull(
          LambdaRecipe.encode("n", t, new ArrayList<>(List.of(out, real))),
          "this lambda travels as a recipe");
      Subprocess p = Subprocess.start(t);
      p.join();
      assertEquals(0, p.exitCode());
      assertEquals(-7 + (1L << 40) - 3 + 300 + 'x' + 1000 + 4 + 1, out.get());
      assertEquals(2.75, real.get());
    }
  }

  @Test
  void aTargetCapturingOtherObjectsIsSerializedAsBefore() throws Exception {
    List<Integer> values = new ArrayList<>(List.of(1, 2, 3));
    try (SharedLong out = SharedLong.create(0)) {
      Task t = () -> out.set(values.stream().mapToLong(Integer::longValue).sum());
      assertNull(LambdaRecipe.encode("n", t, new ArrayList<>(List.of(out))));
      Subprocess p = Subprocess.start(t);
      p.join();
      assertEquals(0, p.exitCode());
      assertEquals(6, out.get());
    }
  }

  @Test
  void aRecipeNamingNoSuchMethodIsRefused() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF("name");
      out.writeUTF(StartupCacheTest.class.getName());
      out.writeUTF(StartupCacheTest.class.getName());
      out.writeUTF("noSuchMethod");
      out.writeUTF("()V");
      out.writeShort(0);
    }
    assertThrows(
        NoSuchMethodException.class,
        () -> LambdaRecipe.resolve(bytes.toByteArray(), new String[1]));
    byte[] wrongCount = bytes.toByteArray().clone();
    wrongCount[wrongCount.length - 1] = 1; // one captured value for a method that takes none
    IOException e =
        assertThrows(IOException.class, () -> LambdaRecipe.resolve(wrongCount, new String[1]));
    assertTrue(e.getMessage().contains("1 captured values"), e.getMessage());
  }

  @Test
  void aBadSwitchIsRefusedWithItsValue() {
    String old = System.getProperty(StartupCache.PROPERTY);
    System.setProperty(StartupCache.PROPERTY, "maybe");
    try {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Subprocess.start(() -> {}));
      assertTrue(e.getMessage().contains("'maybe'"), e.getMessage());
    } finally {
      if (old == null) {
        System.clearProperty(StartupCache.PROPERTY);
      } else {
        System.setProperty(StartupCache.PROPERTY, old);
      }
    }
  }

  @Test
  void concurrentFirstStartsAreSafeAndMakeOneArchive() throws Exception {
    Path work = Files.createTempDirectory("mproc-cds-test");
    try {
      Path cache = work.resolve("cache");
      List<String> cp = peerClassPath(work);
      Process p1 = peer(cp, cache, work, "peer1");
      Process p2 = peer(cp, cache, work, "peer2");
      checkPeer(p1, work, "peer1", true);
      checkPeer(p2, work, "peer2", true);
      assertEquals(1, archives(cache).size(), "one archive: " + listing(cache));
      try (Stream<Path> s = Files.list(cache)) {
        assertFalse(
            s.anyMatch(p -> p.getFileName().toString().contains(".tmp")),
            "no temporary file is left: " + listing(cache));
      }
    } finally {
      deleteTree(work);
    }
  }

  @Test
  void aShortLivedParentStillLeavesAnArchive() throws Exception {
    Path work = Files.createTempDirectory("mproc-cds-test");
    try {
      Path cache = work.resolve("cache");
      Process p = peerWithMode(peerClassPath(work), cache, work, "quick", "quick");
      assertEquals(0, p.waitFor(), Files.readString(work.resolve("quick.err")));
      assertEquals("", Files.readString(work.resolve("quick.err")));
      assertEquals("", Files.readString(work.resolve("quick.out")));
      assertEquals("hello from a0\n", Files.readString(work.resolve("quick").resolve("a0.out")));
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
      while (!Files.isDirectory(cache) || archives(cache).isEmpty()) {
        assertTrue(System.nanoTime() < deadline, "no archive was made after the parent exited");
        Thread.sleep(100);
      }
    } finally {
      deleteTree(work);
    }
  }

  @Test
  void aCorruptOrForeignArchiveChangesNoOutputNorExitCode() throws Exception {
    Path work = Files.createTempDirectory("mproc-cds-test");
    try {
      Path cache = work.resolve("cache");
      List<String> cp = peerClassPath(work);
      checkPeer(peer(cp, cache, work, "peer0"), work, "peer0", true);
      Path archive = archives(cache).get(0);

      // Corrupt in place, keeping the name (and so the recorded CRC): refused, then replaced.
      Files.setPosixFilePermissions(
          archive, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
      byte[] bytes = Files.readAllBytes(archive);
      for (int k = 0; k < 4096; k++) {
        bytes[bytes.length / 3 + k] ^= (byte) 0x5a;
      }
      Files.write(archive, bytes);
      checkPeer(peer(cp, cache, work, "peer1"), work, "peer1", true);
      assertFalse(Files.exists(archive), "the corrupt archive is removed: " + listing(cache));

      // An archive made for children with other module options, under this key with a matching
      // CRC: the JVM refuses it (JDK 25 says so on standard output unless told not to).
      checkPeer(peer(cp, cache, work, "peer2", "--add-modules=java.sql"), work, "peer2", true);
      Path foreign = newest(cache);
      Path mine = archives(cache).stream().filter(p -> !p.equals(foreign)).findFirst().orElseThrow();
      String key = mine.getFileName().toString().split("\\.")[0];
      String ext = mine.getFileName().toString().substring(mine.getFileName().toString().lastIndexOf('.'));
      byte[] foreignBytes = Files.readAllBytes(foreign);
      CRC32 crc = new CRC32();
      crc.update(foreignBytes);
      Files.delete(mine);
      Path swapped = cache.resolve(key + "." + Long.toHexString(crc.getValue()) + ext);
      Files.write(swapped, foreignBytes);
      Files.setPosixFilePermissions(swapped, EnumSet.of(PosixFilePermission.OWNER_READ));
      checkPeer(peer(cp, cache, work, "peer3"), work, "peer3", null);
    } finally {
      deleteTree(work);
    }
  }

  /** The archive most recently made, taken as the one of the last peer run. */
  private static Path newest(Path cache) throws IOException {
    return archives(cache).stream()
        .max((a, b) -> {
          try {
            return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        })
        .orElseThrow();
  }

  /** Best effort: a supervisor child may still be tidying up. */
  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      // left in the temporary directory
    }
  }

  private static List<Path> archives(Path cache) throws IOException {
    try (Stream<Path> s = Files.list(cache)) {
      return s.filter(p -> p.toString().endsWith(".aot") || p.toString().endsWith(".jsa"))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  private static String listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.joining(", "));
    }
  }

  /**
   * Starts the peer; its output and error go to {@code work/tag.out} and {@code work/tag.err},
   * its children's to the folder {@code work/tag}.
   */
  private static Process peer(
      List<String> cp, Path cache, Path work, String tag, String... childOptions)
      throws IOException {
    return peerWithMode(cp, cache, work, tag, "3", childOptions);
  }

  /** As above, {@code mode} being the number of children per round, or {@code quick}. */
  private static Process peerWithMode(
      List<String> cp, Path cache, Path work, String tag, String mode, String... childOptions)
      throws IOException {
    Path out = Files.createDirectory(work.resolve(tag));
    List<String> cmd = JavaCommand.of(StartupCachePeer.class, out.toString(), mode);
    int at = cmd.indexOf("-cp");
    cmd.set(at + 1, String.join(File.pathSeparator, cp));
    cmd.add(at, "-D" + StartupCache.DIR_PROPERTY + "=" + cache);
    cmd.add(at, "-D" + StartupCache.PROPERTY + "=on");
    cmd.add(at, "-Dmproc.test.childOptions=" + String.join(" ", childOptions));
    return new ProcessBuilder(cmd)
        .redirectOutput(work.resolve(tag + ".out").toFile())
        .redirectError(work.resolve(tag + ".err").toFile())
        .start();
  }

  /**
   * The peer's and each child's output, byte for byte; {@code mapped} is whether the last child
   * mapped the archive, null for either.
   */
  private static void checkPeer(Process p, Path work, String tag, Boolean mapped)
      throws Exception {
    if (!p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the peer did not finish");
    }
    String err = Files.readString(work.resolve(tag + ".err"));
    assertEquals(0, p.exitValue(), err);
    assertEquals("", err);
    String said = Files.readString(work.resolve(tag + ".out"));
    if (mapped == null) {
      assertTrue(said.equals("ready true\nmapped true\n")
          || said.equals("ready true\nmapped false\n"), said);
    } else {
      assertEquals("ready true\nmapped " + mapped + "\n", said);
    }
    Path out = work.resolve(tag);
    for (String round : new String[] {"a", "b"}) {
      for (int i = 0; i < 3; i++) {
        assertEquals("hello from " + round + i + "\n",
            Files.readString(out.resolve(round + i + ".out"), StandardCharsets.UTF_8));
        assertEquals("and to stderr from " + round + i + "\n",
            Files.readString(out.resolve(round + i + ".err"), StandardCharsets.UTF_8));
      }
    }
  }

  /**
   * A class path of jars only: this test's jars (mproc, JNA, ...) and one made of the peer's
   * classes (the test classes are a directory, for which no archive is made).
   */
  private static List<String> peerClassPath(Path work) throws Exception {
    List<String> cp = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (e.endsWith(".jar") && Files.isRegularFile(Path.of(e))) {
        cp.add(e);
      }
    }
    Path classes = Path.of(
        StartupCachePeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String dir = StartupCachePeer.class.getPackageName().replace('.', '/');
    Path jar = work.resolve("peer.jar");
    try (OutputStream f = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(f);
        Stream<Path> s = Files.list(classes.resolve(dir))) {
      for (Path c : (Iterable<Path>) s::iterator) {
        String n = c.getFileName().toString();
        if (n.startsWith(StartupCachePeer.class.getSimpleName())) {
          j.putNextEntry(new JarEntry(dir + "/" + n));
          j.write(Files.readAllBytes(c));
          j.closeEntry();
        }
      }
    }
    cp.add(0, jar.toString());
    return cp;
  }

}
