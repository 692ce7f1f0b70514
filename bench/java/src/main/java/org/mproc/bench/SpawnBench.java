package org.mproc.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mproc.Mproc;
import org.mproc.internal.JavaCommand;
import org.mproc.process.Subprocess;

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
 *   <li>{@code process.subprocess_start_join}: {@code Subprocess.start(() -> {}).join()}: the
 *       child JVM's real command line ({@link JavaCommand#of}, plus {@code -Xrs}), libmproc
 *       loaded in the child, the manifest and the serialized lambda over fd 3, the "joined"
 *       message back, the watcher thread reaping it.
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

    String[] names = {
      "process.subprocess_start_join",
      "process.java_nop",
      "process.java_nop_childcmd",
      "process.java_native_childcmd",
    };
    double[][] ms = new double[names.length][reps];
    for (int r = -warmup; r < reps; r++) {
      double[] t = {
        subprocess(), run(nop), run(nopChild), run(nativeChild),
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
    System.out.flush();
  }

  /** The command Subprocess gives a Java child, with another main class. */
  private static List<String> childCommand(Class<?> main) {
    List<String> cmd = new ArrayList<>(JavaCommand.of(main));
    cmd.add(1, "-Xrs"); // as Subprocess.start() does
    return cmd;
  }

  private static double subprocess() throws Exception {
    long t0 = System.nanoTime();
    Subprocess p = Subprocess.start(() -> {});
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
