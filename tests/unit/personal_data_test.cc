// FindPersonalDataShape: each shape it must catch, case-insensitively, and
// the real values that must stay valid.
#include "libkpi/ingest/personal_data.h"

#include <catch2/catch.hpp>

#include <string>

using kpi::FindPersonalDataShape;

namespace {

std::string Shape(const std::string& text) {
  const char* shape = FindPersonalDataShape(text);
  return shape == nullptr ? "" : shape;
}

}  // namespace

TEST_CASE("real event names and user_agent members are not personal data") {
  for (const char* text :
       {"Windows NT 6.1", "Chrome", "21.0", "picker::signin", "picker::change",
        "xhr_complete.GET/wsapi/session_context", "xhr_complete.POST/wsapi/cert_key",
        "screen.rp_info", "Mac OS X 10_8_2", "21.0.1180.89", "6.0.2", "1.2.3", "256.1.1.1",
        "MSIE", "en-US", "a:b", "dialog::add", "user.can_interact", "", "/", "@"}) {
    INFO(text);
    CHECK(Shape(text).empty());
  }
}

TEST_CASE("email addresses") {
  for (const char* text : {"alice@example.com", "login:alice.pii@example.com", "X@Y", "a@b c"}) {
    INFO(text);
    CHECK(Shape(text) == "looks like an email address");
  }
  CHECK(Shape("a @ b").empty());  // an '@' between blanks is no address
}

TEST_CASE("IPv4 and IPv6 addresses") {
  for (const char* text : {"203.0.113.42", "ip=10.0.0.1;", "x.255.255.255.0", "::1", "FE80::1%eth0",
                           "2001:db8::ff00:42:8329", "2001:0DB8:85A3:0000:0000:8A2E:0370:7334",
                           "::ffff:c000:0207", "64:ff9b::c000:207", "1:2:3:4:5:6:7:8"}) {
    INFO(text);
    CHECK(Shape(text) == "looks like an IP address");
  }
  for (const char* text : {"1:2:3:4:5:6:7", "1::2::3", "12345::1", "1:2:3:4:5:6:7:8:9", "g::1"}) {
    INFO(text);
    CHECK(Shape(text).empty());
  }
}

TEST_CASE("URLs") {
  for (const char* text : {"https://example.com/x", "HTTP://A", "ftp://h", "//host/path",
                           "www.example.com", "go to WWW.Example.Org"}) {
    INFO(text);
    CHECK(Shape(text) == "looks like a URL");
  }
  CHECK(Shape("screen.awww.x").empty());  // "www." must start a word
}

TEST_CASE("User-Agent strings") {
  for (const char* text :
       {"mozilla/5.0 (windows nt 6.1) applewebkit/537.1 (khtml, like gecko) chrome/21.0.1180.89",
        "Mozilla/5.0", "curl/7.88.1", "CHROME/21.0", "Opera/9.80 Presto/2.12.388",
        "something like Gecko", "AppleWebKit/x"}) {
    INFO(text);
    CHECK(Shape(text) == "looks like a User-Agent string");
  }
}
