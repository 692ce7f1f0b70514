/**
 * mproc: Python-multiprocessing-style inter-process communication for Java. This package holds
 * what every object shares: the error codes and exceptions, and the management of named objects
 * ({@link org.mproc.Mproc}).
 */
package org.mproc;
