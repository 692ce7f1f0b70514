package org.mproc.cli;

import java.io.PrintStream;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.LinkedHashMap;
import org.mproc.MprocException;
import org.mproc.Mproc;
import org.mproc.ObjectInfo;
import org.mproc.examples.NativeChildExample;
import org.mproc.examples.PipeExample;
import org.mproc.examples.QueueExample;
import org.mproc.examples.ValueArrayExample;

/**
 * The {@code mproc} command-line tool: list, inspect and remove named objects, collect stale
 * ones, and run the seed demos. Exit status: 0 success, 1 failure, 2 bad usage.
 */
public final class Main {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

  /** The demos, by name, in the order of the seed tutorial. */
  private static final Map<String, Demo> DEMOS = new LinkedHashMap<>();

  static {
    DEMOS.put("queue", QueueExample::main);
    DEMOS.put("pipe", PipeExample::main);
    DEMOS.put("value-array", ValueArrayExample::main);
    DEMOS.put("value-array-c", NativeChildExample::main);
  }

  @FunctionalInterface
  private interface Demo {
    void run(String[] args) throws Exception;
  }

  private Main() {}

  /**
   * Runs the tool.
   *
   * @param args the command and its arguments
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs one command.
   *
   * @param args the command and its arguments
   * @param out standard output
   * @param err standard error
   * @return the exit status
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      return usage(err, "missing command");
    }
    try {
      switch (args[0]) {
        case "ls":
          return args.length == 1 ? ls(out) : usage(err, "ls takes no arguments");
        case "info":
          return args.length == 2 ? info(out, args[1]) : usage(err, "info needs one NAME");
        case "rm":
          if (args.length < 2) {
            return usage(err, "rm needs at least one NAME");
          }
          for (int i = 1; i < args.length; i++) {
            Mproc.unlink(args[i]);
          }
          return 0;
        case "gc":
          if (args.length != 1) {
            return usage(err, "gc takes no arguments");
          }
          out.println("removed " + Mproc.gc() + " stale object(s)");
          return 0;
        case "demo":
          return demo(args, out, err);
        case "backend":
          out.println(Mproc.backend());
          return 0;
        case "help":
        case "-h":
        case "--help":
          usage(out, null);
          return 0;
        default:
          return usage(err, "unknown command: " + args[0]);
      }
    } catch (MprocException e) {
      err.println("mproc: " + e.getMessage());
      return 1;
    } catch (Exception | LinkageError e) {
      err.println("mproc: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      return 1;
    }
  }

  private static int ls(PrintStream out) {
    List<ObjectInfo> all = Mproc.list();
    out.printf(
        "%-31s %-9s %4s %12s %8s %5s %5s  %s%n",
        "NAME", "KIND", "TYPE", "SIZE", "CREATOR", "LIVE", "STALE", "CREATED");
    for (ObjectInfo i : all) {
      out.printf(
          "%-31s %-9s %4s %12d %8d %5d %5s  %s%n",
          i.name(),
          i.kindName(),
          i.elementCode() == 0 ? "-" : String.valueOf(i.elementCode()),
          i.size(),
          i.creatorPid(),
          i.liveParticipants(),
          i.stale() ? "yes" : "no",
          TIME.format(i.created()));
    }
    return 0;
  }

  private static int info(PrintStream out, String name) {
    ObjectInfo i = Mproc.info(name);
    out.println("name:          " + i.name());
    out.println("kind:          " + i.kindName());
    out.println("layout:        " + i.layoutVersion());
    out.println("state:         " + i.stateName());
    out.println("element type:  " + (i.elementCode() == 0 ? "-" : "'" + i.elementCode() + "'"));
    out.println("length:        " + i.length());
    out.println("size:          " + i.size() + " bytes");
    out.println(
        "creator:       pid " + i.creatorPid() + (i.creatorAlive() ? " (alive)" : " (dead)"));
    out.println("participants:  " + i.liveParticipants() + " alive of " + i.maxParticipants());
    out.println("stale:         " + (i.stale() ? "yes" : "no"));
    out.println("created:       " + TIME.format(i.created()));
    return 0;
  }

  private static int demo(String[] args, PrintStream out, PrintStream err) throws Exception {
    if (args.length > 2) {
      return usage(err, "demo takes at most one NAME");
    }
    if (args.length == 1) {
      for (Map.Entry<String, Demo> d : DEMOS.entrySet()) {
        out.println("== " + d.getKey());
        d.getValue().run(new String[0]);
      }
      return 0;
    }
    Demo d = DEMOS.get(args[1].toLowerCase(Locale.ROOT));
    if (d == null) {
      return usage(err, "unknown demo: " + args[1] + " (have: " + String.join(", ", DEMOS.keySet()) + ")");
    }
    d.run(new String[0]);
    return 0;
  }

  private static int usage(PrintStream s, String problem) {
    if (problem != null) {
      s.println("mproc: " + problem);
    }
    s.println("usage: mproc COMMAND [ARGS]");
    s.println("  ls              list named objects: name, kind, size, creator, live participants, stale");
    s.println("  info NAME       show one object's header and liveness");
    s.println("  rm NAME...      remove names (processes that have them open keep using them)");
    s.println("  gc              remove stale objects (creator and every participant dead)");
    s.println("  demo [NAME]     run the seed examples (" + String.join(", ", DEMOS.keySet()) + ")");
    s.println("  bench [SUITE]   run the benchmarks and update docs/benchmarks.md");
    s.println("  backend         print the native backend in use (ffm or jna)");
    return problem == null ? 0 : 2;
  }
}
