package org.mproc.connection;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.mproc.ErrorCode;
import org.mproc.MprocException;
import org.mproc.ObjectClosedException;
import org.mproc.ObjectKind;
import org.mproc.internal.CallsInFlight;
import org.mproc.internal.Handoff;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;
import org.mproc.process.Subprocess;
import org.mproc.queue.ObjectCodec;

/**
 * One end of a message pipe (Python's {@code multiprocessing.connection.Connection}). Messages
 * are framed as Python frames them (a 4-byte big-endian length, or -1 and an 8-byte length), so
 * the peer may be a Python process using {@code send_bytes}/{@code recv_bytes}. Objects go
 * through the {@link ObjectCodec}. A connection travels to a child process with it (captured by
 * a {@code Subprocess} target, or {@code hand}ed to a native program) as a descriptor.
 *
 * <p>Connections also come from a {@link Listener} or {@link Client} (Unix or TCP sockets, with
 * Python's authkey handshake). Over a Unix socket (a duplex {@link Pipe}, a {@code unix:}
 * listener) descriptors travel too: {@link #sendShared} passes mproc objects to a process that is
 * already running, and {@link #sendFd}/{@link #recvFd} are Python's
 * {@code multiprocessing.reduction.send_handle}/{@code recv_handle}. {@link #wait} waits on many
 * connections, listeners and subprocesses at once.
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
  private static final long CLOSE_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final int HANDLES_MAGIC = 0x4d504831; // "MPH1"

  private final NativeApi api = Native.api();
  private final ObjectCodec codec = new ObjectCodec();
  private final int fd;
  private final int flags;
  private volatile boolean closed;
  /* Native calls on fd in progress. The descriptor is closed only once none is: a call that
     started after close() had closed it could otherwise reach another file that reused the
     number (a reader blocked here would take a message meant for another connection). */
  private final CallsInFlight calls;

  Connection(int fd, int flags) {
    this.fd = fd;
    this.flags = flags;
    this.calls = new CallsInFlight(() -> closed, () -> api.fdClose(fd));
  }

  /**
   * Wraps a descriptor this process owns (Python's {@code Connection(handle, readable,
   * writable)}), e.g. one from {@link #recvFd()} or inherited from a parent: a socket or a pipe
   * end whose peer frames messages as Python does. The connection owns it from now on.
   *
   * @param fd an open stream descriptor
   * @param readable whether this end receives
   * @param writable whether this end sends
   * @return the connection
   * @throws IllegalArgumentException if fd is negative or neither direction is given
   */
  public static Connection fromFd(int fd, boolean readable, boolean writable) {
    if (fd < 0) {
      throw new IllegalArgumentException("not a descriptor: fd=" + fd);
    }
    if (!readable && !writable) {
      throw new IllegalArgumentException("a connection must be readable or writable: fd=" + fd);
    }
    return new Connection(fd, (readable ? READABLE : 0) | (writable ? WRITABLE : 0));
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

  /* Before a native call on fd: checks as check() does, then counts the call in flight. */
  private void enter(int need, String what) {
    check(need, what);
    try {
      calls.enter();
    } catch (ObjectClosedException e) { // closed since check(): the same answer
      throw new IllegalStateException("handle is closed: " + describe());
    }
  }

  /* After it: the last call to leave a closed connection closes the descriptor. */
  private void exit() {
    calls.exit();
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
    int rc;
    enter(WRITABLE, "read-only");
    try {
      rc = api.connSend(fd, buf, offset, size);
    } finally {
      exit();
    }
    if (rc == ErrorCode.EPIPE.code() || rc == ErrorCode.ECONNRESET.code()) {
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
   * @throws MprocException with {@code EPROTO} (the connection then closed) if the peer sent a
   *     negative length or closed in the middle of a message
   * @throws InterruptedException if interrupted while waiting
   */
  public byte[] recvBytes(long maxLength) throws InterruptedException {
    if (maxLength < 0) {
      throw new IllegalArgumentException("maxLength must not be negative: maxLength=" + maxLength);
    }
    check(READABLE, "write-only");
    return receive(maxLength, null, null);
  }

  /*
   * Receives one message into `into` if it fits, else into a new array of its length; returns
   * the array and sets length[0] (when given) to the message's length.
   */
  private byte[] receive(long maxLength, byte[] into, int[] length) throws InterruptedException {
    byte[][] msg = new byte[1][];
    int rc;
    // One native call per message when one is waiting; otherwise it waits in slices, and a
    // close() from another thread ends the wait at the slice's end.
    while ((rc = recvSlice(maxLength, into, msg)) == ErrorCode.ETIMEDOUT.code()) {
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
    if (rc == ErrorCode.EPROTO.code()) {
      close(); // a negative length, or a frame cut short: the stream cannot be resynchronised
      throw protocol("a negative length or a truncated frame; the connection is closed");
    }
    Native.check(rc, "recv from", describe());
    if (length != null) {
      length[0] = rc;
    }
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
    Objects.requireNonNull(buf, "buf");
    int[] length = new int[1];
    byte[] m = receive(DEFAULT_MAX_LENGTH, buf, length); // straight into buf when it fits
    if (m != buf) {
      throw new MessageTooLongException(describe(),
          "buffer too short: the message has " + m.length + " bytes, the buffer " + buf.length, m);
    }
    return length[0];
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

  private int recvSlice(long maxLength, byte[] into, byte[][] msg) {
    enter(READABLE, "write-only");
    try {
      return api.connRecv(fd, maxLength, SLICE_NS, into, msg);
    } finally {
      exit();
    }
  }

  private boolean poll(long timeoutNs) {
    int rc;
    enter(READABLE, "write-only");
    try {
      rc = api.connPoll(fd, timeoutNs);
    } finally {
      exit();
    }
    if (rc == ErrorCode.ETIMEDOUT.code()) {
      return false;
    }
    Native.check(rc, "poll", describe());
    return true;
  }

  /**
   * Passes a descriptor to the peer (Python's {@code multiprocessing.reduction.send_handle}, so
   * a Python peer receives it with {@code recv_handle}). It stays open here; the peer gets its
   * own. Only over a Unix socket.
   *
   * @param handle an open descriptor
   * @throws IllegalStateException if this connection is not a Unix socket
   * @throws BrokenPipeException if the peer has closed its end
   */
  public void sendFd(int handle) {
    check(WRITABLE, "read-only");
    if (handle < 0) {
      throw new IllegalArgumentException("not a descriptor: handle=" + handle);
    }
    int rc;
    enter(WRITABLE, "read-only");
    try {
      rc = api.connSendHandle(fd, handle);
    } finally {
      exit();
    }
    if (rc == ErrorCode.EPIPE.code() || rc == ErrorCode.ECONNRESET.code()) {
      throw new BrokenPipeException(describe());
    }
    if (rc == ErrorCode.EINVAL.code() || rc == ErrorCode.ENOTSOCK.code()) {
      throw new IllegalStateException(
          "descriptors travel only over Unix sockets (a duplex Pipe, a unix: Listener): "
              + describe());
    }
    Native.check(rc, "send a descriptor on", describe());
  }

  /**
   * Receives a descriptor sent by {@link #sendFd} or Python's {@code send_handle}, waiting as
   * long as it takes.
   *
   * @return a new descriptor, owned by the caller
   * @throws EndOfStreamException if the peer closed
   * @throws InterruptedException if interrupted while waiting
   * @throws MprocException with {@code EPROTO} if what arrived is not a descriptor
   */
  public int recvFd() throws InterruptedException {
    check(READABLE, "write-only");
    int[] out = new int[1];
    int rc;
    while ((rc = recvHandleSlice(out)) == ErrorCode.ETIMEDOUT.code()) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while receiving on " + describe());
      }
    }
    if (rc == ErrorCode.EEOF.code()) {
      throw new EndOfStreamException(describe());
    }
    Native.check(rc, "receive a descriptor on", describe());
    return out[0];
  }

  private int recvHandleSlice(int[] out) {
    enter(READABLE, "write-only");
    try {
      return api.connRecvHandle(fd, SLICE_NS, out);
    } finally {
      exit();
    }
  }

  /**
   * Sends an object graph in which mproc objects ({@link Connection}s, queues, values, arrays,
   * locks, ...) travel as handles: the peer gets new handles on the same pipes and shared
   * memory, never copies, exactly as objects captured by a {@code Subprocess} target do. This
   * is how an object reaches a process that is already running. The rest of the graph goes
   * through Java serialization. Only over a Unix socket; receive with {@link #recvShared()}.
   *
   * @param graph the object, {@link Serializable} apart from the mproc objects it holds
   * @throws IllegalArgumentException naming the class that cannot be serialized
   * @throws IllegalStateException if this connection is not a Unix socket
   */
  public void sendShared(Object graph) {
    check(WRITABLE, "read-only");
    List<Handoff.Source> handed = new ArrayList<>();
    byte[] payload;
    try {
      payload = Handoff.serialize(graph, handed);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException("cannot send " + graph.getClass().getName()
          + ": " + e.getMessage() + " is not serializable", e);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(HANDLES_MAGIC);
      out.writeInt(handed.size());
      for (Handoff.Source h : handed) {
        String name = h.handoffName();
        out.writeBoolean(name != null);
        out.writeUTF(name == null ? "" : name);
      }
      out.write(payload);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    byte[] m = bytes.toByteArray();
    sendBytes(m, 0, m.length);
    for (Handoff.Source h : handed) {
      sendFd(h.handoffFd());
    }
  }

  /**
   * Receives what {@link #sendShared} sent, adopting each handed object. Like Python's
   * {@code recv}, it deserializes what the peer sent: use it with trusted peers only.
   *
   * @return the object graph, with fresh handles on the handed objects
   * @throws EndOfStreamException if the peer closed
   * @throws InterruptedException if interrupted while waiting
   * @throws MprocException with {@code EPROTO} if the peer sent something else
   */
  public Object recvShared() throws InterruptedException {
    byte[] m = recvBytes();
    int[] fds = new int[0];
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(m));
      if (m.length < 8 || in.readInt() != HANDLES_MAGIC) {
        throw protocol("not a message sent by sendShared");
      }
      int n = in.readInt();
      if (n < 0 || n > 253) {
        throw protocol("bad handle count " + n);
      }
      String[] names = new String[n];
      for (int i = 0; i < n; i++) {
        boolean named = in.readBoolean();
        String name = in.readUTF();
        names[i] = named ? name : null;
      }
      byte[] payload = in.readAllBytes();
      fds = new int[n];
      java.util.Arrays.fill(fds, -1);
      for (int i = 0; i < n; i++) {
        fds[i] = recvFd();
      }
      return Handoff.deserialize(payload, fds, names);
    } catch (IOException | ClassNotFoundException e) {
      throw protocol("cannot read the object sent: " + e);
    } finally {
      for (int f : fds) { // those not adopted
        if (f >= 0) {
          api.fdClose(f);
        }
      }
    }
  }

  private MprocException protocol(String detail) {
    return new MprocException(ErrorCode.EPROTO.code(), "receive on", describe(), detail);
  }

  /**
   * Waits until at least one of {@code objects} is ready (Python's
   * {@code multiprocessing.connection.wait}) and returns those that are, in their given order.
   * A {@link Connection} is ready when {@link #recv} would not block (a message, or
   * end-of-stream); a {@link Listener} when {@link Listener#accept()} would not; a
   * {@link Subprocess} once it has exited; an {@link Integer} is a raw descriptor, ready when
   * readable.
   *
   * @param <T> the element type
   * @param objects what to wait on
   * @param timeout how long to wait; an empty list is returned if nothing became ready
   * @return the ready objects
   * @throws IllegalArgumentException for an object of another type, or a write-only connection
   * @throws InterruptedException if interrupted while waiting (checked at least every 100 ms)
   */
  public static <T> List<T> wait(Collection<? extends T> objects, Duration timeout)
      throws InterruptedException {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
    }
    return waitUntil(objects, System.nanoTime() + timeout.toNanos(), false);
  }

  /**
   * As {@link #wait(Collection, Duration)}, waiting as long as it takes.
   *
   * @param <T> the element type
   * @param objects what to wait on, at least one
   * @return the ready objects, never empty
   * @throws InterruptedException if interrupted while waiting
   */
  public static <T> List<T> wait(Collection<? extends T> objects) throws InterruptedException {
    if (objects.isEmpty()) {
      throw new IllegalArgumentException("nothing to wait on: the list is empty");
    }
    return waitUntil(objects, 0, true);
  }

  private static <T> List<T> waitUntil(Collection<? extends T> objects, long deadline,
      boolean forever) throws InterruptedException {
    List<T> items = new ArrayList<>(objects);
    int[] fds = new int[items.size()];
    boolean anyChild = false;
    for (int i = 0; i < fds.length; i++) {
      Object o = items.get(i);
      if (o instanceof Connection) {
        Connection c = (Connection) o;
        c.check(READABLE, "write-only");
        fds[i] = c.fd;
      } else if (o instanceof Listener) {
        fds[i] = ((Listener) o).fileno();
      } else if (o instanceof Subprocess) {
        fds[i] = ((Subprocess) o).sentinel();
        anyChild |= fds[i] < 0;
      } else if (o instanceof Integer && (Integer) o >= 0) {
        fds[i] = (Integer) o;
      } else {
        throw new IllegalArgumentException("cannot wait on "
            + (o == null ? "null" : o.getClass().getName())
            + (o instanceof Integer ? " " + o : "")
            + ": only Connection, Listener, Subprocess or a descriptor (Integer >= 0)");
      }
    }
    NativeApi api = Native.api();
    byte[] ready = new byte[fds.length];
    // A child without a sentinel (a kernel without pidfd) is checked between short slices.
    long slice = anyChild ? TimeUnit.MILLISECONDS.toNanos(5) : SLICE_NS;
    List<T> out = new ArrayList<>();
    for (;;) {
      long left = forever ? slice : deadline - System.nanoTime();
      int n;
      // The connections' and listeners' descriptors stay theirs during the wait (see close):
      // a number polled after its object closed could be another object's by then.
      int entered = 0;
      try {
        for (Object o : items) {
          if (o instanceof Connection) {
            ((Connection) o).enter(READABLE, "write-only");
            entered++;
          } else if (o instanceof Listener) {
            ((Listener) o).enter();
            entered++;
          }
        }
        n = Native.check(api.waitAny(fds, Math.max(0, Math.min(left, slice)), ready),
            "wait on", "connections");
      } finally {
        for (Object o : items) {
          if (entered == 0) {
            break;
          }
          if (o instanceof Connection) {
            ((Connection) o).exit();
            entered--;
          } else if (o instanceof Listener) {
            ((Listener) o).exit();
            entered--;
          }
        }
      }
      for (int i = 0; i < fds.length; i++) {
        Object o = items.get(i);
        if (ready[i] != 0 || (fds[i] < 0 && !((Subprocess) o).isAlive())) {
          out.add(items.get(i));
        }
      }
      if (!out.isEmpty() || (!forever && left <= slice)) {
        return out;
      }
      if (n == 0 && Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting on connections");
      }
    }
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

  /**
   * Closes this end: the peer then reads end-of-stream once it has read what was sent. Calls of
   * other threads on this connection end with {@link IllegalStateException}: one waiting to
   * receive within a wait slice (100 ms), and this method waits for them (at most half a
   * second). The descriptor is closed once no call is using it, so that its number, which the
   * system may give to the next file opened, is never read or written by a call on this
   * connection; a send blocked on a full pipe closes it when it returns.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    calls.releaseWhenIdle(System.nanoTime() + CLOSE_WAIT_NS);
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
