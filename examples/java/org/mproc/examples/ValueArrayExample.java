package org.mproc.examples;

import org.mproc.process.Subprocess;
import org.mproc.shared.SharedDouble;
import org.mproc.shared.SharedIntArray;

/**
 * Seed example 5, Python's Value and Array, across two real processes:
 *
 * <pre>
 * def f(n, a):
 *     n.value = 3.1415927
 *     for i in range(len(a)):
 *         a[i] = -a[i]
 *
 * num = Value('d', 0.0)
 * arr = Array('i', range(10))
 * p = Process(target=f, args=(num, arr))
 * p.start()
 * p.join()
 * print(num.value)
 * print(arr[:])
 * </pre>
 *
 * <p>Prints {@code 3.1415927} then {@code [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]}. The child is
 * a separate JVM; the value and the array reach it as handles on the same shared memory.
 */
public final class ValueArrayExample {
  private ValueArrayExample() {}

  /**
   * The child's work: Python's {@code f(n, a)}.
   *
   * @param n the shared number
   * @param a the shared array
   */
  static void f(SharedDouble n, SharedIntArray a) {
    n.set(3.1415927);
    for (int i = 0; i < a.length(); i++) {
      a.set(i, -a.get(i));
    }
  }

  /**
   * Runs the example.
   *
   * @param args ignored
   * @throws InterruptedException if interrupted while joining the child
   */
  public static void main(String[] args) throws InterruptedException {
    try (SharedDouble num = SharedDouble.create(0.0);
        SharedIntArray arr = SharedIntArray.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) {
      Subprocess p = new Subprocess(() -> f(num, arr));
      p.start();
      p.join();
      System.out.println(num.get());
      System.out.println(arr);
    }
  }
}
