/** The binding to libmproc (FFM and JNA backends) and the loader; not a public API. */
package org.mproc.internal;
