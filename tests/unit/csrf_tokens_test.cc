// CsrfTokens: kpid's stateless CSRF tokens (HMAC-SHA256) and their secret file.
#include "kpid/csrf_tokens.h"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

using namespace kpi;

namespace {

const std::string kSecret(64, 'k');
constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kNow = 1700000000000;

std::string TempDir() {
  char dir[] = "/tmp/csrf-test.XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  return dir;
}

}  // namespace

TEST_CASE("an issued token verifies until it expires") {
  const CsrfTokens tokens(kSecret, kHour);
  const std::string token = tokens.Issue(kNow);
  CHECK(token.find_first_not_of("0123456789abcdef.") == std::string::npos);
  CHECK(tokens.Verify(token, kNow).ok());
  CHECK(tokens.Verify(token, kNow + kHour - 1000).ok());
  const Status expired = tokens.Verify(token, kNow + kHour);
  CHECK(expired.message().find("expired") != std::string::npos);
  CHECK(tokens.Issue(kNow) != token);  // a fresh nonce each time
}

TEST_CASE("a token kpid did not sign is forged") {
  const CsrfTokens tokens(kSecret, kHour);
  const std::string token = tokens.Issue(kNow);
  const auto forged = [&](const std::string& t) {
    return tokens.Verify(t, kNow).message().find("forged") != std::string::npos;
  };
  CHECK(forged(CsrfTokens(std::string(64, 'x'), kHour).Issue(kNow)));  // another secret
  std::string flipped = token;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  CHECK(forged(flipped));
  // A later expiry with the old signature.
  CHECK(forged("9" + token));
  CHECK(forged(""));
  CHECK(forged("evil"));
  CHECK(forged(token.substr(0, token.rfind('.'))));
  CHECK(forged(std::string(300, 'a')));
}

TEST_CASE("the secret file is created private and read back") {
  const std::string dir = TempDir();
  const std::string path = dir + "/csrf.key";
  std::string first, second;
  REQUIRE(CsrfTokens::OpenOrCreateSecret(path, &first).ok());
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(first.size() == 64);
  REQUIRE(CsrfTokens::OpenOrCreateSecret(path, &second).ok());
  CHECK(first == second);

  ::chmod(path.c_str(), 0640);
  const Status open = CsrfTokens::OpenOrCreateSecret(path, &second);
  CHECK(open.message().find("mode 0640") != std::string::npos);
  CHECK(open.message().find(path) != std::string::npos);

  const std::string shortkey = dir + "/short.key";
  std::ofstream(shortkey) << "abc\n";
  ::chmod(shortkey.c_str(), 0600);
  CHECK(CsrfTokens::OpenOrCreateSecret(shortkey, &second).message().find("holds 3") !=
        std::string::npos);

  // A planted link is not followed, neither to read nor to create.
  const std::string link = dir + "/link.key";
  REQUIRE(::symlink(shortkey.c_str(), link.c_str()) == 0);
  CHECK_FALSE(CsrfTokens::OpenOrCreateSecret(link, &second).ok());
  std::system(("rm -rf " + dir).c_str());
}
