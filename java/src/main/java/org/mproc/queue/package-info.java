/**
 * Python's {@code multiprocessing.Queue} as {@link org.mproc.queue.SharedQueue}: a bounded
 * multi-producer multi-consumer queue in shared memory, with a pluggable {@link
 * org.mproc.queue.Codec}.
 */
package org.mproc.queue;
