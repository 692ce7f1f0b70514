/**
 * Child processes: Python's {@code multiprocessing.Process} as {@link
 * org.mproc.process.Subprocess}, running a serializable target in a new JVM or any native
 * program, with mproc objects handed over as handles on the same shared memory.
 */
package org.mproc.process;
