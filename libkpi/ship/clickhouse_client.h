// ClickHouseClient: statements and streamed inserts over ClickHouse's HTTP
// interface (port 8123), with cpp-httplib's client.
//
// The URL is http://HOST[:PORT][/] (port 8123 when omitted) or
// https://HOST[:PORT][/] (8443; the server's certificate is verified against
// the system's CA store). Credentials are
// never part of it: a URL with USER:PASSWORD@ is refused, and they come from
// ClickHouseCredentials (sent as HTTP basic authentication). Every error
// names the server as url() (never the credentials) and quotes ClickHouse's
// own first line of explanation ("Code: 60, e.displayText() = ...").
//
// Every request asks for insert_distributed_sync=1: an insert into a
// Distributed table returns only once every shard holds its rows, so a count
// right after it is exact (a plain MergeTree table ignores the setting).
//
// Thread-safety: not thread-safe; one client per thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "libkpi/ship/clickhouse_credentials.h"
#include "libkpi/util/status.h"

namespace kpi {

class ClickHouseClient {
 public:
  // Supplies an insert's body: appends the next rows to *chunk and sets
  // *done at the end. A failure aborts the insert and is returned by Insert.
  using ChunkSource = std::function<Status(std::string* chunk, bool* done)>;

  static Status Open(const std::string& url, const ClickHouseCredentials& credentials,
                     std::unique_ptr<ClickHouseClient>* client);
  ~ClickHouseClient();

  // "http://host:port" (the port filled in, no trailing slash).
  const std::string& url() const { return url_; }

  // Runs one statement; *result (may be null) gets the answer's body.
  Status Execute(const std::string& sql, std::string* result);
  // Runs `insert` ("INSERT INTO t (...) FORMAT TabSeparated") with the rows
  // `source` produces, sent as a chunked body while they are produced.
  Status Insert(const std::string& insert, const ChunkSource& source);

 private:
  struct Connection;
  ClickHouseClient(std::string url, std::unique_ptr<Connection> connection);
  Status CheckAnswer(const std::string& what, int status, const std::string& body) const;

  std::string url_;
  std::unique_ptr<Connection> connection_;
};

// Percent-encodes `text` for a URL query parameter.
std::string UrlEncode(const std::string& text);

}  // namespace kpi
