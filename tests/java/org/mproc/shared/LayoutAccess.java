package org.mproc.shared;

/** Exposes the package-private layout constants to tests in other packages. */
public final class LayoutAccess {
  private LayoutAccess() {}

  /** @return the header offset Java reads the data offset from */
  public static int dataOffsetField() {
    return SharedData.HDR_DATA_OFFSET;
  }

  /** @return the header offset Java reads the element count from */
  public static int elemCountField() {
    return SharedData.HDR_ELEM_COUNT;
  }
}
