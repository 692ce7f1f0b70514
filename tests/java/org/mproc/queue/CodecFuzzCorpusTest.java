package org.mproc.queue;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Replays the decoder's fuzz corpus ({@code tests/fuzz/corpus/codec}: the seeds, and every input
 * a fuzzing run found that failed once, kept as a regression test) through
 * {@link CodecFuzzTarget}.
 */
class CodecFuzzCorpusTest {
  @Test
  void everyCorpusInputDecodesOrIsRefusedCleanly() throws Exception {
    Path dir = Path.of(System.getProperty("mproc.test.fuzzCorpus", "tests/fuzz/corpus/codec"));
    List<Path> inputs;
    try (Stream<Path> s = Files.list(dir)) {
      inputs = s.sorted().collect(Collectors.toList());
    }
    assertTrue(inputs.size() >= 10, "the corpus is missing: " + dir.toAbsolutePath());
    for (Path p : inputs) {
      try {
        CodecFuzzTarget.fuzzerTestOneInput(Files.readAllBytes(p));
      } catch (Throwable t) {
        throw new AssertionError("corpus input " + p.getFileName() + ": " + t, t);
      }
    }
  }
}
