#include "kpid/protection_warnings.h"

#include <arpa/inet.h>

#include "kpid/server_options.h"

namespace kpi {
namespace {

// 127.0.0.0/8, ::1 and "localhost": only this machine (nginx) can connect.
bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4;
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

void WarnIfExposed(const std::string& address, const char* option, const char* what,
                   std::vector<std::string>* w) {
  std::string host;
  int port = 0;
  if (address.empty() || !ParseHostPort(address, option, &host, &port).ok()) return;
  if (IsLoopbackHost(host)) return;
  w->push_back(std::string(option) + " " + address + " is not a loopback address: " + what +
               " reachable from other machines without nginx in front (no rate limit, no "
               "cookie filtering, slow clients meet kpid directly)");
}

}  // namespace

std::vector<std::string> WeakenedProtections(const ServerOptions& o) {
  std::vector<std::string> w;
  if (!o.csrf) {
    w.push_back("--csrf off: any web site can make its visitors' browsers post records");
  }
  if (o.opt_out_cookie.empty()) {
    w.push_back("--opt-out-cookie is empty: users who opted out are recorded again");
  }
  if (!o.honor_gpc) {
    w.push_back("--no-honor-gpc: browsers sending Global Privacy Control are recorded");
  }
  WarnIfExposed(o.listen, "--listen",
                o.read_listen.empty() ? "the ingest POST, the read API and /metrics are"
                                      : "the ingest POST is",
                &w);
  WarnIfExposed(o.read_listen, "--read-listen", "the read API and /metrics are", &w);
  return w;
}

}  // namespace kpi
