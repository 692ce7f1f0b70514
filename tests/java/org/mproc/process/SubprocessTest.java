package org.mproc.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mproc.ErrorCode;
import org.mproc.shared.SharedDouble;
import org.mproc.shared.SharedIntArray;
import org.mproc.shared.SharedLong;
import org.mproc.testing.Peers;

/** Child JVMs and native children: handoff, exit codes, signals, failures and misuse. */
class SubprocessTest {

  @Test
  void aChildSeesAndChangesHandedAnonymousObjects() throws Exception {
    try (SharedDouble num = SharedDouble.create(0.0);
        SharedIntArray arr = SharedIntArray.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) {
      Subprocess p =
          new Subprocess(
              () -> {
                num.set(3.1415927);
                for (int i = 0; i < arr.length(); i++) {
                  arr.set(i, -arr.get(i));
                }
              });
      assertFalse(p.isAlive());
      assertNull(p.exitCode());
      p.start();
      p.join();
      assertEquals(0, p.exitCode());
      assertFalse(p.isAlive());
      assertEquals(3.1415927, num.get());
      assertEquals("[0, -1, -2, -3, -4, -5, -6, -7, -8, -9]", arr.toString());
      assertEquals(Optional.empty(), p.failure());
    }
  }

  @Test
  void theSameObjectCapturedTwiceIsOneHandle() throws Exception {
    try (SharedLong v = SharedLong.create(0)) {
      SharedLong alias = v;
      Subprocess p =
          Subprocess.start(
              () -> {
                v.addAndGet(1);
                alias.addAndGet(10);
                if (v.get() != 11) {
                  throw new AssertionError("two handles: " + v.get());
                }
              });
      p.join();
      assertEquals(0, p.exitCode());
      assertEquals(11, v.get());
    }
  }

  @Test
  void exitCodesFollowPython() throws Exception {
    Subprocess ok = Subprocess.start(() -> {});
    Subprocess three = Subprocess.start(() -> System.exit(3));
    Subprocess thrown =
        Subprocess.start(
            () -> {
              throw new IllegalStateException("boom in the child");
            });
    ok.join();
    three.join();
    thrown.join();
    assertEquals(0, ok.exitCode());
    assertEquals(3, three.exitCode());
    assertEquals(1, thrown.exitCode());
    SubprocessFailure f = thrown.failure().orElseThrow();
    assertEquals(IllegalStateException.class.getName(), f.remoteClassName());
    assertEquals("boom in the child", f.remoteMessage());
    assertTrue(f.getCause() instanceof IllegalStateException, String.valueOf(f.getCause()));
    assertTrue(f.getStackTrace().length > 0);
    assertTrue(f.getMessage().contains("pid " + thrown.pid()), f.getMessage());
  }

  @Test
  void terminateAndKillGiveMinusTheSignal() throws Exception {
    Subprocess t = Subprocess.start(SubprocessTest::sleepLong);
    Subprocess k = Subprocess.start(SubprocessTest::sleepLong);
    assertFalse(t.join(Duration.ofMillis(300)), "a sleeping child is still running");
    assertTrue(t.isAlive());
    assertNull(t.exitCode());
    t.terminate();
    k.kill();
    assertTrue(t.join(Duration.ofSeconds(30)));
    assertTrue(k.join(Duration.ofSeconds(30)));
    assertEquals(-15, t.exitCode());
    assertEquals(-9, k.exitCode());
    t.terminate(); // no effect once exited
    assertEquals(-15, t.exitCode());
  }

  static void sleepLong() {
    try {
      Thread.sleep(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void misuseIsRejectedWithTheReason() throws Exception {
    Subprocess p = new Subprocess("idle", () -> {});
    assertThrows(IllegalStateException.class, p::join);
    assertThrows(IllegalStateException.class, p::pid);
    assertThrows(IllegalStateException.class, p::terminate);
    p.start();
    IllegalStateException twice = assertThrows(IllegalStateException.class, p::start);
    assertTrue(twice.getMessage().contains("idle"), twice.getMessage());
    assertThrows(IllegalStateException.class, () -> p.daemon(true));
    IllegalArgumentException neg =
        assertThrows(IllegalArgumentException.class, () -> p.join(Duration.ofMillis(-1)));
    assertTrue(neg.getMessage().contains("-0.001"), neg.getMessage());
    p.join();
    assertEquals("<Subprocess name='idle' pid=" + p.pid() + " stopped exitcode=0>", p.toString());
  }

  @Test
  void aTargetThatCannotBeSerializedFailsAtStart() {
    Object notSerializable = new Object();
    Subprocess p = new Subprocess(() -> System.out.println(notSerializable));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::start);
    assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
    assertFalse(p.isAlive());
  }

  @Test
  void aMissingProgramFailsAtStart() {
    SubprocessException e =
        assertThrows(
            SubprocessException.class,
            () -> Subprocess.program(Path.of("/no/such/program")).start());
    assertEquals(ErrorCode.ENOENT, e.code());
    assertEquals("/no/such/program", e.subject());
    assertTrue(e.getMessage().contains("no such program"), e.getMessage());
  }

  @Test
  void aChildJvmThatDiesBeforeJoiningIsReported() throws Exception {
    Subprocess p = new Subprocess(() -> {}).jvmOptions("-XX:+NoSuchOptionAnywhere");
    p.start();
    SubprocessException e = assertThrows(SubprocessException.class, p::join);
    assertTrue(e.getMessage().contains("before it read its target"), e.getMessage());
    assertEquals(1, p.exitCode());
  }

  @Test
  void aNativeChildReceivesHandedObjects() throws Exception {
    try (SharedDouble num = SharedDouble.create(0.0);
        SharedIntArray arr = SharedIntArray.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) {
      Subprocess p = Subprocess.program(Peers.cPeerPath(), "negate-handed").hand(num, arr);
      p.start();
      p.join();
      assertEquals(0, p.exitCode());
      assertEquals(3.1415927, num.get());
      assertEquals("[0, -1, -2, -3, -4, -5, -6, -7, -8, -9]", arr.toString());
    }
  }

  @Test
  void standardStreamsCanGoToFiles(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    java.nio.file.Files.writeString(out, "kept\n");
    Subprocess p = new Subprocess(() -> {
      System.out.println("to stdout");
      System.err.println("to stderr");
    }).redirectOutput(out, true).redirectError(err, false);
    p.start();
    p.join();
    assertEquals(0, p.exitCode());
    assertEquals("kept\nto stdout\n", java.nio.file.Files.readString(out));
    assertEquals("to stderr\n", java.nio.file.Files.readString(err));
    Subprocess sh = Subprocess.program(Path.of("sh"), "-c", "cat; echo done >&2")
        .redirectInput(out).redirectOutput(dir.resolve("copy.txt"), false)
        .redirectError(dir.resolve("sh-err.txt"), false);
    sh.start();
    sh.join();
    assertEquals("kept\nto stdout\n", java.nio.file.Files.readString(dir.resolve("copy.txt")));
    assertEquals("done\n", java.nio.file.Files.readString(dir.resolve("sh-err.txt")));
    SubprocessException missing = assertThrows(SubprocessException.class,
        () -> Subprocess.program(Path.of("true")).redirectInput(dir.resolve("nope")).start());
    assertEquals(ErrorCode.ENOENT, missing.code());
    assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
  }

  @Test
  void closeEndsARunningChild() throws Exception {
    Subprocess p = Subprocess.start(SubprocessTest::sleepLong);
    p.close();
    assertFalse(p.isAlive());
    assertEquals(-15, p.exitCode());
  }

  @Test
  void aDaemonChildDiesWithItsKilledParent() throws Exception {
    Process parent = Peers.java("daemon-parent");
    String line = Peers.readLine(parent);
    assertTrue(line != null && line.startsWith("child "), String.valueOf(line));
    long childPid = Long.parseLong(line.substring(6).trim());
    ProcessHandle child = ProcessHandle.of(childPid).orElseThrow();
    assertTrue(child.isAlive());
    parent.destroyForcibly(); // SIGKILL: no shutdown hooks run in the parent
    parent.waitFor();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertFalse(child.isAlive(), "the daemon child outlived its killed parent");
  }
}
