package org.mproc.queue;

/**
 * Turns messages into bytes and back. Encoding runs in the caller's thread, so a value that
 * cannot be encoded fails in {@code put}, never later. A codec handed to a child process with
 * its queue must be {@link java.io.Serializable}.
 *
 * @param <E> the message type
 */
public interface Codec<E> {
  /**
   * Encodes a message.
   *
   * @param value the message
   * @return its bytes
   * @throws IllegalArgumentException if the value cannot be encoded, naming its class
   */
  byte[] encode(E value);

  /**
   * Decodes a message.
   *
   * @param buf the bytes
   * @param off where the message starts
   * @param len its length
   * @return the message
   * @throws IllegalArgumentException if the bytes are malformed or name a class the filter
   *     rejects
   */
  E decode(byte[] buf, int off, int len);
}
