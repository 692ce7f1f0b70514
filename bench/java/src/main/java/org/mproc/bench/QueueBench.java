package org.mproc.bench;

import java.io.File;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.mproc.Mproc;
import org.mproc.internal.JavaCommand;
import org.mproc.internal.NativeApi;
import org.mproc.queue.SharedQueue;
import org.mproc.shared.SharedLongArray;

/**
 * The queue suite's Java side, the counterpart of bench/c/bench_queue.c and
 * {@code bench_mp.py queue}: one producer and one consumer in two JVMs (this one and one child
 * started with {@link JavaCommand#of}, which opens the named queues and signals readiness before
 * anything is timed; JVM start-up is never timed). Every scenario runs one discarded warm-up
 * repetition, then REPS measured ones; medians are printed.
 *
 * <p>{@code mproc [REPS]} ({@link SharedQueue}, backend from {@code -Dmproc.backend}):
 * <ul>
 *   <li>{@code queue.tput64} msgs/s: the child {@code putBytes} 500,000 64-byte messages, this JVM
 *       takes them with {@code getBytesInto(byte[64])} (no allocation); N / (consumer's end -
 *       producer's start), both {@code System.nanoTime()} (CLOCK_MONOTONIC); 1 MiB ring.
 *   <li>{@code queue.tput64_batchget} msgs/s: the same producer; this JVM takes batches with
 *       {@code getBytesInto(byte[], int[256])}, the shape of Agrona's {@code read(handler)}.
 *   <li>{@code queue.tput64_batch} msgs/s: batches both ways, the child putting 64 messages
 *       per {@code putBytes(byte[], int[], 64)}.
 *   <li>{@code queue.objects} msgs/s: the same with {@code put(Arrays.asList(42, null, "hello"))}
 *       and {@code take()} through the default {@code ObjectCodec} (200,000 messages).
 *   <li>{@code queue.pingpong_spin} ns: round trip of an 8-byte message over two queues, one each
 *       way; both sides poll with {@code pollBytesInto(byte[8])} (non-blocking, no allocation) and
 *       {@code Thread.onSpinWait()}, the shape of Agrona's spinning {@code read}.
 *   <li>{@code queue.pingpong_block} ns: the same with blocking {@code getBytesInto} as shipped
 *       (the native get spins briefly before it sleeps).
 *   <li>{@code queue.pingpong_park} ns: blocking {@code getBytesInto}, and each side puts only
 *       once the peer is registered as a sleeping consumer (the queue's "consumers waiting" word,
 *       read through a read-only mapping of /dev/shm), so every message wakes a parked JVM.
 *       Its repetitions are interleaved with those of {@code queue.pair_futex_pingpong}, a
 *       raw futex round trip in the same JVM pair (a 32-bit word each way in a file of
 *       /dev/shm, {@code mproc_wait32} / {@code mproc_wake32} through the binding, each side
 *       posting only once the peer has announced its sleep, as C's
 *       {@code c.queue.futex_pingpong}); {@code queue.pingpong_park.vs_futex} (and
 *       {@code _min}, {@code _max}) are the median, smallest and largest ratio of a queue
 *       repetition to the futex repetition of the same round.
 *   <li>{@code queue.tput64k} GB/s: 65,536-byte messages, 4 MiB ring, 20,000 messages.
 *   <li>{@code queue.one.tput64}, {@code queue.one.tput64_batchget}, {@code queue.one.tput64_batch},
 *       {@code queue.one.pingpong_spin}: the same scenarios again on one-to-one queues
 *       ({@code SharedQueue.builder().oneToOne()}, no lock per message). The repetitions of
 *       the three one-to-one throughputs and Agrona's {@code tput64} (2,000,000 messages each) are
 *       interleaved in this JVM pair, the order rotating, and so are those of
 *       {@code one.pingpong_spin} and Agrona's spinning round trip: Agrona's figures from the
 *       same run are printed as {@code queue.paired_agrona.tput64} and
 *       {@code queue.paired_agrona.pingpong_spin}. On this small shared machine the speed of a
 *       cross-process exchange depends several-fold on where the host places the two vCPUs,
 *       which changes within seconds; interleaving gives both libraries the same placements.
 *       {@code queue.one.tput64.vs_agrona} (and {@code _min}, {@code _max}; likewise for the
 *       two other shapes) are the median, smallest and largest ratio of a one-to-one
 *       repetition to the Agrona repetition of the same round (the four scenarios' r-th
 *       repetitions run one after the other, a few hundred milliseconds in all).
 *   <li>{@code queue.pair_raw_rtt}, {@code queue.pair_raw_rtt_after} ns: this JVM pair's own
 *       raw round trip (volatile stores and loads of two words of a shared array, both sides
 *       spinning, 100,000 round trips), before the one-to-one runs and after them: how the
 *       host placed the two JVMs' CPUs while they ran.
 * </ul>
 *
 * <p>{@code agrona [REPS]}: the state of the art for the same shapes, Agrona's
 * {@link OneToOneRingBuffer} over a file mapped in /dev/shm by both JVMs (1 MiB ring), both sides
 * busy-spinning with {@code Thread.onSpinWait()}: {@code agrona.queue.tput64} (msgs/s, 64-byte
 * messages written with {@code write} from a {@code byte[]}, read with {@code read(handler)},
 * the handler copying each message into a {@code byte[]} as {@code getBytesInto} does: the
 * issue's goal is about {@code byte[]} messages; the round trip's echo sends back the bytes it
 * received) and
 * {@code agrona.queue.pingpong_spin} (ns, 8-byte messages over two rings). Agrona runs with its
 * defaults (bounds checks on).
 *
 * <p>Result lines: {@code RESULT java-<label>.queue.<what>} (label from {@code
 * -Dmproc.bench.label}, else the backend) and {@code RESULT agrona.queue.<what>}. Every named
 * object is {@code /mproc-bench-<parent pid>-*} and is unlinked in a finally block.
 */
public final class QueueBench {
  private static final int TPUT64 = 1;
  private static final int OBJECTS = 2;
  private static final int PING_SPIN = 3;
  private static final int PING_BLOCK = 4;
  private static final int PING_PARK = 5;
  private static final int TPUT64K = 6;
  private static final int A_TPUT64 = 7;
  private static final int A_PING = 8;
  private static final int TPUT64_BATCH_GET = 9;
  private static final int TPUT64_BATCH = 10;
  private static final int ONE_TPUT64 = 11;
  private static final int ONE_TPUT64_BATCH = 12;
  private static final int ONE_PING_SPIN = 13;
  private static final int ONE_TPUT64_BATCH_GET = 14;
  private static final int RAW_PING = 15;
  private static final int FUTEX_PING = 16;
  private static final int BATCH = 64;

  /* Control array slots. */
  private static final int READY = 0;
  private static final int SEQ = 1; // parent: repetition number, bumped to start one
  private static final int MODE = 2;
  private static final int COUNT = 3;
  private static final int DONE = 4; // child: the SEQ it finished
  private static final int FAILED = 5;
  private static final int START = 6; // child's start, ns
  private static final int QUIT = 7;
  /* The raw round trip's two words, each on a cache line of its own (the array starts on one). */
  private static final int PING = 8;
  private static final int PONG = 16;
  private static final int CTL_LENGTH = 24;

  private static final int AGRONA_RING = 1 << 20;
  private static final int MSG_TYPE = 1;

  private QueueBench() {}

  /**
   * Entry point: {@code mproc [REPS]}, {@code agrona [REPS]}, or a child's role.
   *
   * @param args the mode and its arguments
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    switch (args.length > 0 ? args[0] : "") {
      case "mproc":
        parent(false, args.length > 1 ? Integer.parseInt(args[1]) : 7);
        break;
      case "agrona":
        parent(true, args.length > 1 ? Integer.parseInt(args[1]) : 7);
        break;
      case "child":
        child(args[1], args[2]);
        break;
      default:
        System.err.println("usage: QueueBench mproc|agrona [REPS]");
        System.exit(2);
    }
  }

  private static void result(String name, double value, String unit) {
    System.out.printf("RESULT %s %.6g %s%n", name, value, unit);
    System.out.flush();
  }

  private static double[] medians(double[][] v) {
    double[] m = new double[v.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = median(v[i]);
    }
    return m;
  }

  /* a[r] / b[r] for each repetition r: the ratio within one placement of the two JVMs. */
  private static double[] ratios(double[] a, double[] b) {
    double[] q = new double[a.length];
    for (int r = 0; r < q.length; r++) {
      q[r] = a[r] / b[r];
    }
    return q;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /* ---------------------------------------------------------------- the objects of one run */

  /** Names of the run's objects, derived from the parent's pid. */
  private static final class Names {
    final String q1;
    final String q2;
    final String big;
    final String o1;
    final String o2;
    final String ctl;
    final File a1;
    final File a2;
    final File futex;

    Names(String prefix) {
      q1 = prefix + "-jq1";
      q2 = prefix + "-jq2";
      big = prefix + "-jq64k";
      o1 = prefix + "-jo1";
      o2 = prefix + "-jo2";
      ctl = prefix + "-jqctl";
      a1 = new File("/dev/shm" + prefix + "-agrona1");
      a2 = new File("/dev/shm" + prefix + "-agrona2");
      futex = new File("/dev/shm" + prefix + "-futex");
    }
  }

  /** The peer's "consumers waiting" word of a queue (body offset 260, see mproc.h). */
  private static final class Waiters {
    private static final VarHandle INT =
        MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private final MappedByteBuffer map;
    private final int offset;

    Waiters(String name) throws Exception {
      try (FileChannel ch = FileChannel.open(Path.of("/dev/shm" + name), StandardOpenOption.READ)) {
        map = ch.map(FileChannel.MapMode.READ_ONLY, 0, 4096);
      }
      map.order(ByteOrder.LITTLE_ENDIAN);
      offset = (int) map.getLong(120) + 260; // header data_offset + 260
    }

    void awaitSleeper() {
      while ((int) INT.getVolatile(map, offset) == 0) {
        Thread.onSpinWait();
      }
    }
  }

  /**
   * The raw futex round trip's words, in a file of /dev/shm both JVMs map: a 32-bit word each
   * way and a "sleeping" flag per side, each on a cache line of its own, waited on and woken
   * with {@code mproc_wait32} / {@code mproc_wake32} through this JVM's binding, as C's
   * {@code c.queue.futex_pingpong} does (bench_queue.c: futex_wait_for, futex_post).
   */
  private static final class Futex {
    private static final VarHandle INT =
        MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final int PING_WORD = 0;
    private static final int PONG_WORD = 64;
    private static final int CHILD_SLEEPING = 128;
    private static final int PARENT_SLEEPING = 192;
    private final MappedByteBuffer map;
    private final long address;
    private final NativeApi api = org.mproc.internal.Native.api();

    Futex(File f, boolean create) throws Exception {
      try (FileChannel ch = create
          ? FileChannel.open(f.toPath(), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
              StandardOpenOption.WRITE)
          : FileChannel.open(f.toPath(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
      }
      address = org.agrona.BufferUtil.address(map);
    }

    /* Announce, then sleep until the word reads `want` (sequence numbers, each side's own). */
    private void waitFor(int word, int sleeping, int want) {
      while ((int) INT.getVolatile(map, word) != want) {
        INT.setVolatile(map, sleeping, 1);
        api.wait32(address + word, want - 1, -1);
      }
      INT.setRelease(map, sleeping, 0);
    }

    /* Once the peer has announced its sleep: the new value, then a wake-up. */
    private void post(int word, int sleeping, int value) {
      while ((int) INT.getVolatile(map, sleeping) == 0) {
        Thread.onSpinWait();
      }
      INT.setRelease(map, word, value);
      api.wake32(address + word, 1);
    }

    /** The parent's side: count round trips. */
    void ping(int count) {
      int base = (int) INT.getVolatile(map, PING_WORD);
      for (int i = base + 1; i != base + count + 1; i++) {
        post(PING_WORD, CHILD_SLEEPING, i);
        waitFor(PONG_WORD, PARENT_SLEEPING, i);
      }
    }

    /** The child's side: echoes count pings. */
    void pong(int count) {
      int base = (int) INT.getVolatile(map, PONG_WORD);
      for (int i = base + 1; i != base + count + 1; i++) {
        waitFor(PING_WORD, CHILD_SLEEPING, i);
        post(PONG_WORD, PARENT_SLEEPING, i);
      }
    }
  }

  /**
   * This JVM's heap options ({@code -Xms}, {@code -Xmx}, {@code -XX:+AlwaysPreTouch}), for the
   * child. bench/run starts both JVMs with a fixed, pre-touched heap: on this machine the first
   * touch of a 4 KiB page costs about 15 us ({@code c.machine.first_touch_4k}, printed by
   * bench_queue), so a JVM whose young generation is still growing into new memory pays
   * that for every page it allocates into, and {@code queue.objects} (some 150 bytes of garbage
   * a message on each side) would measure the heap's first touch rather than the queue.
   */
  private static List<String> heapArguments() {
    List<String> out = new ArrayList<>();
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("-Xms") || arg.startsWith("-Xmx") || arg.equals("-XX:+AlwaysPreTouch")) {
        out.add(arg);
      }
    }
    return out;
  }

  private static OneToOneRingBuffer ring(File f, boolean create) {
    int len = AGRONA_RING + RingBufferDescriptor.TRAILER_LENGTH;
    MappedByteBuffer m = create ? IoUtil.mapNewFile(f, len) : IoUtil.mapExistingFile(f, "ring");
    return new OneToOneRingBuffer(new UnsafeBuffer(m));
  }

  /* ---------------------------------------------------------------- parent */

  private static void parent(boolean agrona, int reps) throws Exception {
    String prefix = "/mproc-bench-" + ProcessHandle.current().pid();
    Names n = new Names(prefix);
    String label = System.getProperty("mproc.bench.label", Mproc.backend());
    try (SharedLongArray ctl = SharedLongArray.create(n.ctl, CTL_LENGTH)) {
      SharedQueue<Object> q1 = null;
      SharedQueue<Object> q2 = null;
      SharedQueue<Object> big = null;
      SharedQueue<Object> o1 = null;
      SharedQueue<Object> o2 = null;
      OneToOneRingBuffer r1 = null;
      OneToOneRingBuffer r2 = null;
      Process child = null;
      try {
        r1 = ring(n.a1, true); // the mproc run measures Agrona interleaved with its own reps
        r2 = ring(n.a2, true);
        Futex fx = agrona ? null : new Futex(n.futex, true);
        if (!agrona) {
          q1 = SharedQueue.builder().name(n.q1).capacityBytes(1 << 20).create();
          q2 = SharedQueue.builder().name(n.q2).capacityBytes(1 << 20).create();
          big = SharedQueue.builder().name(n.big).capacityBytes(4 << 20).maxMessageBytes(65536)
              .create();
          o1 = SharedQueue.builder().name(n.o1).capacityBytes(1 << 20).oneToOne().create();
          o2 = SharedQueue.builder().name(n.o2).capacityBytes(1 << 20).oneToOne().create();
        }
        List<String> cmd = new ArrayList<>(JavaCommand.of(QueueBench.class, "child", prefix,
            agrona ? "agrona" : "mproc"));
        cmd.add(1, "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"); // Agrona 2.x uses it
        cmd.addAll(1, heapArguments()); // the child's heap as this JVM's (see heapArguments)
        child = new ProcessBuilder(cmd).inheritIO().start();
        while (ctl.get(READY) == 0) {
          alive(child, ctl);
          LockSupport.parkNanos(100_000);
        }
        Run run = new Run(ctl, child, reps);
        if (agrona) {
          final OneToOneRingBuffer ra = r1;
          final OneToOneRingBuffer rb = r2;
          result("agrona.queue.tput64", run.tput(A_TPUT64, 500_000, () -> agronaConsume(ra, 500_000)),
              "msgs/s");
          result("agrona.queue.pingpong_spin",
              run.pingpong(A_PING, 200_000, m -> agronaPing(ra, rb, m)), "ns");
        } else {
          final SharedQueue<Object> a = q1;
          final SharedQueue<Object> b = q2;
          final SharedQueue<Object> c = big;
          String p = "java-" + label + ".queue.";
          result(p + "tput64", run.tput(TPUT64, 500_000, () -> consumeBytes(a, 500_000, 64)), "msgs/s");
          result(p + "tput64_batchget",
              run.tput(TPUT64_BATCH_GET, 500_000, () -> consumeBatches(a, 500_000, 64)), "msgs/s");
          result(p + "tput64_batch",
              run.tput(TPUT64_BATCH, 500_000, () -> consumeBatches(a, 500_000, 64)), "msgs/s");
          result(p + "objects", run.tput(OBJECTS, 200_000, () -> consumeObjects(a, 200_000)), "msgs/s");
          result(p + "pingpong_spin", run.pingpong(PING_SPIN, 100_000, m -> pingSpin(a, b, m)), "ns");
          result(p + "pingpong_block", run.pingpong(PING_BLOCK, 100_000, m -> pingBlock(a, b, m, null)),
              "ns");
          // The parked round trip and its reference, a raw futex round trip in this JVM pair,
          // interleaved: the futex round trip itself moved 9.1-13.0 us between runs here, and
          // single 50 ms repetitions of either up to 2x within one. So: many short rounds.
          Waiters w = new Waiters(n.q1);
          double[][] pk = run.pingpongReps(1_000, 5 * reps, new int[] {PING_PARK, FUTEX_PING},
              new PingBody[] {m -> pingBlock(a, b, m, w), fx::ping});
          result(p + "pingpong_park", median(pk[0]), "ns");
          result(p + "pair_futex_pingpong", median(pk[1]), "ns");
          double[] slow = ratios(pk[0], pk[1]);
          result(p + "pingpong_park.vs_futex", median(slow), "x");
          result(p + "pingpong_park.vs_futex_min", Arrays.stream(slow).min().orElse(0), "x");
          result(p + "pingpong_park.vs_futex_max", Arrays.stream(slow).max().orElse(0), "x");
          // 20,000 messages a repetition (1.3 GB): on the Intel host the first ~25,000 of a JVM
          // pair moved at 2-6 GB/s whatever the copy, so that 5,000 measured the warm-up.
          result(p + "tput64k",
              run.tput(TPUT64K, 20_000, () -> consumeBytes(c, 20_000, 65536)) * 65536 / 1e9,
              "GB/s");
          // One-to-one queues: o1 child -> this JVM, o2 this JVM -> child (fixed roles).
          final SharedQueue<Object> oa = o1;
          final SharedQueue<Object> ob = o2;
          final OneToOneRingBuffer ra = r1;
          final OneToOneRingBuffer rb = r2;
          // Head to head with Agrona: the repetitions of each are interleaved in one JVM pair,
          // so that both see the same placement of the two JVMs on the machine's CPUs.
          // The pair's own raw round trip, before and after: how the host placed the JVMs.
          double raw0 = run.pingpong(RAW_PING, 100_000, m -> rawPing(ctl, m));
          // Longer repetitions than the others' (a repetition of 500,000 lasted 10 ms when quiet,
          // and single repetitions of the same code differed up to 1.5x).
          final int n1 = 2_000_000;
          double[][] t = run.tputReps(n1,
              new int[] {ONE_TPUT64, ONE_TPUT64_BATCH_GET, ONE_TPUT64_BATCH, A_TPUT64},
              new Body[] {() -> consumeBytes(oa, n1, 64), () -> consumeBatches(oa, n1, 64),
                  () -> consumeBatches(oa, n1, 64), () -> agronaConsume(ra, n1)});
          result(p + "one.tput64", median(t[0]), "msgs/s");
          result(p + "one.tput64_batchget", median(t[1]), "msgs/s");
          result(p + "one.tput64_batch", median(t[2]), "msgs/s");
          result(p + "paired_agrona.tput64", median(t[3]), "msgs/s");
          String[] shapes = {"one.tput64", "one.tput64_batchget", "one.tput64_batch"};
          for (int i = 0; i < shapes.length; i++) {
            double[] ratio = ratios(t[i], t[3]);
            result(p + shapes[i] + ".vs_agrona", median(ratio), "x");
            result(p + shapes[i] + ".vs_agrona_min", Arrays.stream(ratio).min().orElse(0), "x");
            result(p + shapes[i] + ".vs_agrona_max", Arrays.stream(ratio).max().orElse(0), "x");
          }
          double[] rt = run.pingpongInterleaved(100_000, new int[] {ONE_PING_SPIN, A_PING},
              new PingBody[] {m -> pingSpin(ob, oa, m), m -> agronaPing(ra, rb, m)});
          result(p + "one.pingpong_spin", rt[0], "ns");
          result(p + "paired_agrona.pingpong_spin", rt[1], "ns");
          double raw1 = run.pingpong(RAW_PING, 100_000, m -> rawPing(ctl, m));
          result(p + "pair_raw_rtt", raw0, "ns");
          result(p + "pair_raw_rtt_after", raw1, "ns");
        }
        ctl.set(QUIT, 1);
        ctl.getAndAdd(SEQ, 1);
        if (child.waitFor() != 0) {
          throw new IllegalStateException("the child JVM failed: exit code " + child.exitValue());
        }
      } finally {
        if (child != null && child.isAlive()) {
          child.destroyForcibly();
        }
        for (SharedQueue<Object> q : Arrays.asList(q1, q2, big, o1, o2)) {
          if (q != null) {
            q.unlink();
            q.close();
          }
        }
        n.a1.delete();
        n.a2.delete();
        n.futex.delete();
        ctl.unlink();
      }
    }
  }

  private static void alive(Process child, SharedLongArray ctl) {
    if (!child.isAlive() || ctl.get(FAILED) != 0) {
      throw new IllegalStateException("the child JVM failed or exited early");
    }
  }

  @FunctionalInterface
  private interface Body {
    void run() throws Exception;
  }

  @FunctionalInterface
  private interface PingBody {
    void run(int count) throws Exception;
  }

  /** Repetitions of one scenario, each started by bumping SEQ. */
  private static final class Run {
    final SharedLongArray ctl;
    final Process child;
    final int reps;

    Run(SharedLongArray ctl, Process child, int reps) {
      this.ctl = ctl;
      this.child = child;
      this.reps = reps;
    }

    private long begin(int mode, int count) {
      ctl.set(MODE, mode);
      ctl.set(COUNT, count);
      ctl.set(START, 0);
      return ctl.getAndAdd(SEQ, 1) + 1;
    }

    private void end(long seq) {
      while (ctl.get(DONE) != seq) {
        alive(child, ctl);
        LockSupport.parkNanos(20_000);
      }
    }

    /** Messages per second: count / (this side's end - the child's start). */
    double tput(int mode, int count, Body consume) throws Exception {
      return tputInterleaved(count, new int[] {mode}, new Body[] {consume})[0];
    }

    /**
     * Messages per second of several scenarios whose repetitions are interleaved (the order
     * rotating from one repetition to the next), one discarded round first: medians, in order.
     */
    double[] tputInterleaved(int count, int[] modes, Body[] consumers) throws Exception {
      return medians(tputReps(count, modes, consumers));
    }

    /**
     * The repetitions themselves of {@link #tputInterleaved}: v[i][r] is scenario i's
     * repetition r, and the repetitions r of all scenarios ran one after the other.
     */
    double[][] tputReps(int count, int[] modes, Body[] consumers) throws Exception {
      double[][] v = new double[modes.length][reps];
      for (int r = -1; r < reps; r++) {
        for (int k = 0; k < modes.length; k++) {
          int i = Math.floorMod(r + k, modes.length);
          long seq = begin(modes[i], count);
          consumers[i].run();
          long t1 = System.nanoTime();
          end(seq);
          if (r >= 0) {
            v[i][r] = count / ((t1 - ctl.get(START)) / 1e9);
          }
        }
      }
      return v;
    }

    /** Round trips of several scenarios, interleaved as {@link #tputInterleaved}: medians. */
    double[] pingpongInterleaved(int count, int[] modes, PingBody[] pings) throws Exception {
      return medians(pingpongReps(count, reps, modes, pings));
    }

    /**
     * The repetitions themselves of {@link #pingpongInterleaved}, {@code rounds} of them, in ns
     * per round trip: v[i][r] is scenario i's repetition r, and the repetitions r of all
     * scenarios ran one after the other.
     */
    double[][] pingpongReps(int count, int rounds, int[] modes, PingBody[] pings)
        throws Exception {
      double[][] v = new double[modes.length][rounds];
      for (int r = -1; r < rounds; r++) {
        for (int k = 0; k < modes.length; k++) {
          int i = Math.floorMod(r + k, modes.length);
          long seq = begin(modes[i], count);
          while (ctl.get(START) == 0) { // the child is at its loop
            alive(child, ctl);
            Thread.onSpinWait();
          }
          long t0 = System.nanoTime();
          pings[i].run(count);
          long t1 = System.nanoTime();
          end(seq);
          if (r >= 0) {
            v[i][r] = (double) (t1 - t0) / count;
          }
        }
      }
      return v;
    }

    /** Nanoseconds per round trip, timed here. */
    double pingpong(int mode, int count, PingBody ping) throws Exception {
      return pingpongInterleaved(count, new int[] {mode}, new PingBody[] {ping})[0];
    }
  }

  /* ---------------------------------------------------------------- the timed loops */

  private static void consumeBytes(SharedQueue<Object> q, int count, int size) throws Exception {
    byte[] buf = new byte[size];
    for (int i = 0; i < count; i++) {
      if (q.getBytesInto(buf) != size) {
        throw new IllegalStateException("wrong message length");
      }
    }
  }

  private static void consumeBatches(SharedQueue<Object> q, int count, int size)
      throws Exception {
    byte[] buf = new byte[size * 4 * BATCH];
    int[] lengths = new int[4 * BATCH];
    for (int i = 0; i < count; ) {
      int n = q.getBytesInto(buf, lengths);
      for (int k = 0; k < n; k++) {
        if (lengths[k] != size) {
          throw new IllegalStateException("wrong message length");
        }
      }
      i += n;
    }
  }

  private static void produceBatches(SharedQueue<Object> q, int count, int size)
      throws Exception {
    byte[] buf = new byte[size * BATCH];
    int[] lengths = new int[BATCH];
    Arrays.fill(lengths, size);
    for (int i = 0; i < count; i += BATCH) {
      q.putBytes(buf, lengths, Math.min(BATCH, count - i));
    }
  }

  private static void produceBytes(SharedQueue<Object> q, int count, int size) throws Exception {
    byte[] msg = new byte[size];
    for (int i = 0; i < count; i++) {
      q.putBytes(msg);
    }
  }

  private static void consumeObjects(SharedQueue<Object> q, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      if (!(q.take() instanceof List<?> l) || l.size() != 3) {
        throw new IllegalStateException("wrong message");
      }
    }
  }

  private static void produceObjects(SharedQueue<Object> q, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      q.put(Arrays.asList(42, null, "hello"));
    }
  }

  /* Spins on the non-blocking pollBytesInto (no allocation) until a message is in buf. */
  private static int pollSpin(SharedQueue<Object> q, byte[] buf) {
    int len;
    while ((len = q.pollBytesInto(buf)) < 0) {
      Thread.onSpinWait();
    }
    return len;
  }

  /* Parent side of the raw round trip: bare volatile stores and loads of two words of the
     shared control array, no queue (C's bench_queue measures the same between two processes). */
  private static void rawPing(SharedLongArray ctl, int count) {
    long base = ctl.get(PING);
    for (long i = base + 1; i <= base + count; i++) {
      ctl.set(PING, i);
      while (ctl.get(PONG) != i) {
        Thread.onSpinWait();
      }
    }
  }

  /* Parent side: send on `out`, await the echo on `in`. */
  private static void pingSpin(SharedQueue<Object> out, SharedQueue<Object> in, int count)
      throws Exception {
    byte[] msg = new byte[8];
    byte[] echo = new byte[8];
    for (int i = 0; i < count; i++) {
      out.putBytes(msg);
      pollSpin(in, echo);
    }
  }

  private static void pingBlock(SharedQueue<Object> out, SharedQueue<Object> in, int count,
      Waiters peer) throws Exception {
    byte[] msg = new byte[8];
    for (int i = 0; i < count; i++) {
      if (peer != null) {
        peer.awaitSleeper();
      }
      out.putBytes(msg);
      in.getBytesInto(msg);
    }
  }

  private static void agronaConsume(OneToOneRingBuffer r, int count) {
    int[] got = new int[1];
    byte[] dst = new byte[64]; // the message into a byte[], as getBytesInto does
    org.agrona.concurrent.MessageHandler h = (type, buf, index, length) -> {
      buf.getBytes(index, dst, 0, length);
      got[0]++;
    };
    while (got[0] < count) {
      if (r.read(h) == 0) {
        Thread.onSpinWait();
      }
    }
  }

  private static void agronaProduce(OneToOneRingBuffer r, int count, int size) {
    UnsafeBuffer msg = new UnsafeBuffer(new byte[size]);
    for (int i = 0; i < count; i++) {
      while (!r.write(MSG_TYPE, msg, 0, size)) {
        Thread.onSpinWait();
      }
    }
  }

  private static void agronaPing(OneToOneRingBuffer out, OneToOneRingBuffer in, int count) {
    UnsafeBuffer msg = new UnsafeBuffer(new byte[8]);
    byte[] echo = new byte[8];
    org.agrona.concurrent.MessageHandler h =
        (type, buf, index, length) -> buf.getBytes(index, echo, 0, length);
    for (int i = 0; i < count; i++) {
      while (!out.write(MSG_TYPE, msg, 0, 8)) {
        Thread.onSpinWait();
      }
      while (in.read(h, 1) == 0) {
        Thread.onSpinWait();
      }
    }
  }

  /* ---------------------------------------------------------------- child */

  private static void child(String prefix, String kind) throws Exception {
    Names n = new Names(prefix);
    boolean agrona = kind.equals("agrona");
    try (SharedLongArray ctl = SharedLongArray.open(n.ctl)) {
      try {
        SharedQueue<Object> q1 = agrona ? null : SharedQueue.open(n.q1);
        SharedQueue<Object> q2 = agrona ? null : SharedQueue.open(n.q2);
        SharedQueue<Object> big = agrona ? null : SharedQueue.open(n.big);
        SharedQueue<Object> o1 = agrona ? null : SharedQueue.open(n.o1);
        SharedQueue<Object> o2 = agrona ? null : SharedQueue.open(n.o2);
        OneToOneRingBuffer r1 = ring(n.a1, false);
        OneToOneRingBuffer r2 = ring(n.a2, false);
        Waiters w = agrona ? null : new Waiters(n.q2);
        Futex fx = agrona ? null : new Futex(n.futex, false);
        ctl.set(READY, 1);
        long seen = 0;
        for (;;) {
          long seq;
          while ((seq = ctl.get(SEQ)) == seen) {
            LockSupport.parkNanos(20_000);
          }
          seen = seq;
          if (ctl.get(QUIT) != 0) {
            break;
          }
          int count = (int) ctl.get(COUNT);
          int mode = (int) ctl.get(MODE);
          ctl.set(START, System.nanoTime());
          switch (mode) {
            case TPUT64, TPUT64_BATCH_GET -> produceBytes(q1, count, 64);
            case TPUT64_BATCH -> produceBatches(q1, count, 64);
            case OBJECTS -> produceObjects(q1, count);
            case TPUT64K -> produceBytes(big, count, 65536);
            case ONE_TPUT64, ONE_TPUT64_BATCH_GET -> produceBytes(o1, count, 64);
            case ONE_TPUT64_BATCH -> produceBatches(o1, count, 64);
            case ONE_PING_SPIN -> {
              byte[] buf = new byte[8];
              for (int i = 0; i < count; i++) {
                o1.putBytes(buf, 0, pollSpin(o2, buf));
              }
            }
            case PING_SPIN -> {
              byte[] buf = new byte[8];
              for (int i = 0; i < count; i++) {
                q2.putBytes(buf, 0, pollSpin(q1, buf));
              }
            }
            case PING_BLOCK, PING_PARK -> {
              byte[] buf = new byte[8];
              for (int i = 0; i < count; i++) {
                int len = q1.getBytesInto(buf);
                if (mode == PING_PARK) {
                  w.awaitSleeper();
                }
                q2.putBytes(buf, 0, len);
              }
            }
            case A_TPUT64 -> agronaProduce(r1, count, 64);
            case FUTEX_PING -> fx.pong(count);
            case RAW_PING -> {
              long base = ctl.get(PONG);
              for (long i = base + 1; i <= base + count; i++) {
                while (ctl.get(PING) != i) {
                  Thread.onSpinWait();
                }
                ctl.set(PONG, i);
              }
            }
            case A_PING -> {
              byte[] got = new byte[8];
              UnsafeBuffer echo = new UnsafeBuffer(got);
              org.agrona.concurrent.MessageHandler h =
                  (type, buf, index, length) -> buf.getBytes(index, got, 0, length);
              for (int i = 0; i < count; i++) {
                while (r1.read(h, 1) == 0) {
                  Thread.onSpinWait();
                }
                while (!r2.write(MSG_TYPE, echo, 0, 8)) {
                  Thread.onSpinWait();
                }
              }
            }
            default -> throw new IllegalStateException("unknown mode " + mode);
          }
          ctl.set(DONE, seq);
        }
        for (SharedQueue<Object> q : Arrays.asList(q1, q2, big, o1, o2)) {
          if (q != null) {
            q.close();
          }
        }
      } catch (Exception | Error e) {
        ctl.set(FAILED, 1);
        throw e;
      }
    }
  }
}
