#include "libkpi/ship/clickhouse_client.h"

#include <httplib.h>

#include <cctype>

namespace kpi {
namespace {

constexpr int kDefaultPort = 8123;
constexpr int kDefaultTlsPort = 8443;
constexpr time_t kConnectTimeoutSeconds = 10;
// Inserts of a big hour and waiting for FINAL may take a while on a busy server.
constexpr time_t kReadTimeoutSeconds = 600;
constexpr char kSettings[] = "insert_distributed_sync=1";

// Checks `url` and writes it as scheme://host:port, the form httplib's
// client takes.
Status ParseUrl(const std::string& url, std::string* canonical) {
  std::string scheme;
  for (const char* s : {"http://", "https://"}) {
    if (url.rfind(s, 0) == 0) scheme = s;
  }
  if (scheme.empty()) {
    return Status::InvalidArgument("ClickHouse URL '" + url + "' must start with http:// or https://");
  }
  std::string rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('@') != std::string::npos) {
    return Status::InvalidArgument("ClickHouse URL must not hold credentials; put USER:PASSWORD "
                                   "in a credentials file (chmod 600)");
  }
  if (rest.empty() || rest.find_first_of("/?#") != std::string::npos) {
    return Status::InvalidArgument("ClickHouse URL '" + url +
                                   "' must be http://HOST[:PORT] with no path");
  }
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || rest.find(']', colon) != std::string::npos) {
    rest += ":" + std::to_string(scheme == "https://" ? kDefaultTlsPort : kDefaultPort);
  } else {
    const std::string digits = rest.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos || std::stoi(digits) > 65535) {
      return Status::InvalidArgument("ClickHouse URL '" + url + "': bad port '" + digits + "'");
    }
  }
  *canonical = scheme + rest;
  return Status::OK();
}

// ClickHouse's explanation is its answer's first line.
std::string FirstLine(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > 500) line = line.substr(0, 500) + "...";
  return line;
}

}  // namespace

struct ClickHouseClient::Connection {
  explicit Connection(const std::string& scheme_host_port) : http(scheme_host_port) {}
  httplib::Client http;
};

std::string UrlEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

ClickHouseClient::ClickHouseClient(std::string url, std::unique_ptr<Connection> connection)
    : url_(std::move(url)), connection_(std::move(connection)) {}

ClickHouseClient::~ClickHouseClient() = default;

Status ClickHouseClient::Open(const std::string& url, const ClickHouseCredentials& credentials,
                              std::unique_ptr<ClickHouseClient>* client) {
  std::string canonical;
  KPI_RETURN_IF_ERROR(ParseUrl(url, &canonical));
  auto connection = std::make_unique<Connection>(canonical);
  if (!connection->http.is_valid()) {
    return Status::InvalidArgument("ClickHouse URL '" + url + "' is not usable by the HTTP client");
  }
  connection->http.set_connection_timeout(kConnectTimeoutSeconds);
  connection->http.set_read_timeout(kReadTimeoutSeconds);
  connection->http.set_write_timeout(kReadTimeoutSeconds);
  connection->http.set_keep_alive(true);
  if (!credentials.user.empty()) {
    connection->http.set_basic_auth(credentials.user.c_str(), credentials.password.c_str());
  }
  client->reset(new ClickHouseClient(canonical, std::move(connection)));
  return Status::OK();
}

Status ClickHouseClient::CheckAnswer(const std::string& what, int status,
                                     const std::string& body) const {
  if (status == 200) return Status::OK();
  std::string hint;
  if (status == 401 || status == 403 || body.find("Code: 193") != std::string::npos ||
      body.find("Code: 192") != std::string::npos) {
    hint = " (check the user and password in the credentials file)";
  }
  return Status::IOError("ClickHouse " + url_ + " answered " + std::to_string(status) + " to " +
                         what + ": " + FirstLine(body) + hint);
}

Status ClickHouseClient::Execute(const std::string& sql, std::string* result) {
  auto answer = connection_->http.Post(std::string("/?") + kSettings, sql, "text/plain");
  if (!answer) {
    return Status::IOError("ClickHouse " + url_ + ": " + httplib::to_string(answer.error()) +
                           "; is the server running and the URL right?");
  }
  const std::string what = FirstLine(sql).substr(0, 60);
  KPI_RETURN_IF_ERROR(CheckAnswer("'" + what + "'", answer->status, answer->body));
  if (result != nullptr) *result = std::move(answer->body);
  return Status::OK();
}

Status ClickHouseClient::Insert(const std::string& insert, const ChunkSource& source) {
  Status source_status;
  std::string chunk;
  auto provider = [&](size_t, httplib::DataSink& sink) {
    bool done = false;
    chunk.clear();
    source_status = source(&chunk, &done);
    if (!source_status.ok()) return false;
    if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) return false;
    if (done) sink.done();
    return true;
  };
  const std::string path = std::string("/?") + kSettings + "&query=" + UrlEncode(insert);
  auto answer = connection_->http.Post(path, httplib::Headers{}, provider,
                                       "text/tab-separated-values");
  KPI_RETURN_IF_ERROR(source_status);
  if (!answer) {
    return Status::IOError("ClickHouse " + url_ + ": insert failed: " +
                           httplib::to_string(answer.error()));
  }
  return CheckAnswer("an insert", answer->status, answer->body);
}

}  // namespace kpi
