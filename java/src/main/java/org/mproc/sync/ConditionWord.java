package org.mproc.sync;

import org.mproc.ObjectKind;

/** The segment of a {@link SharedCondition}: its notify sequence and waiter count. */
final class ConditionWord extends SyncObject {
  /** Body offset of the waiter count. */
  static final int WAITERS = 4;

  ConditionWord(long handle, String name) {
    super(handle, name, ObjectKind.CONDITION);
  }
}
