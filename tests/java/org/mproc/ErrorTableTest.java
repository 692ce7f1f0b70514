package org.mproc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/** The Java error table and the C one ({@code MPROC_ERRNO_MAP} in mproc.h) agree. */
class ErrorTableTest {
  private static final Pattern ENTRY =
      Pattern.compile("XX\\((\\w+), (-?[\\w]+), \"([^\"]*)\"\\)");

  @Test
  void everyHeaderEntryHasAnEnumConstantWithTheSameNameValueAndMessage() throws Exception {
    String header = Files.readString(Path.of(System.getProperty("mproc.test.headerFile")));
    Map<String, String> names = new LinkedHashMap<>();
    Matcher m = ENTRY.matcher(header);
    while (m.find()) {
      names.put(m.group(1), m.group(3));
    }
    assertEquals(ErrorCode.values().length, names.size(), "entries in mproc.h vs ErrorCode");
    NativeApi api = Native.api();
    for (ErrorCode c : ErrorCode.values()) {
      assertEquals(names.get(c.name()), c.message(), "message of " + c);
      assertEquals(c.name(), api.errName(c.code()), "C name of code " + c.code());
      assertEquals(c.message(), api.strerror(c.code()), "C message of " + c);
    }
  }

  @Test
  void unknownCodesStillGetAMessage() {
    MprocException e = Native.exception(-18, "op", "x"); // EXDEV: not in the table
    assertEquals(null, e.code());
    assertEquals(-18, e.rawCode());
    assertEquals("op x: Invalid cross-device link (code -18)", e.getMessage());
  }

  @Test
  void theBackendIsTheOneAskedFor() {
    String asked = System.getProperty(Native.BACKEND_PROPERTY);
    if (asked != null && !asked.isEmpty()) {
      assertEquals(asked, Mproc.backend());
    }
  }
}
