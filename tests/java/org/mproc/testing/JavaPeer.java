package org.mproc.testing;

import org.mproc.process.Subprocess;
import org.mproc.shared.LockHold;
import org.mproc.shared.SharedDouble;
import org.mproc.shared.SharedIntArray;
import org.mproc.shared.SharedLong;

/**
 * The Java participant of cross-process tests, run in its own JVM by {@link Peers#java}. Same
 * commands as the C peer ({@code tests/interop/mproc_peer.c}):
 *
 * <pre>
 *   negate VALUE ARRAY     set the double Value to 3.1415927, negate the int Array
 *   add-locked VALUE N     N times: lock, get, set(get + 1), unlock
 *   add-atomic VALUE N     N x incrementAndGet
 *   hold VALUE             lock, print "held", sleep until killed
 *   get VALUE              print the long Value
 *   daemon-parent          start a sleeping daemon child, print "child PID", sleep until killed
 * </pre>
 */
public final class JavaPeer {
  private JavaPeer() {}

  /**
   * Runs one command.
   *
   * @param args the command
   * @throws Exception on failure (exit code 1 with the stack trace)
   */
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "negate":
        try (SharedDouble n = SharedDouble.open(args[1]);
            SharedIntArray a = SharedIntArray.open(args[2])) {
          n.set(3.1415927);
          for (int i = 0; i < a.length(); i++) {
            a.set(i, -a.get(i));
          }
        }
        break;
      case "add-locked":
        try (SharedLong v = SharedLong.open(args[1])) {
          long n = Long.parseLong(args[2]);
          for (long i = 0; i < n; i++) {
            try (LockHold h = v.lock()) {
              v.set(v.get() + 1);
            }
          }
        }
        break;
      case "add-atomic":
        try (SharedLong v = SharedLong.open(args[1])) {
          long n = Long.parseLong(args[2]);
          for (long i = 0; i < n; i++) {
            v.incrementAndGet();
          }
        }
        break;
      case "hold":
        SharedLong v = SharedLong.open(args[1]);
        v.lock();
        System.out.println("held");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
        break;
      case "daemon-parent":
        Subprocess child =
            new Subprocess(
                    () -> {
                      try {
                        Thread.sleep(120_000);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    })
                .daemon(true);
        child.start();
        System.out.println("child " + child.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
        break;
      case "get":
        try (SharedLong g = SharedLong.open(args[1])) {
          System.out.println(g.get());
        }
        break;
      default:
        throw new IllegalArgumentException("unknown peer command: " + args[0]);
    }
  }
}
