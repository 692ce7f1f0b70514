package org.mproc.examples;

import java.util.Arrays;
import org.mproc.process.Subprocess;
import org.mproc.queue.SharedQueue;

/**
 * Seed example 1, Python's Queue, across two real processes:
 *
 * <pre>
 * def f(q):
 *     q.put([42, None, 'hello'])
 *
 * q = Queue()
 * p = Process(target=f, args=(q,))
 * p.start()
 * print(q.get())
 * </pre>
 *
 * <p>Prints {@code [42, null, hello]}. The child is a separate JVM; the queue reaches it as a
 * handle on the same shared memory.
 */
public final class QueueExample {
  private QueueExample() {}

  /**
   * The child's work: Python's {@code f(q)}.
   *
   * @param q the queue
   * @throws InterruptedException if interrupted while putting
   */
  static void f(SharedQueue<Object> q) throws InterruptedException {
    q.put(Arrays.asList(42, null, "hello"));
  }

  /**
   * Runs the example.
   *
   * @param args ignored
   * @throws InterruptedException if interrupted while waiting
   */
  public static void main(String[] args) throws InterruptedException {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      Subprocess p = new Subprocess(() -> f(q));
      p.start();
      System.out.println(q.get());
      p.join();
    }
  }
}
