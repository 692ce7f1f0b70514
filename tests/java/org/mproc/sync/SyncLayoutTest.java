package org.mproc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mproc.ObjectKind;

/** The Java side agrees with mproc.h on the kind codes and the body offsets it reads. */
class SyncLayoutTest {

  private static String header() throws Exception {
    return Files.readString(Path.of(System.getProperty("mproc.test.headerFile")));
  }

  @Test
  void everyKindCodeMatchesTheHeader() throws Exception {
    Matcher m = Pattern.compile("MPROC_KIND_([A-Z]+) = (\\d+),").matcher(header());
    int seen = 0;
    while (m.find()) {
      if (m.group(1).equals("ANY")) {
        continue;
      }
      ObjectKind k = ObjectKind.valueOf(m.group(1));
      assertNotNull(k, m.group(1));
      assertEquals(Integer.parseInt(m.group(2)), k.code(), m.group(1));
      seen++;
    }
    assertEquals(ObjectKind.values().length, seen, "kinds in mproc.h vs ObjectKind");
  }

  @Test
  void theBodyOffsetsJavaReadsAreTheHeaders() throws Exception {
    Matcher m =
        Pattern.compile("offsetof\\(mproc_(\\w+)_body_t, (\\w+)\\) == (\\d+)").matcher(header());
    java.util.Map<String, Integer> offsets = new java.util.HashMap<>();
    while (m.find()) {
      offsets.put(m.group(1) + "." + m.group(2), Integer.parseInt(m.group(3)));
    }
    assertEquals(offsets.get("semaphore.bound"), SharedSemaphore.BOUND);
    assertEquals(offsets.get("semaphore.flags"), SharedSemaphore.FLAGS);
    assertEquals(offsets.get("condition.waiters"), ConditionWord.WAITERS);
    assertEquals(offsets.get("barrier.count"), SharedBarrier.COUNT);
    assertEquals(offsets.get("barrier.broken"), SharedBarrier.BROKEN);
    assertEquals(0, SharedSemaphore.VALUE, "value is the first field");
    assertEquals(0, SharedRLock.COUNT, "an RLock's depth is the first field");
  }
}
