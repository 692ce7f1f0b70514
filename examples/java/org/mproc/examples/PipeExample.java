package org.mproc.examples;

import java.util.Arrays;
import org.mproc.connection.Connection;
import org.mproc.connection.Pipe;
import org.mproc.process.Subprocess;

/**
 * Seed example 2, Python's Pipe, across two real processes:
 *
 * <pre>
 * def f(conn):
 *     conn.send([42, None, 'hello'])
 *     conn.close()
 *
 * parent_conn, child_conn = Pipe()
 * p = Process(target=f, args=(child_conn,))
 * p.start()
 * print(parent_conn.recv())
 * p.join()
 * </pre>
 *
 * <p>Prints {@code [42, null, hello]}. The child end reaches the child JVM as a descriptor.
 */
public final class PipeExample {
  private PipeExample() {}

  /**
   * The child's work: Python's {@code f(conn)}.
   *
   * @param conn the child's end
   */
  static void f(Connection conn) {
    conn.send(Arrays.asList(42, null, "hello"));
    conn.close();
  }

  /**
   * Runs the example.
   *
   * @param args ignored
   * @throws InterruptedException if interrupted while waiting
   */
  public static void main(String[] args) throws InterruptedException {
    Pipe pipe = Pipe.open();
    Connection parentConn = pipe.left();
    Connection childConn = pipe.right();
    Subprocess p = new Subprocess(() -> f(childConn));
    p.start();
    System.out.println(parentConn.recv());
    p.join();
    parentConn.close();
    childConn.close();
  }
}
