package org.mproc.connection;

import org.mproc.internal.Native;

/**
 * Two connected ends (Python's {@code Pipe()}): duplex by default (a socketpair, both ends send
 * and receive), or one-way (a pipe: {@link #left()} receives, {@link #right()} sends).
 *
 * <pre>{@code
 * Pipe pipe = Pipe.open();
 * Subprocess p = Subprocess.start(() -> {
 *   pipe.right().send(Arrays.asList(42, null, "hello"));
 *   pipe.right().close();
 * });
 * System.out.println(pipe.left().recv());   // [42, null, hello]
 * p.join();
 * }</pre>
 *
 * @param left the first end (Python's {@code conn1}); the reading end of a one-way pipe
 * @param right the second end ({@code conn2}); the writing end of a one-way pipe
 */
public record Pipe(Connection left, Connection right) {
  /**
   * Opens a duplex pipe.
   *
   * @return the two ends
   */
  public static Pipe open() {
    return open(true);
  }

  /**
   * Opens a pipe.
   *
   * @param duplex true for two-way ends, false for a one-way pipe from right to left
   * @return the two ends
   */
  public static Pipe open(boolean duplex) {
    int[] fds = new int[2];
    Native.check(Native.api().connPair(duplex, fds), "open pipe", duplex ? "duplex" : "one-way");
    int both = Connection.READABLE | Connection.WRITABLE;
    return new Pipe(
        new Connection(fds[0], duplex ? both : Connection.READABLE),
        new Connection(fds[1], duplex ? both : Connection.WRITABLE));
  }
}
