package org.mproc.connection;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.mproc.ErrorCode;
import org.mproc.ObjectKind;
import org.mproc.internal.Handoff;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;
import org.mproc.queue.ObjectCodec;

/**
 * One end of a message pipe (Python's {@code multiprocessing.connection.Connection}). Messages
 * are framed as Python frames them (a 4-byte big-endian length, or -1 and an 8-byte length), so
 * the peer may be a Python process using {@code send_bytes}/{@code recv_bytes}. Objects go
 * through the {@link ObjectCodec}. A connection travels to a child process with it (captured by
 * a {@code Subprocess} target, or {@code hand}ed to a native program) as a descriptor.
 *
 * <p>Blocking calls honour {@link Thread#interrupt()} while waiting for a message to begin
 * (checked at least every 100 ms). Sends and receives from several threads at once must be
 * serialised by the caller, as in Python.
 */
public final class Connection implements AutoCloseable, Handoff.Source {
  static final int READABLE = 1;
  static final int WRITABLE = 2;

  /** The longest message {@link #recvBytes()} accepts by default: 1 GiB. */
  public static final long DEFAULT_MAX_LENGTH = 1L << 30;

  private static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final int ECONNRESET = -104; // Linux: the peer closed with data unread

  private final NativeApi api = Native.api();
  private final ObjectCodec codec = new ObjectCodec();
  private final int fd;
  private final int flags;
  private volatile boolean closed;

  Connection(int fd, int flags) {
    this.fd = fd;
    this.flags = flags;
  }

  /* Adopted in a child process from a handed descriptor (see Handoff). */
  @SuppressWarnings("unused")
  static Connection adopt(Class<?> cls, int fd, String name, Serializable extra) {
    return new Connection(fd, extra instanceof Integer ? (Integer) extra : READABLE | WRITABLE);
  }

  private String describe() {
    return "connection fd " + fd;
  }

  private void check(int need, String what) {
    if (closed) {
      throw new IllegalStateException("handle is closed: " + describe());
    }
    if ((flags & need) == 0) {
      throw new IllegalStateException("connection is " + what + ": " + describe());
    }
  }

  /**
   * Sends an object (Python's {@code send}).
   *
   * @param value the object; the codec must be able to encode it
   * @throws BrokenPipeException if the peer has closed its end
   * @throws IllegalStateException if this end is closed or read-only
   */
  public void send(Object value) {
    byte[] b = codec.encode(value);
    sendBytes(b, 0, b.length);
  }

  /**
   * Sends raw bytes as one message (Python's {@code send_bytes}).
   *
   * @param buf the bytes
   */
  public void sendBytes(byte[] buf) {
    sendBytes(buf, 0, buf.length);
  }

  /**
   * Sends a range of bytes as one message.
   *
   * @param buf the bytes
   * @param offset the first byte
   * @param size how many
   * @throws BrokenPipeException if the peer has closed its end
   */
  public void sendBytes(byte[] buf, int offset, int size) {
    Objects.checkFromIndexSize(offset, size, buf.length);
    check(WRITABLE, "read-only");
    int rc = api.connSend(fd, buf, offset, size);
    if (rc == ErrorCode.EPIPE.code() || rc == ECONNRESET) {
      throw new BrokenPipeException(describe());
    }
    Native.check(rc, "send on", describe());
  }

  /**
   * Receives an object (Python's {@code recv}), waiting as long as it takes.
   *
   * @return the object
   * @throws EndOfStreamException if the peer closed and nothing is left
   * @throws InterruptedException if interrupted while waiting
   */
  public Object recv() throws InterruptedException {
    byte[] b = recvBytes();
    return codec.decode(b, 0, b.length);
  }

  /**
   * Receives one message as bytes (Python's {@code recv_bytes}).
   *
   * @return the bytes
   * @throws EndOfStreamException if the peer closed and nothing is left
   * @throws InterruptedException if interrupted while waiting
   */
  public byte[] recvBytes() throws InterruptedException {
    return recvBytes(DEFAULT_MAX_LENGTH);
  }

  /**
   * Receives one message of at most {@code maxLength} bytes. A longer one is refused unread and
   * the connection closed, as Python does (its remaining bytes cannot be skipped safely).
   *
   * @param maxLength the longest message accepted
   * @return the bytes
   * @throws MessageTooLongException if the message is longer
   * @throws EndOfStreamException if the peer closed and nothing is left
   * @throws InterruptedException if interrupted while waiting
   */
  public byte[] recvBytes(long maxLength) throws InterruptedException {
    if (maxLength < 0) {
      throw new IllegalArgumentException("maxLength must not be negative: maxLength=" + maxLength);
    }
    check(READABLE, "write-only");
    byte[][] msg = new byte[1][];
    int rc;
    // One native call per message when one is waiting; otherwise it waits in slices.
    while ((rc = api.connRecv(fd, maxLength, SLICE_NS, msg)) == ErrorCode.ETIMEDOUT.code()) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while receiving on " + describe());
      }
    }
    if (rc == ErrorCode.EEOF.code()) {
      throw new EndOfStreamException(describe());
    }
    if (rc == ErrorCode.EMSGSIZE.code()) {
      close();
      throw new MessageTooLongException(describe(), "bad message length (over " + maxLength
          + " bytes); the connection is closed", null);
    }
    Native.check(rc, "recv from", describe());
    return msg[0];
  }

  /**
   * Receives one message into the caller's buffer (Python's {@code recv_bytes_into}).
   *
   * @param buf where to copy the message
   * @return the message's length
   * @throws MessageTooLongException carrying the whole message if it does not fit
   * @throws InterruptedException if interrupted while waiting
   */
  public int recvBytesInto(byte[] buf) throws InterruptedException {
    byte[] m = recvBytes();
    if (m.length > buf.length) {
      throw new MessageTooLongException(describe(),
          "buffer too short: the message has " + m.length + " bytes, the buffer " + buf.length, m);
    }
    System.arraycopy(m, 0, buf, 0, m.length);
    return m.length;
  }

  /**
   * Whether a message (or end-of-stream) can be read now (Python's {@code poll()}).
   *
   * @return true if {@link #recv} would not block
   */
  public boolean poll() {
    return poll(0);
  }

  /**
   * Waits up to {@code timeout} for a message or end-of-stream.
   *
   * @param timeout how long to wait
   * @return true if {@link #recv} would not block
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean poll(Duration timeout) throws InterruptedException {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (;;) {
      long left = deadline - System.nanoTime();
      if (poll(Math.max(0, Math.min(left, SLICE_NS)))) {
        return true;
      }
      if (left <= SLICE_NS) {
        return false;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while polling " + describe());
      }
    }
  }

  private boolean poll(long timeoutNs) {
    check(READABLE, "write-only");
    int rc = api.connPoll(fd, timeoutNs);
    if (rc == ErrorCode.ETIMEDOUT.code()) {
      return false;
    }
    Native.check(rc, "poll", describe());
    return true;
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
   * Whether this end can receive.
   *
   * @return false for the writing end of a one-way pipe
   */
  public boolean isReadable() {
    return (flags & READABLE) != 0;
  }

  /**
   * Whether this end can send.
   *
   * @return false for the reading end of a one-way pipe
   */
  public boolean isWritable() {
    return (flags & WRITABLE) != 0;
  }

  /**
   * The descriptor (Python's {@code fileno()}).
   *
   * @return the file descriptor number
   * @throws IllegalStateException if closed
   */
  public int fileno() {
    if (closed) {
      throw new IllegalStateException("handle is closed: " + describe());
    }
    return fd;
  }

  /** Closes this end: the peer then reads end-of-stream once it has read what was sent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      api.fdClose(fd);
    }
  }

  /** {@inheritDoc} */
  @Override
  public int handoffFd() {
    return fileno();
  }

  /** {@inheritDoc} */
  @Override
  public int handoffKind() {
    return ObjectKind.CONNECTION.code();
  }

  /** {@inheritDoc} */
  @Override
  public char handoffCode() {
    return 0;
  }

  /** {@inheritDoc} */
  @Override
  public String handoffName() {
    return null;
  }

  /** {@inheritDoc} */
  @Override
  public Serializable handoffExtra() {
    return flags;
  }

  @Override
  public String toString() {
    return "Connection[fd=" + fd + (closed ? ", closed" : "") + "]";
  }
}
