/**
 * Synchronization primitives shared by processes, after Python's {@code multiprocessing}:
 * {@link org.mproc.sync.SharedLock}, {@link org.mproc.sync.SharedRLock},
 * {@link org.mproc.sync.SharedSemaphore} (bounded or not), {@link org.mproc.sync.SharedCondition},
 * {@link org.mproc.sync.SharedEvent} and {@link org.mproc.sync.SharedBarrier}. Each is named
 * (create and open by name, from Java or C) or anonymous (handed to children by
 * {@link org.mproc.process.Subprocess}), and survives the death of any process using it: a dead
 * lock owner's lock is taken over and the taker told so, a dead waiter blocks nobody, and a
 * barrier whose party died breaks instead of hanging.
 */
package org.mproc.sync;
