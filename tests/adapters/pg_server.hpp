// The PostgreSQL server simul::pg's tests talk to (tests/adapters/pg_server.sh).
//
// shared(): the server of this ctest run (SIMUL_PG_DIR, started by the CTest
// fixture), or, for a test binary run by hand, one started for this process
// and removed at its exit. PrivateServer: a server of the test's own, for
// tests that restart it, removed when the object ends.
#pragma once

#include <simul/debug/blocking_detector.hpp>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace pgtest {

inline int run_script(const std::string& cmd, const std::string& dir) {
    simul::AllowBlocking allow_blocking("the test's PostgreSQL scaffolding");
    const std::string line = std::string("sh ") + SIMUL_PG_SERVER_SCRIPT + " " + cmd + " " + dir + " >/dev/null";
    return std::system(line.c_str());
}

struct ServerInfo {
    std::string dir;
    int port = 0;
    std::string conninfo() const {  // Unix socket
        return "host=" + dir + " port=" + std::to_string(port) + " dbname=postgres user=postgres";
    }
    std::string tcp_conninfo() const {
        return "host=127.0.0.1 port=" + std::to_string(port) + " dbname=postgres user=postgres";
    }
};

inline int read_port(const std::string& dir) {
    std::ifstream in(dir + "/port");
    int port = 0;
    in >> port;
    if (!port) throw std::runtime_error("pgtest: no port in " + dir + "/port; is the server started?");
    return port;
}

class PrivateServer {
public:
    PrivateServer() {
        char tmpl[] = "/tmp/simul-pg.XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("pgtest: mkdtemp failed");
        info_.dir = tmpl;
        if (run_script("start", info_.dir) != 0) throw std::runtime_error("pgtest: could not start PostgreSQL in " + info_.dir);
        info_.port = read_port(info_.dir);
    }
    ~PrivateServer() { run_script("stop", info_.dir); }
    PrivateServer(const PrivateServer&) = delete;
    const ServerInfo& info() const { return info_; }
    // Blocking: call it from a worker (simul::to_thread) inside a running loop.
    void restart() const {
        if (run_script("restart", info_.dir) != 0) throw std::runtime_error("pgtest: restart failed");
    }

private:
    ServerInfo info_;
};

inline const ServerInfo& shared() {
    static std::unique_ptr<PrivateServer> own;
    static ServerInfo info = [] {
        const char* dir = std::getenv("SIMUL_PG_DIR");
        if (dir && *dir) return ServerInfo{dir, read_port(dir)};
        own = std::make_unique<PrivateServer>();
        return own->info();
    }();
    return info;
}

}  // namespace pgtest
