/**
 * Python's {@code multiprocessing.Value}/{@code Array} (and {@code RawValue}/{@code RawArray}):
 * typed values and arrays in shared memory, seen by every process at once, shaped like
 * {@code AtomicLong} and {@code AtomicIntegerArray}.
 */
package org.mproc.shared;
