package org.mproc.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The fuzz target for {@link ObjectCodec#decode}, the code that parses bytes another process
 * wrote into a queue or a connection. Run by Jazzer (libFuzzer for the JVM) through
 * {@code tests/fuzz/run-java-fuzz}, and replayed over the committed corpus by
 * {@link CodecFuzzCorpusTest} in every test run.
 *
 * <p>The contract it checks: for any bytes, decoding returns a value or throws
 * {@link IllegalArgumentException} naming what is wrong; any other exception or error (an index
 * out of bounds, a stack overflow, running out of memory on an announced length) is a bug. A
 * value that decodes must encode again.
 */
public final class CodecFuzzTarget {
  private static final ObjectCodec CODEC = new ObjectCodec();

  private CodecFuzzTarget() {}

  /**
   * One input.
   *
   * @param data the bytes, as if read from a queue
   */
  public static void fuzzerTestOneInput(byte[] data) {
    Object value;
    try {
      value = CODEC.decode(data, 0, data.length);
    } catch (IllegalArgumentException expected) {
      return;
    }
    try {
      CODEC.encode(value);
    } catch (IllegalArgumentException e) {
      if (!String.valueOf(e.getMessage()).contains("nested deeper")) {
        throw new AssertionError("a decoded value does not encode again: " + e, e);
      }
    }
  }

  /**
   * Writes the seed corpus: encodings of one value of every kind the codec knows.
   *
   * @param args the corpus directory
   * @throws IOException if a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put("k", List.of(1, 2L));
    map.put(3, null);
    List<Object> nested = new ArrayList<>();
    nested.add(nested.size());
    for (int i = 0; i < 5; i++) {
      nested = new ArrayList<>(List.of(nested, "x"));
    }
    Object[] seeds = {
      null, true, false, 42, -7L, 3.25, 1.5f, (short) 300, (byte) -1, 'c', "hello, ünïcode",
      new byte[] {1, 2, 3}, Arrays.asList(42, null, "hello"),
      new LinkedHashSet<>(List.of("a", "b")), map, nested, new Point(3, -4),
      new java.util.Date(0), // through Java serialization, behind the filter
    };
    for (int i = 0; i < seeds.length; i++) {
      Files.write(dir.resolve(String.format("seed-%02d", i)), CODEC.encode(seeds[i]));
    }
  }

  /** A record for the seeds. */
  public record Point(int x, int y) implements java.io.Serializable {}
}
