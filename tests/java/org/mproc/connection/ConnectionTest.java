package org.mproc.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mproc.process.Subprocess;

/** Pipes and connections: framing, directions, errors, a child JVM and a Python peer. */
class ConnectionTest {

  @Test
  @Timeout(value = 1, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void closingUnderABlockedReceiverNeverHandsItAnotherConnectionsMessage() throws Exception {
    // A descriptor's number goes to the next file opened once it is closed. A reader blocked
    // on a connection that another thread closes must end, not go on reading that number: it
    // would take the message of whatever connection was opened next.
    for (int round = 0; round < 5; round++) {
      Pipe p = Pipe.open();
      Connection reader = p.left();
      AtomicReference<Object> got = new AtomicReference<>();
      Thread t = new Thread(() -> {
        try {
          got.set(new String(reader.recvBytes(), StandardCharsets.UTF_8));
        } catch (Throwable e) {
          got.set(e);
        }
      });
      t.start();
      Thread.sleep(30 + 10 * round);
      long t0 = System.nanoTime();
      reader.close();
      long closeMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(closeMs < 2_000, "close waited " + closeMs + " ms");
      Pipe q = Pipe.open(); // may be given the closed descriptor's number
      q.right().sendBytes("for the other pipe".getBytes(StandardCharsets.UTF_8));
      t.join(5_000);
      assertFalse(t.isAlive());
      assertTrue(got.get() instanceof IllegalStateException, String.valueOf(got.get()));
      assertEquals("for the other pipe", new String(q.left().recvBytes(), StandardCharsets.UTF_8));
      p.right().close();
      q.left().close();
      q.right().close();
    }
  }

  @Test
  void aDuplexPipeCarriesObjectsAndBytesBothWays() throws Exception {
    Pipe pipe = Pipe.open();
    try (Connection a = pipe.left(); Connection b = pipe.right()) {
      assertFalse(b.poll());
      a.send(Arrays.asList(42, null, "hello"));
      assertTrue(b.poll(Duration.ofSeconds(5)));
      assertEquals(Arrays.asList(42, null, "hello"), b.recv());
      b.sendBytes("0123456789".getBytes(StandardCharsets.US_ASCII), 2, 3);
      assertArrayEquals("234".getBytes(StandardCharsets.US_ASCII), a.recvBytes());
      a.sendBytes(new byte[0]);
      assertEquals(0, b.recvBytes().length);
      assertTrue(a.isReadable() && a.isWritable());
      assertTrue(a.fileno() >= 0);
    }
  }

  @Test
  void aOneWayPipeRefusesTheWrongDirection() throws Exception {
    Pipe pipe = Pipe.open(false);
    try (Connection r = pipe.left(); Connection w = pipe.right()) {
      assertFalse(r.isWritable());
      assertFalse(w.isReadable());
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.send("x"));
      assertTrue(e.getMessage().contains("read-only"), e.getMessage());
      assertThrows(IllegalStateException.class, w::recv);
      w.send("one way");
      assertEquals("one way", r.recv());
    }
  }

  @Test
  void endOfStreamBrokenPipeAndClosedHandlesAreReported() throws Exception {
    Pipe pipe = Pipe.open();
    Connection a = pipe.left();
    Connection b = pipe.right();
    a.send("last");
    a.close();
    assertTrue(a.isClosed());
    assertThrows(IllegalStateException.class, () -> a.send("x"));
    assertEquals("last", b.recv());
    assertTrue(b.poll(), "poll is true at end of stream, as in Python");
    assertThrows(EndOfStreamException.class, b::recv);
    assertThrows(BrokenPipeException.class, () -> b.send("nobody listens"));
    b.close();
  }

  @Test
  void tooLongMessagesAreRefused() throws Exception {
    Pipe pipe = Pipe.open();
    try (Connection a = pipe.left(); Connection b = pipe.right()) {
      a.sendBytes(new byte[] {1, 2, 3, 4, 5});
      byte[] buf = new byte[10];
      java.util.Arrays.fill(buf, (byte) 9);
      assertEquals(5, b.recvBytesInto(buf));
      assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 9, 9, 9, 9, 9}, buf, "the rest is untouched");
      a.sendBytes(new byte[100]);
      MessageTooLongException into =
          assertThrows(MessageTooLongException.class, () -> b.recvBytesInto(new byte[10]));
      assertEquals(100, into.message().length, "the message travels with the exception");
      a.sendBytes(new byte[100]);
      MessageTooLongException bad =
          assertThrows(MessageTooLongException.class, () -> b.recvBytes(50));
      assertNull(bad.message());
      assertTrue(b.isClosed(), "the rest of the message cannot be skipped: closed, as in Python");
    }
  }

  @Test
  void aChildJvmSendsThroughItsEnd() throws Exception {
    Pipe pipe = Pipe.open();
    try (Connection parent = pipe.left(); Connection child = pipe.right()) {
      Subprocess p = new Subprocess(() -> {
        child.send(Arrays.asList(42, null, "hello"));
        child.send(new String((byte[]) child.recv(), StandardCharsets.UTF_8).toUpperCase());
        child.close();
      });
      p.start();
      assertEquals(Arrays.asList(42, null, "hello"), parent.recv());
      parent.send("ping".getBytes(StandardCharsets.UTF_8));
      assertEquals("PING", parent.recv());
      p.join();
      assertEquals(0, p.exitCode());
    }
  }

  @Test
  void aPythonProcessIsAPeerOverAHandedDescriptor() throws Exception {
    String script = String.join("\n",
        "from multiprocessing.connection import Connection",
        "c = Connection(4)",
        "m = c.recv_bytes()",
        "c.send_bytes(m[::-1])",
        "c.send_bytes(b'x' * 70000)",
        "c.close()");
    Pipe pipe = Pipe.open();
    try (Connection mine = pipe.left(); Connection theirs = pipe.right()) {
      Subprocess py = Subprocess.program(Path.of("python3"), "-c", script).hand(theirs);
      py.start();
      theirs.close(); // the child has its own copy: end-of-stream must come from it alone
      mine.sendBytes("from java".getBytes(StandardCharsets.UTF_8));
      assertEquals("avaj morf", new String(mine.recvBytes(), StandardCharsets.UTF_8));
      assertEquals(70000, mine.recvBytes().length);
      assertThrows(EndOfStreamException.class, mine::recvBytes);
      py.join();
      assertEquals(0, py.exitCode());
    }
  }

  @Test
  void aPeerBreakingTheFramingGetsAClearErrorAndTheConnectionCloses() throws Exception {
    // A raw Python peer: a negative length on one connection, a frame cut short then EOF on
    // another, an absurd length on a third.
    String script = String.join("\n",
        "import os",
        "os.write(4, b'\\xff\\xff\\xff\\xfe')",
        "os.write(5, b'\\x00\\x00\\x00\\x10abc')",
        "os.close(5)",
        "os.write(6, b'\\x7f\\xff\\xff\\xff')",
        "os.read(4, 1)");
    Pipe a = Pipe.open();
    Pipe b = Pipe.open();
    Pipe c = Pipe.open();
    try (Connection negative = a.left(); Connection cut = b.left(); Connection huge = c.left()) {
      Subprocess py = Subprocess.program(Path.of("python3"), "-c", script)
          .hand(a.right(), b.right(), c.right());
      py.start();
      a.right().close();
      b.right().close();
      c.right().close();
      org.mproc.MprocException e1 =
          assertThrows(org.mproc.MprocException.class, negative::recvBytes);
      assertEquals(org.mproc.ErrorCode.EPROTO, e1.code());
      assertTrue(negative.isClosed());
      org.mproc.MprocException e2 = assertThrows(org.mproc.MprocException.class, cut::recvBytes);
      assertEquals(org.mproc.ErrorCode.EPROTO, e2.code());
      assertTrue(cut.isClosed());
      assertThrows(MessageTooLongException.class, () -> huge.recvBytes(1 << 20));
      assertTrue(huge.isClosed(), "refused before allocating, then closed");
      py.join();
      assertEquals(0, py.exitCode());
    }
  }

  @Test
  void largeMessagesArriveWholeOverSocketsAndPipes() throws Exception {
    // Larger than any socket or pipe buffer: sends and receives happen in pieces.
    for (boolean duplex : new boolean[] {true, false}) {
      Pipe pipe = Pipe.open(duplex);
      try (Connection r = pipe.left(); Connection w = pipe.right()) {
        Subprocess p = new Subprocess(() -> {
          byte[] big = new byte[5 << 20];
          for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
          }
          for (int k = 0; k < 3; k++) {
            w.sendBytes(big, k, big.length - 2 * k);
          }
          w.close();
        });
        p.start();
        w.close();
        for (int k = 0; k < 3; k++) {
          byte[] m = r.recvBytes();
          assertEquals((5 << 20) - 2 * k, m.length);
          for (int i = 0; i < m.length; i++) {
            if (m[i] != (byte) ((i + k) * 31 + 7)) {
              throw new AssertionError("byte " + i + " of message " + k + " (duplex " + duplex + ")");
            }
          }
        }
        assertThrows(EndOfStreamException.class, r::recvBytes);
        p.join();
        assertEquals(0, p.exitCode());
      }
    }
  }
}
