package org.mproc.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import org.mproc.process.Subprocess;
import org.mproc.shared.SharedDouble;
import org.mproc.shared.SharedIntArray;

/**
 * Seed example 5 with a C child: the parent hands an anonymous Value and Array to the native
 * program {@code examples/c/child_negate.c}, which changes them in place. Prints the same two
 * lines as {@link ValueArrayExample}.
 */
public final class NativeChildExample {
  /** System property naming the C child; default: the CMake build's copy. */
  public static final String PROGRAM_PROPERTY = "mproc.example.child";

  private NativeChildExample() {}

  /**
   * Runs the example.
   *
   * @param args ignored
   * @throws InterruptedException if interrupted while joining the child
   */
  public static void main(String[] args) throws InterruptedException {
    Path program =
        Path.of(System.getProperty(PROGRAM_PROPERTY, "target/native/examples/child_negate"));
    if (!Files.isExecutable(program)) {
      throw new IllegalStateException(
          "the C child is not built: " + program + " (run mvn package, or pass -D"
              + PROGRAM_PROPERTY + "=<path>)");
    }
    try (SharedDouble num = SharedDouble.create(0.0);
        SharedIntArray arr = SharedIntArray.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) {
      Subprocess p = Subprocess.program(program).hand(num, arr);
      p.start();
      p.join();
      if (p.exitCode() != 0) {
        throw new IllegalStateException("the C child failed: exit code " + p.exitCode());
      }
      System.out.println(num.get());
      System.out.println(arr);
    }
  }
}
