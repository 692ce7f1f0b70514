package org.mproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.mproc.cli.Main;
import org.mproc.testing.Peers;

/** A JVM that denies native access gets one clear sentence naming the flag, not a crash. */
class NativeAccessTest {
  @Test
  void deniedNativeAccessNamesTheFlag() throws Exception {
    Assumptions.assumeTrue(Runtime.version().feature() >= 24, "--illegal-native-access is JDK 24+");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String backend = System.getProperty("mproc.backend", "ffm");
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "--illegal-native-access=deny",
                    "-Dmproc.backend=" + backend,
                    "-cp",
                    System.getProperty("java.class.path"),
                    Main.class.getName(),
                    "backend"))
            .redirectErrorStream(true)
            .start();
    String out = Peers.output(p);
    assertEquals(1, Peers.await(p, 60), out);
    assertTrue(out.contains("--enable-native-access=ALL-UNNAMED"), out);
    assertTrue(out.startsWith("mproc: "), out);
    assertTrue(!out.contains("\tat "), "no stack trace: " + out);
  }
}
