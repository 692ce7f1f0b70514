package org.mproc.connection;

import java.net.SocketAddress;
import java.time.Duration;
import org.mproc.ErrorCode;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/**
 * Connects to a {@link Listener} (Python's {@code multiprocessing.connection.Client}), which may
 * as well be a Python {@code multiprocessing.connection.Listener}: the framing and the authkey
 * handshake are Python's.
 *
 * <pre>{@code
 * try (Connection conn = Client.connect(new InetSocketAddress("127.0.0.1", 6000), key)) {
 *   conn.send(List.of(42, "hello"));
 * }
 * }</pre>
 */
public final class Client {
  /** How long {@link #connect(SocketAddress, byte[])} may take: 30 seconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private Client() {}

  /**
   * Connects without authentication.
   *
   * @param address a {@link java.net.UnixDomainSocketAddress} or an
   *     {@link java.net.InetSocketAddress}
   * @return the connection, duplex
   * @throws org.mproc.MprocException if nothing listens there ({@code ECONNREFUSED}, or
   *     {@link org.mproc.NoSuchObjectException} for a missing Unix socket), or the address does
   *     not resolve ({@code EBADADDR})
   */
  public static Connection connect(SocketAddress address) {
    return connect(address, null, DEFAULT_TIMEOUT);
  }

  /**
   * Connects and, with a key, answers the listener's challenge and challenges it in turn.
   *
   * @param address a {@link java.net.UnixDomainSocketAddress} or an
   *     {@link java.net.InetSocketAddress}
   * @param authkey the shared secret, or {@code null} for no authentication
   * @return the connection, duplex
   * @throws AuthenticationException if the listener has another key or is not an mproc or
   *     Python listener
   */
  public static Connection connect(SocketAddress address, byte[] authkey) {
    return connect(address, authkey, DEFAULT_TIMEOUT);
  }

  /**
   * Connects within {@code timeout}, handshake included.
   *
   * @param address a {@link java.net.UnixDomainSocketAddress} or an
   *     {@link java.net.InetSocketAddress}
   * @param authkey the shared secret, or {@code null} for no authentication
   * @param timeout the limit for connecting and authenticating together
   * @return the connection, duplex
   * @throws AuthenticationException if authentication failed
   * @throws org.mproc.MprocException with {@code ETIMEDOUT} if the limit passed
   */
  public static Connection connect(SocketAddress address, byte[] authkey, Duration timeout) {
    String text = Addresses.format(address);
    Listener.checkKey(authkey);
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
    }
    NativeApi api = Native.api();
    long deadline = System.nanoTime() + timeout.toNanos();
    int[] out = new int[1];
    Native.check(api.connect(text, timeout.toNanos(), out), "connect to", text);
    if (authkey != null) {
      int rc = api.auth(out[0], authkey, Math.max(0, deadline - System.nanoTime()), false);
      if (rc != 0) {
        api.fdClose(out[0]);
        if (rc == ErrorCode.EAUTH.code()) {
          throw new AuthenticationException("connect to", text);
        }
        Native.check(rc, "authenticate to", text);
      }
    }
    return new Connection(out[0], Connection.READABLE | Connection.WRITABLE);
  }
}
