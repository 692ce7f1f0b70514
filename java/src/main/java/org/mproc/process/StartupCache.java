package org.mproc.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * Class-data sharing for child JVMs: a per-user archive of the classes a child loads before and
 * while it reads its target, made once per JDK, class path and child command line by a training
 * child that a supervisor child runs in the background (the supervisor outlives this JVM if need
 * be, so that a short-lived program still leaves an archive), and handed to later children ({@code -XX:AOTCache} on JDK 25+, a
 * dynamic AppCDS archive with {@code -XX:SharedArchiveFile} on JDK 17-23).
 *
 * <p>Safety rules, each because the JVM does not enforce it:
 *
 * <ul>
 *   <li>An archive is used only after its CRC-32, recorded in its file name when it was made,
 *       matched its contents: HotSpot maps an archive without checking it, and a corrupt one
 *       crashes the child (JDK 17 and 25, measured) or runs wrong code.
 *   <li>The key covers every class-path entry's path, size, modification time and file key: the
 *       JDK 25.0.0-25.0.3 AOT cache does not notice a changed jar (JDK-8377932) and would run the
 *       classes it archived from the old one.
 *   <li>Archives are written to a temporary file and renamed into place, so concurrent parents
 *       never see half an archive; one parent trains a key at a time (a file lock).
 *   <li>The folder is the user's own ({@code 0700}); one that is not is not used.
 *   <li>The child is told to log nothing about archives ({@code -Xlog:cds*=off}, and
 *       {@code aot*=off} on JDK 25+), so its output is the same with or without one, usable or
 *       not; a JVM that cannot use an archive starts without it.
 * </ul>
 *
 * <p>Only class paths made entirely of files (jars) qualify: the JDK does not archive classes
 * from directories, and its AOT cache refuses them.
 */
final class StartupCache {
  /** {@code -Dmproc.cds=off} disables archives for children. */
  static final String PROPERTY = "mproc.cds";
  /** {@code -Dmproc.cds.dir=FOLDER} puts them elsewhere. */
  static final String DIR_PROPERTY = "mproc.cds.dir";

  private static final String TMP_SUFFIX = ".tmp";
  private static final Duration TRAINING_LIMIT = Duration.ofMinutes(2);
  private static final Duration UNUSED_LIMIT = Duration.ofDays(30);
  private static final long TOUCH_AFTER_MS = TimeUnit.DAYS.toMillis(1);
  private static final long RECHECK_NS = TimeUnit.SECONDS.toNanos(1);
  private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The supervisor's exit code when another process holds the key's lock. */
  private static final int BUSY_EXIT = 3;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(
          PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE);

  /** What is known of one key in this JVM. */
  private static final class Entry {
    /** The verified archive, its size, modification time and file key; null if none yet. */
    volatile Path archive;
    volatile long size;
    volatile FileTime modified;
    volatile Object fileKey;
    /** When the folder was last looked at for this key (System.nanoTime). */
    volatile long lookedAt;
    volatile boolean lookedOnce;
    /** Set once this JVM trained the key; counted down when the training ended. */
    volatile CountDownLatch training;
    /** How the training ended, once it has. */
    volatile Outcome outcome;
  }

  private static final Map<String, Entry> ENTRIES = new ConcurrentHashMap<>();

  private StartupCache() {}

  /** How this JDK shares classes with its children. */
  enum Mode {
    /** JDK 25+: the AOT cache (JEP 483/514). */
    AOT(".aot"),
    /** JDK 17-23: a dynamic AppCDS archive over the JDK's default one. */
    DYNAMIC(".jsa");

    final String extension;

    Mode(String extension) {
      this.extension = extension;
    }

    /** The mode of the running JVM, or null when it has none we can use. */
    static Mode current() {
      String vm = System.getProperty("java.vm.name", "");
      if (!vm.contains("HotSpot") && !vm.contains("OpenJDK")) {
        return null; // the flags below are HotSpot's
      }
      int feature = Runtime.version().feature();
      if (feature >= 25) {
        return AOT;
      }
      // JDK 24 has the AOT cache only in two steps and may log under other tags: none there.
      return feature <= 23 ? DYNAMIC : null;
    }

    /** Options that make a child use {@code archive} and say nothing about it. */
    List<String> useOptions(Path archive) {
      return this == AOT
          ? List.of("-XX:AOTCache=" + archive, "-Xlog:aot*=off,cds*=off")
          : List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds*=off");
    }

    /** Options that make a training child write an archive to {@code out} at exit. */
    List<String> trainOptions(Path out) {
      return this == AOT
          ? List.of("-XX:AOTCacheOutput=" + out, "-Xlog:aot*=off,cds*=off")
          : List.of("-XX:ArchiveClassesAtExit=" + out, "-Xlog:cds*=off");
    }
  }

  /** Whether archives are switched off by {@code -Dmproc.cds=off}. */
  static boolean disabled() {
    String v = System.getProperty(PROPERTY, "on");
    switch (v) {
      case "on":
      case "true":
        return false;
      case "off":
      case "false":
        return true;
      default:
        throw new IllegalArgumentException(
            "-D" + PROPERTY + " must be on or off, not '" + v + "'");
    }
  }

  /**
   * The options that give a child with command line {@code argv} an archive, possibly none; when
   * there is no archive yet for it, starts making one in the background.
   *
   * @param argv the child's command line (java, options, class path, main class)
   * @param userOptions the options the caller added ({@link Subprocess#jvmOptions}); options of
   *     the caller's own about class sharing switch this off
   * @return the options to insert before the caller's
   */
  static List<String> options(List<String> argv, List<String> userOptions) {
    Prepared p = prepare(argv, userOptions);
    if (p == null) {
      return List.of();
    }
    Path archive = p.verifiedArchive();
    if (archive == null) {
      p.startTraining(userOptions);
      return List.of();
    }
    return p.mode.useOptions(archive);
  }

  /**
   * Makes sure an archive exists for children with command line {@code argv}, training one if
   * needed, and waits at most {@code timeout} for it.
   *
   * @return whether an archive is ready
   */
  static boolean await(List<String> argv, List<String> userOptions, Duration timeout)
      throws InterruptedException {
    Prepared p = prepare(argv, userOptions);
    if (p == null) {
      return false;
    }
    long deadline;
    try {
      deadline = System.nanoTime() + timeout.toNanos();
    } catch (ArithmeticException e) {
      deadline = Long.MAX_VALUE;
    }
    for (;;) {
      if (p.verifiedArchive() != null) {
        return true;
      }
      CountDownLatch done = p.startTraining(userOptions);
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      if (!done.await(Math.min(left, POLL_NS), TimeUnit.NANOSECONDS)) {
        continue; // still training
      }
      if (p.entry.outcome == Outcome.FAILED) {
        p.entry.lookedOnce = false;
        return p.verifiedArchive() != null;
      }
      p.entry.lookedOnce = false; // made here, or by another process we wait for
      if (p.entry.outcome == Outcome.BUSY && p.verifiedArchive() == null) {
        Thread.sleep(Math.max(1, Math.min(left, POLL_NS) / 1_000_000));
      }
    }
  }

  /** How this JVM's training of a key ended. */
  private enum Outcome {
    /** The archive was made. */
    MADE,
    /** Another process holds the key's lock: it trains, or has just trained. */
    BUSY,
    /** The training child failed, or the folder is unusable. */
    FAILED
  }

  /** A key with its folder and mode. */
  private static final class Prepared {
    final Mode mode;
    final Path dir;
    final String key;
    final Entry entry;

    Prepared(Mode mode, Path dir, String key) {
      this.mode = mode;
      this.dir = dir;
      this.key = key;
      this.entry = ENTRIES.computeIfAbsent(key, k -> new Entry());
    }

    /** The archive for the key, verified, or null. */
    Path verifiedArchive() {
      Entry e = entry;
      Path known = e.archive;
      if (known != null) {
        try {
          BasicFileAttributes a =
              Files.readAttributes(known, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (a.size() == e.size && a.lastModifiedTime().equals(e.modified)
              && java.util.Objects.equals(a.fileKey(), e.fileKey)) {
            return known;
          }
        } catch (IOException ex) {
          // gone: look again
        }
        e.archive = null;
        e.lookedOnce = false;
      }
      long now = System.nanoTime();
      if (e.lookedOnce && now - e.lookedAt < RECHECK_NS) {
        return null;
      }
      e.lookedAt = now;
      e.lookedOnce = true;
      return find();
    }

    private Path find() {
      if (!ownFolder(dir)) {
        return null;
      }
      String prefix = key + ".";
      List<Path> found = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
        for (Path p : s) {
          String n = p.getFileName().toString();
          if (n.startsWith(prefix) && n.endsWith(mode.extension)) {
            found.add(p);
          }
        }
      } catch (IOException ex) {
        return null;
      }
      for (Path p : found) {
        if (verify(p)) {
          return p;
        }
      }
      return null;
    }

    /** Checks owner, permissions and the CRC-32 in the name, then remembers the file. */
    private boolean verify(Path p) {
      String n = p.getFileName().toString();
      String crcHex = n.substring(key.length() + 1, n.length() - mode.extension.length());
      long expected;
      try {
        expected = Long.parseLong(crcHex, 16);
      } catch (NumberFormatException ex) {
        return false;
      }
      try {
        PosixFileAttributes a =
            Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile() || a.size() == 0 || !ownedByUs(a)
            || a.permissions().contains(PosixFilePermission.GROUP_WRITE)
            || a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
          return false;
        }
        if (crc32(p) != expected) {
          Files.deleteIfExists(p); // corrupt: ours to remove, in our own folder
          return false;
        }
        FileTime modified = a.lastModifiedTime();
        if (System.currentTimeMillis() - modified.toMillis() > TOUCH_AFTER_MS) {
          // Marks it as in use, so that clean-up keeps it.
          modified = FileTime.fromMillis(System.currentTimeMillis());
          Files.setLastModifiedTime(p, modified);
        }
        Entry e = entry;
        e.size = a.size();
        e.modified = modified;
        e.fileKey = a.fileKey();
        e.archive = p;
        return true;
      } catch (IOException | UncheckedIOException ex) {
        return false;
      }
    }

    /**
     * Starts the training in the background unless this JVM already did for the key.
     *
     * @return the latch counted down when it has ended
     */
    CountDownLatch startTraining(List<String> userOptions) {
      synchronized (entry) {
        if (entry.training != null) {
          return entry.training;
        }
        CountDownLatch done = new CountDownLatch(1);
        entry.training = done;
        List<String> options = List.copyOf(userOptions);
        Thread t = new Thread(() -> {
          try {
            entry.outcome = superviseInChild(options);
          } catch (InterruptedException | RuntimeException ex) {
            entry.outcome = Outcome.FAILED; // children start without an archive, as before
          } finally {
            done.countDown();
          }
        }, "mproc-cds-training");
        t.setDaemon(true);
        t.start();
        return done;
      }
    }

    /**
     * Runs {@link #train} in a supervisor child JVM, which outlives this one if need be (the
     * archive is written when the training child exits, and someone must check and rename it).
     */
    private Outcome superviseInChild(List<String> userOptions) throws InterruptedException {
      String m = mode.name();
      String d = dir.toString();
      String k = key;
      String o = String.join("\0", userOptions);
      Subprocess s = new Subprocess("mproc-cds-supervisor", () -> supervise(m, d, k, o))
          .redirectOutput(Path.of("/dev/null"), true)
          .redirectError(Path.of("/dev/null"), true);
      s.asSupervisor();
      s.start();
      try {
        s.join();
      } catch (SubprocessException e) {
        return Outcome.FAILED; // it could not start
      }
      Integer code = s.exitCode();
      return code == 0 ? Outcome.MADE : code == BUSY_EXIT ? Outcome.BUSY : Outcome.FAILED;
    }

    /** Trains the key here (in the supervisor child). */
    Outcome train(List<String> userOptions) {
      try {
        Files.createDirectories(dir.getParent());
        try {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (java.nio.file.FileAlreadyExistsException ex) {
          // made by another process, or by us earlier
        }
        if (!ownFolder(dir)) {
          return Outcome.FAILED;
        }
        try (FileChannel lockFile = FileChannel.open(dir.resolve(key + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = lockFile.tryLock()) {
          if (lock == null) {
            return Outcome.BUSY; // another process trains this key
          }
          if (find() != null) {
            return Outcome.MADE; // by another process, which has just finished
          }
          cleanUp();
          Path tmp = Files.createTempFile(dir, key + ".", TMP_SUFFIX);
          Files.delete(tmp); // the JVM writes it; an existing file may be refused
          Path config = Path.of(tmp + ".config"); // the AOT cache's recording, when one-step
          try {
            if (runTrainingChild(tmp, userOptions) && Files.size(tmp) > 0) {
              long crc = crc32(tmp);
              Files.setPosixFilePermissions(tmp, EnumSet.of(PosixFilePermission.OWNER_READ));
              Path target = dir.resolve(key + "." + Long.toHexString(crc) + mode.extension);
              try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
              } catch (AtomicMoveNotSupportedException ex) {
                return Outcome.FAILED; // never a copy: a reader could see half of it
              }
              return Outcome.MADE;
            }
            return Outcome.FAILED;
          } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(config);
          }
        }
      } catch (IOException | RuntimeException ex) {
        return Outcome.FAILED; // no archive: children start without one, as before
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return Outcome.FAILED;
      }
    }

    private boolean runTrainingChild(Path out, List<String> userOptions)
        throws InterruptedException {
      List<String> options = new ArrayList<>(mode.trainOptions(out));
      options.addAll(userOptions);
      Subprocess t = new Subprocess("mproc-cds-training", StartupCache::exercise)
          .jvmOptions(options.toArray(new String[0]))
          .redirectOutput(Path.of("/dev/null"), true)
          .redirectError(Path.of("/dev/null"), true);
      t.asTrainer();
      t.start();
      if (!t.join(TRAINING_LIMIT)) {
        t.kill();
        t.join();
        return false;
      }
      return t.exitCode() == 0;
    }

    /** Removes temporary files of dead trainings and archives unused for a month. */
    private void cleanUp() {
      long now = System.currentTimeMillis();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
        for (Path p : s) {
          String n = p.getFileName().toString();
          long age = now - Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
          boolean staleTmp = n.contains(TMP_SUFFIX) && age > TimeUnit.HOURS.toMillis(1);
          boolean unused = (n.endsWith(".aot") || n.endsWith(".jsa") || n.endsWith(".lock"))
              && age > UNUSED_LIMIT.toMillis();
          if (staleTmp || unused) {
            Files.deleteIfExists(p);
          }
        }
      } catch (IOException | UncheckedIOException ex) {
        // best effort
      }
    }
  }

  /**
   * What the supervisor child runs: trains the key, and ends with exit code 0 when the archive
   * is in place, {@value #BUSY_EXIT} when another process trains it, 4 otherwise.
   */
  static void supervise(String mode, String dir, String key, String options) {
    List<String> userOptions = options.isEmpty() ? List.of() : List.of(options.split("\0"));
    Outcome o = new Prepared(Mode.valueOf(mode), Path.of(dir), key).train(userOptions);
    if (o != Outcome.MADE) {
      System.exit(o == Outcome.BUSY ? BUSY_EXIT : 4);
    }
  }

  /**
   * What a training child runs: the paths every child takes (this method is reached through a
   * target recipe), plus one round trip of a serialized lambda, the path of targets that
   * capture more than strings, numbers and mproc objects.
   */
  static void exercise() throws Exception {
    String[] name = {"training"};
    Task t = () -> name[0].length();
    byte[] data = org.mproc.internal.Handoff.serialize(t, new ArrayList<>());
    Task back = (Task) org.mproc.internal.Handoff.deserialize(data, new int[0], new String[0]);
    back.run();
  }

  private static Prepared prepare(List<String> argv, List<String> userOptions) {
    if (disabled() || touchesSharing(userOptions)) {
      return null;
    }
    Mode mode = Mode.current();
    if (mode == null) {
      return null;
    }
    Path dir = folder();
    if (dir == null) {
      return null;
    }
    String key = key(mode, argv);
    return key == null ? null : new Prepared(mode, dir, key);
  }

  /** Options of the caller's own about class sharing: then the caller decides. */
  private static boolean touchesSharing(List<String> options) {
    for (String o : options) {
      if (o.startsWith("-Xshare") || o.startsWith("-XX:SharedArchiveFile")
          || o.startsWith("-XX:AOT") || o.startsWith("-XX:ArchiveClassesAtExit")
          || o.contains("AutoCreateSharedArchive") || o.startsWith("-XX:SharedClassListFile")
          || o.startsWith("-XX:DumpLoadedClassList")) {
        return true;
      }
    }
    return false;
  }

  /** {@code mproc.cds.dir}, else {@code $XDG_CACHE_HOME/mproc/cds}, else ~/.cache/mproc/cds. */
  static Path folder() {
    String explicit = System.getProperty(DIR_PROPERTY);
    if (explicit != null && !explicit.isEmpty()) {
      return Path.of(explicit).toAbsolutePath();
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    String home = System.getProperty("user.home");
    Path cache;
    if (xdg != null && xdg.startsWith("/")) {
      cache = Path.of(xdg);
    } else if (home != null && home.startsWith("/")) {
      cache = Path.of(home, ".cache");
    } else {
      return null;
    }
    return cache.resolve("mproc").resolve("cds");
  }

  /** Whether {@code dir} is a real folder (not a link) of ours that only we can write. */
  private static boolean ownFolder(Path dir) {
    try {
      PosixFileAttributes a =
          Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return a.isDirectory() && ownedByUs(a) && a.permissions().equals(OWNER_ONLY);
    } catch (IOException | UnsupportedOperationException ex) {
      return false;
    }
  }

  private static boolean ownedByUs(PosixFileAttributes a) {
    return a.owner().getName().equals(System.getProperty("user.name"));
  }

  /**
   * The key of a child command line: the mode, the JDK, the command and every class-path
   * entry's path, size, modification time and file key; null if an entry is not a file.
   */
  static String key(Mode mode, List<String> argv) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    b.append(mode).append('\n')
        .append(System.getProperty("java.home")).append('\n')
        .append(System.getProperty("java.vm.version")).append('\n');
    String classPath = null;
    for (int i = 0; i < argv.size(); i++) {
      b.append(argv.get(i)).append('\0');
      if ((argv.get(i).equals("-cp") || argv.get(i).equals("-classpath")) && i + 1 < argv.size()) {
        classPath = argv.get(i + 1);
      }
    }
    if (classPath == null || classPath.isEmpty()) {
      return null;
    }
    for (String entry : classPath.split(java.io.File.pathSeparator, -1)) {
      if (entry.isEmpty()) {
        return null; // the working directory
      }
      try {
        BasicFileAttributes a = Files.readAttributes(Path.of(entry), BasicFileAttributes.class);
        if (!a.isRegularFile()) {
          return null; // a directory: not archived, and the AOT cache refuses it
        }
        FileTime m = a.lastModifiedTime();
        b.append('\n').append(Path.of(entry).toAbsolutePath()).append('|').append(a.size())
            .append('|').append(m.toInstant()).append('|').append(a.fileKey());
      } catch (NoSuchFileException e) {
        continue; // the JVM skips a missing entry too
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
    byte[] d = sha.digest(b.toString().getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      hex.append(Character.forDigit((d[i] >> 4) & 15, 16)).append(Character.forDigit(d[i] & 15, 16));
    }
    return hex.toString();
  }

  private static long crc32(Path p) throws IOException {
    CRC32 crc = new CRC32();
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      while (ch.read(buf) >= 0) {
        buf.flip();
        crc.update(buf);
        buf.clear();
      }
    }
    return crc.getValue();
  }
}
