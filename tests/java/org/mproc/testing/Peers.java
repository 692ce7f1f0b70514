package org.mproc.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.mproc.internal.JavaCommand;

/** Starting other processes for tests: a second JVM ({@link JavaPeer}) or the C peer. */
public final class Peers {
  private static final AtomicInteger SEQ = new AtomicInteger();

  private Peers() {}

  /**
   * A name no other test (in this or another JVM) uses.
   *
   * @param tag a short word
   * @return e.g. {@code /mpt-value-1234-7}
   */
  public static String uniqueName(String tag) {
    return "/mpt-" + tag + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
  }

  /**
   * Starts {@link JavaPeer} in a new JVM.
   *
   * @param args the peer command and its arguments
   * @return the running process (stderr inherited)
   * @throws IOException if it cannot start
   */
  public static Process java(String... args) throws IOException {
    return new ProcessBuilder(JavaCommand.of(JavaPeer.class, args))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  /**
   * The C peer program built by CMake ({@code tests/interop/mproc_peer.c}).
   *
   * @return its path
   */
  public static Path cPeerPath() {
    String p = System.getProperty("mproc.test.cpeer", "target/native/tests/interop/mproc_peer");
    Path path = Path.of(p);
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException("the C peer is not built: " + path);
    }
    return path;
  }

  /**
   * Starts the C peer.
   *
   * @param args its command and arguments
   * @return the running process (stderr inherited)
   * @throws IOException if it cannot start
   */
  public static Process c(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(cPeerPath().toString());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /**
   * Waits for a process and returns its exit code, killing it after the timeout.
   *
   * @param p the process
   * @param seconds the most to wait
   * @return the exit code
   * @throws Exception if interrupted or timed out
   */
  public static int await(Process p, long seconds) throws Exception {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("peer " + p.pid() + " did not finish within " + seconds + " s");
    }
    return p.exitValue();
  }

  /**
   * Reads one line of a process's standard output.
   *
   * @param p the process
   * @return the line, or {@code null} at end of stream
   * @throws IOException if reading fails
   */
  public static String readLine(Process p) throws IOException {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
        .readLine();
  }

  /**
   * Reads all of a finished process's standard output.
   *
   * @param p the process
   * @return the output
   * @throws IOException if reading fails
   */
  public static String output(Process p) throws IOException {
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
