// The options that weaken one of kpid's privacy or security protections.
// kpid logs each at start (warn), so a weakened setup never goes unnoticed;
// README "Privacy" and kpid(8) say what each costs.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <vector>

namespace kpi {

struct ServerOptions;

// One sentence per weakened protection, empty when every default holds.
std::vector<std::string> WeakenedProtections(const ServerOptions& options);

}  // namespace kpi
