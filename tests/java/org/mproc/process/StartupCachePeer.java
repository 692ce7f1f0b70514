package org.mproc.process;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A parent JVM for {@link StartupCacheTest}, started with a class path of jars only (the only
 * kind archives are made for) and {@code -Dmproc.cds.dir}: {@code StartupCachePeer OUTDIR N}
 * starts N children at once (before any archive exists, unless one does), waits for the archive,
 * starts N more, and a last one that tells whether its JVM mapped the archive. Each child writes
 * its own output and error files in OUTDIR, so that they can be compared byte for byte. Prints
 * {@code ready <bool>} and {@code mapped <bool>}. {@code StartupCachePeer OUTDIR quick} starts one
 * child and exits at once. {@code -Dmproc.test.childOptions} (split at
 * spaces) gives every child JVM options.
 */
public final class StartupCachePeer {
  private static final String[] OPTIONS = childOptions();

  private StartupCachePeer() {}

  private static String[] childOptions() {
    String o = System.getProperty("mproc.test.childOptions", "").trim();
    return o.isEmpty() ? new String[0] : o.split(" ");
  }

  /**
   * Entry point.
   *
   * @param args the output folder and the number of children per round
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    if (args[1].equals("quick")) { // one child, and gone before any archive can be made
      round(out, "a", 1);
      return;
    }
    int n = Integer.parseInt(args[1]);
    round(out, "a", n);
    boolean ready = Subprocess.awaitStartupCache(Duration.ofMinutes(2), OPTIONS);
    System.out.println("ready " + ready);
    round(out, "b", n);
    String cacheDir = System.getProperty("mproc.cds.dir");
    Path mapped = out.resolve("mapped.txt");
    Subprocess m = new Subprocess(() -> {
      boolean found = false;
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        found |= line.contains(cacheDir);
      }
      System.out.print(found);
    }).jvmOptions(OPTIONS).redirectOutput(mapped, false);
    m.start();
    m.join();
    System.out.println("mapped " + new String(Files.readAllBytes(mapped), StandardCharsets.UTF_8));
  }

  private static void round(Path out, String tag, int n) throws Exception {
    List<Subprocess> children = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String who = tag + i;
      Subprocess p = new Subprocess(() -> {
        System.out.println("hello from " + who);
        System.err.println("and to stderr from " + who);
      }).jvmOptions(OPTIONS).redirectOutput(out.resolve(who + ".out"), false).redirectError(out.resolve(who + ".err"), false);
      p.start();
      children.add(p);
    }
    for (Subprocess p : children) {
      p.join();
      if (p.exitCode() != 0) {
        throw new IllegalStateException(p + " failed");
      }
    }
  }
}
