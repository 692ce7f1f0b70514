package org.mproc.process;

import java.io.Serializable;

/**
 * What a child JVM runs: Python's {@code target}. A lambda written where one is expected is
 * serializable by itself; everything it captures must be {@link Serializable} too, except mproc
 * objects (values, arrays, queues, ...), which travel as handles on the same shared memory. It
 * may throw any exception: the child then exits with code 1 and the parent sees the exception
 * through {@link Subprocess#failure()}.
 */
@FunctionalInterface
public interface Task extends Serializable {
  /**
   * Runs in the child process.
   *
   * @throws Exception anything; it ends the child with exit code 1
   */
  void run() throws Exception;
}
