package org.mproc.connection;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.mproc.ErrorCode;
import org.mproc.ObjectClosedException;
import org.mproc.internal.CallsInFlight;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/**
 * A socket that accepts {@link Connection}s (Python's
 * {@code multiprocessing.connection.Listener}), over a Unix domain socket
 * ({@link java.net.UnixDomainSocketAddress}) or TCP ({@link java.net.InetSocketAddress}).
 *
 * <p>With an authkey, every accepted connection must pass Python's HMAC challenge handshake
 * before {@link #accept()} returns it, so the peer may be a Python
 * {@code multiprocessing.connection.Client} (any Python 3 version) or a {@link Client}. A peer
 * with another key, or one that does not follow the handshake, is refused with an
 * {@link AuthenticationException} and its connection closed; without a key no handshake takes
 * place (as in Python). The handshake must complete within {@link #handshakeTimeout(Duration)}
 * (10 seconds unless set), so a peer that connects and stays silent cannot hold {@code accept}
 * for ever — a limit Python does not have.
 *
 * <p>A Unix socket file is created with mode 0600 (owner only) and removed by {@link #close()}.
 * A TCP port of 0 lets the system choose one; {@link #address()} tells which. Unlike Python,
 * whose default backlog is 1, the default backlog is {@value #DEFAULT_BACKLOG}.
 *
 * <pre>{@code
 * byte[] key = "secret".getBytes(StandardCharsets.UTF_8);
 * try (Listener listener = Listener.open(new InetSocketAddress("127.0.0.1", 6000), key);
 *     Connection conn = listener.accept()) {
 *   System.out.println(conn.recv());
 * }
 * }</pre>
 *
 * <p>{@link #accept()} may be called from several threads at once; each connection goes to one.
 */
public final class Listener implements AutoCloseable {
  /** The backlog of {@link #open(SocketAddress, byte[])}. */
  public static final int DEFAULT_BACKLOG = 16;

  private static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long CLOSE_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(500);

  private final NativeApi api = Native.api();
  private final int fd;
  private final byte[] authkey;
  private final SocketAddress address;
  private final String text;
  private volatile long handshakeTimeoutNs = TimeUnit.SECONDS.toNanos(10);
  private volatile boolean closed;
  /* accept calls on fd in progress; the descriptor is closed once none is (as Connection's):
     an accept that went on polling a closed descriptor's number could take a connection meant
     for the next listener the process opened. */
  private final CallsInFlight calls;

  private Listener(int fd, byte[] authkey, String text) {
    this.fd = fd;
    this.authkey = authkey;
    this.text = text;
    this.address = Addresses.parse(text);
    this.calls = new CallsInFlight(() -> closed, () -> api.listenerClose(fd));
  }

  /**
   * Listens at {@code address} without authentication.
   *
   * @param address a {@link java.net.UnixDomainSocketAddress} or an
   *     {@link java.net.InetSocketAddress}
   * @return the listener
   * @throws org.mproc.MprocException if the address is in use ({@code EADDRINUSE}), cannot be
   *     resolved ({@code EBADADDR}) or bound ({@code EACCES}, {@code EADDRNOTAVAIL}, ...)
   */
  public static Listener open(SocketAddress address) {
    return open(address, null, DEFAULT_BACKLOG);
  }

  /**
   * Listens at {@code address}; connections must prove they know {@code authkey}.
   *
   * @param address a {@link java.net.UnixDomainSocketAddress} or an
   *     {@link java.net.InetSocketAddress}
   * @param authkey the shared secret, or {@code null} for no authentication
   * @return the listener
   * @throws IllegalArgumentException if the key is empty or the address of another type
   */
  public static Listener open(SocketAddress address, byte[] authkey) {
    return open(address, authkey, DEFAULT_BACKLOG);
  }

  /**
   * Listens at {@code address} with the given backlog.
   *
   * @param address a {@link java.net.UnixDomainSocketAddress} or an
   *     {@link java.net.InetSocketAddress}
   * @param authkey the shared secret, or {@code null} for no authentication
   * @param backlog how many connections may wait to be accepted
   * @return the listener
   * @throws IllegalArgumentException if the key is empty, the backlog negative, or the address
   *     of another type
   */
  public static Listener open(SocketAddress address, byte[] authkey, int backlog) {
    String text = Addresses.format(address);
    checkKey(authkey);
    if (backlog < 0) {
      throw new IllegalArgumentException("backlog must not be negative: backlog=" + backlog);
    }
    NativeApi api = Native.api();
    int[] out = new int[1];
    Native.check(api.listen(text, backlog, out), "listen at", text);
    String[] bound = new String[1];
    int rc = api.listenerAddress(out[0], bound);
    if (rc != 0) {
      api.listenerClose(out[0]);
      Native.check(rc, "read the address of", text);
    }
    return new Listener(out[0], authkey == null ? null : authkey.clone(), bound[0]);
  }

  static void checkKey(byte[] authkey) {
    if (authkey != null && authkey.length == 0) {
      throw new IllegalArgumentException(
          "authkey must not be empty (use null for no authentication)");
    }
  }

  /**
   * Sets how long an accepted connection's handshake may take.
   *
   * @param timeout the limit, positive
   * @return this listener
   */
  public Listener handshakeTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("handshake timeout must be positive: timeout=" + timeout);
    }
    handshakeTimeoutNs = timeout.toNanos();
    return this;
  }

  /**
   * Waits for a connection and authenticates it (Python's {@code accept()}).
   *
   * @return the connection, duplex
   * @throws AuthenticationException if the peer failed the handshake (its connection is closed;
   *     the listener stays usable)
   * @throws InterruptedException if interrupted while waiting (checked at least every 100 ms)
   * @throws IllegalStateException if the listener is closed
   */
  public Connection accept() throws InterruptedException {
    Connection c;
    while ((c = accept(SLICE_NS)) == null) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while accepting on " + text);
      }
    }
    return c;
  }

  /**
   * Waits up to {@code timeout} for a connection and authenticates it.
   *
   * @param timeout how long to wait for a peer to connect (the handshake has its own limit)
   * @return the connection, or {@code null} if none came in time
   * @throws AuthenticationException if the peer failed the handshake
   * @throws InterruptedException if interrupted while waiting
   */
  public Connection accept(Duration timeout) throws InterruptedException {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (;;) {
      long left = deadline - System.nanoTime();
      Connection c = accept(Math.max(0, Math.min(left, SLICE_NS)));
      if (c != null || left <= SLICE_NS) {
        return c;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while accepting on " + text);
      }
    }
  }

  /* Before a native call on fd (accept, or Connection.wait polling it): close() then leaves the
     descriptor open until exit(), so the number cannot pass to another object meanwhile. */
  void enter() {
    try {
      calls.enter();
    } catch (ObjectClosedException e) {
      throw new IllegalStateException("listener is closed: " + text);
    }
  }

  /* After it: the last call to leave a closed listener closes the descriptor. */
  void exit() {
    calls.exit();
  }

  private Connection accept(long timeoutNs) {
    int[] out = new int[1];
    int rc;
    enter();
    try {
      rc = api.accept(fd, timeoutNs, out);
    } finally {
      exit();
    }
    if (rc == ErrorCode.ETIMEDOUT.code()) {
      return null;
    }
    Native.check(rc, "accept on", text);
    if (authkey != null) {
      rc = api.auth(out[0], authkey, handshakeTimeoutNs, true);
      if (rc != 0) {
        api.fdClose(out[0]);
        if (rc == ErrorCode.EAUTH.code()) {
          throw new AuthenticationException("accept on", text);
        }
        Native.check(rc, "authenticate a connection on", text);
      }
    }
    return new Connection(out[0], Connection.READABLE | Connection.WRITABLE);
  }

  /**
   * The address this listener is bound to, with the port the system chose for port 0.
   *
   * @return a {@link java.net.UnixDomainSocketAddress} or an {@link java.net.InetSocketAddress}
   */
  public SocketAddress address() {
    return address;
  }

  /**
   * Whether connections must authenticate.
   *
   * @return true when an authkey was given
   */
  public boolean isAuthenticating() {
    return authkey != null;
  }

  /**
   * The listening descriptor, for {@link Connection#wait}: readable when a peer is waiting to
   * be accepted.
   *
   * @return the descriptor
   * @throws IllegalStateException if closed
   */
  public int fileno() {
    if (closed) {
      throw new IllegalStateException("listener is closed: " + text);
    }
    return fd;
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops listening and removes a Unix socket's file. Connections already accepted stay open.
   * An {@link #accept()} waiting on another thread ends with {@link IllegalStateException} within
   * a wait slice (100 ms), and the descriptor is closed once it has (this method waits for that,
   * at most half a second), so that no accept ever polls a number the system has given to
   * another file.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      Arrays.fill(authkey == null ? new byte[0] : authkey, (byte) 0);
    }
    calls.releaseWhenIdle(System.nanoTime() + CLOSE_WAIT_NS);
  }


  @Override
  public String toString() {
    return "Listener[" + text + (authkey != null ? ", authenticating" : "")
        + (closed ? ", closed" : "") + "]";
  }
}
