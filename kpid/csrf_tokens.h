// CsrfTokens: issues and verifies kpid's CSRF tokens without server state.
//
// A token is "<expiry>.<nonce>.<mac>": the expiry in Unix seconds, 16 random
// bytes and HMAC-SHA256 (OpenSSL) over "kpi-csrf-1|<expiry>.<nonce>" with a
// secret only kpid knows, all in hex, so it is safe in a cookie and a form.
// GET /wsapi/session_context hands one out; a POST must show it in the
// cookie and the body (csrf_check.h). Any kpid holding the same secret
// verifies any other's tokens, so a cluster shares one --csrf-secret-file.
//
// The secret file holds 64 hex digits (32 random bytes). OpenOrCreateSecret
// creates it mode 0600 without following links when it is missing and
// refuses one that group or others may read or write.
//
// Thread-safety: Issue and Verify are const and safe from many threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libkpi/ingest/csrf_check.h"
#include "libkpi/util/status.h"

namespace kpi {

class CsrfTokens : public CsrfTokenVerifier {
 public:
  // `secret`: at least 32 bytes of key material.
  CsrfTokens(std::string secret, int64_t ttl_ms);

  // Reads the secret at `path`, creating it first when it does not exist.
  // InvalidArgument naming the file when its mode lets group or others in or
  // it is too short; IOError when it cannot be created or read.
  static Status OpenOrCreateSecret(const std::string& path, std::string* secret);

  // A fresh token valid until now + ttl.
  std::string Issue(int64_t now_ms) const;
  // OK, or InvalidArgument "forged csrf token" / "expired csrf token ...".
  Status Verify(std::string_view token, int64_t now_ms) const override;

  int64_t ttl_ms() const { return ttl_ms_; }

 private:
  std::string Mac(std::string_view signed_part) const;

  std::string secret_;
  int64_t ttl_ms_;
};

}  // namespace kpi
