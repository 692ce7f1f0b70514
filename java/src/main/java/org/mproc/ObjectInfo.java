package org.mproc;

import java.time.Instant;

/**
 * What the header of a named object says, read without attaching to it ({@code mproc_stat}).
 *
 * @param name the name, e.g. {@code "/jobs"}
 * @param kind the kind, or {@code null} if this version does not know it
 * @param kindCode the raw kind code
 * @param layoutVersion the layout version, {@code "major.minor"}
 * @param elementCode the Python struct code of the elements, or {@code 0} if none
 * @param state the state word: 0 INIT, 1 READY, 2 CLOSED, 3 POISONED
 * @param size the size of the segment in bytes
 * @param length the number of elements
 * @param creatorPid the process id of the creator
 * @param creatorAlive whether the creator (same pid and start time) still runs
 * @param maxParticipants how many processes may attach at once
 * @param liveParticipants how many attached processes are alive
 * @param stale whether every participant and the creator are dead, so {@link Mproc#gc()} would
 *     remove it
 * @param created when it was created
 */
public record ObjectInfo(
    String name,
    ObjectKind kind,
    int kindCode,
    String layoutVersion,
    char elementCode,
    int state,
    long size,
    long length,
    int creatorPid,
    boolean creatorAlive,
    int maxParticipants,
    int liveParticipants,
    boolean stale,
    Instant created) {

  /**
   * The state as a word: {@code INIT}, {@code READY}, {@code CLOSED} or {@code POISONED}.
   *
   * @return the state's name
   */
  public String stateName() {
    switch (state) {
      case 0:
        return "INIT";
      case 1:
        return "READY";
      case 2:
        return "CLOSED";
      case 3:
        return "POISONED";
      default:
        return "STATE" + state;
    }
  }

  /**
   * The kind as a lower-case word.
   *
   * @return e.g. {@code "array"}
   */
  public String kindName() {
    return kind != null ? kind.name().toLowerCase() : "kind" + kindCode;
  }
}
