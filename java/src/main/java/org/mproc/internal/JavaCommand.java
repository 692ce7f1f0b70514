package org.mproc.internal;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts another JVM like this one: the same {@code java} launcher, class
 * path, native-access flag and mproc system properties.
 */
public final class JavaCommand {
  private JavaCommand() {}

  /**
   * Builds the command that runs {@code mainClass} with {@code args} in a new JVM.
   *
   * @param mainClass the class whose {@code main} runs
   * @param args its arguments
   * @return the command, ready for {@link ProcessBuilder}
   */
  public static List<String> of(Class<?> mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--enable-native-access")
          || arg.startsWith("--illegal-native-access")
          || arg.startsWith("-Dmproc.")) {
        cmd.add(arg);
      }
    }
    if (Runtime.version().feature() >= 22 && cmd.stream().noneMatch(a -> a.startsWith("--enable-native-access"))) {
      cmd.add("--enable-native-access=ALL-UNNAMED");
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }
}
