package org.mproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.mproc.NoSuchObjectException;
import org.mproc.shared.SharedLong;
import org.mproc.testing.Peers;

/** The command-line tool: listing, inspecting, removing, collecting, and bad usage. */
class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    out.reset();
    err.reset();
    return Main.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void lsInfoAndRmWorkOnALiveObject() {
    String name = Peers.uniqueName("cli");
    try (SharedLong v = SharedLong.create(name, 1)) {
      assertEquals(0, run("ls"));
      String line =
          out().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow();
      assertTrue(line.matches(".*value +q +\\d+ +" + ProcessHandle.current().pid() + " +1 +no .*"), line);
      assertEquals(0, run("info", name));
      assertTrue(out().contains("kind:          value"), out());
      assertTrue(out().contains("participants:  1 alive"), out());
      assertTrue(out().contains("stale:         no"), out());
      assertEquals(0, run("gc"));
      assertEquals(0, run("info", name), "gc must leave a live object alone");
      assertEquals(0, run("rm", name));
      assertEquals(1, run("info", name));
      assertTrue(err().contains(name) && err().contains("MPROC_ENOENT"), err());
      assertEquals(2, v.incrementAndGet(), "removing the name leaves the mapping usable");
    }
  }

  @Test
  void gcRemovesAnObjectWhoseCreatorDied() throws Exception {
    String name = Peers.uniqueName("stale");
    Process p = Peers.c("add-atomic", name, "1"); // fails: nothing to open yet
    assertEquals(1, Peers.await(p, 30));
    Process creator =
        new ProcessBuilder(
                org.mproc.internal.JavaCommand.of(StaleCreator.class, name))
            .inheritIO()
            .start();
    assertEquals(0, Peers.await(creator, 60));
    assertEquals(0, run("info", name));
    assertTrue(out().contains("stale:         yes"), out());
    assertEquals(0, run("gc"));
    assertTrue(out().matches("removed [1-9]\\d* stale object\\(s\\)\\s*"), out());
    assertEquals(1, run("info", name));
    org.junit.jupiter.api.Assertions.assertThrows(
        NoSuchObjectException.class, () -> SharedLong.open(name));
  }

  /** Creates a named value and exits without closing or unlinking it. */
  public static final class StaleCreator {
    private StaleCreator() {}

    /**
     * Entry point.
     *
     * @param args the name
     */
    public static void main(String[] args) {
      SharedLong.create(args[0], 7);
      Runtime.getRuntime().halt(0);
    }
  }

  @Test
  void badUsageGetsAUsageMessageAndStatus2() {
    assertEquals(2, run());
    assertTrue(err().contains("usage: mproc"), err());
    assertEquals(2, run("frobnicate"));
    assertTrue(err().contains("unknown command: frobnicate"), err());
    assertEquals(2, run("info"));
    assertEquals(2, run("rm"));
    assertEquals(2, run("ls", "extra"));
    assertEquals(2, run("demo", "nope"));
    assertTrue(err().contains("unknown demo: nope"), err());
    assertEquals(1, run("info", "no-slash"));
    assertTrue(err().contains("MPROC_EBADNAME"), err());
    assertEquals(0, run("help"));
    assertFalse(out().isEmpty());
  }
}
