/**
 * Python's {@code multiprocessing.Pipe} and {@code Connection}: message pipes between processes,
 * framed exactly like {@code multiprocessing.connection}, so a Python process can be the peer.
 */
package org.mproc.connection;
