package org.mproc.internal;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.logging.Logger;
import org.mproc.ErrorCode;
import org.mproc.IncompatibleObjectException;
import org.mproc.InvalidNameException;
import org.mproc.MprocException;
import org.mproc.NoSuchObjectException;
import org.mproc.ObjectClosedException;
import org.mproc.ObjectExistsException;

/**
 * The one {@link NativeApi} of this JVM and the translation of its codes into exceptions.
 *
 * <p>The backend is chosen once, when this class initialises (Lucene's
 * {@code MMapDirectory.lookupProvider} pattern): FFM on JDK 22+ when the jar carries it, JNA
 * otherwise; the system property {@code mproc.backend} ({@code ffm} or {@code jna}) forces one.
 * If the JVM denies native access, the error names the flag to pass.
 */
public final class Native {
  /** System property forcing a backend: {@code ffm} or {@code jna}. */
  public static final String BACKEND_PROPERTY = "mproc.backend";

  private static final NativeApi API;
  private static final Throwable FAILURE;

  static {
    NativeApi api = null;
    Throwable failure = null;
    try {
      api = load();
    } catch (Throwable t) { // recorded and rethrown with context on first use
      failure = t;
    }
    API = api;
    FAILURE = failure;
  }

  private Native() {}

  /**
   * The backend of this JVM.
   *
   * @return the native API
   * @throws UnsatisfiedLinkError if libmproc cannot be loaded, with the reason
   */
  public static NativeApi api() {
    if (API == null) {
      UnsatisfiedLinkError e =
          new UnsatisfiedLinkError("mproc is unavailable: " + FAILURE.getMessage());
      e.initCause(FAILURE);
      throw e;
    }
    return API;
  }

  /**
   * Whether libmproc loaded.
   *
   * @return true when {@link #api()} will not throw
   */
  public static boolean isAvailable() {
    return API != null;
  }

  private static NativeApi load() throws Exception {
    String forced = System.getProperty(BACKEND_PROPERTY, "").trim().toLowerCase();
    int feature = Runtime.version().feature();
    if (!forced.isEmpty() && !forced.equals("ffm") && !forced.equals("jna")) {
      throw new IllegalArgumentException(
          "-D" + BACKEND_PROPERTY + " must be ffm or jna: " + BACKEND_PROPERTY + "=" + forced);
    }
    if (forced.equals("ffm") && feature < 22) {
      throw new UnsupportedOperationException(
          "the FFM backend needs JDK 22 or later; this is JDK " + feature
              + " (use -D" + BACKEND_PROPERTY + "=jna)");
    }
    Path library = NativeLibraryLoader.libraryPath();
    if (feature >= 22 && !forced.equals("jna")) {
      try {
        Class<?> cls = Class.forName("org.mproc.internal.FfmNativeApi");
        Constructor<?> ctor = cls.getDeclaredConstructor(Path.class);
        return (NativeApi) ctor.newInstance(library);
      } catch (ClassNotFoundException e) {
        if (forced.equals("ffm")) {
          throw new UnsupportedOperationException(
              "this mproc jar has no FFM backend (META-INF/versions/22); it was built on a JDK"
                  + " older than 22, or it is not on the class path as a jar",
              e);
        }
        // Logged lazily: java.util.logging costs a child JVM about 10 ms to start.
        Logger.getLogger("org.mproc").fine("no FFM backend in this jar; using JNA");
      } catch (InvocationTargetException e) {
        throw nativeAccess(e.getCause());
      }
    }
    try {
      return new JnaNativeApi(library);
    } catch (RuntimeException | LinkageError e) {
      throw nativeAccess(e);
    }
  }

  /** Explains a refusal of native access (however deeply wrapped) with the flag to pass. */
  private static Exception nativeAccess(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IllegalCallerException) {
        return new IllegalStateException(
            "the JVM denies native access to mproc; run java with"
                + " --enable-native-access=ALL-UNNAMED (or =org.mproc,com.sun.jna on the module"
                + " path)",
            failure);
      }
    }
    return failure instanceof Exception ? (Exception) failure : new RuntimeException(failure);
  }

  /**
   * Throws the typed exception for a failed call.
   *
   * @param rc the call's result
   * @param operation what was being done, for the message
   * @param subject the value concerned (a name, an index), or {@code null}
   * @return {@code rc} when it is not negative
   */
  public static int check(int rc, String operation, String subject) {
    if (rc >= 0) {
      return rc;
    }
    throw exception(rc, operation, subject);
  }

  /**
   * The typed exception for a code.
   *
   * @param rc a negative code
   * @param operation what was being done
   * @param subject the value concerned, or {@code null}
   * @return the exception
   */
  public static MprocException exception(int rc, String operation, String subject) {
    String detail = API != null ? API.strerror(rc) : "error " + rc;
    ErrorCode code = ErrorCode.of(rc);
    if (code == null) {
      return new MprocException(rc, operation, subject, detail);
    }
    switch (code) {
      case EEXIST:
        return new ObjectExistsException(rc, operation, subject, detail);
      case ENOENT:
        return new NoSuchObjectException(rc, operation, subject, detail);
      case EBADNAME:
      case ENAMETOOLONG:
        return new InvalidNameException(rc, operation, subject, detail);
      case EBADMAGIC:
      case EVERSION:
      case EKIND:
      case ETYPE:
      case ECORRUPT:
      case ETRUNCATED:
      case ENOTREADY:
        return new IncompatibleObjectException(rc, operation, subject, detail);
      case ECLOSED:
        return new ObjectClosedException(rc, operation, subject, detail);
      default:
        return new MprocException(rc, operation, subject, detail);
    }
  }

  /**
   * A string about to become a C string: refused if it holds a NUL character, which C would
   * take for its end (a name "/a\0b" would open "/a").
   *
   * @param s the string, or {@code null}
   * @return {@code s}
   * @throws InvalidNameException naming the string if it holds a NUL
   */
  public static String cstr(String s) {
    if (s != null && s.indexOf('\0') >= 0) {
      throw new InvalidNameException(ErrorCode.EBADNAME.code(), "use",
          "\"" + s.replace("\0", "\\0") + "\"", "contains a NUL character");
    }
    return s;
  }

  /**
   * {@link #cstr} for every string of an array.
   *
   * @param a the strings, or {@code null}
   * @return {@code a}
   */
  public static String[] cstrs(String[] a) {
    if (a != null) {
      for (String s : a) {
        cstr(s);
      }
    }
    return a;
  }

  /**
   * The exception for using a closed object.
   *
   * @return an {@link ObjectClosedException}
   */
  public static ObjectClosedException closed() {
    ErrorCode c = ErrorCode.ECLOSED;
    return new ObjectClosedException(c.code(), "access", null, c.message());
  }
}
