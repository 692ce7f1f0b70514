package org.mproc.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.mproc.ErrorCode;
import org.mproc.internal.Detach;
import org.mproc.internal.Handoff;
import org.mproc.internal.JavaCommand;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/**
 * A child process: Python's {@code multiprocessing.Process} for Java. The child is a new JVM that
 * runs a serializable target, or any native program; mproc objects the target captures (or that
 * are {@linkplain #hand handed} to a program) reach the child as handles on the same shared
 * memory, never as copies.
 *
 * <pre>{@code
 * SharedDouble num = SharedDouble.create(0.0);
 * SharedIntArray arr = SharedIntArray.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
 * Subprocess p = new Subprocess(() -> {              // Process(target=f, args=(num, arr))
 *   num.set(3.1415927);
 *   for (int i = 0; i < arr.length(); i++) arr.set(i, -arr.get(i));
 * });
 * p.start();
 * p.join();
 * System.out.println(num.get());                      // 3.1415927
 * }</pre>
 *
 * <p>The child JVM uses this JVM's {@code java}, class path, native-access flags and mproc system
 * properties; its standard streams are this process's unless {@linkplain #redirectOutput
 * redirected} to files. Exit codes follow Python: 0 on success,
 * 1 when the target threw (the exception is printed by the child and also available here through
 * {@link #failure()}), {@code n} after {@code System.exit(n)}, and {@code -N} when killed by
 * signal N ({@link #terminate()} gives -15, {@link #kill()} -9).
 *
 * <p>A <em>daemon</em> child is terminated when this JVM exits, and ends by itself when this
 * process dies in any way, even by SIGKILL (it watches the bootstrap channel). A non-daemon child
 * keeps this JVM alive until it exits, as a non-daemon thread would.
 */
public final class Subprocess implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Set<Subprocess> DAEMONS = ConcurrentHashMap.newKeySet();
  private static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final int SIGTERM = 15;
  private static final int SIGKILL = 9;

  /** The status a child JVM writes into its manifest file once it has read its target. */
  static final byte JOINED = 'J';

  /** The tag of a failure report on the channel. */
  static final byte FAILED = 'F';

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(Subprocess::terminateDaemons, "mproc-daemon-reaper"));
  }

  private final Task target;
  private final Path program;
  private final List<String> args;
  private final List<Handoff.Source> handed = new ArrayList<>();
  private final List<String> jvmOptions = new ArrayList<>();
  /** Standard stream redirections: file and mode (0 read, 1 write, 2 append), or null. */
  private final Path[] streamFiles = new Path[3];
  private final int[] streamModes = new int[3];
  private String name;
  private boolean daemon;
  private boolean useCache = true;
  private boolean background;
  private boolean detached;

  private final Object lock = new Object();
  private boolean started;
  private long child;
  private int pid;
  private final CountDownLatch exited = new CountDownLatch(1);
  private volatile Integer exitCode;
  private volatile boolean joinedChannel;
  private volatile SubprocessFailure failure;
  private boolean freed;
  /** A duplicate of the child's pidfd, or -1; closed by close() or once this is unreachable. */
  private int sentinel = -1;
  private Detach sentinelClose;
  private volatile boolean closed;
  private int manifestFile = -1;

  /** Where a child JVM finds its manifest file; handed objects follow. */
  static final int MANIFEST_FD = 4;

  /**
   * A child JVM that will run {@code target}.
   *
   * @param target what the child runs; it and what it captures must be serializable (mproc
   *     objects travel as handles)
   */
  public Subprocess(Task target) {
    this(null, target);
  }

  /**
   * A named child JVM that will run {@code target}.
   *
   * @param name the name, or {@code null} for {@code Subprocess-N}
   * @param target what the child runs
   */
  public Subprocess(String name, Task target) {
    this.target = Objects.requireNonNull(target, "target");
    this.program = null;
    this.args = List.of();
    this.name = name != null ? name : "Subprocess-" + COUNTER.incrementAndGet();
  }

  private Subprocess(Path program, List<String> args) {
    this.target = null;
    this.program = program;
    this.args = List.copyOf(args);
    this.name = program.getFileName() + "-" + COUNTER.incrementAndGet();
  }

  /**
   * A native program (C, C++, Python, ...) to run as a child, given mproc objects with
   * {@link #hand}; it finds them with {@code mproc_child_init} (see {@code mproc.h}).
   *
   * @param program the program; looked up on {@code PATH} when it has no directory
   * @param args its arguments (without the program itself)
   * @return the unstarted child
   */
  public static Subprocess program(Path program, String... args) {
    return new Subprocess(Objects.requireNonNull(program, "program"), Arrays.asList(args));
  }

  /**
   * Creates and starts a child JVM running {@code target}.
   *
   * @param target what the child runs
   * @return the started child
   */
  public static Subprocess start(Task target) {
    Subprocess p = new Subprocess(target);
    p.start();
    return p;
  }

  /**
   * Hands objects to the child explicitly, before {@link #start()}: they reach it as descriptors
   * 4, 5, ... in this order, named in the manifest (a Java target's captured objects are handed
   * automatically after these).
   *
   * @param objects mproc objects
   * @return this
   * @throws IllegalStateException if already started
   */
  public Subprocess hand(Handoff.Source... objects) {
    synchronized (lock) {
      requireNotStarted("hand objects to");
      for (Handoff.Source o : objects) {
        handed.add(Objects.requireNonNull(o, "object"));
      }
    }
    return this;
  }

  /**
   * Adds options for the child JVM's command line, before {@link #start()}, e.g.
   * {@code "-Xmx256m"}. Ignored for native programs.
   *
   * @param options JVM options
   * @return this
   */
  public Subprocess jvmOptions(String... options) {
    synchronized (lock) {
      requireNotStarted("set JVM options of");
      for (String o : options) {
        jvmOptions.add(Objects.requireNonNull(o, "option"));
      }
    }
    return this;
  }

  /**
   * Makes the child read its standard input from a file, before {@link #start()}.
   *
   * @param file an existing file
   * @return this
   */
  public Subprocess redirectInput(Path file) {
    return redirect(0, file, 0);
  }

  /**
   * Sends the child's standard output to a file (created, or truncated unless {@code append}),
   * before {@link #start()}. By default the child shares this process's standard output.
   *
   * @param file the file
   * @param append whether to append instead of truncating
   * @return this
   */
  public Subprocess redirectOutput(Path file, boolean append) {
    return redirect(1, file, append ? 2 : 1);
  }

  /**
   * Sends the child's standard error to a file, as {@link #redirectOutput} does for its output.
   *
   * @param file the file
   * @param append whether to append instead of truncating
   * @return this
   */
  public Subprocess redirectError(Path file, boolean append) {
    return redirect(2, file, append ? 2 : 1);
  }

  private Subprocess redirect(int stream, Path file, int mode) {
    synchronized (lock) {
      requireNotStarted("redirect a stream of");
      streamFiles[stream] = Objects.requireNonNull(file, "file");
      streamModes[stream] = mode;
    }
    return this;
  }

  /** Opens the redirection files; the caller closes the descriptors after spawning. */
  private int[] openStreams(NativeApi api) {
    int[] fds = {-1, -1, -1};
    int[] out = new int[1];
    for (int i = 0; i < 3; i++) {
      if (streamFiles[i] == null) {
        continue;
      }
      int rc = api.fdOpen(streamFiles[i].toString(), streamModes[i], out);
      if (rc < 0) {
        closeAll(api, fds);
        throw new SubprocessException(rc, "redirect a stream of " + name + " to",
            streamFiles[i].toString(), api.strerror(rc));
      }
      fds[i] = out[0];
    }
    return fds;
  }

  private static void closeAll(NativeApi api, int[] fds) {
    for (int fd : fds) {
      if (fd >= 0) {
        api.fdClose(fd);
      }
    }
  }

  /**
   * Sets the name (Python's {@code name}), before {@link #start()}.
   *
   * @param name the name
   * @return this
   */
  public Subprocess name(String name) {
    synchronized (lock) {
      requireNotStarted("rename");
      this.name = Objects.requireNonNull(name, "name");
    }
    return this;
  }

  /**
   * Makes the child a daemon or not (Python's {@code daemon}), before {@link #start()}.
   *
   * @param daemon whether the child ends when this process ends
   * @return this
   */
  public Subprocess daemon(boolean daemon) {
    synchronized (lock) {
      requireNotStarted("change the daemon flag of");
      this.daemon = daemon;
    }
    return this;
  }

  private void requireNotStarted(String what) {
    if (started) {
      throw new IllegalStateException("cannot " + what + " " + name + ": already started");
    }
  }

  /**
   * Starts the child. Returns once it runs, without waiting for it to read its target.
   *
   * @throws IllegalStateException if already started
   * @throws IllegalArgumentException if the target cannot be serialized, naming the class
   * @throws SubprocessException if the program cannot be started (missing, not executable)
   */
  public void start() {
    synchronized (lock) {
      requireNotStarted("start");
      List<Handoff.Source> all = new ArrayList<>(handed);
      byte[] payload = new byte[0];
      List<String> argv;
      String path;
      if (target != null) {
        try {
          byte[] serialized = Handoff.serialize(new ChildMain.Spec(name, target), all);
          payload = ChildMain.payload(LambdaRecipe.encode(name, target, all), serialized);
        } catch (NotSerializableException e) {
          throw new IllegalArgumentException(
              "the target of " + name + " cannot be sent to a child process: "
                  + e.getMessage() + " is not Serializable",
              e);
        }
        argv = childCommand(jvmOptions);
        if (useCache) {
          // Before the caller's options, so that theirs (an -Xlog, say) win.
          argv.addAll(1, StartupCache.options(argv, jvmOptions));
        }
        path = argv.get(0);
      } else {
        path = program.toString();
        argv = new ArrayList<>();
        argv.add(path);
        argv.addAll(args);
      }
      NativeApi api = Native.api();
      short[] kinds = new short[all.size()];
      byte[] codes = new byte[all.size()];
      List<Integer> fds = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        kinds[i] = (short) all.get(i).handoffKind();
        codes[i] = (byte) all.get(i).handoffCode();
        fds.add(all.get(i).handoffFd());
      }
      int flags = daemon ? 1 : 0;
      if (target != null) {
        // A child JVM reads its manifest from a file at fd 4 in plain Java, so one that is
        // handed no mproc object never loads the native library: it starts like any JVM.
        int[] mf = new int[1];
        Native.check(
            api.manifestFile(
                MANIFEST_FD + 1, flags, kinds, codes, Handoff.labels(all), payload, mf),
            "start",
            name);
        manifestFile = mf[0];
        fds.add(0, manifestFile);
      }
      int[] streams;
      try {
        streams = openStreams(api);
      } catch (RuntimeException e) {
        closeManifestFile();
        throw e;
      }
      long[] out = new long[1];
      int rc =
          api.spawn(
              path,
              argv.toArray(new String[0]),
              null,
              fds.stream().mapToInt(Integer::intValue).toArray(),
              streams[0],
              streams[1],
              streams[2],
              out);
      closeAll(api, streams); // the child has its own copies now
      if (rc < 0) {
        closeManifestFile();
        throw new SubprocessException(rc, "start", path, spawnDetail(rc));
      }
      child = out[0];
      pid = api.childPid(child);
      int s = api.childSentinel(child);
      if (s >= 0) {
        NativeApi a = api; // the cleaner must not reach this object
        sentinel = s;
        sentinelClose = new Detach(fd -> a.fdClose((int) fd), s);
        sentinelClose.whenUnreachable(this);
      }
      started = true;
      if (target == null) {
        // A native child reads its manifest from the channel (mproc_child_init). If it dies at
        // once this fails (EPIPE), and its exit code tells why.
        api.childSendManifest(child, flags, kinds, codes, Handoff.labels(all), payload);
      }
      if (daemon || background) {
        DAEMONS.add(this);
      }
      Thread watcher = new Thread(this::watch, "mproc-watch-" + name);
      watcher.setDaemon(daemon || background || detached);
      watcher.start();
    }
  }

  /** A child JVM's command line, without class-sharing options. */
  private static List<String> childCommand(List<String> jvmOptions) {
    List<String> argv = JavaCommand.of(ChildMain.class);
    argv.add(1, "-Xrs"); // SIGTERM kills the child outright, as in Python
    argv.addAll(1, jvmOptions);
    return argv;
  }

  /**
   * Makes this the child that trains a class-sharing archive: it starts without one, and it is
   * background work, so it never keeps this JVM alive (it is terminated at exit, like a daemon
   * child, but it does not watch this process, which would load the native library into it).
   */
  void asTrainer() {
    synchronized (lock) {
      requireNotStarted("make a trainer of");
      useCache = false;
      background = true;
    }
  }

  /**
   * Makes this the child that supervises a training: it starts without an archive, never keeps
   * this JVM alive, and is left running when this JVM exits, so that a training started by a
   * short-lived program still ends with an archive in place.
   */
  void asSupervisor() {
    synchronized (lock) {
      requireNotStarted("make a supervisor of");
      useCache = false;
      detached = true;
    }
  }

  /**
   * Makes sure the class-sharing archive for child JVMs exists, creating it now if needed, and
   * waits at most {@code timeout} for it. Child JVMs start faster with it (see
   * {@code docs/architecture.md}, "Starting a child JVM"); without this call it is created in the
   * background by the first {@link #start()}, and children started before it is ready start
   * without it. Archives are per user ({@code -Dmproc.cds.dir}, default
   * {@code ~/.cache/mproc/cds}), per JDK and per class path, and are switched off by
   * {@code -Dmproc.cds=off}.
   *
   * @param timeout the most to wait
   * @param jvmOptions the options the children will be given ({@link #jvmOptions}), which are
   *     part of the archive's key
   * @return whether an archive is ready: false when switched off, when this JVM cannot share
   *     classes with its children (not HotSpot, JDK 24, a class path with directories), or when
   *     the archive is not ready within the timeout
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if the timeout is negative, or {@code -Dmproc.cds} is
   *     neither {@code on} nor {@code off}
   */
  public static boolean awaitStartupCache(Duration timeout, String... jvmOptions)
      throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
    }
    List<String> options = new ArrayList<>();
    for (String o : jvmOptions) {
      options.add(Objects.requireNonNull(o, "option"));
    }
    return StartupCache.await(childCommand(options), options, timeout);
  }

  /** Whether the child JVM wrote its "joined" status into the manifest file. */
  private boolean readJoined() {
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(Path.of("/proc/self/fd/" + manifestFile))) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      return ch.read(b, 0) == 1 && b.get(0) == JOINED;
    } catch (IOException e) {
      return false;
    }
  }

  private void closeManifestFile() {
    if (manifestFile >= 0) {
      Native.api().fdClose(manifestFile);
      manifestFile = -1;
    }
  }

  private static String spawnDetail(int rc) {
    ErrorCode c = ErrorCode.of(rc);
    if (c == ErrorCode.ENOENT) {
      return "no such program";
    }
    return c != null ? c.message() : Native.api().strerror(rc);
  }

  /** The watcher thread: reads the child's messages, then reaps it. */
  private void watch() {
    NativeApi api = Native.api();
    int channel = api.childChannel(child);
    byte[][] msg = new byte[1][];
    int[] noFds = new int[0];
    int[] nfds = new int[1];
    int[] code = new int[1];
    boolean channelOpen = true;
    for (;;) {
      if (channelOpen) {
        int rc = api.channelRecv(channel, SLICE_NS, msg, noFds, nfds);
        if (rc == 0) {
          receive(msg[0]);
          continue;
        }
        if (rc != ErrorCode.ETIMEDOUT.code()) {
          channelOpen = false; // end of stream (exited, or closed fd 3) or a broken message
        }
      }
      int rc = api.childWait(child, channelOpen ? 0 : SLICE_NS, code);
      if (rc == 0) {
        break;
      }
    }
    if (manifestFile >= 0) {
      joinedChannel |= readJoined();
      closeManifestFile();
    }
    synchronized (lock) { // reaped: nothing can use the handle any more
      api.childFree(child);
      freed = true;
    }
    exitCode = code[0];
    DAEMONS.remove(this);
    exited.countDown();
  }

  private void receive(byte[] m) {
    if (m.length == 0) {
      return;
    }
    if (m[0] == FAILED) {
      failure = decodeFailure(m);
    }
  }

  private SubprocessFailure decodeFailure(byte[] m) {
    try (ObjectInputStream in =
        new ObjectInputStream(new java.io.ByteArrayInputStream(m, 1, m.length - 1))) {
      Report r = (Report) in.readObject();
      Throwable original = null;
      if (r.serialized != null) {
        try (ObjectInputStream o =
            new ObjectInputStream(new java.io.ByteArrayInputStream(r.serialized))) {
          original = (Throwable) o.readObject();
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
          original = null; // the class is the child's only: the report still says what happened
        }
      }
      return new SubprocessFailure(describe(), r.className, r.message, r.stack, original);
    } catch (IOException | ClassNotFoundException e) {
      return new SubprocessFailure(
          describe(), "unknown", "unreadable failure report: " + e, new StackTraceElement[0],
          null);
    }
  }

  /** What a Java child sends about its uncaught exception. */
  static final class Report implements Serializable {
    private static final long serialVersionUID = 1L;
    final String className;
    final String message;
    final StackTraceElement[] stack;
    final byte[] serialized;

    Report(Throwable t) {
      this.className = t.getClass().getName();
      this.message = t.getMessage();
      this.stack = t.getStackTrace();
      byte[] s;
      try {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(b)) {
          o.writeObject(t);
        }
        s = b.toByteArray();
      } catch (IOException e) {
        s = null; // not serializable: the class name, message and stack still travel
      }
      this.serialized = s;
    }

    byte[] encode() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write(FAILED);
      try (ObjectOutputStream o = new ObjectOutputStream(b)) {
        o.writeObject(this);
      }
      return b.toByteArray();
    }
  }

  private void requireStarted(String what) {
    if (!started) {
      throw new IllegalStateException("cannot " + what + " " + name + ": it was never started");
    }
  }

  /**
   * Waits for the child to exit (Python's {@code join()}).
   *
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if the child was never started
   * @throws SubprocessException if a Java child ended before it could read its target (for
   *     example a JVM that failed to start)
   */
  public void join() throws InterruptedException {
    requireStarted("join");
    exited.await();
    checkJoinedChannel();
  }

  /**
   * Waits at most {@code timeout} for the child to exit.
   *
   * @param timeout how long to wait; zero checks without waiting
   * @return true if the child has exited
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if the timeout is negative
   * @throws IllegalStateException if the child was never started
   * @throws SubprocessException as for {@link #join()}
   */
  public boolean join(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
    }
    requireStarted("join");
    long ns;
    try {
      ns = timeout.toNanos();
    } catch (ArithmeticException e) {
      ns = Long.MAX_VALUE;
    }
    boolean done = exited.await(ns, TimeUnit.NANOSECONDS);
    if (done) {
      checkJoinedChannel();
    }
    return done;
  }

  private void checkJoinedChannel() {
    // A child killed by a signal (exit code < 0) before joining was stopped, not broken.
    if (target != null && !joinedChannel && exitCode >= 0) {
      throw new SubprocessException(
          0,
          "start",
          describe(),
          "the child JVM exited with code " + exitCode + " before it read its target"
              + " (see its standard error)");
    }
  }

  /**
   * Whether the child runs.
   *
   * @return true between a successful {@link #start()} and the child's exit
   */
  public boolean isAlive() {
    return started && exited.getCount() != 0;
  }

  /**
   * The exit code (Python's {@code exitcode}).
   *
   * @return {@code null} while running (or never started); else 0, 1 after an uncaught
   *     exception, n after {@code System.exit(n)}, or -N after signal N
   */
  public Integer exitCode() {
    return exitCode;
  }

  /**
   * The child's uncaught exception, once it has exited because of one.
   *
   * @return the failure with the child's stack trace, or empty
   */
  public Optional<SubprocessFailure> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * The operating-system process id.
   *
   * @return the pid
   * @throws IllegalStateException if never started
   */
  public long pid() {
    requireStarted("get the pid of");
    return pid;
  }

  /**
   * A descriptor that becomes readable when the child exits (Python's {@code sentinel}), for
   * {@link org.mproc.connection.Connection#wait} or a native poll. It stays valid until
   * {@link #close()}.
   *
   * @return the descriptor, or -1 on kernels without {@code pidfd_open} (before Linux 5.3)
   * @throws IllegalStateException if never started, or closed
   */
  public int sentinel() {
    requireStarted("get the sentinel of");
    if (closed) {
      throw new IllegalStateException("subprocess is closed: " + describe());
    }
    return sentinel;
  }

  /**
   * The name.
   *
   * @return the name given, or {@code Subprocess-N}
   */
  public String name() {
    return name;
  }

  /**
   * Whether this is a daemon child.
   *
   * @return the daemon flag
   */
  public boolean isDaemon() {
    return daemon;
  }

  /**
   * Sends SIGTERM (Python's {@code terminate()}); the exit code becomes -15. No effect once the
   * child has exited.
   *
   * @throws IllegalStateException if never started
   */
  public void terminate() {
    signal(SIGTERM);
  }

  /**
   * Sends SIGKILL (Python's {@code kill()}); the exit code becomes -9. No effect once the child
   * has exited.
   *
   * @throws IllegalStateException if never started
   */
  public void kill() {
    signal(SIGKILL);
  }

  private void signal(int sig) {
    requireStarted("signal");
    synchronized (lock) {
      if (!freed) {
        Native.check(Native.api().childSignal(child, sig), "signal " + sig, describe());
      }
    }
  }

  /**
   * Ends the child if it still runs: terminates it, then kills it if it has not exited within a
   * second, and waits for it; then closes the {@link #sentinel()}. (Python's {@code close()}
   * refuses a running process instead, which would make try-with-resources unusable.) Other
   * resources are released when the child exits, with or without this call.
   */
  @Override
  public void close() {
    if (!started) {
      return;
    }
    boolean interrupted = false;
    try {
      if (isAlive()) {
        terminate();
        while (true) {
          try {
            if (!exited.await(1, TimeUnit.SECONDS)) {
              kill();
              exited.await();
            }
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (exited.getCount() == 0) {
        closed = true;
        if (sentinelClose != null) {
          sentinelClose.run();
        }
      }
    }
  }

  private String describe() {
    return name + (started ? " (pid " + pid + ")" : "");
  }

  @Override
  public String toString() {
    String state =
        !started ? "initial" : exitCode == null ? "started" : "stopped exitcode=" + exitCode;
    return "<Subprocess name='" + name + "'" + (started ? " pid=" + pid : "") + " " + state
        + (daemon ? " daemon" : "") + ">";
  }

  private static void terminateDaemons() {
    for (Subprocess p : DAEMONS) {
      try {
        p.terminate();
      } catch (RuntimeException e) {
        // exiting anyway
      }
    }
  }
}
