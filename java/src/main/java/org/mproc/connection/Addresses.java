package org.mproc.connection;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;

/** Java socket addresses to and from libmproc's address strings ("unix:PATH", "tcp:HOST:PORT"). */
final class Addresses {
  private Addresses() {}

  static String format(SocketAddress address) {
    if (address instanceof UnixDomainSocketAddress) {
      String path = ((UnixDomainSocketAddress) address).getPath().toString();
      if (path.isEmpty()) {
        throw new IllegalArgumentException("a Unix socket address needs a path: " + address);
      }
      return "unix:" + path;
    }
    if (address instanceof InetSocketAddress) {
      InetSocketAddress in = (InetSocketAddress) address;
      InetAddress ip = in.getAddress();
      String host = ip != null ? ip.getHostAddress() : in.getHostString();
      if (ip instanceof Inet6Address || (ip == null && host.indexOf(':') >= 0)) {
        int zone = host.indexOf('%');
        host = "[" + (zone >= 0 ? host.substring(0, zone) : host) + "]";
      }
      return "tcp:" + host + ":" + in.getPort();
    }
    throw new IllegalArgumentException(
        "not a Unix or TCP socket address: " + address
            + (address == null ? "" : " (" + address.getClass().getName() + ")"));
  }

  static SocketAddress parse(String address) {
    if (address.startsWith("unix:")) {
      return UnixDomainSocketAddress.of(address.substring(5));
    }
    String hostPort = address.substring(4); // "tcp:"
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      // A literal from the library: no name lookup happens.
      return new InetSocketAddress(
          InetAddress.getByName(host), Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("libmproc returned an address Java cannot read: " + address);
    }
  }
}
