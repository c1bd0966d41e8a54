// kpid: placeholder until the ingest issue lands; answers /healthz only.
#include <CLI/CLI.hpp>
#include <httplib.h>

int main(int argc, char** argv) {
  CLI::App app{"kpid - KPI interaction data daemon"};
  std::string listen = "127.0.0.1:8080";
  app.add_option("--listen", listen, "HOST:PORT to listen on");
  CLI11_PARSE(app, argc, argv);
  httplib::Server server;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  const auto colon = listen.rfind(':');
  return server.listen(listen.substr(0, colon), std::stoi(listen.substr(colon + 1))) ? 0 : 1;
}
