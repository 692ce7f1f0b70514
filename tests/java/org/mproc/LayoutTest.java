package org.mproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.mproc.shared.LayoutAccess;
import org.mproc.shared.SharedDoubleArray;
import org.mproc.shared.SharedIntArray;
import org.mproc.testing.Peers;

/**
 * The segment layout: the offsets Java reads agree with C's struct, and Python's standard
 * library reads a Java-made Array with nothing but the documented layout.
 */
class LayoutTest {

  @Test
  void javaAndCAgreeOnHeaderOffsets() throws Exception {
    Process p = Peers.c("layout");
    assertEquals(0, Peers.await(p, 30));
    Map<String, Integer> c = new HashMap<>();
    for (String line : Peers.output(p).split("\n")) {
      String[] f = line.trim().split(" ");
      c.put(f[0], Integer.parseInt(f[1]));
    }
    assertEquals(LayoutAccess.dataOffsetField(), c.get("data_offset"));
    assertEquals(LayoutAccess.elemCountField(), c.get("elem_count"));
    assertEquals(32, c.get("creator_pid"));
    assertEquals(104, c.get("elem_code"));
    assertEquals(128, c.get("lock"));
  }

  @Test
  void theHeaderOfAJavaArrayMatchesTheSpec() throws Exception {
    String name = Peers.uniqueName("hdr");
    try (SharedIntArray a = SharedIntArray.of(name, new int[] {7, 8, 9})) {
      try {
        ByteBuffer b =
            ByteBuffer.wrap(Files.readAllBytes(Path.of("/dev/shm" + name)))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("MPROCSHM", new String(b.array(), 0, 8, "US-ASCII"));
        assertEquals(3, b.getShort(8)); // layout major
        assertEquals(ObjectKind.ARRAY.code(), b.getShort(12));
        assertEquals(256, b.getShort(14));
        assertEquals(1, b.getInt(16)); // READY
        assertEquals(ProcessHandle.current().pid(), b.getInt(32));
        assertEquals(0x01020304, b.getInt(56));
        assertEquals(name, new String(b.array(), 64, name.length(), "US-ASCII"));
        assertEquals('i', (char) b.get(104));
        assertEquals(4, b.getShort(106));
        assertEquals(3, b.getLong(112));
        long data = b.getLong(120);
        assertEquals(0, data % 128);
        assertEquals(b.array().length, b.getLong(24));
        assertEquals(7, b.getInt((int) data));
        assertEquals(9, b.getInt((int) data + 8));
      } finally {
        a.unlink();
      }
    }
  }

  @Test
  void pythonReadsAndWritesAJavaArrayThroughSharedMemory() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/env")));
    String name = Peers.uniqueName("py");
    String script =
        String.join(
            "\n",
            "import struct, sys",
            "from multiprocessing import shared_memory, resource_tracker",
            "shm = shared_memory.SharedMemory(name=sys.argv[1])",
            "resource_tracker.unregister(shm._name, 'shared_memory')  # attach only: never unlink",
            "buf = shm.buf",
            "assert bytes(buf[0:8]) == b'MPROCSHM'",
            "code = chr(buf[104]); count, data = struct.unpack_from('<QQ', buf, 112)",
            "vals = struct.unpack_from('<%d%s' % (count, code), buf, data)",
            "print(list(vals))",
            "struct.pack_into('<d', buf, data, 42.5)",
            "del buf; shm.close()");
    try (SharedDoubleArray a = SharedDoubleArray.of(name, new double[] {0.5, -1.0, 3.1415927})) {
      try {
        Process p =
            new ProcessBuilder(List.of("python3", "-c", script, name.substring(1)))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = Peers.output(p);
        assertEquals(0, Peers.await(p, 60));
        assertEquals("[0.5, -1.0, 3.1415927]", out.trim());
        assertEquals(42.5, a.get(0));
        assertTrue(Files.exists(Path.of("/dev/shm" + name)), "Python must not unlink it");
      } finally {
        a.unlink();
      }
    }
  }
}
