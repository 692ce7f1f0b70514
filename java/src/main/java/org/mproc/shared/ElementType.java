package org.mproc.shared;

/**
 * Element types of Values and Arrays, each named by its Python {@code struct} code (the code
 * stored in the segment header, so Python can decode the data with
 * {@code struct.unpack_from("<" + code, ...)}). All are little-endian and naturally aligned.
 */
public enum ElementType {
  /** Signed 8-bit integer, {@code 'b'}. */
  INT8('b', 1),
  /** Unsigned 8-bit integer, {@code 'B'} (readable from Java as a byte). */
  UINT8('B', 1),
  /** Signed 16-bit integer, {@code 'h'}. */
  INT16('h', 2),
  /** Unsigned 16-bit integer, {@code 'H'}. */
  UINT16('H', 2),
  /** Signed 32-bit integer, {@code 'i'}. */
  INT32('i', 4),
  /** Unsigned 32-bit integer, {@code 'I'}. */
  UINT32('I', 4),
  /** Signed 64-bit integer, {@code 'q'}. */
  INT64('q', 8),
  /** Unsigned 64-bit integer, {@code 'Q'}. */
  UINT64('Q', 8),
  /** IEEE 754 binary32, {@code 'f'}. */
  FLOAT32('f', 4),
  /** IEEE 754 binary64, {@code 'd'}. */
  FLOAT64('d', 8);

  private final char code;
  private final int size;

  ElementType(char code, int size) {
    this.code = code;
    this.size = size;
  }

  /**
   * The Python {@code struct} code.
   *
   * @return e.g. {@code 'd'}
   */
  public char code() {
    return code;
  }

  /**
   * The size of one element.
   *
   * @return bytes per element
   */
  public int size() {
    return size;
  }

  /**
   * Looks a struct code up.
   *
   * @param code a Python struct code
   * @return the type, or {@code null} when mproc has no such element type
   */
  public static ElementType ofCode(char code) {
    for (ElementType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
