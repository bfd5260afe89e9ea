// Helpers for the mongo adapter's tests: the CongoDB server (shared fixture
// or one of the test's own) and scripted wire-protocol servers on loopback
// for what CongoDB cannot do (duplicate keys, stalls, dropped connections,
// malformed replies).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/adapters/mongo.hpp>
#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

extern char** environ;

namespace mongo_test {

namespace mongo = simul::mongo;

// A CongoDB process of the test's own (node congodb_server.mjs DIR PORT --stdin):
// its stdin is a pipe from us, so it stops when this process ends.
class CongoProcess {
public:
    CongoProcess() = default;
    CongoProcess(const CongoProcess&) = delete;
    ~CongoProcess() { stop(); }

    // Starts it on `port` (0: a free one) and waits (bounded) for "ready".
    void start(std::uint16_t port = 0) {
        ensure_installed();
        int out[2], in[2];
        if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        std::string port_s = std::to_string(port);
        const char* argv[] = {"node", SIMUL_MONGO_LAUNCHER, SIMUL_CONGODB_DIR, port_s.c_str(), "--stdin", nullptr};
        int rc = posix_spawnp(&pid_, "node", &fa, nullptr, const_cast<char**>(argv), environ);
        posix_spawn_file_actions_destroy(&fa);
        close(out[1]);
        close(in[0]);
        stdin_ = in[1];
        if (rc != 0) {
            close(out[0]);
            throw std::runtime_error("could not start node (apt-get install nodejs)");
        }
        std::string line;
        char c;
        for (;;) {
            pollfd p{out[0], POLLIN, 0};
            if (poll(&p, 1, 20000) <= 0) break;
            if (read(out[0], &c, 1) != 1) break;
            if (c == '\n') break;
            line += c;
        }
        close(out[0]);
        if (line.rfind("ready ", 0) != 0) {
            stop();
            throw std::runtime_error("CongoDB did not start (got \"" + line + "\")");
        }
        port_ = std::uint16_t(std::stoi(line.substr(6)));
    }
    void stop() {
        if (pid_ > 0) {
            // SIGKILL: a crash is as good a restart as any, and takes no time.
            kill(pid_, SIGKILL);
            int st;
            for (int i = 0; i < 100; ++i) {
                if (waitpid(pid_, &st, WNOHANG) == pid_) {
                    pid_ = -1;
                    break;
                }
                usleep(20000);
            }
            if (pid_ > 0) {
                kill(pid_, SIGKILL);
                waitpid(pid_, &st, 0);
            }
            pid_ = -1;
        }
        if (stdin_ >= 0) close(std::exchange(stdin_, -1));
    }
    std::uint16_t port() const { return port_; }

    static void ensure_installed() {
        std::string probe = std::string(SIMUL_CONGODB_DIR) + "/.installed";
        if (access(probe.c_str(), F_OK) == 0) return;
        std::string cmd = std::string(SIMUL_MONGO_SETUP) + " " + SIMUL_CONGODB_DIR;
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("could not install CongoDB: " + cmd);
    }

private:
    pid_t pid_ = -1;
    int stdin_ = -1;
    std::uint16_t port_ = 0;
};

// The port of the run's shared CongoDB (the ctest fixture), or of one this
// process starts when run alone.
inline std::uint16_t shared_port() {
    if (const char* p = std::getenv("SIMUL_MONGO_PORT")) return std::uint16_t(std::atoi(p));
    if (const char* d = std::getenv("SIMUL_MONGO_DIR")) {
        std::ifstream f(std::string(d) + "/port");
        int port = 0;
        if (f >> port && port > 0) return std::uint16_t(port);
    }
    static CongoProcess own;
    if (own.port() == 0) own.start();
    return own.port();
}

// A database name of this test's own (tests of one run share the server).
inline std::string test_db() {
    auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    if (name.size() > 50) name.resize(50);
    return name + "_" + std::to_string(getpid());
}

// --- scripted servers -------------------------------------------------------

inline std::uint32_t get32(const char* p) {
    auto u = reinterpret_cast<const unsigned char*>(p);
    return std::uint32_t(u[0]) | (std::uint32_t(u[1]) << 8) | (std::uint32_t(u[2]) << 16) | (std::uint32_t(u[3]) << 24);
}
inline void put32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}

struct Request {
    std::int32_t id = 0;
    mongo::Document body;
    std::string name;  // the command: the body's first key
    std::vector<std::pair<std::string, std::vector<mongo::Document>>> sequences;
};

// The next OP_MSG from the client; nullopt when it closed the connection.
inline simul::Task<std::optional<Request>> read_request(simul::Stream& s) {
    std::string header = co_await s.read(16);
    if (header.size() < 16) {
        if (!header.empty()) {
            std::string more = co_await s.read_exactly(16 - header.size());
            header += more;
        } else {
            co_return std::nullopt;
        }
    }
    std::uint32_t len = get32(header.data());
    std::string rest = co_await s.read_exactly(len - 16);
    Request r;
    r.id = std::int32_t(get32(header.data() + 4));
    std::size_t pos = 4;
    while (pos < rest.size()) {
        char kind = rest[pos++];
        std::uint32_t n = get32(rest.data() + pos);
        if (kind == 0) {
            r.body = mongo::Document::from_bytes(std::string_view(rest.data() + pos, n));
            pos += n;
        } else {
            std::size_t end = pos + n;
            pos += 4;
            std::string ident(rest.data() + pos);
            pos += ident.size() + 1;
            std::vector<mongo::Document> docs;
            while (pos < end) {
                std::uint32_t dn = get32(rest.data() + pos);
                docs.push_back(mongo::Document::from_bytes(std::string_view(rest.data() + pos, dn)));
                pos += dn;
            }
            r.sequences.emplace_back(ident, std::move(docs));
        }
    }
    auto keys = r.body.keys();
    r.name = keys.empty() ? "" : keys.front();
    co_return r;
}

// An OP_MSG reply frame.
inline std::string frame(std::int32_t response_to, const mongo::Document& body, std::int32_t op_code = 2013) {
    std::string out;
    put32(out, std::uint32_t(16 + 4 + 1 + body.bytes().size()));
    put32(out, 777);
    put32(out, std::uint32_t(response_to));
    put32(out, std::uint32_t(op_code));
    put32(out, 0);
    out.push_back('\0');
    out.append(body.bytes());
    return out;
}

inline mongo::Document hello_reply() {
    return mongo::doc{{"isWritablePrimary", true}, {"maxWireVersion", 17}, {"minWireVersion", 0},
                      {"maxBsonObjectSize", 16777216}, {"maxMessageSizeBytes", 48000000},
                      {"maxWriteBatchSize", 100000}, {"ok", 1.0}};
}

inline simul::Task<> reply(simul::Stream& s, const Request& r, mongo::Document body) {
    std::string bytes = frame(r.id, body);
    co_await s.write(bytes);
}

// Serves one connection: answers hello itself and hands every other request
// to `on_request`, which returns false to stop serving the connection. The
// function object is copied into the frame: it outlives nothing.
template <class F>
simul::Task<> serve_scripted(simul::Stream s, F on_request) {
    try {
        for (;;) {
            std::optional<Request> r = co_await read_request(s);
            if (!r) co_return;
            if (r->name == "hello" || r->name == "isMaster") {
                co_await reply(s, *r, hello_reply());
                continue;
            }
            bool go_on = co_await on_request(s, *r);
            if (!go_on) co_return;
        }
    } catch (const simul::Error&) {
    } catch (const std::system_error&) {
    }
}

template <class F>
simul::Task<simul::Server> scripted_server(F on_request) {
    simul::ConnectionHandler handler = [on_request](simul::Stream s) -> simul::Task<> {
        return serve_scripted(std::move(s), on_request);
    };
    std::string host = "127.0.0.1";
    co_return co_await simul::start_server(handler, host, 0);
}

}  // namespace mongo_test
