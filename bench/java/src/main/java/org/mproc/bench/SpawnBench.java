package org.mproc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.mproc.Mproc;
import org.mproc.internal.JavaCommand;
import org.mproc.process.Subprocess;
import org.mproc.process.Task;

/**
 * The process suite's Java side: how long it takes to start a child that does nothing and wait
 * for it, measured in this long-running JVM with {@code System.nanoTime()} around start and
 * join/waitFor (so every variant is timed the same way). The counterpart of
 * bench/c/bench_spawn.c and of {@code bench_mp.py process}.
 *
 * <p>{@code SpawnBench [REPS] [WARMUP]} (defaults 15 and 3): each repetition runs every variant
 * once, in turn, so that drifting machine load spreads over all of them alike; the first WARMUP
 * repetitions are discarded. Variants (medians, ms):
 * <ul>
 *   <li>{@code process.cds_training}: once, before the rest: how long
 *       {@link Subprocess#awaitStartupCache} takes to make the children's class-sharing archive
 *       in a fresh folder ({@code -Dmproc.cds.dir}, a new temporary one unless set) — the work a
 *       first {@code start()} starts in the background.
 *   <li>{@code process.subprocess_start_join}: {@code Subprocess.start(() -> {}).join()}, as a
 *       user gets it once the archive exists: the child JVM's real command line
 *       ({@link JavaCommand#of}, plus {@code -Xrs} and the archive), the manifest with the
 *       lambda's recipe at fd 4, the "joined" status back, the watcher thread reaping it. The
 *       class path must be jars only for the archive to be made (bench/run passes the bench jar).
 *   <li>{@code process.subprocess_nocache}: the same with {@code -Dmproc.cds=off}.
 *   <li>{@code process.subprocess_serialized}: a target that captures an {@code int[]}, with
 *       the archive (whose training deserializes a lambda too).
 *   <li>{@code process.subprocess_serialized_nocache}: a target that captures an {@code int[]},
 *       so it cannot travel as a recipe and is deserialized with {@code ObjectInputStream}, no
 *       archive: every target's path before recipes and archives.
 *   <li>{@code process.java_nop}: {@code ProcessBuilder(java, -cp, <bench classes>,
 *       org.mproc.bench.Nop).inheritIO().start().waitFor()}, the same JDK's launcher with
 *       default flags (CDS on, {@code -Xshare:auto}): the trivial JVM.
 *   <li>{@code process.java_nop_childcmd}: the same empty main under the child's command line
 *       prefix (the same {@code -Xrs}, {@code --enable-native-access}, {@code -Dmproc.*} and the
 *       full class path with the mproc jar and JNA): JVM start with mproc's class path, nothing
 *       of mproc loaded.
 *   <li>{@code process.java_native_childcmd}: as above but the main loads mproc's backend
 *       ({@link NativeNop}): adds libmproc loading through FFM or JNA.
 * </ul>
 * Result lines: {@code RESULT java-<label>.process.<what> <value> ms}, label from
 * {@code -Dmproc.bench.label}, else the backend in use.
 */
public final class SpawnBench {
  private SpawnBench() {}

  /**
   * Entry point: {@code [REPS] [WARMUP]}.
   *
   * @param args repetitions and warm-up repetitions
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    String label = System.getProperty("mproc.bench.label", Mproc.backend());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classes = Path.of(Nop.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
    List<String> nop = List.of(java, "-cp", classes, Nop.class.getName());
    List<String> nopChild = childCommand(Nop.class);
    List<String> nativeChild = childCommand(NativeNop.class);

    Path ownCache = null;
    if (System.getProperty("mproc.cds.dir") == null) {
      ownCache = Files.createTempDirectory("mproc-bench-cds");
      System.setProperty("mproc.cds.dir", ownCache.resolve("cds").toString());
    }
    long c0 = System.nanoTime();
    boolean ready = Subprocess.awaitStartupCache(Duration.ofMinutes(5));
    double training = (System.nanoTime() - c0) / 1e6;
    if (!ready) {
      System.out.println("SpawnBench: no class-sharing archive for children (class path "
          + System.getProperty("java.class.path") + ")");
    }

    String[] names = {
      "process.subprocess_start_join",
      "process.subprocess_nocache",
      "process.subprocess_serialized",
      "process.subprocess_serialized_nocache",
      "process.java_nop",
      "process.java_nop_childcmd",
      "process.java_native_childcmd",
    };
    double[][] ms = new double[names.length][reps];
    for (int r = -warmup; r < reps; r++) {
      double[] t = {
        subprocess(() -> {}, "on"),
        subprocess(() -> {}, "off"),
        subprocess(capturing(new int[] {1}), "on"),
        subprocess(capturing(new int[] {1}), "off"),
        run(nop), run(nopChild), run(nativeChild),
      };
      if (r >= 0) {
        for (int v = 0; v < names.length; v++) {
          ms[v][r] = t[v];
        }
      }
    }
    for (int v = 0; v < names.length; v++) {
      System.out.printf("RESULT java-%s.%s %.6g ms%n", label, names[v], median(ms[v]));
    }
    if (ready) {
      System.out.printf("RESULT java-%s.process.cds_training %.6g ms%n", label, training);
    }
    if (ownCache != null) {
      try (Stream<Path> files = Files.walk(ownCache)) {
        for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(f);
        }
      }
    }
    System.out.flush();
  }

  /** The command Subprocess gives a Java child, with another main class. */
  private static List<String> childCommand(Class<?> main) {
    List<String> cmd = new ArrayList<>(JavaCommand.of(main));
    cmd.add(1, "-Xrs"); // as Subprocess.start() does
    return cmd;
  }

  /** A target capturing {@code values}: not a string, number or mproc object. */
  private static Task capturing(int[] values) {
    return () -> serializedTarget(values);
  }

  private static void serializedTarget(int[] values) {
    if (values.length != 1) {
      throw new IllegalStateException("the child got " + values.length + " values");
    }
  }

  private static double subprocess(Task target, String cds) throws Exception {
    System.setProperty("mproc.cds", cds);
    long t0 = System.nanoTime();
    Subprocess p = Subprocess.start(target);
    p.join();
    long t1 = System.nanoTime();
    if (p.exitCode() != 0) {
      throw new IllegalStateException("the Subprocess child failed: exit code " + p.exitCode());
    }
    return (t1 - t0) / 1e6;
  }

  private static double run(List<String> cmd) throws Exception {
    long t0 = System.nanoTime();
    int code = new ProcessBuilder(cmd).inheritIO().start().waitFor();
    long t1 = System.nanoTime();
    if (code != 0) {
      throw new IllegalStateException("exit code " + code + ": " + String.join(" ", cmd));
    }
    return (t1 - t0) / 1e6;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
