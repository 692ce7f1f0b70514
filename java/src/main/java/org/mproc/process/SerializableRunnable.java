package org.mproc.process;

import java.io.Serializable;

/**
 * A {@link Runnable} that can travel to a child process. A lambda written where one is expected
 * is serializable by itself; everything it captures must be {@link Serializable} too, except mproc
 * objects (values, arrays, ...), which travel as handles on the same shared memory.
 */
@FunctionalInterface
public interface SerializableRunnable extends Runnable, Serializable {}
