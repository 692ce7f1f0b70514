package org.mproc.examples;

import java.util.List;
import org.mproc.internal.JavaCommand;
import org.mproc.shared.SharedDouble;
import org.mproc.shared.SharedIntArray;

/**
 * Seed example 5, Python's Value and Array, across two real processes:
 *
 * <pre>
 * num = Value('d', 0.0)
 * arr = Array('i', range(10))
 * p = Process(target=f, args=(num, arr))   # f: num.value = 3.1415927; arr[i] = -arr[i]
 * p.start(); p.join()
 * print(num.value)
 * print(arr[:])
 * </pre>
 *
 * <p>Prints {@code 3.1415927} then {@code [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]}. Until
 * mproc can hand anonymous objects to a child ({@code Subprocess}), the child opens them by name.
 */
public final class ValueArrayExample {
  private ValueArrayExample() {}

  /** The child's work: Python's {@code f(n, a)}. */
  static void f(SharedDouble n, SharedIntArray a) {
    n.set(3.1415927);
    for (int i = 0; i < a.length(); i++) {
      a.set(i, -a.get(i));
    }
  }

  /**
   * Runs the example; with {@code child NUM ARR} it is the child.
   *
   * @param args empty, or the child's arguments
   * @throws Exception if the child cannot be run
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("child")) {
      try (SharedDouble n = SharedDouble.open(args[1]);
          SharedIntArray a = SharedIntArray.open(args[2])) {
        f(n, a);
      }
      return;
    }
    long pid = ProcessHandle.current().pid();
    String numName = "/mproc-ex5-num-" + pid;
    String arrName = "/mproc-ex5-arr-" + pid;
    try (SharedDouble num = SharedDouble.create(numName, 0.0);
        SharedIntArray arr = SharedIntArray.of(arrName, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) {
      try {
        List<String> cmd = JavaCommand.of(ValueArrayExample.class, "child", numName, arrName);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        int exit = p.waitFor();
        if (exit != 0) {
          throw new IllegalStateException("the child failed: exit code " + exit);
        }
        System.out.println(num.get());
        System.out.println(arr);
      } finally {
        num.unlink();
        arr.unlink();
      }
    }
  }
}
