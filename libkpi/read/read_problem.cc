#include "libkpi/read/read_problem.h"

#include <algorithm>

namespace kpi {

std::string ReadProblem::ToString() const {
  std::string s = file;
  // Readers' messages often start with "offset N: ..." already.
  if (message.compare(0, 7, "offset ") == 0) return s + ": " + message;
  if (block >= 0) s += ": block " + std::to_string(block);
  if (offset >= 0) s += (block >= 0 ? " at offset " : ": offset ") + std::to_string(offset);
  return s + ": " + message;
}

std::string ReadProblem::ReportEntry() const {
  std::string s = std::string(damage() ? "damage " : "warning ") + message.substr(0, message.find(':'));
  if (block >= 0) s += " block=" + std::to_string(block);
  return s + " offset=" + std::to_string(offset);
}

ReadProblem ReadProblem::FromStatus(Severity severity, std::string file, int64_t block,
                                    int64_t offset, const Status& status) {
  std::string message = status.message();
  // Readers prefix their messages with the path; the problem names it already.
  if (message.compare(0, file.size() + 2, file + ": ") == 0) message.erase(0, file.size() + 2);
  return ReadProblem{severity, std::move(file), block, offset, std::move(message)};
}

ReadProblem ReadProblem::OfKind(Severity severity, std::string file, int64_t block,
                                int64_t offset, const std::string& kind, std::string why) {
  if (why.compare(0, file.size() + 2, file + ": ") == 0) why.erase(0, file.size() + 2);
  why = WithoutOffset(why);
  const std::string block_prefix = "block " + std::to_string(block) + ": ";
  if (block >= 0 && why.compare(0, block_prefix.size(), block_prefix) == 0) {
    why.erase(0, block_prefix.size());
  }
  return ReadProblem{severity, std::move(file), block, offset, kind + ": " + why};
}

std::string ReadProblem::WithoutOffset(const std::string& message) {
  if (message.compare(0, 7, "offset ") != 0) return message;
  const size_t colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

bool AnyDamage(const ReadProblems& problems) {
  return std::any_of(problems.begin(), problems.end(),
                     [](const ReadProblem& p) { return p.damage(); });
}

}  // namespace kpi
