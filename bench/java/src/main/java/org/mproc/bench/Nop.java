package org.mproc.bench;

/**
 * A class with an empty {@code main}: the "trivial JVM" of the process suite ({@code java -cp
 * bench/java/target/classes org.mproc.bench.Nop}, and the same main under the command line
 * {@code Subprocess} gives its child JVMs). Loads nothing of mproc.
 */
public final class Nop {
  private Nop() {}

  /**
   * Does nothing.
   *
   * @param args ignored
   */
  public static void main(String[] args) {}
}
