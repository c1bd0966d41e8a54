#include "kpid/protection_warnings.h"

#include "kpid/server_options.h"

namespace kpi {

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
  return w;
}

}  // namespace kpi
