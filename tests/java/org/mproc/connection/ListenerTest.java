package org.mproc.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mproc.ErrorCode;
import org.mproc.MprocException;
import org.mproc.NoSuchObjectException;
import org.mproc.process.Subprocess;
import org.mproc.queue.SharedQueue;

/**
 * Listener and Client across processes: Java with Java and with Python (3.11 here, the legacy
 * HMAC-MD5 handshake) in both directions, wrong keys, hostile peers, and the socket file.
 */
class ListenerTest {
  private static final byte[] KEY = "s3cret".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  /** A child JVM connects with `key`, sends "ping", expects "PONG"; exit 7 if refused. */
  private static Subprocess javaClient(String address, byte[] key) {
    Subprocess p = new Subprocess(() -> {
      java.net.SocketAddress a = address.startsWith("/")
          ? UnixDomainSocketAddress.of(address)
          : new InetSocketAddress("127.0.0.1", Integer.parseInt(address));
      try (Connection c = Client.connect(a, key)) {
        c.send("ping");
        if (!"PONG".equals(c.recv())) {
          System.exit(3);
        }
      } catch (AuthenticationException e) {
        System.exit(7);
      }
    });
    p.start();
    return p;
  }

  private static void serveOne(Listener listener) throws Exception {
    try (Connection c = listener.accept()) {
      assertEquals("ping", c.recv());
      c.send("PONG");
    }
  }

  @Test
  @Timeout(value = 1, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void closingUnderABlockedAcceptNeverTakesAnotherListenersConnection() throws Exception {
    // As for Connection: an accept blocked on a listener another thread closes must end, not
    // go on polling the descriptor number the next listener opened may be given.
    closeUnderABlockedCall(Listener::accept);
  }

  @Test
  @Timeout(value = 1, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void closingAListenerUnderAWaitNeverReportsItReadyForAnotherListenersPeer() throws Exception {
    // Connection.wait polls a listener's descriptor in slices; once the listener is closed, the
    // number may be the next listener's, whose waiting peer must not make the closed one look
    // ready: the wait keeps the descriptor until its slice ends, then fails as closed.
    closeUnderABlockedCall(l -> Connection.wait(java.util.List.of(l)));
  }

  /* A call on a listener that blocks until a peer connects. */
  private interface BlockingCall {
    Object on(Listener l) throws Exception;
  }

  /*
   * Three rounds: a thread blocks in the call on a listener, which this thread closes; a second
   * listener opens (often with the first one's descriptor number) and a client connects to it.
   * The blocked call must end with IllegalStateException, and the connection stays the second
   * listener's.
   */
  private static void closeUnderABlockedCall(BlockingCall call) throws Exception {
    for (int round = 0; round < 3; round++) {
      Listener first = Listener.open(new InetSocketAddress("127.0.0.1", 0));
      java.util.concurrent.atomic.AtomicReference<Object> got =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread t = new Thread(() -> {
        try {
          got.set(call.on(first));
        } catch (Throwable e) {
          got.set(e);
        }
      });
      t.start();
      Thread.sleep(30 + 10 * round);
      int number = first.fileno();
      first.close();
      try (Listener second = Listener.open(new InetSocketAddress("127.0.0.1", 0));
          Connection client = Client.connect(second.address())) {
        t.join(5_000);
        assertFalse(t.isAlive());
        assertTrue(got.get() instanceof IllegalStateException,
            "got " + got.get() + " (the second listener has descriptor " + second.fileno()
                + ", the first had " + number + ")");
        try (Connection accepted = second.accept(Duration.ofSeconds(10))) {
          assertNotNull(accepted, "the second listener's own connection");
        }
      }
    }
  }

  @Test
  void aChildJvmAuthenticatesOverAUnixSocket() throws Exception {
    Path sock = dir.resolve("l.sock");
    try (Listener l = Listener.open(UnixDomainSocketAddress.of(sock), KEY)) {
      assertEquals(UnixDomainSocketAddress.of(sock), l.address());
      assertTrue(l.isAuthenticating());
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
      Subprocess child = javaClient(sock.toString(), KEY);
      serveOne(l);
      child.join();
      assertEquals(0, child.exitCode());
    }
    assertFalse(Files.exists(sock), "close removes the socket file, as in Python");
    assertThrows(NoSuchObjectException.class,
        () -> Client.connect(UnixDomainSocketAddress.of(sock), KEY));
  }

  @Test
  void aWrongKeyIsRefusedOnBothSidesAndTheListenerGoesOn() throws Exception {
    try (Listener l = Listener.open(new InetSocketAddress("127.0.0.1", 0), KEY)) {
      int port = ((InetSocketAddress) l.address()).getPort();
      assertTrue(port > 0);
      Subprocess wrong = javaClient(Integer.toString(port), "other".getBytes(StandardCharsets.UTF_8));
      AuthenticationException e = assertThrows(AuthenticationException.class, l::accept);
      assertEquals(ErrorCode.EAUTH, e.code());
      wrong.join();
      assertEquals(7, wrong.exitCode());
      Subprocess right = javaClient(Integer.toString(port), KEY);
      serveOne(l);
      right.join();
      assertEquals(0, right.exitCode());
    }
  }

  @Test
  void withoutAKeyThereIsNoHandshake() throws Exception {
    try (Listener l = Listener.open(new InetSocketAddress("127.0.0.1", 0))) {
      assertFalse(l.isAuthenticating());
      try (Connection c = Client.connect(l.address()); Connection s = l.accept()) {
        c.sendBytes(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, s.recvBytes());
      }
    }
  }

  private static Process python(String script, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("python3", "-c", script));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static int await(Process p) throws Exception {
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python peer did not finish");
    return p.exitValue();
  }

  @Test
  void aPythonClientTalksToAJavaListener() throws Exception {
    String script = String.join("\n",
        "import sys",
        "from multiprocessing.connection import Client, AuthenticationError",
        "try:",
        "    c = Client(('127.0.0.1', int(sys.argv[1])), authkey=sys.argv[2].encode())",
        "except AuthenticationError:",
        "    sys.exit(7)",
        "c.send_bytes(b'from python')",
        "m = c.recv_bytes()",
        "sys.exit(0 if m == b'NOHTYP MORF' else 3)");
    try (Listener l = Listener.open(new InetSocketAddress("127.0.0.1", 0), KEY)) {
      String port = Integer.toString(((InetSocketAddress) l.address()).getPort());
      Process py = python(script, port, "s3cret");
      try (Connection c = l.accept()) {
        String m = new String(c.recvBytes(), StandardCharsets.UTF_8);
        assertEquals("from python", m);
        c.sendBytes(new StringBuilder(m).reverse().toString().toUpperCase()
            .getBytes(StandardCharsets.UTF_8));
      }
      assertEquals(0, await(py));
      Process bad = python(script, port, "wrong");
      assertThrows(AuthenticationException.class, l::accept);
      assertEquals(7, await(bad));
    }
  }

  @Test
  void aJavaClientTalksToAPythonListener() throws Exception {
    String script = String.join("\n",
        "import sys",
        "from multiprocessing.connection import Listener, AuthenticationError",
        "with Listener((('127.0.0.1', 0)), authkey=b's3cret') as l:",
        "    print(l.address[1], flush=True)",
        "    for _ in range(2):",
        "        try:",
        "            c = l.accept()",
        "        except AuthenticationError:",
        "            print('refused', flush=True)",
        "            continue",
        "        c.send_bytes(c.recv_bytes()[::-1])",
        "        c.close()",
        "        print('served', flush=True)");
    Process py = python(script);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8));
    int port = Integer.parseInt(out.readLine().trim());
    InetSocketAddress a = new InetSocketAddress("127.0.0.1", port);
    assertThrows(AuthenticationException.class,
        () -> Client.connect(a, "nope".getBytes(StandardCharsets.UTF_8)));
    assertEquals("refused", out.readLine());
    try (Connection c = Client.connect(a, KEY)) {
      c.sendBytes("to python".getBytes(StandardCharsets.UTF_8));
      assertEquals("nohtyp ot", new String(c.recvBytes(), StandardCharsets.UTF_8));
      assertThrows(EndOfStreamException.class, c::recvBytes);
    }
    assertEquals("served", out.readLine());
    assertEquals(0, await(py));
  }

  @Test
  void hostilePeersAreRefusedWithoutHangingTheListener() throws Exception {
    try (Listener l = Listener.open(new InetSocketAddress("127.0.0.1", 0), KEY)) {
      l.handshakeTimeout(Duration.ofMillis(300));
      InetSocketAddress a = (InetSocketAddress) l.address();
      // Garbage instead of an answer: an absurd length is refused before anything is allocated.
      try (Socket s = new Socket(a.getAddress(), a.getPort())) {
        OutputStream o = s.getOutputStream();
        o.write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3});
        o.flush();
        assertThrows(AuthenticationException.class, l::accept);
      }
      // A peer that connects and says nothing: the handshake times out.
      try (Socket s = new Socket(a.getAddress(), a.getPort())) {
        long t0 = System.nanoTime();
        MprocException e = assertThrows(MprocException.class, l::accept);
        assertEquals(ErrorCode.ETIMEDOUT, e.code());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
      }
      // Still serving.
      java.util.concurrent.CompletableFuture<Connection> client =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> Client.connect(a, KEY));
      try (Connection s = l.accept(); Connection c = client.get(10, TimeUnit.SECONDS)) {
        c.send("ok");
        assertEquals("ok", s.recv());
      }
    }
  }

  @Test
  void badArgumentsAreReported() throws Exception {
    InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
    assertThrows(IllegalArgumentException.class, () -> Listener.open(any, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> Listener.open(any, KEY, -1));
    assertThrows(IllegalArgumentException.class, () -> Listener.open(null, KEY));
    MprocException unresolved = assertThrows(MprocException.class,
        () -> Client.connect(InetSocketAddress.createUnresolved("no-such-host.invalid", 80)));
    assertEquals(ErrorCode.EBADADDR, unresolved.code());
    try (Listener l = Listener.open(any)) {
      assertNull(l.accept(Duration.ofMillis(50)), "no peer: null after the timeout");
      MprocException inUse = assertThrows(MprocException.class, () -> Listener.open(l.address()));
      assertEquals(ErrorCode.EADDRINUSE, inUse.code());
      InetSocketAddress bound = (InetSocketAddress) l.address();
      l.close();
      assertThrows(IllegalStateException.class, l::accept);
      MprocException refused = assertThrows(MprocException.class, () -> Client.connect(bound));
      assertEquals(ErrorCode.ECONNREFUSED, refused.code());
    }
  }

  @Test
  void waitReturnsWhatIsReady() throws Exception {
    Pipe p1 = Pipe.open();
    Pipe p2 = Pipe.open();
    try (Listener l = Listener.open(new InetSocketAddress("127.0.0.1", 0));
        Subprocess child = new Subprocess(() -> Thread.sleep(300))) {
      child.start();
      List<Object> all = List.of(p1.left(), p2.left(), l, child);
      assertEquals(List.of(), Connection.wait(all, Duration.ofMillis(20)));
      p2.right().send("x");
      assertEquals(List.of(p2.left()), Connection.wait(all, Duration.ofSeconds(5)));
      p2.left().recv();
      assertEquals(List.of(child), Connection.wait(all));
      child.join();
      try (Connection c = Client.connect(l.address())) {
        assertEquals(List.of(l, child), Connection.wait(all, Duration.ofSeconds(5)));
        l.accept().close();
      }
      p1.right().close(); // end-of-stream is ready, as in Python
      assertEquals(List.of(p1.left(), child), Connection.wait(all, Duration.ZERO));
      int fd = p1.left().fileno(); // a raw descriptor, as in Python
      assertEquals(List.of(fd), Connection.wait(List.of(fd), Duration.ZERO));
      assertThrows(IllegalArgumentException.class, () -> Connection.wait(List.of(-1)));
      assertThrows(IllegalArgumentException.class, () -> Connection.wait(List.of("text")));
      assertThrows(IllegalArgumentException.class, () -> Connection.wait(List.of()));
    } finally {
      for (Connection c : List.of(p1.left(), p1.right(), p2.left(), p2.right())) {
        c.close();
      }
    }
  }

  @Test
  void objectsReachARunningChildOverAConnection() throws Exception {
    Pipe control = Pipe.open();
    try (Connection mine = control.left(); Connection theirs = control.right()) {
      Subprocess child = new Subprocess(() -> {
        // Handed at start: only the control connection. Everything else arrives later.
        @SuppressWarnings("unchecked")
        List<Object> got = (List<Object>) theirs.recvShared();
        @SuppressWarnings("unchecked")
        SharedQueue<String> q = (SharedQueue<String>) got.get(0);
        Connection reply = (Connection) got.get(1);
        q.put("queue from " + got.get(2));
        reply.send("pipe from " + got.get(2));
      });
      child.start();
      theirs.close();
      Pipe later = Pipe.open();
      try (SharedQueue<String> q = SharedQueue.create();
          Connection back = later.left();
          Connection given = later.right()) {
        mine.sendShared(List.of(q, given, "parent"));
        given.close(); // the child holds its own end now
        assertEquals("queue from parent", q.take());
        assertEquals("pipe from parent", back.recv());
      }
      child.join();
      assertEquals(0, child.exitCode());
    }
  }

  @Test
  void descriptorsTravelToAndFromPython() throws Exception {
    String script = String.join("\n",
        "import os",
        "from multiprocessing.connection import Connection",
        "from multiprocessing.reduction import recv_handle, send_handle",
        "c = Connection(4)",
        "w = Connection(recv_handle(c))", // a Java pipe's writing end
        "w.send_bytes(b'through a passed descriptor')",
        "w.close()",
        "r, wfd = os.pipe()",
        "send_handle(c, wfd, os.getppid())", // our writing end goes to Java
        "os.close(wfd)",
        "Connection(r).recv_bytes() == b'back' or os._exit(3)");
    Pipe link = Pipe.open();
    Pipe oneWay = Pipe.open(false);
    try (Connection mine = link.left(); Connection theirs = link.right();
        Connection r = oneWay.left(); Connection w = oneWay.right()) {
      Subprocess py = Subprocess.program(Path.of("python3"), "-c", script).hand(theirs);
      py.start();
      theirs.close();
      mine.sendFd(w.fileno());
      w.close();
      assertEquals("through a passed descriptor",
          new String(r.recvBytes(), StandardCharsets.UTF_8));
      try (Connection toPython = Connection.fromFd(mine.recvFd(), false, true)) {
        toPython.sendBytes("back".getBytes(StandardCharsets.UTF_8));
      }
      py.join();
      assertEquals(0, py.exitCode());
    }
    // Not over TCP.
    try (Listener l = Listener.open(new InetSocketAddress("127.0.0.1", 0));
        Connection c = Client.connect(l.address())) {
      assertThrows(IllegalStateException.class, () -> c.sendFd(0));
    }
  }
}
