package org.mproc.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks ({@link ValueBench}, {@link NativeLockBench}) with the suite's short settings: 1 fork, 3 warm-up
 * iterations of 1 s, 5 measured iterations of 1 s. The forked JVM gets
 * {@code --enable-native-access=ALL-UNNAMED} (on JDK 22+) and this JVM's {@code -Dmproc.backend},
 * so {@code java -Dmproc.backend=jna ... RunJmh} measures the JNA backend.
 *
 * <p>Usage: {@code RunJmh [JSON_FILE [REGEX]]}. Besides JMH's own report, prints one line per
 * benchmark, {@code RESULT java-<backend>.value.<method> <score> ns/op}, for bench/run. The
 * backend label is {@code $mproc.bench.label} if set, else the property, else "default".
 */
public final class RunJmh {
  private RunJmh() {}

  /**
   * Entry point.
   *
   * @param args optional JSON result file and benchmark regex
   * @throws Exception if JMH fails
   */
  public static void main(String[] args) throws Exception {
    String backend = System.getProperty("mproc.backend", "");
    String label = System.getProperty("mproc.bench.label", backend.isEmpty() ? "default" : backend);
    List<String> jvmArgs = new ArrayList<>();
    if (Runtime.version().feature() >= 22) {
      jvmArgs.add("--enable-native-access=ALL-UNNAMED");
    }
    if (!backend.isEmpty()) {
      jvmArgs.add("-Dmproc.backend=" + backend);
    }
    ChainedOptionsBuilder opt =
        new OptionsBuilder()
            .include(ValueBench.class.getName() + "." + (args.length > 1 ? args[1] : ""))
            .include(NativeLockBench.class.getName() + "." + (args.length > 1 ? args[1] : ""))
            .forks(1)
            .warmupIterations(3)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(5)
            .measurementTime(TimeValue.seconds(1))
            .jvmArgsAppend(jvmArgs.toArray(new String[0]));
    if (args.length > 0) {
      opt.resultFormat(ResultFormatType.JSON).result(args[0]);
    }
    Collection<RunResult> results = new Runner(opt.build()).run();
    for (RunResult r : results) {
      String method = r.getParams().getBenchmark();
      method = method.substring(method.lastIndexOf('.') + 1);
      System.out.printf(
          "RESULT java-%s.value.%s %.6g %s%n",
          label, method, r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreUnit());
    }
  }
}
