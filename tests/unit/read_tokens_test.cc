// The read API's named tokens: the file's shape, the rules a token must
// meet, and that no error ever holds a token.
#include "kpid/read_tokens.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/filesystem.hpp>
#include <fstream>
#include <vector>

using namespace kpi;

namespace {

const std::string kAlice(40, 'a');
const std::string kBob = "0123456789abcdef0123456789abcdef";

std::string ParseError(const std::string& text) {
  ReadTokens tokens;
  const Status s = ReadTokens::Parse(text, "/etc/kpid/read.tokens", &tokens);
  REQUIRE_FALSE(s.ok());
  return s.message();
}

}  // namespace

TEST_CASE("named tokens, comments and blank lines") {
  ReadTokens tokens;
  const std::string text = "# readers\n\nalice " + kAlice + "\r\n  bob\t" + kBob + "  \n";
  REQUIRE(ReadTokens::Parse(text, "f", &tokens).ok());
  CHECK(tokens.size() == 2);
  REQUIRE(tokens.Find(kAlice) != nullptr);
  CHECK(*tokens.Find(kAlice) == "alice");
  CHECK(*tokens.Find(kBob) == "bob");
  CHECK(tokens.Find(kAlice + "a") == nullptr);
  CHECK(tokens.Find(kAlice.substr(1)) == nullptr);
  CHECK(tokens.Find("") == nullptr);
}

TEST_CASE("bad token files are refused naming the line, never the token") {
  const std::string shortie = "x1y2z3";
  for (const std::string& text : std::vector<std::string>{
           "alice " + shortie + "\n", "alice\n", "alice " + kAlice + " extra\n",
        "al/ice " + kAlice + "\n", "alice " + kAlice + "\nalice " + kBob + "\n",
        "alice " + kAlice + "\nbob " + kAlice + "\n", std::string("# nobody\n\n"),
        "alice " + std::string(31, 'k') + "\n"}) {
    const std::string message = ParseError(text);
    CHECK(message.find("/etc/kpid/read.tokens") != std::string::npos);
    CHECK(message.find(shortie) == std::string::npos);
    CHECK(message.find(kAlice) == std::string::npos);
    CHECK(message.find(kBob) == std::string::npos);
  }
  CHECK(ParseError("alice " + shortie).find("line 1: the token of 'alice' is 6 characters") !=
        std::string::npos);
  CHECK(ParseError("alice " + kAlice + "\nalice " + kBob).find("line 2: the name 'alice'") !=
        std::string::npos);
  CHECK(ParseError("a " + kAlice + "\nb " + kAlice).find("the same token as line 1") !=
        std::string::npos);
  CHECK(ParseError("").find("holds no token") != std::string::npos);
}

TEST_CASE("Load refuses files group or others may touch, and symbolic links") {
  const auto dir = boost::filesystem::temp_directory_path() /
                   boost::filesystem::unique_path("read-tokens-%%%%%%%%");
  boost::filesystem::create_directories(dir);
  const std::string path = (dir / "read.tokens").string();
  std::ofstream(path) << "alice " << kAlice << "\n";
  ReadTokens tokens;
  for (mode_t mode : {0644, 0640, 0620, 0602, 0660}) {
    ::chmod(path.c_str(), mode);
    const Status s = ReadTokens::Load(path, &tokens);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("chmod 600") != std::string::npos);
  }
  ::chmod(path.c_str(), 0600);
  CHECK(ReadTokens::Load(path, &tokens).ok());
  const std::string link = (dir / "link.tokens").string();
  REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
  const Status s = ReadTokens::Load(link, &tokens);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("symbolic link") != std::string::npos);
  boost::filesystem::remove_all(dir);
}
