/** The {@code mproc} command-line tool. */
package org.mproc.cli;
