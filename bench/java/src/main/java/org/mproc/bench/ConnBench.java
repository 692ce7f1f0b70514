package org.mproc.bench;

import java.util.Arrays;
import org.mproc.connection.Connection;
import org.mproc.connection.Pipe;
import org.mproc.process.Subprocess;

/**
 * Connections (issue 5) between two JVMs: the round trip of an 8-byte message over a duplex
 * {@link Pipe} ({@code sendBytes}/{@code recvBytes}, the child echoing), and one-way throughput
 * of 64 KiB messages. The child is a {@link Subprocess} that first sends "ready", so JVM start-up
 * is not timed. Medians of REPS repetitions, each in a fresh child.
 *
 * <pre>
 *   RESULT java-BACKEND.conn.rtt NS ns
 *   RESULT java-BACKEND.conn.tput64k GBS GB/s
 * </pre>
 *
 * <p>Usage: {@code ConnBench REPS}.
 */
public final class ConnBench {
  private static final int ROUNDS = 20_000;
  private static final int BIG = 64 * 1024;
  private static final int BIG_N = 20_000;

  private ConnBench() {}

  private static String label() {
    return org.mproc.Mproc.backend();
  }

  /**
   * Runs the benchmark.
   *
   * @param args REPS
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int reps = Integer.parseInt(args[0]);
    double[] rtt = new double[reps];
    double[] tput = new double[reps];
    for (int r = 0; r < reps; r++) {
      rtt[r] = roundTrip();
      tput[r] = throughput();
    }
    Arrays.sort(rtt);
    Arrays.sort(tput);
    System.out.printf("RESULT java-%s.conn.rtt %.1f ns%n", label(), rtt[reps / 2]);
    System.out.printf("RESULT java-%s.conn.tput64k %.2f GB/s%n", label(), tput[reps / 2]);
  }

  private static double roundTrip() throws Exception {
    Pipe pipe = Pipe.open();
    Connection mine = pipe.left();
    Connection theirs = pipe.right();
    Subprocess echo = Subprocess.start(() -> {
      theirs.sendBytes(new byte[] {'r'});
      try {
        while (true) {
          theirs.sendBytes(theirs.recvBytes());
        }
      } catch (org.mproc.connection.EndOfStreamException e) {
        return; // the parent is done
      }
    });
    theirs.close();
    mine.recvBytes(); // ready
    byte[] msg = new byte[8];
    for (int i = 0; i < ROUNDS; i++) { // warm-up
      mine.sendBytes(msg);
      mine.recvBytes();
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < ROUNDS; i++) {
      mine.sendBytes(msg);
      mine.recvBytes();
    }
    double ns = (double) (System.nanoTime() - t0) / ROUNDS;
    mine.close();
    echo.close();
    return ns;
  }

  private static double throughput() throws Exception {
    Pipe pipe = Pipe.open();
    Connection mine = pipe.left();
    Connection theirs = pipe.right();
    Subprocess sink = Subprocess.start(() -> {
      theirs.sendBytes(new byte[] {'r'});
      for (int i = 0; i < 2 * BIG_N; i++) {
        theirs.recvBytes();
      }
      theirs.sendBytes(new byte[] {'d'});
    });
    theirs.close();
    mine.recvBytes(); // ready
    byte[] big = new byte[BIG];
    for (int i = 0; i < BIG_N; i++) { // warm-up
      mine.sendBytes(big);
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < BIG_N; i++) {
      mine.sendBytes(big);
    }
    mine.recvBytes(); // done
    double gbs = (double) BIG * BIG_N / (System.nanoTime() - t0);
    mine.close();
    sink.join();
    return gbs;
  }
}
